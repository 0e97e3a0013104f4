"""The tier roll-up: counting rules on real trees, the invariants on generated ones, and `shishi rollup`."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from shishi.figures.rollup import ADDITIVE, Figures, Filters, breakdown, node_json, rollup
from shishi.store.ledger import Entry, Ledger
from shishi.store.load import load
from shishi.store.model import Config, Item, Unit
from shishi.store.tree import UnitDir
from shishi.values import parse_period
from shishi.write import items as ops

FAR = date(2030, 1, 1)


def _node(node, path):
    if node.unit == path:
        return node
    for c in node.children:
        hit = _node(c, path)
        if hit:
            return hit
    return None


# ------------------------------------------------------------------ counting rules on real trees


def test_escalated_problem_counts_once_at_town_and_district(tree: Path):
    ops.add(tree, "云品村", "产业路损毁", opened="2021-06-01", budget="20万", targets=["产业路=2公里"])
    new = ops.escalate(tree, "GS-YP-2021-001", "赶水镇", "需镇里出资", when="2021-06-03")
    ops.close(tree, new.id, "修复产业路", 300, when="2021-07-01", spent="18万", targets=["产业路=2"])
    node = rollup(load(tree), "", Filters(as_of=FAR))
    village, town = _node(node, "赶水镇/云品村"), _node(node, "赶水镇")
    assert (village.own.registered, village.own.escalated, village.own.resolved) == (1, 1, 0)
    assert (town.own.registered, town.own.received, town.own.resolved) == (0, 1, 1)
    # the village handed it on; inside the town (and the district) the move is internal: neither received nor escalated
    assert (village.total.escalated, town.total.received, town.total.escalated, node.total.escalated) == (1, 0, 0, 0)
    for n in (town, node):
        t = n.total
        assert (t.registered, t.resolved, t.received, t.escalated, t.open, t.beneficiaries) == (1, 1, 0, 0, 0, 300)
        assert t.resolution_rate == 1.0
        # the money and the target count once, on the item that carried the work
        assert t.budget == Decimal(200000) and t.spent == Decimal(180000)
        assert t.targets == {("产业路", "公里"): [Decimal(2), Decimal(2)]}


def test_registrations_by_opening_resolutions_by_resolution_date(tree: Path):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-06-20", due="2021-06-27")
    ops.close(tree, "GS-SJ-2021-001", "已修复", 30, when="2021-07-02")
    ledger = load(tree)
    q2 = rollup(ledger, "", Filters(period=parse_period("2021Q2"))).total
    q3 = rollup(ledger, "", Filters(period=parse_period("2021Q3"))).total
    # Q2: registered, and in hand (and overdue) at the end of June; Q3: carried in, resolved, late
    assert (q2.carried_in, q2.registered, q2.resolved, q2.open, q2.overdue, q2.caseload) == (0, 1, 0, 1, 1, 1)
    assert (q3.carried_in, q3.registered, q3.resolved, q3.open, q3.beneficiaries, q3.on_time_rate) == (1, 0, 1, 0, 30, 0.0)
    # 办结率 is a flow rate: resolved over the caseload (carried in + registered + received - escalated - cancelled)
    assert q2.resolution_rate == 0.0 and q3.caseload == 1 and q3.resolution_rate == 1.0


def test_as_of_before_resolution_counts_item_in_hand(tree: Path):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01", due="2021-09-08")
    ops.close(tree, "GS-SJ-2021-001", "已修复", 30, when="2021-09-20")
    ops.verify(tree, "GS-SJ-2021-001", when="2021-09-25")
    ledger = load(tree)
    before = rollup(ledger, "", Filters(as_of=date(2021, 9, 10))).total
    assert (before.registered, before.resolved, before.verified, before.open, before.overdue) == (1, 0, 0, 1, 1)
    between = rollup(ledger, "", Filters(as_of=date(2021, 9, 22))).total
    assert (between.resolved, between.verified, between.open) == (1, 0, 0)
    # an explicit as-of after the period's end is the period's end
    assert rollup(ledger, "", Filters(period=parse_period("2021-09-01..2021-09-10"), as_of=FAR)).total.open == 1
    # items opened after the as-of date do not exist yet
    assert rollup(ledger, "", Filters(as_of=date(2021, 8, 31))).total.registered == 0


def test_cancelled_items_are_registered_then_cancelled(tree: Path):
    ops.add(tree, "三居社区", "重复反映", opened="2021-09-01")
    ops.cancel(tree, "GS-SJ-2021-001", "重复", when="2021-10-02")
    ledger = load(tree)
    t = rollup(ledger, "", Filters(as_of=FAR)).total
    assert (t.registered, t.cancelled, t.open, t.caseload, t.resolution_rate) == (1, 1, 0, 0, None)
    q3, q4 = (rollup(ledger, "", Filters(period=parse_period(q))).total for q in ("2021Q3", "2021Q4"))
    assert (q3.registered, q3.cancelled, q3.in_hand) == (1, 0, 1)
    assert (q4.carried_in, q4.cancelled, q4.in_hand) == (1, 1, 0)


def test_callback_satisfaction_counts_only_satisfied_levels(tree: Path):
    for title, level in (("一", "满意"), ("二", "不满意"), ("三", "基本满意"), ("四", None)):
        item = ops.add(tree, "三居社区", title, opened="2021-09-01")
        ops.close(tree, item.id, "已办", 1, when="2021-09-02", satisfaction=level)
    t = rollup(load(tree), "", Filters(as_of=FAR)).total
    assert (t.callback_answers, t.callback_satisfied, t.callback_satisfaction_rate) == (3, 2, 0.6667)


def test_surveys_count_by_scale_and_quarter(tree: Path):
    (tree / "surveys").mkdir()
    (tree / "surveys/2021Q3.yaml").write_text(
        "- unit: 三居社区\n  quarter: 2021Q3\n  counts: {很满意: 6, 满意: 2, 不满意: 2}\n- unit: 文龙街道\n  quarter: 2021Q4\n  counts: {满意: 10}\n", encoding="utf-8"
    )
    ledger = load(tree)
    q3 = rollup(ledger, "", Filters(period=parse_period("2021Q3")))
    assert (q3.total.survey_sample, q3.total.satisfaction_rate, q3.total.mean_score) == (10, 0.8, 76.0)
    assert _node(q3, "赶水镇").total.survey_sample == 10 and _node(q3, "文龙街道").total.survey_sample == 0
    assert rollup(ledger, "", Filters(period=parse_period("2021"))).total.survey_sample == 20
    # a quarter that has not begun by the as-of date is not counted
    assert rollup(ledger, "", Filters(as_of=date(2021, 9, 30))).total.survey_sample == 10


def test_depth_hides_levels_but_counts_them(tree: Path):
    ops.add(tree, "三居社区", "甲", opened="2021-09-01")
    ops.add(tree, "文龙街道", "乙", opened="2021-09-01", kind="project")
    ledger = load(tree)
    flat = rollup(ledger, "", Filters(as_of=FAR), depth=0)
    assert flat.children == [] and flat.total.registered == 2
    one = rollup(ledger, "", Filters(as_of=FAR), depth=1)
    assert [c.unit for c in one.children] == ["文龙街道", "赶水镇"] and all(c.children == [] for c in one.children)
    assert rollup(ledger, "", Filters(kind="project", as_of=FAR)).total.registered == 1
    assert rollup(ledger, "赶水镇", Filters(as_of=FAR)).total.registered == 1


def test_figures_add_every_additive_field():
    a, b = Figures(), Figures()
    for i, k in enumerate(ADDITIVE, 1):
        setattr(b, k, type(getattr(b, k))(i))
    b.targets[("路", "米")] = [Decimal(3), Decimal(1)]
    a.add(b)
    a.add(b)
    assert all(getattr(a, k) == 2 * getattr(b, k) for k in ADDITIVE)
    assert a.targets == {("路", "米"): [Decimal(6), Decimal(2)]}


# ------------------------------------------------------------------ invariants on generated trees

D0 = date(2021, 1, 1)


@st.composite
def ledgers(draw):
    """A district with towns and villages, and problems that may be escalated up the tree; returns (ledger, chains).

    A chain is the list of (unit, item) of one problem, from where it was first recorded.
    """
    units = {"": UnitDir("", Path("/x"))}
    records = {"": Unit(name="区", kind="district", short="QU")}
    for i in range(draw(st.integers(1, 3))):
        town = f"镇{i}"
        units[town] = UnitDir(town, Path("/x"))
        units[""].children.append(town)
        records[town] = Unit(name=town, kind="town", short=f"T{i}")
        for j in range(draw(st.integers(0, 2))):
            v = f"{town}/村{j}"
            units[v] = UnitDir(v, Path("/x"))
            units[town].children.append(v)
            records[v] = Unit(name=f"村{i}{j}", kind="village", short=f"V{j}")
    paths = list(units)
    entries, chains = [], []
    for k in range(draw(st.integers(0, 14))):
        unit = draw(st.sampled_from(paths))
        ups = [unit]
        while len(ups) < 4 and draw(st.booleans()):  # up the tree mostly, sometimes across to another unit
            up = ups[-1].rpartition("/")[0]
            ups.append(up if ups[-1] and draw(st.booleans()) else draw(st.sampled_from([p for p in paths if p != ups[-1]] or [up])))
            if ups[-1] == ups[-2]:
                ups.pop()
                break
        day = draw(st.integers(0, 400))
        budget = draw(st.one_of(st.none(), st.integers(0, 10**6)))
        target = draw(st.one_of(st.none(), st.integers(1, 100)))
        final = draw(st.sampled_from(["open", "in_progress", "resolved", "verified", "cancelled"]))
        chain = []
        for n, u in enumerate(ups):
            last = n == len(ups) - 1
            opened = D0 + timedelta(days=day)
            data = {
                "id": f"P{k}-2021-{n + 1:03d}",
                "title": f"问题{k}",
                "category": draw(st.sampled_from(["甲", "乙", None])),
                "opened": opened,
                "due": opened + timedelta(days=draw(st.integers(0, 60))),
                "status": final if last else "escalated",
                "budget": budget,
                "targets": [{"name": "路", "unit": "米", "planned": target, "actual": draw(st.integers(0, target))}] if target else [],
                "escalated_from": chain[-1][1].id if chain else None,
                "escalated_to": None if last else f"P{k}-2021-{n + 2:03d}",
            }
            if last and final in ("resolved", "verified"):
                rd = opened + timedelta(days=draw(st.integers(0, 90)))
                data["resolution"] = {"date": rd, "text": "办了", "beneficiaries": draw(st.integers(0, 500)), "spent": draw(st.one_of(st.none(), st.integers(0, 10**5))), "satisfaction": draw(st.sampled_from([None, "满意", "不满意"]))}
                if final == "verified":
                    data["verification"] = {"date": rd + timedelta(days=draw(st.integers(0, 30)))}
            if last and final == "cancelled":
                data["cancellation"] = {"date": opened + timedelta(days=draw(st.integers(0, 30))), "reason": "重复"}
            item = Item.model_validate(data)
            chain.append((u, item))
            entries.append(Entry(item, u, "x.yaml", 1))
            day += draw(st.integers(0, 20))  # escalated some days later
        chains.append(chain)
    ledger = Ledger(Path("/x"), Config(district="区"), units, records, entries)
    return ledger, chains


@contextmanager
def on_path(path: str, gen):
    """The generated (ledger, chains) as they are ("items": counted item by item), or written to a tree on disk and
    read back through the index ("sql": the roll-up by SQL over it); the chains' items are the same."""
    ledger, chains = gen
    if path == "items":
        yield ledger, chains
        return
    from shishi.figures.rollup import indexed
    from shishi.store.model import item_to_data
    from shishi.store.yamlio import dump_items

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "shishi.yaml").write_text(f"district: {ledger.config.district}\n", encoding="utf-8")
        for upath, rec in ledger.records.items():
            d = root / upath
            d.mkdir(parents=True, exist_ok=True)
            (d / "unit.yaml").write_text(f"name: {rec.name}\nkind: {rec.kind}\nshort: {rec.short}\n", encoding="utf-8")
        for upath in ledger.units:
            items = [item_to_data(e.item) for e in ledger.entries if e.unit == upath]
            if items:
                (root / upath / "2021.yaml").write_text(dump_items(items), encoding="utf-8")
        read = load(root)
        assert indexed(read) is not None and len(read.entries) == len(ledger.entries) and not read.problems
        yield read, chains


