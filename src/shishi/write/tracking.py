"""Tracking writes: deadline extensions and supervision.

Deadline extensions (延期), supervision (督查督办: findings, flags, feedback,
退回). Item changes go through
`items.add` / `items.modify`, so they touch only their item's block under the
tree's lock; a survey is appended as a new block to `surveys/<quarter>.yaml`
under the same lock with an atomic write. Every check runs before any file is
touched: a refused operation raises ShishiError and changes nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from shishi import values
from shishi.errors import ShishiError
from shishi.i18n import suggest, tr
from shishi.store.ledger import Ledger
from shishi.store.load import load_units
from shishi.store.model import SUPERVISION_LEVELS, Extension, Feedback, Item, Reopening, Supervision
from shishi.write import items as ops

# ------------------------------------------------------------------ arguments


def parse_level(text: str) -> str:
    """A supervision level: 一般, 重要, 紧急 or 挂牌 ('挂牌督办' accepted for 挂牌)."""
    s = text.strip()
    s = s[:-2] if s.endswith("督办") and s != "督办" else s
    if s not in SUPERVISION_LEVELS:
        near = suggest(s, SUPERVISION_LEVELS)
        raise ShishiError(tr(f"督办级别应为 {'、'.join(SUPERVISION_LEVELS)} 之一：{text}{near}", f"supervision level must be one of {', '.join(SUPERVISION_LEVELS)}: {text}{near}"))
    return s


def _day(when, today: date | None, what: str = "--date") -> date:
    return values.parse_date(when, what) or today or date.today()


def _in_hand(item: Item, action_zh: str, action_en: str) -> None:
    ops.require(item, ops.OPEN_STATES, action_zh, action_en)


def _supervised(item: Item) -> Supervision:
    if item.supervision is None:
        raise ShishiError(tr(f"{item.id} 未列入督办（先用 shishi supervise flag）", f"{item.id} is not under supervision (use shishi supervise flag first)"))
    return item.supervision


# ------------------------------------------------------------------ deadlines


def extend(
    root: Path,
    item_id: str,
    to: str | date,
    reason: str,
    *,
    approved_by: str | None = None,
    milestone: str | None = None,
    late: bool = False,
    when: str | date | None = None,
    today: date | None = None,
) -> Item:
    """延期: move an item's due date (or a milestone's) to `to`, keeping the original on record.

    Only before the date passes; afterwards only with `late`, and the item then
    counts as late (`schedule.judged_due`). `late` on a date not yet passed is
    refused, so the flag always means what it says. Moving the due date of a
    supervised item moves its rectification deadline along when they were the same.
    """
    d = _day(when, today)
    new = values.parse_date(to, "--to")
    if not reason.strip():
        raise ShishiError(tr("延期须写明原因 --reason", "an extension needs a --reason"))

    def change(item: Item, _ledger: Ledger) -> Item:
        _in_hand(item, "延期（只有未办结的事项可以延期）", "extend it (only items in hand)")
        ops.not_before(d, item.opened, "登记日期", "opening date")
        if milestone is not None:
            ms = next((m for m in item.milestones if m.name == milestone), None)
            if ms is None:
                names = "、".join(m.name for m in item.milestones) or tr("无", "none")
                raise ShishiError(tr(f"{item.id} 没有节点“{milestone}”（已有：{names}）", f"{item.id} has no milestone '{milestone}' (has: {names})"))
            if ms.done is not None:
                raise ShishiError(tr(f"节点“{milestone}”已于 {ms.done} 完成，无需延期", f"milestone '{milestone}' was done on {ms.done}; nothing to extend"))
            current = ms.due
        else:
            if item.due is None:
                raise ShishiError(tr(f"{item.id} 没有完成时限，无从延期", f"{item.id} has no due date to extend"))
            current = item.due
        what_zh = f"节点“{milestone}”" if milestone else "完成时限"
        what_en = f"milestone '{milestone}'" if milestone else "the due date"
        if new <= current:
            raise ShishiError(tr(f"延期后的日期 {new} 应晚于现在的{what_zh} {current}", f"the new date {new} must be after {what_en} {current}"))
        if new < d:
            raise ShishiError(tr(f"延期后的日期 {new} 早于延期日期 {d}", f"the new date {new} is before the date of the extension {d}"))
        passed = current < d
        if passed and not late:
            raise ShishiError(
                tr(
                    f"{what_zh} {current} 已过，延期应在到期前申请；确需补记请加 --late（计为逾期）",
                    f"{what_en} {current} has passed; an extension must be asked before it; to record it anyway add --late (counted as late)",
                )
            )
        if late and not passed:
            raise ShishiError(tr(f"{what_zh} {current} 尚未过期，不能记为逾期延期（去掉 --late）", f"{what_en} {current} has not passed; drop --late"))
        item.extensions.append(Extension(date=d, milestone=milestone, original=current, to=new, reason=reason, approved_by=approved_by, late=late))
        if milestone is not None:
            ms.due = new
        else:
            sup = item.supervision
            if sup is not None and sup.deadline == item.due:
                sup.deadline = new
            item.due = new
        return item

    return ops.modify(root, item_id, change)


# ------------------------------------------------------------------ supervision


def supervise_add(
    root: Path,
    unit: str,
    finding: str,
    deadline: str | date,
    *,
    level: str = "一般",
    by: str | None = None,
    notice: str | None = None,
    category: str | None = None,
    owner: str | None = None,
    description: str | None = None,
    when: str | date | None = None,
    today: date | None = None,
) -> Item:
    """督查发现: a new rectification item in `unit`'s ledger, under supervision with its deadline.

    The finding date (`when`, default today) is its opening date; the deadline
    is both the item's due date and the supervision's rectification deadline,
    and may not be before the finding.
    """
    d = _day(when, today)
    lv = parse_level(level)
    dl = values.parse_date(deadline, "--deadline")
    if dl < d:
        raise ShishiError(tr(f"整改时限 {dl} 早于督查发现日期 {d}", f"the deadline {dl} is before the date of the finding {d}"))
    config = load_units(root).config
    # 督查 as the source when the tree's vocabulary has it (or has none)
    source = "督查" if config is None or not config.sources or "督查" in config.sources else None
    sup = {"level": lv, "date": d, "by": by, "notice": notice, "deadline": dl}
    return ops.add(
        root, unit, finding, kind="rectification", description=description, category=category, source=source,
        due=dl, opened=d, owner=owner, supervision=sup,
    )


def supervise_flag(
    root: Path,
    item_id: str,
    level: str,
    *,
    deadline: str | date | None = None,
    by: str | None = None,
    notice: str | None = None,
    when: str | date | None = None,
    today: date | None = None,
) -> Item:
    """列入督办 / 挂牌督办: put an item in hand under supervision, or change the level of one already under it.

    Without `deadline` a new supervision takes the item's due date; a given
    deadline may not be before the flag's date. The deadline of an item
    already under supervision is moved with `extend`, which keeps the original.
    """
    d = _day(when, today)
    lv = parse_level(level)
    dl = values.parse_date(deadline, "--deadline")
    if dl is not None and dl < d:
        raise ShishiError(tr(f"整改时限 {dl} 早于督办日期 {d}", f"the deadline {dl} is before the date of supervision {d}"))

    def change(item: Item, _ledger: Ledger) -> Item:
        _in_hand(item, "列入督办（只有未办结的事项可以督办）", "put it under supervision (only items in hand)")
        ops.not_before(d, item.opened, "登记日期", "opening date")
        sup = item.supervision
        if sup is None:
            item.supervision = Supervision(level=lv, date=d, by=by, notice=notice, deadline=dl or item.due)
            return item
        if dl is not None and dl != sup.deadline:
            # a moved deadline goes on record as an extension, never overwritten here
            raise ShishiError(tr(f"{item.id} 已在督办中，整改时限的变更请用 shishi extend", f"{item.id} is already under supervision; move its deadline with shishi extend"))
        if sup.level == lv and by is None and notice is None:
            raise ShishiError(tr(f"{item.id} 已是{lv}督办", f"{item.id} is already under {lv} supervision"))
        sup.level = lv
        sup.by = by or sup.by
        sup.notice = notice or sup.notice
        return item

    return ops.modify(root, item_id, change)


def supervise_feedback(root: Path, item_id: str, note: str, *, when: str | date | None = None, today: date | None = None) -> Item:
    """反馈: the unit's reply to a supervised item (an open item moves to in progress)."""
    d = _day(when, today)
    if not note.strip():
        raise ShishiError(tr("反馈内容不能为空", "the feedback note is empty"))

    def change(item: Item, _ledger: Ledger) -> Item:
        sup = _supervised(item)
        ops.require(item, ("open", "in_progress", "resolved"), "反馈（已销号、已上报、已撤销）", "record feedback")
        ops.not_before(d, sup.date, "督办日期", "date of supervision")
        sup.feedback.append(Feedback(date=d, note=note))
        if item.status == "open":
            item.status = "in_progress"
        return item

    return ops.modify(root, item_id, change)


def supervise_return(root: Path, item_id: str, reason: str, *, when: str | date | None = None, today: date | None = None) -> Item:
    """退回: the reviewer sends a resolved finding back; it is reopened (counted as returned), the resolution kept."""
    d = _day(when, today)
    if not reason.strip():
        raise ShishiError(tr("退回须写明原因 --reason", "a return needs a --reason"))

    def change(item: Item, _ledger: Ledger) -> Item:
        _supervised(item)
        ops.require(item, ("resolved",), "退回（只有已办结、未销号的事项可以退回；已销号的用 shishi reopen）", "return it (only resolved, not yet verified; use shishi reopen)")
        ops.not_before(d, ops.resolution_of(item).date, "办结日期", "resolution date")
        # as ops.reopen, marked returned
        item.reopenings.append(Reopening(date=d, reason=reason, returned=True, resolution=item.resolution))
        item.resolution = None
        item.status = "in_progress"
        return item

    return ops.modify(root, item_id, change)
