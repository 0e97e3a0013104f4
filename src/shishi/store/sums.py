"""Roll-up sums by SQL over the index: per unit, what `figures.rollup.contribute` adds item by item.

From the snapshot a ledger was loaded from: one pass over `items` grouped by
unit for the items not escalated, the two ends of every escalation from a
partial index (figures.rollup pairs them: the earliest continuation, ties by
load order), and the targets; plain numbers and exact decimals, no object per
item. figures.rollup composes its Figures from these rows; tests/test_rollup_sql.py
proves them equal to its item-by-item ones.

Money and quantities are stored as decimal text. They are summed exactly:
plain decimals as integer and fraction parts apart (and the most places seen,
so the sum keeps the exponent Python's Decimal addition gives it), anything
else (`1E+3`, `-0`) handed back as text for Decimal to add.
"""

from __future__ import annotations

import json
from decimal import Decimal

SCALE = 10  # places of the fraction part summed as an integer; plain values have at most this many
WHOLE = 12  # digits of a plain value's whole part: SQLite's 64-bit sum cannot overflow below nine million values

# The items that are not escalated, by unit: `left_on` is the day a resolved or cancelled one left (index,
# store.dates.closed_on). An event of the period: left_on within it; resolved: such an event, not cancelled.
_MAIN = """
SELECT unit,
    sum(opened < :start AND coalesce(left_on >= :start, 1)),
    sum(opened >= :start AND escalated_from IS NULL),
    sum(opened >= :start AND escalated_from IS NOT NULL),
    sum(coalesce(left_on > :end, 1)),
    sum(due < :end AND coalesce(left_on > :end, 1)),
    ifnull(sum(judged < :end AND coalesce(left_on > :end, 1)), 0)
        + ifnull(sum(left_on >= :start AND left_on <= :end AND status <> 'cancelled' AND judged IS NOT NULL), 0),
    sum(left_on >= :start AND left_on <= :end AND status <> 'cancelled' AND resolved <= judged),
    sum(left_on >= :start AND left_on <= :end AND status = 'cancelled'),
    sum(left_on >= :start AND left_on <= :end AND status <> 'cancelled'),
    sum(CASE WHEN left_on >= :start AND left_on <= :end AND status <> 'cancelled' THEN beneficiaries END),
    sum(left_on >= :start AND left_on <= :end AND status <> 'cancelled' AND satisfaction <> ''),
    sum(left_on >= :start AND left_on <= :end AND status <> 'cancelled' AND satisfaction IN (SELECT value FROM json_each(:levels))),
    sum(status = 'verified' AND left_on IS NOT NULL AND verified >= :start AND verified <= :end),
    {spent},
    {budget}
FROM items
WHERE opened <= :end AND status <> 'escalated' AND (:kind IS NULL OR kind = :kind) AND (:cat IS NULL OR category = :cat)
GROUP BY unit
"""
MAIN_COLUMNS = ("carried_in", "registered", "transfers_in", "in_hand", "overdue", "with_due", "on_time", "cancelled", "resolved",
                "beneficiaries", "callback_answers", "callback_satisfied", "verified")
_SPENT_IF = "left_on >= :start AND left_on <= :end AND status <> 'cancelled'"
_BUDGET_IF = "opened >= :start AND status <> 'cancelled'"

# Both ends of every escalation (from the partial index items_moves): the escalated items and the continuations.
MOVES_SQL = """
SELECT escalated_from, status, id, unit, opened, due, judged, kind, category, file, seq FROM items
WHERE status = 'escalated' OR escalated_from IS NOT NULL
"""

# The targets of the items that carry the work (opened in the period, not handed on, not cancelled);
# the actual counts when resolved by the cut-off, or never resolved.
_TARGETS = """
SELECT i.unit, t.name, t.unit, {planned}, {actual}
FROM targets t CROSS JOIN items i ON i.file = t.file AND i.seq = t.item_seq  -- the few targets first, their items by (file, seq)
WHERE i.opened >= :start AND i.opened <= :end AND i.status NOT IN ('escalated', 'cancelled')
      AND (:kind IS NULL OR i.kind = :kind) AND (:cat IS NULL OR i.category = :cat)
GROUP BY i.unit, t.name, t.unit
"""
_ACTUAL_IF = "(i.status <> 'cancelled' AND i.left_on <= :end OR i.resolved IS NULL)"


def _dsum(v: str, cond: str) -> str:
    """Four aggregates summing the decimal text `v` where `cond` holds, exactly (see `decimal_of`)."""
    dot = f"instr({v}, '.')"
    plain = (
        f"({v} GLOB '[0-9]*' AND {v} NOT GLOB '*[^0-9.]*' AND {v} NOT GLOB '*.*.*' AND {v} NOT GLOB '*.'"
        f" AND CASE WHEN {dot} THEN {dot} - 1 <= {WHOLE} AND length({v}) - {dot} <= {SCALE} ELSE length({v}) <= {WHOLE} END)"
    )
    when = f"{v} IS NOT NULL AND {cond} AND {plain}"
    return (
        f"sum(CASE WHEN {when} THEN CAST({v} AS INTEGER) END), "
        f"sum(CASE WHEN {when} AND {dot} THEN CAST(substr(substr({v}, {dot} + 1) || '{'0' * SCALE}', 1, {SCALE}) AS INTEGER) END), "
        f"max(CASE WHEN {when} THEN CASE WHEN {dot} THEN length({v}) - {dot} ELSE 0 END END), "
        f"group_concat(CASE WHEN {v} IS NOT NULL AND {cond} AND NOT {plain} THEN {v} END, ' ')"
    )


MAIN_SQL = _MAIN.format(spent=_dsum("spent", _SPENT_IF), budget=_dsum("budget", _BUDGET_IF))
TARGETS_SQL = _TARGETS.format(planned=_dsum("t.planned", "1"), actual=_dsum("t.actual", _ACTUAL_IF))


def decimal_of(whole: int | None, frac: int | None, places: int | None, odd: str | None) -> Decimal:
    """The exact sum `Decimal(0) + v1 + v2 + …` of the values four `_dsum` aggregates saw (its exponent too)."""
    total = Decimal(0)
    if places is not None:
        scaled = ((whole or 0) * 10**SCALE + (frac or 0)) // 10 ** (SCALE - places)  # exact: no value has more places
        total += Decimal(f"{scaled}E-{places}")
    for v in odd.split(" ") if odd else ():
        total += Decimal(v)
    return total


def rollup_rows(source, start: str, end: str, kind: str | None, category: str | None, satisfied: list[str]):
    """(main rows, move rows, target rows) of the snapshot `source` (an index.Source) reads; dates as ISO text.

    A main row: (unit, *MAIN_COLUMNS, *spent aggregates, *budget aggregates) of its items not escalated;
    a move row: MOVES_SQL's columns; a target row: (unit, name, measure, *planned aggregates, *actual aggregates).
    """
    args = {"start": start, "end": end, "kind": kind, "cat": category, "levels": json.dumps(satisfied)}
    con = source.con
    return con.execute(MAIN_SQL, args).fetchall(), con.execute(MOVES_SQL).fetchall(), con.execute(TARGETS_SQL, args).fetchall()


def survey_rows(source):
    """(file, seq, unit as written, quarter, level, count) of every survey's counts, in reading order."""
    return source.con.execute("SELECT file, seq, unit, quarter, level, count FROM survey_counts ORDER BY file, seq, rowid").fetchall()