PATHS = pytest.mark.parametrize("path", ["items", "sql"])


def _filters(draw_period: str | None, as_of: date) -> Filters:
    return Filters(period=parse_period(draw_period) if draw_period else None, as_of=as_of)


PERIODS = st.sampled_from([None, "2021", "2021Q1", "2021Q2", "2021Q3", "2021-05", "2021-03-15..2021-10-20", "2022"])
AS_OF = st.dates(date(2021, 1, 1), date(2022, 12, 31))


@PATHS
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), PERIODS, AS_OF)
def test_totals_are_own_plus_children_for_every_additive_figure(path, gen, period, as_of):
    with on_path(path, gen) as (ledger, chains):
        _totals_are_own_plus_children(ledger, chains, period, as_of)


def _totals_are_own_plus_children(ledger, _chains, period, as_of):
    f = _filters(period, as_of)
    root = rollup(ledger, "", f)

    def check(node):
        for k in ADDITIVE:
            if k == "internal":  # moves inside a node are the node's, not its parts'
                continue
            assert getattr(node.total, k) == getattr(node.own, k) + sum(getattr(c.total, k) for c in node.children), (node.unit, k)
        expect: dict = {}
        for part in [node.own] + [c.total for c in node.children]:
            for key, (p, a) in part.targets.items():
                e = expect.setdefault(key, [0, 0])
                e[0] += p
                e[1] += a
        assert node.total.targets == expect
        assert node.total.resolution_rate is None or 0 <= node.total.resolution_rate <= 1
        for c in node.children:
            check(c)

    check(root)
    # the JSON the CLI prints: the district's totals are its own items' plus its towns'
    data = node_json(root)
    for k in ("carried_in", "registered", "resolved", "cancelled", "verified", "in_hand", "overdue", "beneficiaries", "spent", "budget"):
        assert data[k] == data["own"][k] + sum(c[k] for c in data["children"]), k
    # grouping the items another way (by category) adds up to the same totals
    groups = breakdown(ledger, "", f, lambda item: item.category)
    for k in [k for k in ADDITIVE if not k.startswith(("survey", "transfers", "internal"))] + ["received", "escalated", "caseload"]:
        assert sum(getattr(g, k) for g in groups.values()) == getattr(root.total, k), k


