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

import hashlib
import json
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

    A main row: (unit, *MAIN_COLUMNS, spent texts, budget texts) of items not escalated (a unit may have
    several: add them); a move row: MOVES_SQL's columns; a target row: (unit, name, measure, planned texts,
    actual texts; a unit may have several of one target) — texts for `dsum`. `period` False: start is the first day
    there is (no period asked for).

    The files whose stored partial figures hold for this start and cut-off are summed from those (`file_sums`;
    `group_sums` for a kind or category), and only the other files' items are read — when that is most of the files.
    """
    args = {"start": start, "end": end, "kind": kind, "cat": category, **{f"lv{i}": lv for i, lv in enumerate(satisfied)}}
    con = source.con
    main, targets = (statement(sql, period, kind is not None, category is not None, len(satisfied)) for sql in (MAIN_SQL, TARGETS_SQL))
    if _partials_pay(con, args, len(source.files)):
        whole = kind is None and category is None
        rows = con.execute(partial_sql(period, len(satisfied), kind is not None, category is not None, "file_sums" if whole else "group_sums"), args).fetchall()
        rows += con.execute(_uncovered(main, "WHERE opened"), args).fetchall()
        goals = con.execute(partial_targets_sql(period, kind is not None, category is not None), args).fetchall()
        goals += con.execute(_uncovered(targets, "WHERE i.opened", "t.file"), args).fetchall()
    else:
        rows, goals = con.execute(main, args).fetchall(), con.execute(targets, args).fetchall()
    return rows, snapshot_rows(source, MOVES_SQL), goals


def _uncovered(sql: str, where: str, col: str = "file") -> str:
    """`sql` for the items of the files the stored partial figures do not cover (UNCOVERED_SQL) only."""
    assert sql.count(where) == 1, where
    return sql.replace(where, f"WHERE {col} IN ({UNCOVERED_SQL}) AND {where[6:]}")


# ------------------------------------------------------------------ partial figures per ledger file
#
# For the items of one file not escalated, `file_sums` keeps the main pass's sums twice — `n_…`: for any
# period that starts on or before `first` (every date the pass compares with the start: opened, left_on,
# verified) and a cut-off after `last` (every date it compares with the cut-off: opened, due, judged,
# left_on, verified); `p_…`: for a period that starts after `last` (what is still in hand, carried in) —
# then each comparison comes out as it does at the sentinel dates the sums were taken at (SENTINEL). The
# callback answers by level (`answers`, JSON, NULL for none: the satisfied levels are the scale's, known only
# when counting); spent and budget as the decimal texts themselves (the readers add them with `dsum`, exactly).
# `group_sums` holds the same sums per (kind, category) of the file, with the file's bounds
# (a file is covered or not as a whole), for the breakdowns and a roll-up of one kind or category;
# `file_targets` the targets by (kind, category). A file's rows are deleted with its other rows
# (index.PER_FILE) and made again when next wanted (`fill_file_sums`); one whose rows hold neither way is
# read item by item.

SENTINEL = "9999-12-31"  # later than any date a cut-off may be: an item dated so is never covered (last < end fails)
FILE_SUMS_COLUMNS = (*MAIN_COLUMNS, "spent", "budget")
COVERED = "last < :end AND (first >= :start OR last < :start)"
# The ledger files a start and cut-off cannot take from `file_sums` (their row does not hold, or is missing).
UNCOVERED_SQL = f"SELECT path FROM files WHERE kind = 'ledger' AND path NOT IN (SELECT file FROM file_sums WHERE {COVERED})"


def partial_sql(period: bool, levels: int, kind: bool = False, category: bool = False, table: str = "file_sums", by: str = "unit", scope: str = "") -> str:
    """The sums by `by` of the files the stored rows of `table` cover: `n_…` or `p_…` by the start (no period:
    always `n_…`); of one kind and category when asked (`group_sums` only); `scope`: a further condition."""
    pick = "CASE WHEN first >= :start THEN n_{0} ELSE p_{0} END" if period else "n_{0}"
    answers = "(SELECT sum(value) FROM json_each(answers) WHERE key IN ({}))".format(", ".join(f":lv{i}" for i in range(levels)) or "NULL")
    cols = [f"sum({pick.format(c)})" if c != "callback_satisfied" else f"sum(CASE WHEN first >= :start THEN {answers} END)" if period else f"sum({answers})"
            for c in MAIN_COLUMNS]
    cols += [f"group_concat({pick.format(c)}, ' ')" for c in ("spent", "budget")]
    where = (COVERED if period else "last < :end") + (" AND kind = :kind" if kind else "") + (" AND category = :cat" if category else "") + scope
    return f"SELECT {by}, {', '.join(cols)} FROM {table} WHERE {where} GROUP BY {by}"  # noqa: S608 - our statements


def partial_targets_sql(period: bool, kind: bool = False, category: bool = False, by: str = "s.unit", scope: str = "") -> str:
    """The targets by `by`, name and measure of the covered files, for the periods and cut-offs their `n_…` hold
    for (none for `p_…`: the items carrying targets were opened before the period)."""
    where = ("s.first >= :start AND " if period else "") + "s.last < :end" + (" AND t.kind = :kind" if kind else "") + (" AND t.category = :cat" if category else "") + scope
    return f"""SELECT {by}, t.name, t.measure, group_concat(t.planned, ' '), group_concat(t.actual, ' ')
