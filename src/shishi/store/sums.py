"""Roll-up sums by SQL over the index: per unit, what `figures.rollup.contribute` adds item by item.

From the snapshot a ledger was loaded from: one pass over `items` grouped by
unit for the items not escalated, the two ends of every escalation from a
partial index (figures.rollup pairs them: the earliest continuation, ties by
load order), and the targets; plain numbers and exact decimals, no object per
item. figures.rollup composes its Figures from these rows; tests/test_rollup_sql.py
proves them equal to its item-by-item ones.

Money and quantities are stored as decimal text: SQL hands each group's
values back as one text (group_concat), Decimal adds them (`dsum`), exactly
as the item-by-item sums (value and exponent).
"""

from __future__ import annotations

from decimal import Decimal

# The items that are not escalated, by unit: `left_on` is the day a resolved or cancelled one left (index,
# store.dates.closed_on). An event of the period: left_on within it; resolved: such an event, not cancelled.
MAIN_SQL = """
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
    group_concat(CASE WHEN left_on >= :start AND left_on <= :end AND status <> 'cancelled' THEN spent END, ' '),
    group_concat(CASE WHEN opened >= :start AND status <> 'cancelled' THEN budget END, ' ')
FROM items
WHERE opened <= :end AND status <> 'escalated' AND (:kind IS NULL OR kind = :kind) AND (:cat IS NULL OR category = :cat)
GROUP BY unit
"""
MAIN_COLUMNS = ("carried_in", "registered", "transfers_in", "in_hand", "overdue", "with_due", "on_time", "cancelled", "resolved",
                "beneficiaries", "callback_answers", "callback_satisfied", "verified")

# Both ends of every escalation (from the partial index items_moves): the escalated items and the continuations.
MOVES_SQL = """
SELECT escalated_from, status, id, unit, opened, due, judged, kind, category, file, seq FROM items
WHERE status = 'escalated' OR escalated_from IS NOT NULL
"""

# The targets of the items that carry the work (opened in the period, not handed on, not cancelled);
# the actual counts when resolved by the cut-off, or never resolved.
TARGETS_SQL = """
SELECT i.unit, t.name, t.unit, group_concat(t.planned, ' '),
    group_concat(CASE WHEN i.status <> 'cancelled' AND i.left_on <= :end OR i.resolved IS NULL THEN t.actual END, ' ')
FROM targets t CROSS JOIN items i ON i.file = t.file AND i.seq = t.item_seq  -- the few targets first, their items by (file, seq)
WHERE i.opened >= :start AND i.opened <= :end AND i.status NOT IN ('escalated', 'cancelled')
      AND (:kind IS NULL OR i.kind = :kind) AND (:cat IS NULL OR i.category = :cat)
GROUP BY i.unit, t.name, t.unit
"""


def dsum(values: str | None) -> Decimal:
    """`Decimal(0) + v1 + v2 + …` of a group's decimal texts (group_concat, space-separated): exact, its exponent too."""
    return sum(map(Decimal, values.split(" ")), Decimal(0)) if values else Decimal(0)


def statement(sql: str, period: bool, kind: bool, category: bool, levels: int) -> str:
    """`sql` for these filters, without the terms that hold for every item (SQLite evaluates each term on every
    row: a third of the time): no period, nothing opened or left before it; no kind or category, none to test;
    the satisfied levels as parameters :lv0, :lv1 …"""
    if not period:  # start is the first day there is
        sql = sql.replace("sum(opened < :start AND coalesce(left_on >= :start, 1))", "0")
        for term in ("i.opened >= :start AND ", "opened >= :start AND ", "left_on >= :start AND ", "verified >= :start AND "):
            sql = sql.replace(term, "")
    for col, given in (("kind", kind), ("category", category)):
        param = ":kind" if col == "kind" else ":cat"
        for table in ("", "i."):
            sql = sql.replace(f" AND ({param} IS NULL OR {table}{col} = {param})", f" AND {table}{col} = {param}" if given else "")
    return sql.replace("(SELECT value FROM json_each(:levels))", "(" + ", ".join(f":lv{i}" for i in range(levels)) + ")")


