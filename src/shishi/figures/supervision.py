"""The 督办台账: findings under supervision with deadlines, days overdue, feedback and returns."""

from __future__ import annotations

from datetime import date

from shishi.figures.schedule import IN_HAND
from shishi.figures.table import Column, Table
from shishi.i18n import status_name, tr
from shishi.store.ledger import Ledger, in_unit
from shishi.store.model import LEVEL_ORDER


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
        if it.status in IN_HAND:
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
        if it.status in IN_HAND:
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


def supervision_table(data: dict, root_label: str) -> Table:
    """The 督办台账 as a table, with its counts as the note."""
    cols = [Column("id", tr("编号", "ID"), "key"), Column("unit", tr("单位", "unit")), Column("title", tr("问题", "finding")), Column("level", tr("级别", "level"), "key"),
            Column("date", tr("督办日期", "date"), "date"), Column("deadline", tr("整改时限", "deadline"), "date"), Column("days_overdue", tr("逾期天数", "days overdue"), "int"),
            Column("status", tr("状态", "status"), "key"), Column("last_feedback", tr("最近反馈", "last feedback")), Column("returned", tr("退回", "returned"), "int")]
    rows = []
    for r in data["rows"]:
        last = r["last_feedback"]
        rows.append([r["id"], r["unit"] or root_label, r["title"], r["level"], r["date"], r["deadline"], r["days_overdue"], status_name(r["status"]),
                     f"{last['date']} {last['note']}" if last else "", r["returned"]])
    return Table("supervision", tr("督办台账", "Supervision ledger"), cols, rows, note=summary(data["counts"]))


def summary(c: dict) -> str:
    """督办 N 件：整改中 …（逾期 …），待销号 …，已销号 …；退回 … 次；by level."""
    levels = "，".join(f"{k}{v}" for k, v in c["by_level"].items())
    other_zh = "".join(f"，{name}{c[k]}" for k, name in (("escalated", "已上报 "), ("cancelled", "已撤销 ")) if c[k])
    other_en = "".join(f", {c[k]} {k}" for k in ("escalated", "cancelled") if c[k])
    return tr(
        f"督办 {c['findings']} 件：整改中 {c['in_hand']}（逾期 {c['overdue']}），待销号 {c['resolved']}，已销号 {c['verified']}{other_zh}；退回 {c['returned']} 次" + (f"；{levels}" if levels else ""),
        f"{c['findings']} findings: {c['in_hand']} in hand ({c['overdue']} overdue), {c['resolved']} awaiting strike-off, {c['verified']} struck off{other_en}; returned {c['returned']} times",
    )