@PATHS
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_an_escalated_problem_counts_once_at_every_level(path, gen):
    with on_path(path, gen) as (ledger, chains):
        _counts_once_at_every_level(ledger, chains)


def _counts_once_at_every_level(ledger, chains):
    root = rollup(ledger, "", Filters(as_of=FAR))
    nodes = {}

    def index(n):
        nodes[n.unit] = n
        for c in n.children:
            index(c)

    index(root)

    def under(path, unit):
        return not unit or path == unit or path.startswith(unit + "/")

    for unit, node in nodes.items():
        first = [c for c in chains if under(c[0][0], unit)]
        solved = [c for c in chains if under(c[-1][0], unit) and c[-1][1].status in ("resolved", "verified")]
        out = sum(1 for c in chains for a, b in zip(c, c[1:], strict=False) if under(a[0], unit) and not under(b[0], unit))
        came = sum(1 for c in chains for a, b in zip(c, c[1:], strict=False) if under(b[0], unit) and not under(a[0], unit))
        assert node.total.registered == len(first), unit
        assert node.total.resolved == len(solved), unit
        assert (node.total.escalated, node.total.received) == (out, came), unit
    assert root.total.registered == len(chains)
    assert root.total.escalated == root.total.received == 0  # every move is inside the district


# ------------------------------------------------------------------ the sample district and the CLI


