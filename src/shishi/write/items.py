"""Item transitions: add, progress, close, verify, reopen, cancel, escalate — each checked first, then written under the lock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

from shishi.errors import ShishiError
from shishi.i18n import get_lang, status_name, suggest, tr
from shishi.store import tree as t
from shishi.store.ledger import Ledger, parse_text
from shishi.store.model import (
    ID_RE,
    KINDS,
    Cancellation,
    Config,
    Item,
    Milestone,
    Progress,
    Reopening,
    Resolution,
    Target,
    Verification,
    item_to_data,
)
from shishi.values import norm_id, parse_count, parse_date, parse_money, parse_target
from shishi.write.files import (
    append_text,
    check_vocab,
    checked,
    locate,
    next_id,
    read_text,
    replace_block,
    tree_units,
    unit_readable,
    validate_item,
    write_ledger,
)
from shishi.write.lock import write_lock

OPEN_STATES = ("open", "in_progress")

def parse_milestone(text: str) -> Milestone:
    """'一期竣工=2021-10-31' -> Milestone."""
    name, sep, when = text.rpartition("=")
    if not sep or not name.strip():
        raise ShishiError(tr(f"节点应写成 名称=日期，如 一期竣工=2021-10-31：{text}", f"a milestone is NAME=DATE, e.g. 一期竣工=2021-10-31: {text}"))
    with checked():
        return Milestone(name=name.strip(), due=parse_date(when, name.strip()))




def default_due(config: Config | None, opened: date, category: str | None, handling: str | None) -> date:
    """The deadline an item gets from shishi.yaml's time limits: category, then handling class, then default."""
    limits = config.time_limits if config else None
    if limits is None:
        return opened + timedelta(days=7)
    if category and category in limits.categories:
        days = limits.categories[category]
    elif handling and handling in limits.classes:
        days = limits.classes[handling]
    else:
        days = limits.default
    return opened + timedelta(days=days)


# ------------------------------------------------------------------ items


def add(
    root: Path,
    unit: str,
    title: str,
    *,
    kind: str = "demand",
    description: str | None = None,
    category: str | None = None,
    source: str | None = None,
    handling: str | None = None,
    due: str | date | None = None,
    opened: str | date | None = None,
    owner: str | None = None,
    lead: str | None = None,
    partners: Iterable[str] = (),
    budget: str | None = None,
    targets: Iterable[str] = (),
    milestones: Iterable[str] = (),
    reporter: str | None = None,
    phone: str | None = None,
    tags: Iterable[str] = (),
    source_key: str | None = None,
    supervision: dict | None = None,
    today: date | None = None,
) -> Item:
    """Register a new item in a unit's ledger for the year it was opened; returns it with its new ID."""
    if kind not in KINDS:
        raise ShishiError(tr(f"事项类型应为 {'/'.join(KINDS)} 之一：{kind}", f"kind must be one of {'/'.join(KINDS)}: {kind}"))
    opened_d = parse_date(opened, "--opened") or today or date.today()
    due_d = parse_date(due, "--due")
    tgs = []
    for spec in targets:
        name, qty, u = parse_target(spec)
        with checked():
            tgs.append(Target(name=name, unit=u, planned=qty))
    mss = [parse_milestone(s) for s in milestones]
    data = {
        "id": "X-0000-000",
        "kind": kind,
        "title": title,
        "description": description,
        "category": category,
        "source": source,
        "handling": handling,
        "owner": owner,
        "lead": lead,
        "partners": list(partners),
        "opened": opened_d,
        "due": due_d,
        "status": "open",
        "budget": parse_money(budget, "--budget"),
        "milestones": mss,
        "targets": tgs,
        "supervision": supervision,
        "reporter": {"name": reporter, "phone": phone} if (reporter or phone) else None,
        "tags": list(tags),
        "source_key": source_key,
    }
    with write_lock(root):
        ledger = tree_units(root)
        upath = item_unit(ledger, unit)
        data = prepare(ledger, data)
        data["id"] = next_id(ledger, upath, opened_d.year)
        item = validate_item(data)
        path = ledger.ledger_path(upath, opened_d.year)
        text, bom = append_text(ledger, upath, path, [item])
        write_ledger(root, path, text, bom)
    return item


def item_unit(ledger: Ledger, unit: str) -> str:
    """The path of the unit new items go to; its unit.yaml must be sound."""
    upath = ledger.resolve_unit(unit)
    unit_readable(ledger, upath)
    return upath


