"""Dates derived from an item's own record: pure rules the index stores per item and figures read.

Each rule is written once, on plain values (dates, or their ISO text: they compare alike), with a
form taking an item for the figures' item-by-item path.
"""

from __future__ import annotations

from datetime import date


def judged_due(item) -> date | None:
    """The deadline on-time is judged against: the original one, unless an extension of it was approved in time.

    An extension recorded after the deadline had passed (`late`) never moves it,
    approved or not: such an item counts as late.
    """
    return judged(item.due, ((x.milestone, x.original, x.approved_by, x.late) for x in item.extensions))


def judged(due, extensions):
    """`judged_due` of a due date and the (milestone, original, approved_by, late) of each extension."""
    for milestone, original, approved_by, late in extensions:
        if milestone is None and (late or not approved_by):
            due = min(due, original) if due else original
    return due


def closed_on(item) -> date | None:
    """The day a resolved (or verified) or cancelled item left its unit's hand, never before its opening
    (a record dated earlier leaves on the opening day; check reports it); None while in hand, and for an
    escalated item (its continuation's opening says when: figures.rollup.Links)."""
    res, can = item.resolution, item.cancellation
    return closed(item.status, item.opened, res.date if res else None, can.date if can else None, res is not None, can is not None)


def closed(status: str, opened, resolved, cancelled, has_resolution: bool, has_cancellation: bool):
    """`closed_on` of an item's status, opening date and the dates of its resolution and cancellation."""
    if status in ("resolved", "verified") and has_resolution:
        d = resolved
    elif status == "cancelled":
        d = cancelled if has_cancellation else opened
    else:
        return None
    return max(d, opened)
