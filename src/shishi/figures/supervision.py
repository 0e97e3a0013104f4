"""The 督办台账: findings under supervision with deadlines, days overdue, feedback and returns."""

from __future__ import annotations

from datetime import date

from shishi.store.ledger import Ledger, in_unit
from shishi.store.model import LEVEL_ORDER
from shishi.write import items as ops


def supervision_ledger(ledger: Ledger, as_of: date, unit: str = "", include_closed: bool = False) -> dict:
    """督办台账 of `unit` and below on `as_of`: {"rows": [...], "counts": {...}}.

    A row per supervised item opened by `as_of`: id, unit, title, level, by,
    notice, date (of supervision), deadline (the supervision's, else the due
    date), status, days_overdue (in hand: days past the deadline on `as_of`;
    resolved: days it was resolved late; 0 when not late), feedback (number),
    last_feedback ({date, note} or None), returned (times sent back),
    resolved and verified (dates or None). Rows list the open findings (in
    hand, or resolved awaiting 销号) by deadline, most pressing first; with
    `include_closed` the struck-off, escalated and cancelled ones follow.
    counts (over every supervised item in scope, listed or not): findings =
    in_hand + resolved + verified + escalated + cancelled; overdue (in hand
    and past the deadline); returned (times); by_level {level: n}.
    """
    rows, closed = [], []
    counts = {"findings": 0, "in_hand": 0, "resolved": 0, "verified": 0, "escalated": 0, "cancelled": 0, "overdue": 0, "returned": 0, "by_level": {}}
    for e in ledger.entries:
        it, sup = e.item, e.item.supervision
        if sup is None or not in_unit(e.unit, unit) or sup.date > as_of:
            continue
        deadline = sup.deadline or it.due
        res = it.resolution
        if it.status in ops.OPEN_STATES:
            end = as_of
        elif it.status in ("resolved", "verified") and res is not None:
            end = res.date
        else:
            end = None
        late = max(0, (end - deadline).days) if end and deadline else 0
        last = sup.feedback[-1] if sup.feedback else None
        row = {
            "id": it.id,
            "unit": e.unit,
            "title": it.title,
            "level": sup.level,
            "by": sup.by,
            "notice": sup.notice,
            "date": sup.date,
            "deadline": deadline,
            "status": it.status,
            "days_overdue": late,
            "feedback": len(sup.feedback),
            "last_feedback": {"date": last.date, "note": last.note} if last else None,
            "returned": sum(1 for r in it.reopenings if r.returned),
            "resolved": res.date if res else None,
            "verified": it.verification.date if it.verification else None,
        }
        counts["findings"] += 1
        counts["returned"] += row["returned"]
        counts["by_level"][sup.level] = counts["by_level"].get(sup.level, 0) + 1
        if it.status in ops.OPEN_STATES:
            counts["in_hand"] += 1
            counts["overdue"] += late > 0
        else:
            counts[it.status] += 1
        (rows if it.status in ("open", "in_progress", "resolved") else closed).append(row)
    far = date.max

    def key(r: dict) -> tuple:
        return (r["status"] == "resolved", r["deadline"] or far, LEVEL_ORDER.get(r["level"], 9), r["id"])

    rows.sort(key=key)
    closed.sort(key=key)
    return {"rows": rows + (closed if include_closed else []), "counts": counts}