def prepare(ledger: Ledger, data: dict) -> dict:
    """A new item's data checked for everything but its ID, the default deadline filled in; raises ShishiError."""
    data = dict(data, id="X-0000-000")
    check_vocab(ledger.config, data.get("category"), data.get("source"))
    if data.get("due") is None:
        data["due"] = default_due(ledger.config, data["opened"], data.get("category"), data.get("handling"))
    if data["due"] < data["opened"]:
        raise ShishiError(tr("完成时限早于登记日期", "--due is before the opening date"))
    validate_item(data)
    return data


def source_keys(ledger: Ledger, unit: str) -> set[str]:
    """The source keys of the items a unit's own ledger files hold, broken items included."""
    keys = set()
    for _y, path in t.ledger_files(ledger.units[unit]):
        data, _ = parse_text(t.rel(ledger.root, path), read_text(path)[0])
        for raw in data if isinstance(data, list) else ():
            if isinstance(raw, dict) and isinstance(raw.get("source_key"), str):
                keys.add(raw["source_key"])
    return keys


def add_many(root: Path, unit: str, rows: list[dict], *, dry_run: bool = False) -> tuple[list[Item], list[dict]]:
    """Register many items in one locked write per ledger file, checked as `add` checks one.

    A row whose `source_key` the unit already holds is not added again.
    Returns the items added (or, with dry_run, that would be) and the rows
    left out as already present. Any invalid row refuses the whole lot.
    """
    with write_lock(root):
        ledger = tree_units(root)
        upath = item_unit(ledger, unit)
        prepared = [prepare(ledger, d) for d in rows]
        have = source_keys(ledger, upath)
        added: list[Item] = []
        already: list[dict] = []
        numbers: dict[int, int] = {}  # year -> next sequence number
        for data in prepared:
            key = data.get("source_key")
            if key and key in have:
                already.append(data)
                continue
            if key:
                have.add(key)
            year = data["opened"].year
            if year not in numbers:
                numbers[year] = int(ID_RE.match(next_id(ledger, upath, year)).group(2))
            data["id"] = f"{ledger.prefix(upath)}-{year}-{numbers[year]:03d}"
            numbers[year] += 1
            added.append(validate_item(data))
        if not dry_run:
            for year in sorted({i.opened.year for i in added}):
                path = ledger.ledger_path(upath, year)
                text, bom = append_text(ledger, upath, path, [i for i in added if i.opened.year == year])
                write_ledger(root, path, text, bom)
    return added, already


def modify(root: Path, item_id: str, change: Callable[[Item, Ledger], Item]) -> Item:
    """Apply `change` to one item and write back only its block."""
    with write_lock(root):
        ledger = tree_units(root)
        loc = locate(ledger, item_id)
        with checked():
            new = change(loc.item.model_copy(deep=True), ledger)
        new = validate_item(item_to_data(new))
        write_ledger(root, loc.path, replace_block(loc, new), loc.bom)
    return new


def require(item: Item, allowed: tuple[str, ...], action_zh: str, action_en: str) -> None:
    """Refuse an action the item's state does not allow, saying the state and what to do instead."""
    if item.status in allowed:
        return
    verb = action_zh.partition("（")[0]
    st = status_name(item.status) if get_lang() == "zh" else item.status
    zh, en = f"{item.id} {st}，不能{action_zh}", f"{item.id} is {item.status}; cannot {action_en}"
    if item.status == "verified" and verb == "销号":
        zh, en = f"{item.id} 已销号，无需再次销号", f"{item.id} is already verified"
    elif item.status == "resolved" and verb == "办结":
        zh, en = f"{item.id} 已办结，无需再次办结（要重新办理用 shishi reopen {item.id}）", f"{item.id} is already resolved (to work on it again: shishi reopen {item.id})"
    elif item.status == "verified":
        zh, en = f"{item.id} 已销号，不能{verb}；要重新办理请先 shishi reopen {item.id} --reason …", f"{item.id} is verified; cannot {action_en}: reopen it first (shishi reopen {item.id} --reason …)"
    elif item.status == "resolved" and verb in ("上报", "撤销"):
        zh, en = f"{item.id} 已办结，不能{verb}；要重新办理请先 shishi reopen {item.id} --reason …", f"{item.id} is resolved; cannot {action_en}: reopen it first"
    elif item.status == "escalated":
        zh, en = f"{item.id} 已上报至 {item.escalated_to}，请在 {item.escalated_to} 上{verb}", f"{item.id} was escalated to {item.escalated_to}; {action_en.split(' (')[0]} there instead"
    elif item.status == "cancelled":
        zh, en = f"{item.id} 已撤销，不能{verb}", f"{item.id} is cancelled; cannot {action_en}"
    elif item.status in OPEN_STATES and verb in ("销号", "退回"):
        zh, en = f"{item.id} 还在办理中（{st}），先办结（shishi close {item.id}）再{verb}", f"{item.id} is still {item.status}; close it first (shishi close {item.id})"
    elif item.status in OPEN_STATES and verb == "重办":
        zh, en = f"{item.id} 还在办理中（{st}），无需重办", f"{item.id} is still {item.status}; there is nothing to reopen"
    raise ShishiError(tr(zh, en))


