"""The report read without entries (`shishi report`): its lists' items made from the index by one condition on the
`items` table (`report_entries`, `index.entries_where`), the surveys from the load's snapshot. The page is the one
the item-by-item reference (`load_files`) gives, and the one a full load through the index gives."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from shishi.figures.report import _may_be_late, build_report, report_entries, state_at
from shishi.figures.scores import scored_units
from shishi.render.report import render_report
from shishi.store.ledger import NOT_READ, in_unit, load_files
from shishi.store.load import load
from shishi.values import parse_period
from test_rollup_sql import AS_OF, PERIODS, trees, write_tree

LEVELS = ("一般", "重要", "紧急", "挂牌")
SHA = "0" * 64


@st.composite
def lively_trees(draw):
    """test_rollup_sql's trees, their items now and then supervised (with deadlines, feedback, returns), with
    progress, milestones and photos: what the report's lists read."""
    units, files, surveys, scale = draw(trees())
    for items in files.values():
        for data in items:
            opened = data["opened"]
            if draw(st.integers(0, 2)) == 0:
                sup = {"level": draw(st.sampled_from(LEVELS)), "date": opened + timedelta(days=draw(st.integers(-3, 60)))}
                if draw(st.booleans()):
                    sup["deadline"] = sup["date"] + timedelta(days=draw(st.integers(0, 40)))
                if draw(st.booleans()):
                    sup["feedback"] = [{"date": sup["date"] + timedelta(days=draw(st.integers(0, 30))), "note": "已整改，电话 13800138000"}]
                data["supervision"] = sup
            if draw(st.booleans()):
                data["progress"] = [{"date": opened + timedelta(days=draw(st.integers(0, 50))), "note": f"推进{k}"} for k in range(draw(st.integers(1, 2)))]
            if data["kind"] == "project" and draw(st.booleans()):
                data["milestones"] = [{"name": "开工", "due": opened + timedelta(days=draw(st.integers(0, 40))),
                                       **({"done": opened + timedelta(days=draw(st.integers(0, 40)))} if draw(st.booleans()) else {})}]
            if data["kind"] == "project" and draw(st.integers(0, 2)) == 0:
                data["attachments"] = [{"file": f"photos/{data['id']}-{k}.jpg", "sha256": SHA, "added": opened, "caption": "现场",
                                        "stage": draw(st.sampled_from([None, "改造前", "过程", "改造后"])),
                                        **({"date": opened + timedelta(days=draw(st.integers(-2, 90)))} if draw(st.booleans()) else {})}
                                       for k in range(draw(st.integers(1, 3)))]
    return units, files, surveys, scale


def pages(ledger, unit, period, as_of, full, depth) -> tuple[str, dict]:
    doc = build_report(ledger, unit, period, as_of, full=full, depth=depth)
    return render_report(doc, "text"), json.loads(render_report(doc, "json"))


