"""The one-item rules run on each file's entries as they are read (ItemChecks, `load`'s `each`): the same problems
as `check` running them over the whole ledger, through the index cold, warm, serial, parallel and without it; and a cold read's worker settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shishi.checks.rules import ITEM_RULES, ItemChecks, check
from shishi.store import index
from shishi.store.load import load
from test_index import _break, _copy, _generator


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    """A generated district of 600 items with problems of every kind, those of the one-item rules among them."""
    root = tmp_path_factory.mktemp("gen") / "district"
    assert _generator().main(["600", str(root)]) == 0
    _break(root)
    files = sorted(root.rglob("2021.yaml"))[10:]  # (_break changes the first few)
    one = next(f for f in files if "\n  status: open" in f.read_text(encoding="utf-8"))
    text = one.read_text(encoding="utf-8")
    text = text.replace("\n  title: ", "\n  title: 请回电 13812345678 ", 1)  # privacy.free_text
    one.write_text(text.replace("\n  status: open", "\n  status: resolved", 1), encoding="utf-8")  # status_consistent: no resolution
    two = next(f for f in files if f != one and "  progress:\n  - date: 2021-" in f.read_text(encoding="utf-8"))
    text = two.read_text(encoding="utf-8")
    two.write_text(text.replace("  progress:\n  - date: 2021-", "  progress:\n  - date: 2020-", 1), encoding="utf-8")  # dates_in_order
    return root


def _strs(problems) -> list[str]:
    return [str(p) for p in problems]


def _reference(root: Path) -> tuple[list[str], list[str]]:
    ledger = load(root, use_index=False)
    return _strs(check(ledger)), _strs(check(ledger, strict=True))


@pytest.mark.parametrize("how", ["direct", "cold serial", "warm", "cold parallel"])
def test_problems_are_those_check_finds_over_the_whole_ledger(broken: Path, tmp_path: Path, how: str):
    root = _copy(broken, tmp_path / "t")
    want, want_strict = _reference(root)
    messages = "\n".join(want)
    assert "中有电话号码" in messages and "已办结事项须有 resolution" in messages and "条进展早于登记日期" in messages
    if how == "warm":
        load(root)
    seen = ItemChecks()
    if how == "direct":
        ledger = load(root, use_index=False, each=seen)
    elif how == "warm":
        ledger = index.load(root, each=seen)
        assert ledger.reread == []
    else:
        ledger = index.load(root, parallel=how == "cold parallel", each=seen)
        assert ledger.reread
    assert seen.covers(ledger)
    assert seen.problems() and all(p.severity in ("error", "warning") for p in seen.problems())
    assert _strs(check(ledger, item_checks=seen)) == want
    assert _strs(check(ledger, strict=True, item_checks=seen)) == want_strict
    assert _strs(check(ledger)) == want  # and without them, as always


def test_item_checks_that_missed_a_file_are_not_trusted(broken: Path, tmp_path: Path):
    root = _copy(broken, tmp_path / "t")
    want, _strict = _reference(root)
    seen = ItemChecks()
    ledger = load(root, each=seen)
    bad = next(iter(seen.found))
    del seen.found[bad], seen.seen[bad]  # as if that file's entries had not been seen: its problems would be missing
    assert not seen.covers(ledger)
    assert _strs(check(ledger, item_checks=seen)) == want  # the rules are run again, over everything
    seen.seen[bad] = 1
    assert not seen.covers(ledger)


def test_each_rule_is_one_of_the_checks():
    from shishi.checks.rules import CHECKS

    assert [c for c, _rule in ITEM_RULES] == [c for c in CHECKS if c in {c for c, _r in ITEM_RULES}]


def test_entries_built_early_are_built_again_when_another_process_stores_the_file_again(broken: Path, tmp_path: Path, monkeypatch):
    """Between a parallel refresh (which builds the entries of the files its workers store) and the load's
    snapshot, another process stores a file again (it changed): its entries come from the snapshot, like the rest."""
    root = _copy(broken, tmp_path / "t")
    target = sorted(root.rglob("2021.yaml"))[20]
    rp = target.relative_to(root).as_posix()
    real = index.refresh
    calls: list[str] = []

    def refresh_then_another_writer(con, root_, files, *a, **k):
        done = real(con, root_, files, *a, **k)
        if not calls:
            calls.append("once")
            text = target.read_text(encoding="utf-8")
            target.write_text(text.replace("\n  title: ", "\n  title: 改过 ", 1).replace("\n  owner: ", "\n  owner: 改过", 1), encoding="utf-8")
            other = index.connect(root)
            try:
                assert rp in real(other, root, files).parsed
            finally:
                other.close()
        return done

    monkeypatch.setattr(index, "refresh", refresh_then_another_writer)
    times: dict[str, int] = {}

    class Counting(ItemChecks):
        def __call__(self, entries):
            times[entries[0].file] = times.get(entries[0].file, 0) + 1
            super().__call__(entries)

    seen = Counting()
    ledger = index.load(root, parallel=True, each=seen)
    assert times.pop(rp) == 2 and set(times.values()) == {1}  # built early, then again from the snapshot; the others once
    mine = [e for e in ledger.entries if e.file == rp]
    assert mine and mine[0].item.title.startswith("改过 ") and mine[0].item.owner.startswith("改过")  # hot and filled fields alike
    monkeypatch.setattr(index, "refresh", real)
    direct = load(root, use_index=False)
    assert [(e.file, e.line, e.item.model_dump()) for e in ledger.entries] == [(e.file, e.line, e.item.model_dump()) for e in direct.entries]
    assert seen.covers(ledger)
    assert _strs(check(ledger, item_checks=seen)) == _strs(check(direct))


def test_a_cold_check_on_the_command_line_says_what_a_warm_and_a_direct_one_say(broken: Path, tmp_path: Path, cli, monkeypatch):
    root = _copy(broken, tmp_path / "t")
    cold = cli("check", ledger=root)
    warm = cli("check", ledger=root)
    shutil.rmtree(root / ".shishi")
    monkeypatch.setenv("SHISHI_NO_INDEX", "1")
    direct = cli("check", ledger=root)
    assert cold.exit_code == warm.exit_code == direct.exit_code == 1
    assert cold.stdout == warm.stdout == direct.stdout and "中有电话号码" in cold.stdout
    assert cold.stderr == warm.stderr == direct.stderr


def test_a_worker_stores_with_a_bigger_page_cache(broken: Path, tmp_path: Path, monkeypatch):
    root = _copy(broken, tmp_path / "t")
    index.connect(root).close()
    monkeypatch.setattr(index, "_WORKER_CON", None)  # as in a fresh worker process
    rp = sorted(root.rglob("2021.yaml"))[12].relative_to(root).as_posix()
    try:
        assert index._read_and_store((str(root), [(rp, "ledger", rp.rpartition("/")[0])], "zh")) > 0
        con = index._WORKER_CON
        assert con.execute("PRAGMA cache_size").fetchone()[0] == -index.WORKER_CACHE_KIB
        assert con.execute("SELECT items FROM files WHERE path=?", (rp,)).fetchone()[0] > 0
    finally:
        index._WORKER_CON.close()


@pytest.mark.parametrize("parallel", [False, True])
def test_entries_are_built_early_only_while_workers_parse(broken: Path, tmp_path: Path, monkeypatch, parallel: bool):
    """A serial read would gain nothing by it, and hold the entries along with the batch it reads."""
    root = _copy(broken, tmp_path / "t")
    batches: list[int] = []
    real = index._Early.__call__
    monkeypatch.setattr(index._Early, "__call__", lambda self, paths: (batches.append(len(paths)), real(self, paths))[1])
    seen = ItemChecks()
    ledger = index.load(root, parallel=parallel, each=seen)
    assert bool(batches) == parallel and seen.covers(ledger)