def resolution_of(item: Item) -> Resolution:
    """The resolution of a resolved item; a hand edit may have removed it."""
    if item.resolution is None:
        raise ShishiError(tr(f"{item.id} 状态为{status_name(item.status)}却没有 resolution，先改正（shishi check）", f"{item.id} is {item.status} but has no resolution; fix it first (see shishi check)"))
    return item.resolution


def not_before(d: date, floor: date, what_zh: str, what_en: str) -> None:
    if d < floor:
        raise ShishiError(tr(f"日期 {d} 早于{what_zh} {floor}", f"date {d} is before the {what_en} {floor}"))


def progress(root: Path, item_id: str, note: str, *, when: str | date | None = None, milestone: str | None = None, done: bool = False, by: str | None = None, today: date | None = None) -> Item:
    """Append a progress entry (and mark a milestone done)."""
    d = parse_date(when, "--date") or today or date.today()

    def change(item: Item, _ledger: Ledger) -> Item:
        require(item, ("open", "in_progress", "resolved"), "记进展（已销号、已上报、已撤销的事项要先重办）", "record progress")
        not_before(d, item.opened, "登记日期", "opening date")
        if milestone is not None:
            ms = next((m for m in item.milestones if m.name == milestone), None)
            if ms is None:
                names = "、".join(m.name for m in item.milestones) or tr("无", "none")
                raise ShishiError(tr(f"{item.id} 没有节点“{milestone}”（已有：{names}）", f"{item.id} has no milestone '{milestone}' (has: {names})"))
            if done:
                if ms.done:
                    raise ShishiError(tr(f"节点“{milestone}”已于 {ms.done} 完成", f"milestone '{milestone}' was already done on {ms.done}"))
                ms.done = d
        elif done:
            raise ShishiError(tr("--done 需要同时给出 --milestone", "--done needs --milestone"))
        item.progress.append(Progress(date=d, note=note, milestone=milestone, by=by))
        if item.status == "open":
            item.status = "in_progress"
        return item

    return modify(root, item_id, change)


def close(
    root: Path,
    item_id: str,
    resolution: str,
    beneficiaries: int | str,
    *,
    spent: str | None = None,
    when: str | date | None = None,
    satisfaction: str | None = None,
    targets: Iterable[str] = (),
    today: date | None = None,
) -> Item:
    """Resolve an item (办结) with what was done and how many people it served."""
    d = parse_date(when, "--date") or today or date.today()
    n = parse_count(beneficiaries, "--beneficiaries")
    money = parse_money(spent, "--spent")
    actuals = [parse_target(s) for s in targets]

    def change(item: Item, ledger: Ledger) -> Item:
        require(item, OPEN_STATES, "办结", "close it")
        not_before(d, item.opened, "登记日期", "opening date")
        if satisfaction is not None and ledger.config is not None:
            levels = [lv.name for lv in ledger.config.satisfaction]
            if satisfaction not in levels:
                near = suggest(satisfaction, levels)
                raise ShishiError(tr(f"满意度应为 {'、'.join(levels)} 之一：{satisfaction}{near}", f"satisfaction must be one of {', '.join(levels)}: {satisfaction}{near}"))
        for name, qty, _u in actuals:
            tg = next((x for x in item.targets if x.name == name), None)
            if tg is None:
                raise ShishiError(tr(f"{item.id} 没有指标“{name}”", f"{item.id} has no target '{name}'"))
            tg.actual = qty
        item.resolution = Resolution(date=d, text=resolution, beneficiaries=n, spent=money, satisfaction=satisfaction)
        item.status = "resolved"
        return item

    return modify(root, item_id, change)


