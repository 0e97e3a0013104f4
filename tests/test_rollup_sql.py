"""Roll-up figures by SQL over the index (store.sums) equal the item-by-item ones (figures.rollup's reference), exactly.

Generated trees are written to disk and read three ways: straight from the
files (the reference path), through the index with entries, and through the
index without them (what `shishi rollup` reads).
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from shishi.figures.rollup import ADDITIVE, Filters, Node, indexed, node_json, rollup
from shishi.store.ledger import load_files
from shishi.store.load import load
from shishi.store.sums import dsum
from shishi.store.yamlio import dump_items
from shishi.values import parse_period

D0 = date(2021, 1, 1)
KINDS = ("demand", "project", "rectification")
LEVELS = ("很满意", "满意", "基本满意", "不太满意", "不满意", "还行")  # the last in no scale: an answer, never satisfied
SCALES = (
    None,  # the default five levels
    [{"name": "满意", "score": 90, "satisfied": True}, {"name": "还行", "score": 62.5, "satisfied": True}, {"name": "不满意", "score": 0}],
)
PERIODS = (None, "2021", "2021Q1", "2021Q2", "2021Q3", "2021Q4", "2021-05", "2021-03-15..2021-10-20", "2022Q1")
MONEY = st.one_of(st.none(), st.integers(0, 10**6).map(str), st.decimals(0, 10**5, places=2).map(str), st.sampled_from(["1E+2", "0.10", "2.5", "1000000000000.5"]))
QTY = st.one_of(st.integers(0, 100).map(str), st.decimals(0, 100, places=4).map(str), st.sampled_from(["3E+1", "0.5"]))


EDGES = [(d - D0).days + k for d in (date(2021, 1, 1), date(2021, 3, 15), date(2021, 4, 1), date(2021, 5, 1), date(2021, 6, 1), date(2021, 7, 1),
                                   date(2021, 10, 1), date(2021, 10, 21), date(2022, 1, 1), date(2022, 4, 1)) for k in (-1, 0)]  # periods' first and last days
DAYS = st.one_of(st.integers(0, 420), st.sampled_from(EDGES))
AS_OF = st.one_of(st.dates(date(2020, 6, 1), date(2023, 3, 1)), st.sampled_from([D0 + timedelta(days=d) for d in EDGES]))


def _day(draw, lo: int, hi: int, base: date) -> date:
    return base + timedelta(days=draw(st.one_of(st.integers(lo, hi), st.sampled_from([0, 1, -1] if lo < 0 else [0, 1]))))


@st.composite
def trees(draw):
    """(units [(path, name, kind, short)], {(unit, year): [item data]}, surveys, scale) with escalations up and
    across, broken and doubled links, continuations opened before their originals, records dated before the
    opening, reopened items, late and unapproved extensions, duplicate IDs, odd decimals."""
    units = [("", "区", "district", "QU")]
    for i in range(draw(st.integers(1, 3))):
        units.append((f"镇{i}", f"镇{i}", "town", f"T{i}"))
        for j in range(draw(st.integers(0, 2))):
            units.append((f"镇{i}/村{j}", f"村{i}{j}", "village", f"V{i}{j}"))
    paths = [u[0] for u in units]
    files: dict[tuple[str, int], list[dict]] = defaultdict(list)
    every: list[dict] = []
    for k in range(draw(st.integers(0, 12))):
        ups = [draw(st.sampled_from(paths))]
        while len(ups) < 4 and draw(st.booleans()):
            up = ups[-1].rpartition("/")[0]
            nxt = up if ups[-1] and draw(st.booleans()) else draw(st.sampled_from([p for p in paths if p != ups[-1]] or [up]))
            if nxt == ups[-1]:
                break
            ups.append(nxt)
        kind, cat = draw(st.sampled_from(KINDS)), draw(st.sampled_from(["甲", "乙", None]))
        day = draw(DAYS)
        final = draw(st.sampled_from(["open", "in_progress", "resolved", "verified", "cancelled", "escalated"]))  # escalated: its continuation missing
        came = draw(st.sampled_from([None, None, None, "ZZ-2020-001"]))  # a continuation of nothing known
        for n, u in enumerate(ups):
            last = n == len(ups) - 1
            opened = D0 + timedelta(days=day)
            data: dict = {"id": f"P{k}-2021-{n + 1:03d}", "kind": kind, "title": f"问题{k}", "category": cat, "opened": opened,
                          "status": final if last else "escalated"}
            if draw(st.booleans()):
                data["due"] = _day(draw, 0, 60, opened)
            if draw(st.booleans()):
                orig = data.get("due") or _day(draw, 0, 30, opened)
                data["extensions"] = [{"date": _day(draw, -3, 40, opened), "original": orig, "to": orig + timedelta(days=10), "reason": "延期",
                                       "approved_by": draw(st.sampled_from([None, "区委办"])), "late": draw(st.booleans()),
                                       "milestone": draw(st.sampled_from([None, None, "开工"]))}]
            budget = draw(MONEY)
            if budget is not None:
                data["budget"] = budget
            if draw(st.booleans()):
                data["targets"] = [{"name": draw(st.sampled_from(["路", "灯"])), "unit": draw(st.sampled_from(["米", "盏", ""])), "planned": draw(QTY),
                                    **({"actual": draw(QTY)} if draw(st.booleans()) else {})} for _ in range(draw(st.integers(1, 2)))]
            if came is not None:
                data["escalated_from"] = came
            status = data["status"]
            if status in ("resolved", "verified", "in_progress") and draw(st.booleans()) or status == "verified":
                rd = _day(draw, -5, 90, opened)  # a few dated before the opening (check reports them)
                res = {"date": rd, "text": "办了", "beneficiaries": draw(st.integers(0, 500))}
                spent = draw(MONEY)
                if spent is not None:
                    res["spent"] = spent
                sat = draw(st.sampled_from((None, *LEVELS)))
                if sat:
                    res["satisfaction"] = sat
                if status == "in_progress":  # reopened: the earlier resolution kept, none now
                    data["reopenings"] = [{"date": rd + timedelta(days=3), "reason": "群众不满意", "resolution": res}]
                else:
                    data["resolution"] = res
                    if draw(st.booleans()):
                        data["reopenings"] = [{"date": rd - timedelta(days=1), "reason": "重办", "resolution": {**res, "date": rd - timedelta(days=2)}}]
                if status == "verified" and draw(st.integers(0, 5)):
                    data["verification"] = {"date": _day(draw, -2, 30, rd)}
            if status == "cancelled" and draw(st.integers(0, 4)):
                data["cancellation"] = {"date": _day(draw, -5, 30, opened), "reason": "重复"}
            files[(u, draw(st.sampled_from([2021, 2021, 2022])))].append(data)
            every.append(data)
            came = data["id"]
            day += draw(st.integers(-6, 20))  # a continuation may even open before its original
        if len(ups) > 1 and draw(st.integers(0, 3)) == 0:  # a second continuation of the first link: the earliest wins, ties by load order
            twin = dict(every[-len(ups) + 1], id=f"Q{k}-2021-001")
            twin["opened"] = every[-len(ups) + 1]["opened"] + timedelta(days=draw(st.integers(-2, 2)))
            files[(draw(st.sampled_from(paths)), 2021)].append(twin)
    if every and draw(st.booleans()):  # a duplicate ID, in the same file or another
        files[(draw(st.sampled_from(paths)), 2021)].append(dict(draw(st.sampled_from(every))))
    names = [u[1] for u in units] + [p for p in paths if p] + ["不存在村"]
    surveys = [{"unit": draw(st.sampled_from(names)), "quarter": draw(st.sampled_from(["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1"])),
                "counts": {lv: draw(st.integers(0, 40)) for lv in draw(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=4, unique=True))}}
               for _ in range(draw(st.integers(0, 4)))]
    return units, dict(files), surveys, draw(st.sampled_from(SCALES))


def write_tree(root: Path, units, files, surveys, scale) -> Path:
    """A ledger tree on disk (shishi.yaml, unit.yaml files, ledger files, a survey file) from `trees()`' parts."""
    import json

    config = {"district": "区"} | ({"satisfaction": scale} if scale else {})
    (root / "shishi.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / "shishi.yaml").write_text(json.dumps(config, ensure_ascii=False) + "\n", encoding="utf-8")  # JSON is YAML
    for path, name, kind, short in units:
        d = root / path if path else root
        d.mkdir(parents=True, exist_ok=True)
        (d / "unit.yaml").write_text(f"name: {name}\nkind: {kind}\nshort: {short}\n", encoding="utf-8")
    for (unit, year), items in files.items():
        (root / unit / f"{year}.yaml").write_text(dump_items(items), encoding="utf-8")
    if surveys:
        (root / "surveys").mkdir(exist_ok=True)
        (root / "surveys" / "2021.yaml").write_text(dump_items(surveys), encoding="utf-8")
    return root


def exact(node: Node) -> list:
    """Every figure of every node, own and total, money and quantities with their exponent (as they print): comparable with ==."""
    def fig(f):
        out = [(k, str(getattr(f, k))) for k in ADDITIVE]
        return out + sorted((key, str(p), str(a)) for key, (p, a) in f.targets.items())

    return [(node.unit, node.name, node.tier, fig(node.own), fig(node.total), [exact(c) for c in node.children])]


FILTERS = st.builds(
    lambda period, as_of, kind, cat: Filters(period=parse_period(period) if period else None, as_of=as_of, kind=kind, category=cat),
    st.sampled_from(PERIODS), AS_OF, st.sampled_from((None, None, *KINDS)), st.sampled_from((None, None, "甲", "乙")),
)


def _dates(value) -> list[date]:
    if isinstance(value, date):
        return [value]
    if isinstance(value, dict):
        return [d for v in value.values() for d in _dates(v)]
    if isinstance(value, list):
        return [d for v in value for d in _dates(v)]
    return []


@settings(max_examples=int(os.environ.get("SHISHI_FUZZ_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.data())
def test_sql_rollup_equals_the_item_by_item_one(tree, data):
    """On every unit, period and cut-off (the trees' own dates among them: where `<` and `≤` part), filters, depth."""
    exact_days = sorted({d for items in tree[1].values() for d in _dates(items)}) or [D0]
    days = sorted({d + timedelta(days=k) for d in exact_days for k in (-1, 0, 1)})
    own = st.builds(lambda a, b, as_of: Filters(period=parse_period(f"{min(a, b)}..{max(a, b)}"), as_of=as_of), st.sampled_from(days), st.sampled_from(days),
                    st.one_of(st.none(), st.sampled_from(days)))
    events = sorted({d for items in tree[1].values() for it in items for k in ("resolution", "verification", "cancellation") for d in _dates(it.get(k))}) or [D0]
    starting = st.builds(lambda a: Filters(period=parse_period(f"{a}..2030-01-01"), as_of=date(2030, 1, 1)), st.sampled_from(events + exact_days))  # events on the first day
    ending = st.builds(lambda a: Filters(as_of=a), st.sampled_from(exact_days))  # and on the cut-off
    asks = data.draw(st.lists(st.tuples(st.one_of(st.just(0), st.integers(1, 50)), st.one_of(FILTERS, own, starting, ending), st.sampled_from((None, 0, 1))),
                              min_size=2, max_size=16))  # half of them the whole tree
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(Path(tmp) / "t", *tree)
        ref = load_files(root)
        full, light = load(root), load(root, entries=False)
        assert indexed(ref) is None and indexed(full) is not None and indexed(light) is not None
        assert (light.problems, light.broken_ids) == (full.problems, full.broken_ids) == (ref.problems, ref.broken_ids)
        paths = list(ref.units)
        for pick, f, depth in [(0, Filters(), None), *asks]:
            unit = paths[pick % len(paths)]
            want = rollup(ref, unit, f, depth)
            assert exact(rollup(full, unit, f, depth)) == exact(want), (unit, f)
            assert exact(rollup(light, unit, f, depth)) == exact(want), (unit, f)
            assert node_json(rollup(light, unit, f, depth)) == node_json(want)


def test_the_bundled_district_by_sql_every_quarter_kind_and_unit(tmp_path: Path):
    import shutil

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    ref, light = load_files(root), load(root, entries=False)
    for period in (None, "2021", "2021Q1", "2021Q2", "2021Q3", "2021Q4"):
        for kind in (None, *KINDS):
            for as_of in (date(2021, 3, 31), date(2021, 11, 30), date(2030, 1, 1)):
                f = Filters(period=parse_period(period) if period else None, kind=kind, as_of=as_of)
                for unit in ("", "赶水镇", "赶水镇/三居社区"):
                    assert exact(rollup(light, unit, f)) == exact(rollup(ref, unit, f)), (period, kind, as_of, unit)


def test_a_ledger_read_without_entries_refuses_to_be_counted_item_by_item(tmp_path: Path):
    import shutil

    from shishi.figures.rollup import breakdown

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    light = load(root, entries=False)
    with pytest.raises(RuntimeError, match="without its entries"):
        breakdown(light, "", Filters(), lambda it: it.kind)
    with pytest.raises(RuntimeError):
        len(light.surveys)
    # entries handed over explicitly, or a ledger changed after loading, are counted item by item
    full = load(root)
    assert indexed(full) is not None
    full.entries = full.entries[:3]
    assert indexed(full) is None


@pytest.mark.parametrize(
    ("values", "text"),
    [([], "0"), (["1.50", "2"], "3.50"), (["0.10", "1E+2"], "100.10"), (["3E+1"], "30"), (["-0", "0.0001"], "0.0001"),
     (["1000000000000.5", "2.25"], "1000000000002.75"), (["7"], "7")],
)
def test_decimal_sums_keep_value_and_exponent(values, text):
    import sqlite3

    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE v(x TEXT)")
    con.executemany("INSERT INTO v VALUES (?)", [(v,) for v in values] + [(None,)])
    got = dsum(con.execute("SELECT group_concat(x, ' ') FROM v").fetchone()[0])
    want = sum((Decimal(v) for v in values), Decimal(0))
    assert str(got) == str(want) == text


def _table(root: Path, table: str) -> list:
    import sqlite3

    con = sqlite3.connect(root / ".shishi" / "index.sqlite")
    try:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608 - the tests' own tables
    finally:
        con.close()


def _file_sums(root: Path) -> dict:
    return {r[0]: r[1:] for r in _table(root, "file_sums")}


def _file_targets(root: Path) -> list:
    return _table(root, "file_targets")


def _group_sums(root: Path) -> list:
    return _table(root, "group_sums")


def _remade(root: Path) -> tuple[dict, list, list]:
    """file_sums, file_targets and group_sums as a load makes them from nothing."""
    import sqlite3

    con = sqlite3.connect(root / ".shishi" / "index.sqlite")
    with con:
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'file_sums'")
    con.close()
    load(root, entries=False)
    return _file_sums(root), _file_targets(root), _group_sums(root)


def test_partial_figures_are_kept_per_file_and_made_again_when_it_changes(tmp_path: Path):
    """A load for figures makes every ledger file's partial sums; a changed file's are made again from its new
    items, the others kept; the roll-up stays the item-by-item one before and after, at every cut-off."""
    import shutil

    from shishi.store import sums
    from shishi.write import items as ops

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    asks = [Filters(), Filters(as_of=date(2021, 6, 30)), Filters(period=parse_period("2021Q3"), as_of=date(2030, 1, 1)), Filters(period=parse_period("2022"))]
    light = load(root, entries=False)
    before = _file_sums(root)
    assert set(before) == set(light.index.files) and len(before) > 5
    assert all(row[1] <= row[2] for row in before.values())  # first and last dates of a file with items
    for f in asks:
        assert exact(rollup(light, "", f)) == exact(rollup(load_files(root), "", f)), f
    targets = _file_targets(root)
    groups = _group_sums(root)
    assert len(groups) > len(before)  # a file's sums by kind and category
    assert targets and (before, targets, groups) == _remade(root)
    ops.add(root, "三居社区", "新的诉求", opened="2021-12-30", due="2022-01-15")
    light = load(root, entries=False)
    after = _file_sums(root)
    assert (after, _file_targets(root), _group_sums(root)) == _remade(root)  # the changed file's made again, the others' kept: as if all were made now
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert changed and all(p.startswith("赶水镇/三居社区/") for p in changed), changed
    assert max(after[p][2] for p in changed) == "2022-01-15"  # its due date: the last it is compared on
    for f in asks:
        assert exact(rollup(light, "", f)) == exact(rollup(load_files(root), "", f)), f
    # as of today every file's sums hold: none of its items is read
    args = {"start": date.min.isoformat(), "end": date.today().isoformat()}
    assert light.index.con.execute(f"SELECT count(*) FROM items WHERE file IN ({sums.UNCOVERED_SQL})", args).fetchone()[0] == 0


def test_partial_figures_made_by_other_code_are_made_again(tmp_path: Path):
    import shutil
    import sqlite3

    from shishi.store import sums

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    load(root, entries=False)
    good = _file_sums(root), _group_sums(root)
    con = sqlite3.connect(root / ".shishi" / "index.sqlite")
    with con:
        con.execute("UPDATE file_sums SET n_registered = n_registered + 1000")  # what other code might have stored
        con.execute("UPDATE group_sums SET n_resolved = n_resolved + 1000")
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'file_sums'")
    con.close()
    light = load(root, entries=False)
    assert (_file_sums(root), _group_sums(root)) == good
    assert light.index.con.execute("SELECT value FROM meta WHERE key = 'file_sums'").fetchone()[0] == sums.FILE_SUMS_VERSION
    assert exact(rollup(light, "", Filters())) == exact(rollup(load_files(root), "", Filters()))


def test_a_full_load_counts_without_partial_figures(tmp_path: Path):
    """A load with entries makes none (a cold check stays as fast as it was) and the roll-up reads the items."""
    import shutil

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    full = load(root)
    assert _file_sums(root) == {} and _group_sums(root) == []
    assert exact(rollup(full, "", Filters())) == exact(rollup(load_files(root), "", Filters()))


def test_fresh_figures_are_figures_of_nothing():
    from shishi.figures.rollup import Figures, _zero

    a, b = _zero(), _zero()
    assert a == Figures() and a.targets is not b.targets
    a.registered += 1
    a.targets[("路", "米")] = [Decimal(1), Decimal(0)]
    assert b == Figures()
