"""Fixing mistakes with the trail kept: `edit` corrects an item's descriptive fields, `remove` takes back an item nobody else can have."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

from shishi.errors import ShishiError
from shishi.i18n import tr
from shishi.store import tree as t
from shishi.store.ledger import Ledger
from shishi.store.model import Correction, Item
from shishi.values import parse_date, parse_money
from shishi.write.files import check_vocab, locate, read_text, tree_units, write_ledger
from shishi.write.items import modify
from shishi.write.lock import write_lock

# What `edit` may correct: deadlines go through `extend`, status through the lifecycle commands.
EDITABLE = ("title", "description", "category", "source", "owner", "lead", "partners", "opened", "budget", "tags")


def as_text(v: object) -> str | list[str] | None:
    """A field's value as the correction record keeps it: text, or a list of texts; None when empty."""
    if v is None or v == []:
        return None
    if isinstance(v, list):
        return [str(x) for x in v]
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def edit(
    root: Path,
    item_id: str,
    *,
    title: str | None = None,
    description: str | None = None,
    category: str | None = None,
    source: str | None = None,
    owner: str | None = None,
    lead: str | None = None,
    partners: Iterable[str] | None = None,
    opened: str | date | None = None,
    budget: str | None = None,
    tags: Iterable[str] | None = None,
    reason: str | None = None,
    today: date | None = None,
) -> tuple[Item, Correction]:
    """Correct descriptive fields of an item; the former values and the reason are recorded in the item.

    An empty text ("") clears an optional field; a list given replaces the list.
    """
    wanted: dict[str, object] = {}
    for name, v in (("title", title), ("description", description), ("category", category), ("source", source), ("owner", owner), ("lead", lead)):
        if v is not None:
            v = v.strip()
            if not v and name == "title":
                raise ShishiError(tr("事项名称不能为空", "the title cannot be empty"))
            wanted[name] = v or None
    if partners is not None:
        wanted["partners"] = [p.strip() for p in partners if p.strip()]
    if tags is not None:
        wanted["tags"] = [p.strip() for p in tags if p.strip()]
    if opened is not None:
        wanted["opened"] = parse_date(opened, "--opened", today)
    if budget is not None:
        wanted["budget"] = parse_money(budget, "--budget") if budget.strip() else None
    if not wanted:
        raise ShishiError(tr("没有要更正的内容（可用 --title、--owner、--category 等）", "nothing to correct (give --title, --owner, --category …)"))
    d = today or date.today()
    done: list[Correction] = []

    def change(item: Item, ledger: Ledger) -> Item:
        fields = [f for f in EDITABLE if f in wanted and getattr(item, f) != wanted[f]]
        if not fields:
            raise ShishiError(tr(f"{item.id} 的这些内容本来就是这样，无需更正", f"{item.id} already has these values; nothing to correct"))
        check_vocab(ledger.config, wanted.get("category") if "category" in fields else None, wanted.get("source") if "source" in fields else None)
        if "opened" in fields:
            new_opened = wanted["opened"]
            if new_opened.year != item.opened.year:
                raise ShishiError(
                    tr(
                        f"登记日期只能在 {item.opened.year} 年内更正（{item.id} 记在 {item.opened.year}.yaml 里）",
                        f"the opening date can only be corrected within {item.opened.year} ({item.id} is kept in {item.opened.year}.yaml)",
                    )
                )
            if item.due and new_opened > item.due:
                raise ShishiError(tr(f"登记日期 {new_opened} 晚于完成时限 {item.due}", f"opening date {new_opened} is after the due date {item.due}"))
            later = [x.date for x in (item.resolution, item.verification, item.cancellation) if x is not None] + [p.date for p in item.progress]
            if later and new_opened > min(later):
                raise ShishiError(tr(f"登记日期 {new_opened} 晚于已记录的 {min(later)}", f"opening date {new_opened} is after the recorded {min(later)}"))
        old = {f: as_text(getattr(item, f)) for f in fields}
        corr = Correction(date=d, changed=fields, old={k: v for k, v in old.items() if v is not None}, reason=reason.strip() if reason and reason.strip() else None)
        for f in fields:
            setattr(item, f, wanted[f])
        item.corrections.append(corr)
        done.append(corr)
        return item

    item = modify(root, item_id, change)
    return item, done[0]


# ------------------------------------------------------------------ remove


def remove(root: Path, item_id: str) -> Item:
    """Take back an item that was never committed to git (so nobody else can have it); else refuse, pointing to `cancel`."""
    from shishi.git import repo as gitio

    with write_lock(root):
        ledger = tree_units(root)
        loc = locate(ledger, item_id)
        item = loc.item
        refs = gitio.refs_holding(root, item.id)
        if refs:
            raise ShishiError(
                tr(
                    f"{item.id} 已提交到 git（{refs[0]}），别人可能已有这件事项，不能删除；请用 shishi cancel {item.id} --reason … 撤销",
                    f"{item.id} was committed to git ({refs[0]}) and others may have it; it cannot be removed: use shishi cancel {item.id} --reason …",
                )
            )
        linked = item.escalated_from or item.escalated_to
        if linked:
            raise ShishiError(tr(f"{item.id} 与 {linked} 有上报关联，不能删除；请用 shishi cancel 撤销", f"{item.id} is linked by escalation to {linked}; use shishi cancel instead"))
        lines = loc.lines
        start, end = loc.block.start, loc.block.end
        own = "".join(lines[start:end]).count(item.id)
        for _u, ud in ledger.units.items():
            for _y, path in t.ledger_files(ud):
                n = read_text(path)[0].count(item.id) - (own if path == loc.path else 0)
                if n > 0:
                    rp = t.rel(root, path)
                    raise ShishiError(tr(f"{rp} 里还有别的事项提到 {item.id}，不能删除；请用 shishi cancel 撤销", f"another item in {rp} refers to {item.id}; use shishi cancel instead"))
        if end < len(lines) and not lines[end].strip():
            end += 1  # the blank line after it goes too
        elif start > 0 and not lines[start - 1].strip():
            start -= 1
        write_ledger(root, loc.path, "".join(lines[:start] + lines[end:]), loc.bom)
    return item