@PATHS
def test_sample_district_totals_are_its_towns_plus_its_own(cli, path, monkeypatch):
    if path == "items":
        monkeypatch.setenv("SHISHI_NO_INDEX", "1")  # read from the files: counted item by item
    r = cli("rollup", "--period", "2021", "--as-of", "2021-11-30", "--format", "json", ledger=SAMPLE)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["unit"] == "" and data["tier"] == "district" and len(data["children"]) >= 5
    for k in ("carried_in", "registered", "resolved", "cancelled", "verified", "in_hand", "open", "overdue", "beneficiaries", "spent", "budget"):
        assert data[k] == data["own"][k] + sum(c[k] for c in data["children"]), k
    for key in ("unit", "tier", "registered", "resolved", "verified", "open", "overdue", "escalated", "beneficiaries", "spent", "on_time_rate", "resolution_rate", "satisfaction_rate", "children"):
        assert key in data
    # the sample's escalations (village -> town) are registered once, and internal to the town
    town = next(c for c in data["children"] if c["unit"] == "赶水镇")
    assert sum(c["escalated"] for c in town["children"]) >= 1 and town["escalated"] == 0
    assert town["registered"] == town["own"]["registered"] + sum(c["registered"] for c in town["children"])


def test_rollup_formats(cli):
    args = ("rollup", "--period", "2021", "--as-of", "2021-11-30")
    table = cli(*args, ledger=SAMPLE).stdout
    assert "綦江区汇总（2021年，截至2021年11月30日）" in table and "　赶水镇" in table and "　　三居社区" in table
    rows = list(csv.DictReader(io.StringIO(cli(*args, "--depth", "1", "-f", "csv", ledger=SAMPLE).stdout)))  # the table's Chinese headers
    assert rows[0]["单位"] == "綦江区" and rows[0]["层级"] == "区级" and all(r["单位"].startswith("　") and not r["单位"].startswith("　　") for r in rows[1:])
    assert int(rows[0]["登记"]) == sum(int(r["登记"]) for r in rows[1:]) + json.loads(cli(*args, "-f", "json", ledger=SAMPLE).stdout)["own"]["registered"]
    assert cli("--lang", "en", *args, "--depth", "1", "-f", "csv", ledger=SAMPLE).stdout.startswith("unit,tier,carried in,registered,received,escalated,cancelled,resolved,in hand,caseload,resolved %,")
    md = cli(*args, "-f", "md", "--kind", "project", ledger=SAMPLE).stdout
    assert md.startswith("# 綦江区汇总（2021年，民生实事项目，") and "|:--" in md
    assert cli(*args, "-f", "text", "赶水镇", ledger=SAMPLE).stdout.startswith("赶水镇汇总")