FROM file_sums s JOIN file_targets t ON t.file = s.file WHERE {where} GROUP BY {by}, t.name, t.measure"""  # noqa: S608 - our statements


_BOUNDS = ("coalesce(min(min(opened, coalesce(left_on, opened), coalesce(verified, opened))), '9999-12-31'), "
           "coalesce(max(max(opened, coalesce(due, opened), coalesce(judged, opened), coalesce(left_on, opened), coalesce(verified, opened))), '')")
_WANTED = "SELECT path, unit FROM files WHERE kind = 'ledger' AND path NOT IN (SELECT file FROM file_sums)"


def _fill_sql() -> str:
    """One pass over the items of the files asked for (:files, JSON), grouped by file, kind and category: the
    group's first and last dates, then MAIN_SQL's sums twice (`n_…`, `p_…`), taken at the SENTINEL dates, and the
    spent and budget texts as they are (the readers add them: `dsum` is exact)."""
    n, p = (statement(MAIN_SQL, period, False, False, 0).replace(":start", f"'{SENTINEL}'").replace(":end", f"'{SENTINEL}'") for period in (False, True))
    head, tail = "SELECT unit,", "\nFROM items"
    cols = [sql[sql.index(head) + len(head) : sql.index(tail)] for sql in (n, p)]
    rest = n[n.index(tail) :]
    for old, new in (("GROUP BY unit", "GROUP BY file, kind, category"),
                     ("WHERE opened", "WHERE file IN (SELECT value FROM json_each(:files)) AND opened")):
        assert rest.count(old) == 1, old  # the roll-up's statement is the pattern: fail loudly when it changes shape
        rest = rest.replace(old, new)
    return f"SELECT file, unit, kind, category, {_BOUNDS},{cols[0]},{cols[1]}{rest}"


def _targets_per_group(sql: str) -> str:
    for old, new in (("SELECT i.unit,", "SELECT i.file, i.kind, i.category,"), ("GROUP BY i.unit,", "GROUP BY i.file, i.kind, i.category,"),
                     ("WHERE i.opened <= :end", "WHERE t.file IN (SELECT value FROM json_each(:files)) AND i.opened <= :end")):
        assert sql.count(old) == 1, old
        sql = sql.replace(old, new)
    return sql


# The targets of a file's groups by name and measure, for the periods and cut-offs its `n_…` hold for (none: for `p_…`).
FILL_TARGETS_SQL = _targets_per_group(statement(TARGETS_SQL, False, False, False, 0))
FILE_TARGETS_DDL = ("CREATE TABLE file_targets(file TEXT, kind TEXT, category TEXT, name TEXT, measure TEXT, planned TEXT, actual TEXT); "
                    "CREATE INDEX file_targets_file ON file_targets(file)")
_SUMS = [f"{v}_{c}" for v in "np" for c in FILE_SUMS_COLUMNS]
# The groups' sums (a temporary table), and the callback answers MAIN_SQL's callback_satisfied counts (resolutions
# by the cut-off) per group and level; from them the files' sums, and the groups' with their file's bounds.
_TEXTS = ("spent", "budget")
FILL_STATEMENTS = (
    f"CREATE TEMP TABLE fill_groups(file, unit, kind, category, first, last, {', '.join(_SUMS)})",
    f"INSERT INTO fill_groups {_fill_sql()}",
    """CREATE TEMP TABLE fill_answers AS SELECT file, kind, category, satisfaction AS level, count(*) AS n FROM items
