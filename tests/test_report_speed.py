"""The report's shortcuts give what the long way gives: one roll-up cut to the depth shown, one breakdown summed by
kind and by category, the scores from the report's roll-up, and only the listed items read whole from the index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from shishi.figures.report import _may_be_late, build_report, regroup, state_at, to_depth
from shishi.figures.rollup import Figures, Filters, breakdown, cutoff, rollup
from shishi.figures.scores import unit_scores
from shishi.render.report import render_report
from shishi.store.ledger import Entry, load_files
from shishi.store.load import load
from test_export import items as any_items
from test_rollup import AS_OF, PERIODS, _filters, ledgers

KINDS = st.sampled_from(["demand", "project", "rectification"])


@st.composite
def mixed(draw):
    """test_rollup's generated trees, the items of every kind (a continuation keeps its original's kind)."""
    ledger, chains = draw(ledgers())
    entries = []
    for chain in chains:
        kind = draw(KINDS)
        entries += [Entry(item.model_copy(update={"kind": kind}), u, "x.yaml", 1) for u, item in chain]
    ledger.entries = entries
    return ledger


def _unit(ledger, draw_index: int) -> str:
    units = sorted(ledger.units)
    return units[draw_index % len(units)]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed(), PERIODS, AS_OF, st.integers(0, 20))
def test_one_breakdown_regrouped_is_each_breakdown(ledger, period, as_of, pick):
    unit = _unit(ledger, pick)
    f = _filters(period, as_of)
    both = breakdown(ledger, unit, f, lambda item: (item.kind, item.category))
    assert regroup(both, 0) == breakdown(ledger, unit, f, lambda item: item.kind)
    assert regroup(both, 1) == breakdown(ledger, unit, f, lambda item: item.category)
    # the headline's problems: every kind but the projects
    two = breakdown(ledger, unit, f, lambda item: "project" if item.kind == "project" else "problem")
    problems = Figures()
    for k, fig in regroup(both, 0).items():
        if k != "project":
            problems.add(fig)
    assert two.get("problem", Figures()) == problems


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed(), PERIODS, AS_OF, st.integers(0, 20), st.integers(1, 3))
def test_every_level_cut_to_a_depth_is_the_roll_up_at_that_depth_and_feeds_the_scores(ledger, period, as_of, pick, depth):
    unit = _unit(ledger, pick)
    f = _filters(period, as_of)
    every = rollup(ledger, unit, f)
    for d in (0, 1, 2, 3):
        assert to_depth(every, d) == rollup(ledger, unit, f, depth=d)
    end = cutoff(f)
    # the report's filters (as of --as-of) and the scores' (as of the cut-off) give one roll-up
    assert rollup(ledger, unit, Filters(period=f.period, as_of=end)) == every
    assert unit_scores(ledger, end, f.period, unit, depth, every) == unit_scores(ledger, end, f.period, unit, depth)


def test_only_the_items_asked_for_are_read_whole(tmp_path: Path):
    from shishi.store.index import ItemRecord, read_whole
    from shishi.store.model import item_to_data

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    ledger = load(root)
    files = load_files(root)
    chosen = [e for e in ledger.entries if e.item.kind == "project"]
    assert chosen and len(chosen) < len(ledger.entries)
    read_whole([e.item for e in chosen] + [files.entries[0].item])  # a validated Item among them: left alone
    light = lambda e: object.__getattribute__(e.item, "_more") is not None  # noqa: E731
    assert not any(light(e) for e in chosen)
    others = [e for e in ledger.entries if e.item.kind != "project"]
    assert all(light(e) for e in others)
    by_id = {e.item.id: e.item for e in files.entries}
    for e in ledger.entries:  # every record, read whole now or later, reads as the file says
        assert isinstance(e.item, ItemRecord)
        assert item_to_data(e.item.full()) == item_to_data(by_id[e.item.id])
        assert e.item.attachments == by_id[e.item.id].attachments and e.item.progress == by_id[e.item.id].progress


def test_the_report_through_the_index_is_the_report_from_the_files(tmp_path: Path):
    """Through the index (records, the listed ones read whole) and straight from the files (validated Items): one report."""
    from datetime import date

    from shishi.values import parse_period

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    for unit in ("", "赶水镇"):
        for period, full in ((parse_period("2021"), False), (None, True)):
            docs = [build_report(led, unit, period, date(2021, 11, 30), full=full) for led in (load(root), load_files(root))]
            assert json.loads(render_report(docs[0], "json")) == json.loads(render_report(docs[1], "json"))
            assert render_report(docs[0], "text") == render_report(docs[1], "text")


@settings(max_examples=300, deadline=None)
@given(any_items(), AS_OF)
def test_an_item_not_maybe_late_is_not_in_hand_past_its_due_date(item, end):
    if not _may_be_late(item, end):
        assert not (state_at(item, end) in ("open", "in_progress") and item.due is not None and item.due < end)