def test_rollup_usage_errors(cli):
    assert cli("rollup", "-f", "xml", ledger=SAMPLE).exit_code == 2
    assert cli("rollup", "--kind", "thing", ledger=SAMPLE).exit_code == 2
    assert cli("rollup", "--depth", "-1", ledger=SAMPLE).exit_code == 2
    r = cli("rollup", "没有这个单位", ledger=SAMPLE)
    assert r.exit_code == 1 and "没有单位" in r.stderr
    r = cli("rollup", "--period", "2021Q5", ledger=SAMPLE)
    assert r.exit_code == 2 and "期间格式不对" in r.stderr


# ------------------------------------------------------------------ the flow identity

FLOW_PERIODS = st.sampled_from([None, "2021", "2021Q1", "2021Q2", "2021Q3", "2021Q4", "2021-05", "2021-03-15..2021-10-20", "2022Q1"])


def _nodes(node):
    yield node
    for c in node.children:
        yield from _nodes(c)


def _check_flow(n: dict) -> None:
    """The flow and every rate of a node of `rollup --format json`, recomputed from its printed counts."""
    where = n["unit"]
    assert n["carried_in"] + n["registered"] + n["received"] - n["escalated"] - n["resolved"] - n["cancelled"] == n["in_hand"], where
    assert n["caseload"] == n["carried_in"] + n["registered"] + n["received"] - n["escalated"] - n["cancelled"] == n["resolved"] + n["in_hand"], where
    assert min(n[k] for k in ("carried_in", "registered", "received", "escalated", "resolved", "cancelled", "in_hand")) >= 0, where
    for rate, num, den in (("resolution_rate", "resolved", "caseload"), ("on_time_rate", "on_time", "with_due"), ("satisfaction_rate", "survey_satisfied", "survey_sample")):
        assert n[rate] == (round(n[num] / n[den], 4) if n[den] else None), (where, rate)
    for c in n["children"]:
        _check_flow(c)