def verify(root: Path, item_id: str, *, by: str | None = None, when: str | date | None = None, today: date | None = None) -> Item:
    """Strike off (销号) a resolved item."""
    d = parse_date(when, "--date") or today or date.today()

    def change(item: Item, _ledger: Ledger) -> Item:
        require(item, ("resolved",), "销号（须先办结）", "verify it (close it first)")
        not_before(d, resolution_of(item).date, "办结日期", "resolution date")
        item.verification = Verification(date=d, by=by)
        item.status = "verified"
        return item

    return modify(root, item_id, change)


def reopen(root: Path, item_id: str, reason: str, *, when: str | date | None = None, returned: bool = False, today: date | None = None) -> Item:
    """重办: back to in progress; the earlier resolution is kept in the reopenings."""
    d = parse_date(when, "--date") or today or date.today()

    def change(item: Item, _ledger: Ledger) -> Item:
        require(item, ("resolved", "verified"), "重办（只有已办结或已销号的事项可以重办）", "reopen it (only resolved or verified items)")
        not_before(d, resolution_of(item).date, "办结日期", "resolution date")
        item.reopenings.append(Reopening(date=d, reason=reason, returned=returned, resolution=item.resolution))
        item.resolution = None
        item.verification = None
        item.status = "in_progress"
        return item

    return modify(root, item_id, change)


def cancel(root: Path, item_id: str, reason: str, *, duplicate_of: str | None = None, when: str | date | None = None, today: date | None = None) -> Item:
    """撤销 an open item, e.g. as a duplicate of another."""
    d = parse_date(when, "--date") or today or date.today()

    def change(item: Item, ledger: Ledger) -> Item:
        require(item, OPEN_STATES, "撤销", "cancel it")
        not_before(d, item.opened, "登记日期", "opening date")
        if duplicate_of:
            if locate(ledger, duplicate_of).item.id == item.id:
                raise ShishiError(tr("事项不能与自身重复", "an item cannot duplicate itself"))
        item.cancellation = Cancellation(date=d, reason=reason, duplicate_of=norm_id(duplicate_of) if duplicate_of else None)
        item.status = "cancelled"
        return item

    return modify(root, item_id, change)


def escalate(
    root: Path, item_id: str, to: str, reason: str, *, when: str | date | None = None, owner: str | None = None, due: str | date | None = None, today: date | None = None
) -> Item:
    """Hand an item up (or over) to another unit: a new item there continues it; both are linked.

    The new item keeps what describes the problem (title, category, reporter …);
    its owner, lead and deadline belong to the receiving unit.
    """
    due_d = parse_date(due, "--due")
    d = parse_date(when, "--date") or today or date.today()
    with write_lock(root):
        ledger = tree_units(root)
        loc = locate(ledger, item_id)
        item = loc.item
        require(item, OPEN_STATES, "上报", "escalate it")
        not_before(d, item.opened, "登记日期", "opening date")
        target = ledger.resolve_unit(to)
        unit_readable(ledger, target)
        if target == loc.unit:
            raise ShishiError(tr("不能上报给本单位", "cannot escalate to the item's own unit"))
        new_data = item_to_data(item)
        for k in ("progress", "extensions", "reopenings", "supervision", "resolution", "verification", "cancellation", "escalated_to", "source_key", "owner", "lead", "partners", "attachments"):
            new_data.pop(k, None)
        if due_d is not None and due_d < d:
            raise ShishiError(tr("完成时限早于上报日期", "--due is before the escalation date"))
        new_data.update(
            id="X-0000-000",
            status="open",
            opened=d,
            escalated_from=item.id,
            owner=owner,
            due=due_d or default_due(ledger.config, d, item.category, item.handling),
        )
        new_data["id"] = next_id(ledger, target, d.year)
        new_item = validate_item(new_data)
        old = item.model_copy(deep=True)
        old.status = "escalated"
        old.escalated_to = new_item.id
        with checked():
            old.progress.append(Progress(date=d, note=tr(f"上报至{ledger.unit_name(target)}：{reason}", f"escalated to {ledger.unit_name(target)}: {reason}")))
        old = validate_item(item_to_data(old))
        tpath = ledger.ledger_path(target, d.year)
        new_text, new_bom = append_text(ledger, target, tpath, [new_item])
        old_text = replace_block(loc, old)
        # one transaction (write_lock): both files change, or neither
        write_ledger(root, tpath, new_text, new_bom)
        write_ledger(root, loc.path, old_text, loc.bom)
    return new_item