def rollup_rows(source, start: str, end: str, kind: str | None, category: str | None, satisfied: list[str], period: bool = True):
    """(main rows, move rows, target rows) of the snapshot `source` (an index.Source) reads; dates as ISO text.

    A main row: (unit, *MAIN_COLUMNS, spent texts, budget texts) of its items not escalated; a move row:
    MOVES_SQL's columns; a target row: (unit, name, measure, planned texts, actual texts) — texts for `dsum`.
    `period` False: start is the first day there is (no period asked for).
    """
    args = {"start": start, "end": end, "kind": kind, "cat": category, **{f"lv{i}": lv for i, lv in enumerate(satisfied)}}
    con = source.con
    main, targets = (statement(sql, period, kind is not None, category is not None, len(satisfied)) for sql in (MAIN_SQL, TARGETS_SQL))
    return con.execute(main, args).fetchall(), con.execute(MOVES_SQL).fetchall(), con.execute(targets, args).fetchall()


def survey_rows(source):
    """(file, seq, unit as written, quarter, level, count) of every survey's counts, in reading order."""
    return source.con.execute("SELECT file, seq, unit, quarter, level, count FROM survey_counts ORDER BY file, seq, rowid").fetchall()


# The same sums grouped by (kind, category) over the items at or below one unit (figures.rollup.breakdown's groups).
def _by_group(sql: str, table: str, group: str) -> str:
    for old, new in ((f"SELECT {table}unit,", f"SELECT {table}kind, {table}category,"), (f"GROUP BY {table}unit", f"GROUP BY {table}kind, {table}category")):
        assert sql.count(old) == 1, old  # the roll-up's statements are the pattern: fail loudly when they change shape
        sql = sql.replace(old, new)
    return sql.replace(f"\nGROUP BY {group}", f" {{scope}}\nGROUP BY {group}")


BREAKDOWN_SQL = _by_group(MAIN_SQL, "", "kind")
BREAKDOWN_TARGETS_SQL = _by_group(TARGETS_SQL, "i.", "i.kind")
# Where the originals of the continuations are (every item with such an ID: the last read is the one `Links` keeps).
ORIGINS_SQL = "SELECT id, unit, file, seq FROM items WHERE id IN (SELECT escalated_from FROM items WHERE escalated_from IS NOT NULL)"
# The groups of the items opened after the cut-off: no figures, but `breakdown` has a group for them.
LATER_SQL = "SELECT DISTINCT kind, category FROM items WHERE opened > :end AND (:kind IS NULL OR kind = :kind) AND (:cat IS NULL OR category = :cat) {scope}"


def breakdown_rows(source, unit: str, start: str, end: str, kind: str | None, category: str | None, satisfied: list[str], period: bool = True):
    """(main rows, move rows, target rows, origin rows, later groups) for the figures of the items at or below `unit`
    by (kind, category): `rollup_rows`' rows with (kind, category) for the unit, ORIGINS_SQL's and LATER_SQL's rows."""
    args = {"start": start, "end": end, "kind": kind, "cat": category, "scope": unit, "under": unit + "/", "n": len(unit) + 1,
            **{f"lv{i}": lv for i, lv in enumerate(satisfied)}}
    con = source.con

    def scoped(sql: str, col: str) -> str:
        return sql.replace("{scope}", f"AND ({col} = :scope OR substr({col}, 1, :n) = :under)" if unit else "")

    main, targets = (statement(scoped(sql, col), period, kind is not None, category is not None, len(satisfied))
                     for sql, col in ((BREAKDOWN_SQL, "unit"), (BREAKDOWN_TARGETS_SQL, "i.unit")))
    return (con.execute(main, args).fetchall(), con.execute(MOVES_SQL).fetchall(), con.execute(targets, args).fetchall(),
            con.execute(ORIGINS_SQL).fetchall(), con.execute(scoped(LATER_SQL, "unit"), args).fetchall())
