"""Dates derived from an item's own record: pure rules the index stores per item and figures read."""

from __future__ import annotations

from datetime import date


def judged_due(item) -> date | None:
    """The deadline on-time is judged against: the original one, unless an extension of it was approved in time.

    An extension recorded after the deadline had passed (`late`) never moves it,
    approved or not: such an item counts as late.
    """
    due = item.due
    for x in item.extensions:
        if x.milestone is None and (x.late or not x.approved_by):
            due = min(due, x.original) if due else x.original
    return due


def closed_on(item) -> date | None:
    """The day a resolved (or verified) or cancelled item left its unit's hand, never before its opening
    (a record dated earlier leaves on the opening day; check reports it); None while in hand, and for an
    escalated item (its continuation's opening says when: figures.rollup.Links)."""
    s = item.status
    if s in ("resolved", "verified") and item.resolution is not None:
        d = item.resolution.date
    elif s == "cancelled":
        d = item.cancellation.date if item.cancellation is not None else item.opened
    else:
        return None
    return max(d, item.opened)