WHERE file IN (SELECT value FROM json_each(:files)) AND status NOT IN ('escalated', 'cancelled') AND left_on IS NOT NULL AND satisfaction <> ''
GROUP BY file, kind, category, satisfaction""",
    "CREATE INDEX temp.fill_answers_at ON fill_answers(file, kind, category)",
    "INSERT INTO file_sums SELECT file, unit, min(first), max(last), "
    + ", ".join(f"group_concat({c}, ' ')" if c[2:] in _TEXTS else f"sum({c})" for c in _SUMS)
    + ", (SELECT nullif(json_group_object(level, n), '{}') FROM (SELECT level, sum(n) AS n FROM fill_answers a WHERE a.file = g.file GROUP BY level))"
    " FROM fill_groups g GROUP BY file",
    f"INSERT INTO group_sums SELECT g.file, g.unit, g.kind, g.category, s.first, s.last, {', '.join(f'g.{c}' for c in _SUMS)}, "
    "(SELECT nullif(json_group_object(level, n), '{}') FROM fill_answers a WHERE a.file = g.file AND a.kind = g.kind AND a.category IS g.category) "
    "FROM fill_groups g JOIN file_sums s ON s.file = g.file",
    "DROP TABLE fill_groups",
    "DROP TABLE fill_answers",
)
FILE_SUMS_VERSION = hashlib.blake2b("\n".join((*FILL_STATEMENTS, FILL_TARGETS_SQL, SENTINEL)).encode(), digest_size=8).hexdigest()

_SUMS_COLUMNS = ", ".join(f"{c} {'TEXT' if c[2:] in _TEXTS else 'INTEGER'}" for c in _SUMS)
FILE_SUMS_DDL = (
    f"CREATE TABLE file_sums(file TEXT PRIMARY KEY, unit TEXT, first TEXT, last TEXT, {_SUMS_COLUMNS}, answers TEXT); "
    f"CREATE TABLE group_sums(file TEXT, unit TEXT, kind TEXT, category TEXT, first TEXT, last TEXT, {_SUMS_COLUMNS}, answers TEXT); "
    "CREATE INDEX group_sums_file ON group_sums(file)"
)


def file_sums_wanted(con) -> bool:
    """Whether some ledger file has no `file_sums` row, or the rows were made by other code."""
    row = con.execute("SELECT value FROM meta WHERE key = 'file_sums'").fetchone()
    return row is None or row[0] != FILE_SUMS_VERSION or con.execute(f"SELECT EXISTS ({_WANTED})").fetchone()[0] == 1


def _partials_pay(con, args: dict, files: int) -> bool:
    """Whether the stored partial figures hold for most of the `files` ledger files at this start and cut-off."""
    (n,) = con.execute(f"SELECT count(*) FROM file_sums WHERE {COVERED}", args).fetchone()  # noqa: S608 - our statement
    return n * 2 > files


def fill_file_sums(con) -> int:
    """Make the `file_sums`, `group_sums` and `file_targets` rows of the ledger files that have none (all of them
    when the code that makes them changed: FILE_SUMS_VERSION in `meta`); the caller holds a write transaction.
    In SQL, a batch of files at a time: the groups' sums, then the files' from them. Returns the files summed."""
    row = con.execute("SELECT value FROM meta WHERE key = 'file_sums'").fetchone()
    if row is None or row[0] != FILE_SUMS_VERSION:
        for table in ("file_sums", "group_sums", "file_targets"):
            con.execute(f"DELETE FROM {table}")  # noqa: S608 - our tables
        con.execute("INSERT OR REPLACE INTO meta VALUES ('file_sums', ?)", (FILE_SUMS_VERSION,))
    wanted = con.execute(_WANTED).fetchall()
    for i in range(0, len(wanted), 2000):
        part = wanted[i : i + 2000]
        files = json.dumps([p for p, _u in part], ensure_ascii=False)
        for sql in FILL_STATEMENTS:
            con.execute(sql, {"files": files} if ":files" in sql else ())
        con.executemany("INSERT INTO file_targets VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(f, kind, cat, name, measure, str(dsum(planned)), None if actual is None else str(dsum(actual)))
                         for f, kind, cat, name, measure, planned, actual in con.execute(FILL_TARGETS_SQL, {"files": files, "end": SENTINEL}).fetchall()])
    # the files without items not escalated: every start and cut-off hold, and their sums are nothing
    con.execute(f"INSERT INTO file_sums (file, unit, first, last, {', '.join(_SUMS)}) "  # noqa: S608 - our statement
                f"SELECT path, unit, '9999-12-31', '', {', '.join('NULL' if c[2:] in _TEXTS else '0' for c in _SUMS)} FROM ({_WANTED})")
    return len(wanted)


def snapshot_rows(source, sql: str) -> list:
    """The rows of a statement without parameters, run once per snapshot (a report's roll-ups and breakdown each want
    the escalations; the snapshot does not change while the ledger is loaded)."""
    rows = source.rows.get(sql)
    if rows is None:
        rows = source.rows[sql] = source.con.execute(sql).fetchall()
    return rows


def survey_rows(source):
    """(file, seq, unit as written, quarter, level, count) of every survey's counts, in reading order."""
    return snapshot_rows(source, "SELECT file, seq, unit, quarter, level, count FROM survey_counts ORDER BY file, seq, rowid")


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
    by (kind, category): `rollup_rows`' rows with (kind, category) for the unit (from `group_sums` for the files it
    covers, when that is most of them), ORIGINS_SQL's and LATER_SQL's rows."""
    args = {"start": start, "end": end, "kind": kind, "cat": category, "scope": unit, "under": unit + "/", "n": len(unit) + 1,
            **{f"lv{i}": lv for i, lv in enumerate(satisfied)}}
    con = source.con

    def scoped(sql: str, col: str) -> str:
        return sql.replace("{scope}", _scope(col) if unit else "")

    main, targets = (statement(scoped(sql, col), period, kind is not None, category is not None, len(satisfied))
                     for sql, col in ((BREAKDOWN_SQL, "unit"), (BREAKDOWN_TARGETS_SQL, "i.unit")))
    later = scoped(LATER_SQL, "unit")
    if _partials_pay(con, args, len(source.files)):
        k, c = kind is not None, category is not None
        rows = con.execute(partial_sql(period, len(satisfied), k, c, "group_sums", "kind, category", _scope("unit") if unit else ""), args).fetchall()
        rows += con.execute(_uncovered(main, "WHERE opened"), args).fetchall()
        goals = con.execute(partial_targets_sql(period, k, c, "t.kind, t.category", _scope("s.unit") if unit else ""), args).fetchall()
        goals += con.execute(_uncovered(targets, "WHERE i.opened", "t.file"), args).fetchall()
        later = _uncovered(later, "WHERE opened")  # a covered file has nothing opened after the cut-off (its last date is before it)
    else:
        rows, goals = con.execute(main, args).fetchall(), con.execute(targets, args).fetchall()
    return rows, snapshot_rows(source, MOVES_SQL), goals, con.execute(ORIGINS_SQL).fetchall(), con.execute(later, args).fetchall()


def _scope(col: str) -> str:
    return f" AND ({col} = :scope OR substr({col}, 1, :n) = :under)"