@settings(max_examples=int(os.environ.get("SHISHI_FUZZ_EXAMPLES", 40)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lively_trees(), st.lists(st.tuples(st.integers(0, 50), st.sampled_from(PERIODS), AS_OF, st.booleans(), st.integers(1, 3)), min_size=1, max_size=4),
       st.sampled_from([20, 0, 1, 2, 3]))
def test_the_report_read_without_entries_is_the_report_item_by_item(tree, asks, short):
    """Every unit, period, cut-off, --full and --depth, and lists cut short (LISTED) so that the trees' few items
    overflow them: the page (text and JSON) without entries is the reference's."""
    import shishi.figures.report as report

    monkey, report.LISTED = report.LISTED, short
    try:
        _same_pages(tree, asks)
    finally:
        report.LISTED = monkey


def _same_pages(tree, asks):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(Path(tmp) / "t", *tree)
        ref = load_files(root)
        paths = list(ref.units)
        for pick, period, as_of, full, depth in [(0, None, date(2021, 12, 31), False, 1), *asks]:
            unit, p = paths[pick % len(paths)], parse_period(period) if period else None
            want = pages(ref, unit, p, as_of, full, depth)
            light = load(root, entries=False)
            assert light.entries is NOT_READ
            assert pages(light, unit, p, as_of, full, depth) == want, (unit, period, as_of, full, depth)
            assert pages(load(root), unit, p, as_of, full, depth) == want, (unit, period, as_of, full, depth)


@settings(max_examples=int(os.environ.get("SHISHI_FUZZ_EXAMPLES", 40)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lively_trees(), st.integers(0, 50), AS_OF, st.integers(1, 3), st.booleans(), st.integers(0, 3))
def test_the_listed_entries_are_those_the_conditions_name_in_load_order(tree, pick, end, depth, full, short):
    """LISTABLE_SQL and LATE_SQL are what their comments say, item for item: the projects, the supervised, the scored
    units' own items, and of the unsupervised items in hand past their due date (by `state_at`) in the unit the first
    LISTED in `_supervision`'s order (all with `full`) — the full load's entries of those, in its order — and the
    count of the others."""
    import shishi.figures.report as report

    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(Path(tmp) / "t", *tree)
        full_load = load(root)
        unit = list(full_load.units)[pick % len(full_load.units)]
        scored = set(scored_units(full_load, unit, depth))
        late = [e for e in full_load.entries if e.item.supervision is None and in_unit(e.unit, unit) and e.item.opened <= end
                and e.item.due is not None and e.item.due < end and state_at(e.item, end) in ("open", "in_progress")]
        assert all(_may_be_late(e.item, end) for e in late)
        late.sort(key=lambda e: (e.item.due, e.item.id))  # stable: load order last
        monkey = report.LISTED
        report.LISTED = short  # a short list, so that the trees' few late items are cut
        try:
            light = load(root, entries=False)
            got, cut = report_entries(light, unit, end, depth, full)
        finally:
            report.LISTED = monkey
        listed = late if full else late[:short]
        assert cut.listed == {(e.file, e.line) for e in listed} and cut.rest == len(late) - len(listed)
        want = [e for e in full_load.entries if e.item.kind == "project" or e.item.supervision is not None or e.unit in scored
                or (e.file, e.line) in cut.listed]
        assert [(e.unit, e.file, e.line) for e in got] == [(e.unit, e.file, e.line) for e in want]
        assert got == want  # the records read whole (a file's blob, when first wanted) are the full load's
        assert light.surveys == full_load.surveys
        assert report_entries(full_load, unit, end, depth) == (full_load.entries, None)  # entries loaded: all of them, as they are


def test_entries_where_makes_only_the_items_asked_for_and_reads_them_as_the_files_say(tmp_path: Path):
    from shishi.store.index import ItemRecord, entries_where, read_whole
    from shishi.store.model import item_to_data

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    full, light, files = load(root), load(root, entries=False), load_files(root)
    assert entries_where(light.index, "1") == full.entries
    projects = entries_where(light.index, "kind = ?", ("project",))
    assert all(isinstance(e.item, ItemRecord) for e in projects)
    light_of = lambda e: object.__getattribute__(e.item, "_more") is not None  # noqa: E731
    assert all(light_of(e) for e in projects)
    read_whole([projects[0].item])  # one read whole, the others of its file stay light
    assert not light_of(projects[0]) and all(light_of(e) for e in projects[1:] if e.file == projects[0].file)
    assert projects == [e for e in full.entries if e.item.kind == "project"] and 0 < len(projects) < len(full.entries)
    by_place = {(e.file, e.line): e.item for e in files.entries}
    for e in projects:  # read whole when first wanted: as the file says
        assert item_to_data(e.item.full()) == item_to_data(by_place[(e.file, e.line)])
        assert e.item.attachments == by_place[(e.file, e.line)].attachments and e.item.progress == by_place[(e.file, e.line)].progress
    assert entries_where(light.index, "0") == []


def test_the_bundled_district_s_report_without_entries_every_quarter_and_unit(tmp_path: Path):
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    ref = load_files(root)
    for period in (None, "2021", "2021Q1", "2021Q3"):
        for as_of in (date(2021, 3, 31), date(2021, 11, 30)):
            for unit in ("", "赶水镇", "赶水镇/三居社区"):
                for full in (False, True):
                    p = parse_period(period) if period else None
                    assert pages(load(root, entries=False), unit, p, as_of, full, 1) == pages(ref, unit, p, as_of, full, 1), (period, as_of, unit)


def test_report_command_reads_no_entry_it_does_not_list(tmp_path: Path, cli, monkeypatch):
    """`shishi report` through the index equals it from the files (SHISHI_NO_INDEX=1) in every text format, and it
    builds only the listed items' entries (a full load would build all of them)."""
    from shishi.store import index

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    made = []
    real = index.entries_where
    monkeypatch.setattr(index, "entries_where", lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    args = ("report", "--period", "2021", "--as-of", "2021-11-30")
    out = {fmt: cli(*args, "-f", fmt, ledger=root) for fmt in ("text", "md", "html", "json")}
    assert all(r.exit_code == 0 for r in out.values()), {k: r.output for k, r in out.items()}
    assert made and all(0 < len(m) < len(load_files(root).entries) for m in made)
    monkeypatch.setenv("SHISHI_NO_INDEX", "1")
    for fmt, r in out.items():
        assert cli(*args, "-f", fmt, ledger=root).output == r.output, fmt


def test_a_resolved_item_without_its_resolution_is_no_traceback_and_not_in_a_later_period(tmp_path: Path):
    """Found by the property test: `resolved` with no resolution record (check reports it) opened before the period
    crashed the report on every path; it has no date to be counted by in the period, so it is not listed."""
    units = [("", "区", "district", "QU"), ("镇0", "镇0", "town", "T0")]
    item = {"id": "QU-2021-001", "kind": "rectification", "title": "问题", "opened": date(2021, 1, 5), "status": "resolved",
            "supervision": {"level": "挂牌", "date": date(2021, 1, 6)}}
    root = write_tree(tmp_path / "t", units, {("", 2021): [item]}, [], None)
    p = parse_period("2021Q2")
    want = pages(load_files(root), "", p, date(2021, 6, 30), False, 1)
    assert pages(load(root, entries=False), "", p, date(2021, 6, 30), False, 1) == want
    assert "QU-2021-001" not in want[0]


def test_late_items_at_the_edges_are_judged_and_ordered_as_item_by_item(tmp_path: Path):
    """Struck off after the cut-off but resolved before it: not in hand; resolved and struck off after it: in hand;
    one due date shared: listed by ID, then load order (the duplicate ID in a later file comes second)."""
    import shishi.figures.report as report

    units = [("", "区", "district", "QU"), ("镇0", "镇0", "town", "T0")]

    def item(n, **more):
        return {"id": f"QU-2021-{n:03d}", "kind": "demand", "title": f"问题{n}", "opened": date(2021, 1, 5), "due": date(2021, 2, 1), "status": "open", **more}

    res = lambda d: {"date": d, "text": "办了", "beneficiaries": 1}  # noqa: E731
    files = {("", 2021): [item(9), item(3), item(1, status="verified", resolution=res(date(2021, 3, 1)), verification={"date": date(2021, 3, 20)}),
                          item(2, status="verified", resolution=res(date(2021, 3, 15)), verification={"date": date(2021, 3, 20)})],
             ("镇0", 2021): [item(3, title="同号"), item(7, due=date(2021, 1, 20))]}
    root = write_tree(tmp_path / "t", units, files, [], None)
    end = date(2021, 3, 10)
    monkey = report.LISTED, report.LATE_WINDOW
    try:
        report.LISTED = 3
        for window in (8, 1, 0):  # the window past the listed rows: all of them, a tie across it (3, 3 of 镇0), none
            report.LATE_WINDOW = window
            _late, cut = report_entries(load(root, entries=False), "", end, 1)
            want = pages(load_files(root), "", None, end, False, 1)
            assert pages(load(root, entries=False), "", None, end, False, 1) == want
    finally:
        report.LISTED, report.LATE_WINDOW = monkey
    # in hand and late: 7 of 镇0 (the earliest due), then on one due date 2 (resolved and struck off after the cut-off), 3,
    # 3 of 镇0, 9; not 1 (resolved before the cut-off, struck off after it)
    at = {(e.item.id, e.unit): (e.file, e.line) for e in load_files(root).entries}
    assert cut.listed == {at[("QU-2021-007", "镇0")], at[("QU-2021-002", "")], at[("QU-2021-003", "")]} and cut.rest == 2
    text = want[0]
    assert "QU-2021-001" not in text and text.index("QU-2021-007") < text.index("QU-2021-002") < text.index("QU-2021-003")
    assert "同号" not in text and "另有 2 件" in text
