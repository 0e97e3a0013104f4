"""The report's breakdown by (kind, category) by SQL over the index equals the item-by-item one (the reference), exactly."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from shishi.figures.rollup import ADDITIVE, Filters, breakdown, indexed, kind_category_breakdown
from shishi.store.ledger import load_files
from shishi.store.load import load
from shishi.values import parse_period
from test_rollup_sql import FILTERS, KINDS, trees, write_tree


def exact(groups: dict) -> dict:
    """Every figure of every group, money and quantities with their exponent (as they print)."""
    return {key: ([(k, str(getattr(f, k))) for k in ADDITIVE], sorted((t, str(p), str(a)) for t, (p, a) in f.targets.items()))
            for key, f in groups.items()}


def reference(ledger, unit: str, f: Filters) -> dict:
    return exact(breakdown(ledger, unit, f, lambda item: (item.kind, item.category)))


@settings(max_examples=int(os.environ.get("SHISHI_FUZZ_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.lists(st.tuples(st.integers(0, 50), FILTERS), min_size=1, max_size=8))
def test_sql_breakdown_equals_the_item_by_item_one(tree, asks):
    """Escalations inside the unit and out of it, broken and doubled links, duplicate IDs, odd decimals: every unit and filter."""
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(Path(tmp) / "t", *tree)
        ref, full, light = load_files(root), load(root), load(root, entries=False)
        assert indexed(ref) is None and indexed(full) is not None
        paths = list(ref.units)
        for pick, f in [(0, Filters()), *asks]:
            unit = paths[pick % len(paths)]
            want = reference(ref, unit, f)
            assert exact(kind_category_breakdown(ref, unit, f)) == want
            assert exact(kind_category_breakdown(full, unit, f)) == want, (unit, f)
            assert exact(kind_category_breakdown(light, unit, f)) == want, (unit, f)


def test_the_bundled_district_s_breakdown_by_sql_every_quarter_kind_and_unit(tmp_path: Path):
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    ref, light = load_files(root), load(root, entries=False)
    for period in (None, "2021", "2021Q1", "2021Q2", "2021Q3", "2021Q4"):
        for kind in (None, *KINDS):
            for as_of in (date(2021, 3, 31), date(2021, 11, 30), date(2030, 1, 1)):
                f = Filters(period=parse_period(period) if period else None, kind=kind, as_of=as_of)
                for unit in ("", "赶水镇", "赶水镇/三居社区"):
                    assert exact(kind_category_breakdown(light, unit, f)) == reference(ref, unit, f), (period, kind, as_of, unit)