def _holder(chain, d: date):
    """(unit, in hand?) of a problem on day d: the last link opened by then, and whether it was still in hand."""
    held = [(u, it) for u, it in chain if it.opened <= d]
    if not held:
        return None, False
    u, it = held[-1]
    if it.status == "escalated":
        return u, True  # its continuation had not opened yet
    left = it.resolution.date if it.status in ("resolved", "verified") else it.cancellation.date if it.status == "cancelled" else None
    return u, left is None or left > d


@PATHS
@settings(max_examples=int(__import__("os").environ.get("SHISHI_FUZZ_EXAMPLES", 100)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), FLOW_PERIODS, AS_OF)
def test_the_flow_holds_on_every_node_and_period(path, gen, period, as_of):
    """carried in + registered + received − escalated − resolved − cancelled = in hand, counted independently from the chains."""
    with on_path(path, gen) as (ledger, chains):
        _flow_holds(ledger, chains, period, as_of)


def _flow_holds(ledger, chains, period, as_of):
    f = _filters(period, as_of)
    root = rollup(ledger, "", f)
    _check_flow(node_json(root))
    end = min(as_of, f.period.end) if f.period else as_of
    start = min(f.period.start, end + timedelta(days=1)) if f.period else None  # a cut-off before the period: nothing in it yet

    def under(path, unit):
        return not unit or path == unit or path.startswith(unit + "/")

    for node in _nodes(root):
        t = node.total
        hand = sum(1 for c in chains if (h := _holder(c, end))[1] and under(h[0], node.unit))
        carried = 0 if start is None else sum(1 for c in chains if (h := _holder(c, start - timedelta(days=1)))[1] and under(h[0], node.unit))
        assert (t.in_hand, t.carried_in) == (hand, carried), node.unit
        # the node alone (rolled up from it) has the same figures as inside the district's roll-up
        alone = rollup(ledger, node.unit, f).total
        assert (alone.received, alone.escalated, alone.in_hand, alone.caseload) == (t.received, t.escalated, t.in_hand, t.caseload), node.unit


@PATHS
@settings(max_examples=int(__import__("os").environ.get("SHISHI_FUZZ_EXAMPLES", 50)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), FLOW_PERIODS, AS_OF)
def test_printed_rates_are_quotients_of_printed_columns(path, gen, period, as_of):
    """In the table `shishi rollup` prints, each rate is the quotient of two columns of the same row."""
    from shishi.figures.report import rollup_document

    with on_path(path, gen) as (ledger, _chains):
        doc = rollup_document(ledger, "", _filters(period, as_of))
    keys = [c.key for c in doc.table.columns]
    for row in doc.table.rows:
        r = dict(zip(keys, row, strict=True))
        for rate, num, den in (("resolution_rate", "resolved", "caseload"), ("on_time_rate", "on_time", "with_due"), ("satisfaction_rate", "survey_satisfied", "survey_sample")):
            assert r[rate] == (round(r[num] / r[den], 4) if r[den] else None)
        assert r["carried_in"] + r["registered"] + r["received"] - r["escalated"] - r["cancelled"] == r["caseload"] == r["resolved"] + r["in_hand"]


@PATHS
def test_the_flow_holds_on_the_bundled_district_every_quarter(cli, path, monkeypatch):
    if path == "items":
        monkeypatch.setenv("SHISHI_NO_INDEX", "1")
    for q in ("2021", "2021Q1", "2021Q2", "2021Q3", "2021Q4"):
        r = cli("rollup", "--period", q, "--format", "json", ledger=SAMPLE)
        assert r.exit_code == 0, r.stderr
        _check_flow(json.loads(r.stdout))
        # the CSV prints the same counts and rates
        rows = list(csv.DictReader(io.StringIO(cli("rollup", "--period", q, "-f", "csv", ledger=SAMPLE).stdout)))
        from shishi.render.table import csv_cell

        for row in rows:  # the table's Chinese headers
            res, case = int(row["办结"]), int(row["应办"])
            assert row["办结率"] == csv_cell(round(res / case, 4) if case else None, "rate")
            assert int(row["结转"]) + int(row["登记"]) + int(row["接收"]) - int(row["上报"]) - int(row["撤销"]) == case == res + int(row["在办"])
