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

    Without kind or category, the files whose stored partial figures (`file_sums`) hold for this start and
    cut-off are summed from those, and only the other files' items are read — when that is most of the files.
    """
    args = {"start": start, "end": end, "kind": kind, "cat": category, **{f"lv{i}": lv for i, lv in enumerate(satisfied)}}
    con = source.con
    main, targets = (statement(sql, period, kind is not None, category is not None, len(satisfied)) for sql in (MAIN_SQL, TARGETS_SQL))
    if kind is None and category is None and _partials_pay(con, args, len(source.files)):
        levels = ", ".join(f":lv{i}" for i in range(len(satisfied))) or "NULL"
        rows = con.execute((PARTIAL_SQL if period else PARTIAL_ALL_SQL).replace(":levels", levels), args).fetchall()
        rows += con.execute(main.replace("WHERE opened <= :end", f"WHERE file IN ({UNCOVERED_SQL}) AND opened <= :end"), args).fetchall()
        goals = con.execute(PARTIAL_TARGETS_SQL, args).fetchall()
        goals += con.execute(targets.replace("WHERE i.opened", f"WHERE t.file IN ({UNCOVERED_SQL}) AND i.opened"), args).fetchall()
    else:
        rows, goals = con.execute(main, args).fetchall(), con.execute(targets, args).fetchall()
    return rows, con.execute(MOVES_SQL).fetchall(), goals


# ------------------------------------------------------------------ partial figures per ledger file
#
# For the items of one file not escalated, `file_sums` keeps the main pass's sums twice — `n_…`: for any
# period that starts on or before `first` (every date the pass compares with the start: opened, left_on,
# verified) and a cut-off after `last` (every date it compares with the cut-off: opened, due, judged,
# left_on, verified); `p_…`: for a period that starts after `last` (what is still in hand, carried in) —
# then each comparison comes out as it does at the sentinel dates the sums were taken at (SENTINEL). The
# callback answers by level (`answers`, JSON: the satisfied levels are the scale's, known only when
# counting). A file's row is deleted with its other rows (index.PER_FILE) and made again when next wanted
# (`fill_file_sums`); one whose rows hold neither way is read item by item.

SENTINEL = "9999-12-31"  # later than any date a cut-off may be: an item dated so is never covered (last < end fails)
FILE_SUMS_COLUMNS = (*MAIN_COLUMNS, "spent", "budget")
COVERED = "last < :end AND (first >= :start OR last < :start)"
# The ledger files a start and cut-off cannot take from `file_sums` (their row does not hold, or is missing).
UNCOVERED_SQL = f"SELECT path FROM files WHERE kind = 'ledger' AND path NOT IN (SELECT file FROM file_sums WHERE {COVERED})"


def _partial_sql(period: bool) -> str:
    """The units' sums from the files `file_sums` covers: `n_…` or `p_…` by the start (no period: always `n_…`)."""
    pick = "CASE WHEN first >= :start THEN n_{0} ELSE p_{0} END" if period else "n_{0}"
    answers = "(SELECT sum(value) FROM json_each(answers) WHERE key IN (:levels))"
    cols = [f"sum({pick.format(c)})" if c != "callback_satisfied" else f"sum(CASE WHEN first >= :start THEN {answers} END)" if period else f"sum({answers})"
            for c in MAIN_COLUMNS]
    cols += [f"group_concat({pick.format(c)}, ' ')" for c in ("spent", "budget")]
    return f"SELECT unit, {', '.join(cols)} FROM file_sums WHERE {COVERED if period else 'last < :end'} GROUP BY unit"


PARTIAL_SQL, PARTIAL_ALL_SQL = _partial_sql(True), _partial_sql(False)  # ALL: no period, the start is the first day there is
_BOUNDS = ("coalesce(min(min(opened, coalesce(left_on, opened), coalesce(verified, opened))), '9999-12-31'), "
           "coalesce(max(max(opened, coalesce(due, opened), coalesce(judged, opened), coalesce(left_on, opened), coalesce(verified, opened))), '')")
_WANTED = "SELECT path, unit FROM files WHERE kind = 'ledger' AND path NOT IN (SELECT file FROM file_sums)"


def _per_file(sql: str) -> str:
    """A main statement summed per file of the files asked for (:files, JSON), with the file's first and last dates."""
    for old, new in (("SELECT unit,", f"SELECT file, {_BOUNDS},"), ("GROUP BY unit", "GROUP BY file"),
                     ("WHERE opened <= :end", "WHERE file IN (SELECT value FROM json_each(:files)) AND opened <= :end")):
        assert sql.count(old) == 1, old
        sql = sql.replace(old, new)
    return sql


def _targets_per_file(sql: str) -> str:
    for old, new in (("SELECT i.unit,", "SELECT i.file,"), ("GROUP BY i.unit,", "GROUP BY i.file,"),
                     ("WHERE i.opened <= :end", "WHERE t.file IN (SELECT value FROM json_each(:files)) AND i.opened <= :end")):
        assert sql.count(old) == 1, old
        sql = sql.replace(old, new)
    return sql


