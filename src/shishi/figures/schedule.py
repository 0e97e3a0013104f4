"""Schedule state (序时) computed against an as-of date, never stored; the `due` listing.

States (DESIGN.md vocabulary, plus `behind` 慢序时 from DOMAIN.md):

- An item still in hand (open, in progress) is judged by its working deadlines,
  i.e. the dates as they stand after any extension:
  `overdue` when its due date has passed; else `behind` when a milestone's date
  has passed undone; else `due_soon` when its due date or an undone milestone
  falls within `due_soon_days` (shishi.yaml time_limits) — a date that is
  today counts as due soon, not overdue; else `ahead` when a milestone not yet
  due was already done; else `on_time`.
- A resolved or verified item keeps the state it was resolved in, judged
  against `judged_due` (the original deadline unless an extension was approved
  in time): `ahead` before it, `on_time` on it, `overdue` after it.
- Escalated and cancelled items, and items with no due date, have no state (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from shishi.figures.table import Column, Table
from shishi.i18n import schedule_name, tr
from shishi.store.dates import judged_due  # the rule lives in store (the index stores it per item)
from shishi.store.ledger import Ledger, in_unit

if TYPE_CHECKING:
    from shishi.store.model import Item

STATES = ("ahead", "on_time", "due_soon", "overdue", "behind")
IN_HAND = ("open", "in_progress")


def state(item: Item, as_of: date, due_soon_days: int = 3) -> str | None:
    """The schedule state of one item on `as_of` (see the module docstring for the rules)."""
    if item.status in IN_HAND:
        if item.due is None and not item.milestones:
            return None
        if item.due is not None and item.due < as_of:
            return "overdue"
        pending = [m.due for m in item.milestones if m.done is None]
        if any(d < as_of for d in pending):
            return "behind"
        upcoming = [d for d in pending + [item.due] if d is not None]
        if upcoming and (min(upcoming) - as_of).days <= due_soon_days:
            return "due_soon"
        if any(m.done is not None and m.done <= as_of < m.due for m in item.milestones):
            return "ahead"
        return "on_time"
    if item.status in ("resolved", "verified") and item.resolution is not None:
        due = judged_due(item)
        if due is None:
            return None
        done = item.resolution.date
        return "ahead" if done < due else "on_time" if done == due else "overdue"
    return None


@dataclass
class DueRow:
    """One deadline of an item in hand: the item's due date (milestone None) or an undone milestone's."""

    id: str
    unit: str
    title: str
    kind: str
    status: str
    date: date
    milestone: str | None
    days_left: int  # negative: days overdue; 0: due on the as-of date
    state: str | None  # the item's schedule state
    level: str | None  # supervision level, None when not under supervision
    original: date | None  # the first date before any extension, None when never extended

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def due_rows(ledger: Ledger, as_of: date, within: int | None = None, unit: str = "") -> list[DueRow]:
    """`due`: deadlines of items in hand that have passed or fall within `within` days of `as_of`.

    One row per deadline (the item's due date, each undone milestone), in
    `unit` and below; most urgent first: earliest date, then supervision level
    (挂牌 first), then ID. `within` defaults to time_limits.due_soon_days.
    """
    soon = ledger.config.time_limits.due_soon_days if ledger.config else 3
    horizon = soon if within is None else within
    rows: list[DueRow] = []
    for e in ledger.entries:
        it = e.item
        if it.status not in IN_HAND or not in_unit(e.unit, unit) or it.opened > as_of:
            continue
        st = state(it, as_of, soon)
        level = it.supervision.level if it.supervision else None
        dates = [(it.due, None)] if it.due else []
        dates += [(m.due, m.name) for m in it.milestones if m.done is None]
        for d, ms in dates:
            left = (d - as_of).days
            if left <= horizon:
                firsts = [x.original for x in it.extensions if x.milestone == ms]
                rows.append(DueRow(it.id, e.unit, it.title, it.kind, it.status, d, ms, left, st, level, firsts[0] if firsts else None))
    from shishi.store.model import LEVEL_ORDER

    rows.sort(key=lambda r: (r.date, LEVEL_ORDER.get(r.level or "", 9), r.id, r.milestone or ""))
    return rows


def states(ledger: Ledger, as_of: date, unit: str = "") -> dict[str, str | None]:
    """Item ID -> schedule state on `as_of`, for every item in `unit` and below (for the list and report columns)."""
    soon = ledger.config.time_limits.due_soon_days if ledger.config else 3
    return {e.item.id: state(e.item, as_of, soon) for e in ledger.entries if in_unit(e.unit, unit)}


def _left(days: int) -> str:
    if days < 0:
        return tr(f"逾期{-days}天", f"{-days} d overdue")
    if days == 0:
        return tr("今天到期", "due today")
    return tr(f"还有{days}天", f"in {days} d")


def due_table(rows: list[DueRow], root_label: str) -> Table:
    """`due` as a table: most urgent first, titles masked."""
    from shishi.checks.privacy import mask

    cols = [Column("date", tr("时限", "date"), "date"), Column("left", tr("剩余", "left"), "key"), Column("id", tr("编号", "ID"), "key"),
            Column("unit", tr("单位", "unit")), Column("title", tr("事项", "title")), Column("milestone", tr("节点", "milestone")),
            Column("state", tr("序时", "state"), "key"), Column("level", tr("督办", "supervision"), "key"), Column("original", tr("原时限", "original"), "date")]
    out = [[r.date, _left(r.days_left), r.id, r.unit or root_label, mask(r.title), r.milestone or "", schedule_name(r.state), r.level or "", r.original] for r in rows]
    return Table("due", tr("到期提醒", "Deadlines"), cols, out, note=tr(f"共 {len(out)} 个时限", f"{len(out)} deadlines") if out else None)
