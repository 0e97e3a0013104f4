"""The one-item rules run where the index reads each file, their problems stored with it (`Ledger.findings`): the same
problems as `check` running them over the whole ledger, through the index cold, warm, serial, parallel and without
it, in either language; and a cold read's worker settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shishi.checks.rules import ITEM_RULES, check, item_problems
from shishi.i18n import set_lang
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


@pytest.mark.parametrize("how", ["cold serial", "warm", "cold parallel"])
def test_problems_are_those_check_finds_over_the_whole_ledger(broken: Path, tmp_path: Path, how: str):
    root = _copy(broken, tmp_path / "t")
    want, want_strict = _reference(root)
    messages = "\n".join(want)
    assert "中有电话号码" in messages and "已办结事项须有 resolution" in messages and "条进展早于登记日期" in messages
    if how == "warm":
        load(root, findings=item_problems)
    ledger = index.load(root, parallel=how == "cold parallel", findings=item_problems)
    assert (ledger.reread == []) == (how == "warm")
    assert ledger.findings and all(p.severity in ("error", "warning") for p in ledger.findings)
    direct = load(root, use_index=False)
    assert direct.findings is None
    assert ledger.findings == [p for e in direct.entries for _c, rule in ITEM_RULES for p in rule(e)]  # in reading order, as found
    assert _strs(check(ledger)) == want
    assert _strs(check(ledger, strict=True)) == want_strict
    ledger.findings = None
    assert _strs(check(ledger)) == want  # and the rules run over the entries, as without the index


def test_findings_follow_the_language_of_the_run(broken: Path, tmp_path: Path):
    """Stored in the language of the run that read the file: a run in the other reads such a file again."""
    root = _copy(broken, tmp_path / "t")
    load(root, findings=item_problems)
    try:
        set_lang("en")
        want = _strs(check(load(root, use_index=False)))
        ledger = index.load(root, findings=item_problems)
        assert ledger.reread and _strs(check(ledger)) == want and "phone number" in "\n".join(want)
    finally:
        set_lang("zh")
    assert _strs(check(index.load(root, findings=item_problems))) == _reference(root)[0]


def test_files_read_without_the_checks_are_read_again_with_them(broken: Path, tmp_path: Path):
    """A load of another command reads the files without them: the next `check` reads those files again."""
    root = _copy(broken, tmp_path / "t")
    first = index.load(root)
    assert first.reread and first.findings is None
    ledger = index.load(root, findings=item_problems)
    assert sorted(ledger.reread) == sorted(first.index.files)  # the ledger files only (units, config, surveys hold no items)
    assert ledger.findings is not None and _strs(check(ledger)) == _reference(root)[0]
    assert index.load(root).reread == []  # and a load without them takes the files as they are


def test_a_changed_file_s_findings_are_found_again(broken: Path, tmp_path: Path):
    root = _copy(broken, tmp_path / "t")
    load(root, findings=item_problems)
    target = next(f for f in sorted(root.rglob("2021.yaml"))[10:] if "13812345678" in f.read_text(encoding="utf-8"))
    target.write_text(target.read_text(encoding="utf-8").replace("请回电 13812345678 ", ""), encoding="utf-8")
    ledger = index.load(root, findings=item_problems)
    assert ledger.reread == [target.relative_to(root).as_posix()]
    assert "中有电话号码" not in "\n".join(_strs(check(ledger)))
    assert _strs(check(ledger)) == _reference(root)[0]


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
    made: dict[str, int] = {}
    real_entries = index._Early.entries
    monkeypatch.setattr(index._Early, "entries", lambda self, rp, *a: (made.__setitem__(rp, made.get(rp, 0) + 1), real_entries(self, rp, *a))[1])
    ledger = index.load(root, parallel=True, findings=item_problems)
    assert made.pop(rp) == 2 and set(made.values()) == {1}  # built early, then again from the snapshot; the others once
    mine = [e for e in ledger.entries if e.file == rp]
    assert mine and mine[0].item.title.startswith("改过 ") and mine[0].item.owner.startswith("改过")  # hot and filled fields alike
    monkeypatch.setattr(index, "refresh", real)
    direct = load(root, use_index=False)
    assert [(e.file, e.line, e.item.model_dump()) for e in ledger.entries] == [(e.file, e.line, e.item.model_dump()) for e in direct.entries]
    assert _strs(check(ledger)) == _strs(check(direct))


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
        assert index._read_and_store((str(root), [(rp, "ledger", rp.rpartition("/")[0])], "zh", None)) > 0
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
    ledger = index.load(root, parallel=parallel, findings=item_problems)
    assert bool(batches) == parallel
    assert _strs(check(ledger)) == _reference(root)[0]