# The targets of a file by name and measure, for the periods and cut-offs its `n_…` hold for (none: for `p_…`).
FILL_TARGETS_SQL = _targets_per_file(statement(TARGETS_SQL, False, False, False, 0))
PARTIAL_TARGETS_SQL = """SELECT s.unit, t.name, t.measure, group_concat(t.planned, ' '), group_concat(t.actual, ' ')
FROM file_sums s JOIN file_targets t ON t.file = s.file WHERE s.last < :end AND s.first >= :start GROUP BY s.unit, t.name, t.measure"""
FILE_TARGETS_DDL = "CREATE TABLE file_targets(file TEXT, name TEXT, measure TEXT, planned TEXT, actual TEXT); CREATE INDEX file_targets_file ON file_targets(file)"
FILL_N_SQL = _per_file(statement(MAIN_SQL, False, False, False, 0))
FILL_P_SQL = _per_file(statement(MAIN_SQL, True, False, False, 0))
# The callback answers MAIN_SQL's callback_satisfied counts (resolutions by the cut-off), per file and level.
FILL_ANSWERS_SQL = """
SELECT file, satisfaction, count(*) FROM items
WHERE file IN (SELECT value FROM json_each(:files)) AND status NOT IN ('escalated', 'cancelled') AND left_on IS NOT NULL AND satisfaction <> ''
GROUP BY file, satisfaction
"""
FILE_SUMS_VERSION = hashlib.blake2b("\n".join((FILL_N_SQL, FILL_P_SQL, FILL_ANSWERS_SQL, FILL_TARGETS_SQL, SENTINEL)).encode(), digest_size=8).hexdigest()


FILE_SUMS_DDL = (
    "CREATE TABLE file_sums(file TEXT PRIMARY KEY, unit TEXT, first TEXT, last TEXT, "
    + ", ".join(f"{v}_{c} {'TEXT' if c in ('spent', 'budget') else 'INTEGER'}" for v in "np" for c in FILE_SUMS_COLUMNS)
    + ", answers TEXT)"
)


def file_sums_wanted(con) -> bool:
    """Whether some ledger file has no `file_sums` row, or the rows were made by other code."""
    row = con.execute("SELECT value FROM meta WHERE key = 'file_sums'").fetchone()
    return row is None or row[0] != FILE_SUMS_VERSION or con.execute(f"SELECT EXISTS ({_WANTED})").fetchone()[0] == 1


def _partials_pay(con, args: dict, files: int) -> bool:
    """Whether the stored partial figures hold for most of the `files` ledger files at this start and cut-off."""
    (n,) = con.execute(f"SELECT count(*) FROM file_sums WHERE {COVERED}", args).fetchone()
    return n * 2 > files


def fill_file_sums(con) -> int:
    """Make the `file_sums` rows of the ledger files that have none (all of them when the code that makes them
    changed: FILE_SUMS_VERSION in `meta`); the caller holds a write transaction. Returns the files summed."""
    import json

    row = con.execute("SELECT value FROM meta WHERE key = 'file_sums'").fetchone()
    if row is None or row[0] != FILE_SUMS_VERSION:
        con.execute("DELETE FROM file_sums")
        con.execute("DELETE FROM file_targets")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('file_sums', ?)", (FILE_SUMS_VERSION,))
    wanted = con.execute(_WANTED).fetchall()
    for i in range(0, len(wanted), 2000):
        part = wanted[i : i + 2000]
        files = json.dumps([p for p, _u in part], ensure_ascii=False)
        n = {r[0]: r for r in con.execute(FILL_N_SQL, {"files": files, "end": SENTINEL})}
        p = {r[0]: r for r in con.execute(FILL_P_SQL, {"files": files, "start": SENTINEL, "end": SENTINEL})}
        answers: dict[str, dict[str, int]] = {}
        for f, level, count in con.execute(FILL_ANSWERS_SQL, {"files": files}):
            answers.setdefault(f, {})[level] = count
        rows = []
        for path, unit in part:
            first, last = n[path][1:3] if path in n else ("9999-12-31", "")  # no items: every start and cut-off hold
            vectors = [_vector(n.get(path)), _vector(p.get(path))]
            rows.append((path, unit, first, last, *vectors[0], *vectors[1], json.dumps(answers.get(path, {}), ensure_ascii=False)))
        con.executemany(f"INSERT INTO file_sums VALUES ({', '.join('?' * (5 + 2 * len(FILE_SUMS_COLUMNS)))})", rows)
        con.executemany("INSERT INTO file_targets VALUES (?, ?, ?, ?, ?)",
                        [(f, name, measure, str(dsum(planned)), None if actual is None else str(dsum(actual)))
                         for f, name, measure, planned, actual in con.execute(FILL_TARGETS_SQL, {"files": files, "end": SENTINEL}).fetchall()])
    return len(wanted)


def _vector(row) -> list:
    """A per-file row's sums (after file, first, last) as stored: counts as they are, money as its exact decimal sum."""
    if row is None:
        return [0] * len(MAIN_COLUMNS) + [None, None]
    k = 3 + len(MAIN_COLUMNS)
    return [v or 0 for v in row[3:k]] + [None if t is None else str(dsum(t)) for t in row[k : k + 2]]


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
