"""The index: identical results cold, warm, parallel, serial and without it; only changed files re-read; rebuilt when broken."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE
from shishi.checks.rules import check
from shishi.figures.rollup import node_json, rollup
from shishi.i18n import set_lang
from shishi.store import index
from shishi.store.load import load, load_units
from shishi.store.model import Item, item_to_data
from shishi.write import items as ops
from shishi.write import units


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated district of 600 items: every kind, status, escalation, target, extension and survey."""
    root = tmp_path_factory.mktemp("gen") / "district"
    assert _generator().main(["600", str(root)]) == 0
    return root


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".shishi"))
    return dst


def _view(ledger) -> dict:
    """Everything a reader of a loaded ledger can see, as plain comparable data."""
    return {
        "config": ledger.config.model_dump() if ledger.config else None,
        "units": list(ledger.units),
        "records": {k: v.model_dump() for k, v in ledger.records.items()},
        "unit_data": {k: (dict(v), v.pos) for k, v in ledger.unit_data.items()},
        "entries": [(e.unit, e.file, e.line, item_to_data(e.item)) for e in ledger.entries],
        "surveys": [(s.model_dump(), rp, line) for s, rp, line in ledger.surveys],
        "problems": ledger.problems,
        "broken": ledger.broken_ids,
        "check": [str(p) for p in check(ledger)],
        "strict": [str(p) for p in check(ledger, strict=True)],
        "rollup": json.dumps(node_json(rollup(ledger)), default=str, ensure_ascii=False),
    }


def _break(root: Path) -> None:
    """Every kind of problem a file can have, spread over the tree, and problems `check` finds across files."""
    files = sorted(root.rglob("2021.yaml"))
    a, b, c, d, e = files[1], files[2], files[3], files[4], files[5]
    text = e.read_text(encoding="utf-8")
    prefix = text.split("- id: ", 1)[1].split("\n", 1)[0].rsplit("-", 2)[0]
    text = text.replace("\n  status: ", "\n  escalated_to: NOPE-2021-001\n  status: ", 1)  # found by `check`, located by reading the file again
    e.write_text(text + f"\n- id: {prefix}-2021-999\n  title: 时限早于登记\n  opened: 2021-05-01\n  due: 2021-04-01\n", encoding="utf-8")
    text = a.read_text(encoding="utf-8")
    first_id = text.split("- id: ", 1)[1].split("\n", 1)[0]
    a.write_text(text.replace("  status:", "  colour: red\n  status:", 1) + f"\n- id: {first_id}\n  title: 重复\n  opened: 2021-09-05\n", encoding="utf-8")
    b.write_text(b.read_text(encoding="utf-8").replace("opened: 2021-", "opened: 2021-13-", 1), encoding="utf-8")
    c.write_text(c.read_text(encoding="utf-8") + "- id: [unclosed\n", encoding="utf-8")
    d.write_text(d.read_text(encoding="utf-8") + "<<<<<<< HEAD\n=======\n>>>>>>> other\n", encoding="utf-8")


# ------------------------------------------------------------------ identical results


def test_cold_warm_parallel_serial_and_direct_reads_are_identical(generated: Path, tmp_path: Path):
    root = _copy(generated, tmp_path / "t")
    _break(root)
    direct = _view(load(root, use_index=False))
    assert direct["check"] and direct["entries"]  # the comparison means something
    assert any("上报去向 NOPE-2021-001 不存在" in p for p in direct["check"]) and any("完成时限早于登记日期" in p for p in direct["check"])
    cold_serial = index.load(root, parallel=False)
    assert cold_serial.reread and "shishi.yaml" in cold_serial.reread
    assert _view(cold_serial) == direct
    warm = load(root)
    assert warm.reread == []
    assert _view(warm) == direct
    import shutil

    shutil.rmtree(root / ".shishi")
    cold_parallel = index.load(root, parallel=True)
    assert _view(cold_parallel) == direct


def test_sample_district_through_the_index(tmp_path: Path):
    root = _copy(SAMPLE, tmp_path / "s")
    direct = _view(load(root, use_index=False))
    assert _view(load(root)) == direct
    assert _view(load(root)) == direct


def test_warm_check_in_another_language_has_that_language(tree: Path, cli):
    path = tree / "赶水镇/三居社区/2021.yaml"
    path.write_text("- id: GS-SJ-2021-001\n  title: x\n", encoding="utf-8")
    zh = cli("check", ledger=tree)
    en = cli("--lang", "en", "check", ledger=tree)
    assert "缺少字段 opened" in zh.stdout
    assert "missing key 'opened'" in en.stdout and "缺少" not in en.stdout
    set_lang("en")
    assert [str(p) for p in check(load(tree))] == [str(p) for p in check(load(tree, use_index=False))]


# ------------------------------------------------------------------ only what changed


def test_a_warm_load_parses_only_the_changed_file(generated: Path, tmp_path: Path):
    root = _copy(generated, tmp_path / "t")
    load(root)
    assert load(root).reread == []
    item = next(e for e in load(root).entries if e.item.status == "open" and e.unit.count("/") == 1)
    ops.close(root, item.item.id, "已解决", 5, when=item.item.opened)
    again = load(root)
    assert again.reread == [item.file]
    assert next(e for e in again.entries if e.item.id == item.item.id).item.status == "resolved"


def test_a_new_unit_and_a_deleted_file(tree: Path):
    ops.add(tree, "三居社区", "甲", opened="2021-09-01")
    ops.add(tree, "云品村", "乙", opened="2021-09-01")
    load(tree)
    units.add_unit(tree, "文龙街道/沙溪社区", "community", short="SX")
    ops.add(tree, "沙溪社区", "丙", opened="2021-09-01")
    (tree / "赶水镇/云品村/2021.yaml").unlink()
    ledger = load(tree)
    assert ledger.reread == ["文龙街道/沙溪社区/2021.yaml"]  # its unit.yaml was indexed when `add` looked the unit up
    assert sorted(e.item.title for e in ledger.entries) == ["丙", "甲"]
    assert _view(ledger) == _view(load(tree, use_index=False))


def test_same_size_same_mtime_rewrite_is_caught_by_the_hash(tree: Path):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    path = tree / "赶水镇/三居社区/2021.yaml"
    assert load(tree).entries[0].item.title == "路灯不亮"
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("路灯不亮", "路灯不明"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    ledger = load(tree)  # written within the racy window: the hash decides
    assert ledger.reread == ["赶水镇/三居社区/2021.yaml"]
    assert ledger.entries[0].item.title == "路灯不明"


def test_old_files_are_trusted_by_size_and_mtime(tree: Path):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    load(tree)
    con = sqlite3.connect(index.db_path(tree))
    con.execute("UPDATE files SET read_ns = read_ns + 10 * 1000000000")  # read long after the last write
    con.commit()
    con.close()
    ledger = load(tree)
    assert ledger.reread == []


# ------------------------------------------------------------------ a cache, rebuilt when in doubt


def test_missing_corrupt_or_foreign_index_is_rebuilt(tree: Path):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    want = _view(load(tree, use_index=False))
    db = index.db_path(tree)
    assert _view(load(tree)) == want and db.exists()
    db.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    assert _view(load(tree)) == want
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value='from an older shishi' WHERE key='fingerprint'")
    con.execute("CREATE TABLE leftover(x)")
    con.commit()
    con.close()
    ledger = load(tree)
    assert "shishi.yaml" in ledger.reread and _view(ledger) == want
    names = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "leftover" not in names and {"items", "files", "units", "problems"} <= names


def test_no_index_possible_means_reading_the_files(tree: Path):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    state = tree / ".shishi"
    import shutil

    shutil.rmtree(state)
    state.write_text("a file where the index directory should be", encoding="utf-8")
    ledger = load(tree)
    assert ledger.reread is None and [e.item.title for e in ledger.entries] == ["路灯不亮"]
    assert load_units(tree).reread is None


READER = """
import sys
from pathlib import Path
from shishi.store.load import load
from shishi.checks.rules import check
for _ in range(int(sys.argv[2])):
    ledger = load(Path(sys.argv[1]))
    assert ledger.reread is not None, "index unavailable"
    assert len(ledger.entries) >= 3
    check(ledger)
"""


def test_readers_and_a_writer_at_once_never_crash(generated: Path, tmp_path: Path):
    root = _copy(generated, tmp_path / "t")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(root), "6"], env=env, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for i in range(8):
        ops.add(root, "区交通局", f"并发写入{i}", opened="2021-10-01")
    results = [(p.wait(timeout=300), p.stderr.read()) for p in readers]
    assert all(code == 0 for code, _ in results), results
    assert _view(load(root)) == _view(load(root, use_index=False))


# ------------------------------------------------------------------ records


def test_records_read_like_items(tree: Path):
    item = ops.add(tree, "三居社区", "修路", opened="2021-09-01", targets=["人行便道=3000米"], budget="50万", tags=["民生"])
    ops.progress(tree, item.id, "开工", when="2021-09-02")
    ops.close(tree, item.id, "已修", 30, spent="1200.50", when="2021-09-03", targets=["人行便道=3000"])
    rec = load(tree).entries[0].item
    real = load(tree, use_index=False).entries[0].item
    assert isinstance(rec, index.ItemRecord) and isinstance(real, Item)
    assert rec == real and real == rec
    for name in Item.model_fields:
        assert getattr(rec, name) == getattr(real, name), name
    assert rec.resolution.spent == real.resolution.spent and str(rec.resolution.spent) == "1200.50"
    assert rec.model_dump() == real.model_dump() and item_to_data(rec) == item_to_data(real)
    editable = rec.model_copy(deep=True)
    assert isinstance(editable, Item) and editable == real
    assert copy.deepcopy(rec) == rec and pickle.loads(pickle.dumps(rec)) == rec
    with pytest.raises(TypeError):
        rec.partners.append("x")  # the shared empty list of loaded records
    with pytest.raises(AttributeError):
        rec.no_such_field  # noqa: B018


def test_items_with_every_field_round_trip_through_records(generated: Path):
    cls = index.record_class(Item)
    for e in load(generated, use_index=False).entries:
        assert cls.from_tuple(cls.to_tuple(e.item)) == e.item
        assert cls.from_json(json.loads(e.item.model_dump_json(exclude_none=True))) == e.item


def test_positions_round_trip():
    from shishi.store.yamlio import parse

    data, _ = parse("a: 1\nb:\n  - x\n  - {c: d}\ne: [1, 2]\n")
    back = index.decode_node(json.loads(json.dumps(index.encode_node(data, True))))
    assert back == data and back.pos == data.pos and back["b"].pos == data["b"].pos and back["b"][1].pos == data["b"][1].pos


def test_progress_bar_only_on_a_terminal_for_long_reads(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert index._progress(10**9) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert index._progress(index.PROGRESS_BYTES - 1) is None
    bar = index._progress(index.PROGRESS_BYTES)
    assert bar is not None
    bar[0].stop()


# ------------------------------------------------------------------ shishi query


def test_query_formats(tree: Path, cli):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    ops.add(tree, "云品村", "修路", opened="2021-09-02")
    ops.close(tree, "GS-YP-2021-001", "已修", 12, when="2021-09-05", spent="300.5")
    sql = "SELECT id, unit, status, beneficiaries, spent FROM items ORDER BY id"
    r = cli("query", sql, ledger=tree)
    assert r.exit_code == 0
    assert r.stdout.splitlines() == [
        "id              unit             status    beneficiaries  spent",
        "─" * 64,
        "GS-SJ-2021-001  赶水镇/三居社区  open",
        "GS-YP-2021-001  赶水镇/云品村    resolved             12  300.50",
    ]
    assert cli("query", sql, "--format", "csv", ledger=tree).stdout == (
        "id,unit,status,beneficiaries,spent\nGS-SJ-2021-001,赶水镇/三居社区,open,,\nGS-YP-2021-001,赶水镇/云品村,resolved,12,300.50\n"
    )
    rows = json.loads(cli("query", "SELECT unit, count(*) AS n FROM items GROUP BY unit ORDER BY unit", "-f", "json", ledger=tree).stdout)
    assert rows == [{"unit": "赶水镇/三居社区", "n": 1}, {"unit": "赶水镇/云品村", "n": 1}]
    r = cli("query", "SELECT path, kind, short FROM units WHERE depth = 2 ORDER BY path", "-f", "csv", ledger=tree)
    assert r.stdout == "path,kind,short\n赶水镇/三居社区,community,SJ\n赶水镇/云品村,village,YP\n"


@pytest.mark.parametrize(
    "sql",
    ["DELETE FROM items", "UPDATE items SET status='verified'", "DROP TABLE items", "CREATE TABLE x(a)", "ATTACH '/tmp/x.db' AS x", "PRAGMA journal_mode=DELETE", "INSERT INTO meta VALUES ('a', 'b')"],
)
def test_query_refuses_writes(tree: Path, cli, sql: str):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    cli("query", "SELECT 1", ledger=tree)
    before = index.db_path(tree).read_bytes()
    r = cli("query", sql, ledger=tree)
    assert r.exit_code == 1 and "只读" in r.stderr and "Traceback" not in r.stderr
    assert cli("query", "SELECT count(*) AS n FROM items", "-f", "json", ledger=tree).stdout.count('"n": 1') == 1
    assert index.db_path(tree).read_bytes() == before or load(tree).reread == []


def test_query_errors_are_clear(tree: Path, cli):
    r = cli("query", "SELECT * FROM nope", ledger=tree)
    assert r.exit_code == 1 and r.stderr.startswith("错误：SQL 错误：no such table: nope")
    r = cli("query", "SELECT 1; SELECT 2", ledger=tree)
    assert r.exit_code == 1 and "一次只能执行一条" in r.stderr
    r = cli("--lang", "en", "query", "SELECT 1", "--format", "xml", ledger=tree)
    assert r.exit_code == 2 and "must be one of table|csv|json: xml" in r.stderr


def test_query_in_a_real_process(tree: Path):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "shishi", "--ledger", str(tree), "query", "SELECT id, title FROM items", "-f", "csv"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout == "id,title\nGS-SJ-2021-001,路灯不亮\n"


# ------------------------------------------------------------------ commands read only what changed


def test_warm_commands_parse_only_the_changed_file(generated: Path, tmp_path: Path, cli, monkeypatch):
    """A warm `report` (and check, list, rollup) after one ledger file changed re-reads only that file."""
    import typer.main

    from shishi.cli.app import app

    root = _copy(generated, tmp_path / "t")
    commands = [c for c in (["check"], ["list", "--format", "json"], ["rollup", "--format", "json"], ["report", "--format", "json"]) if c[0] in typer.main.get_command(app).commands]
    assert len(commands) >= 2
    parsed: list[str] = []
    real = index.read_file

    def counting(root_, rp, kind, unit, lang, findings=None):
        parsed.append(rp)
        return real(root_, rp, kind, unit, lang, findings)

    monkeypatch.setattr(index, "read_file", counting)
    in_hand = [e for e in load(root).entries if e.item.status in ("open", "in_progress") and e.unit.count("/") == 1]  # villages
    assert len(in_hand[::7]) >= len(commands)
    for args, victim in zip(commands, in_hand[::7], strict=False):
        cli(*args, ledger=root)  # warm
        ops.progress(root, victim.item.id, "已派人查看", when=victim.item.opened)
        parsed.clear()
        r = cli(*args, ledger=root)
        assert r.exit_code in (0, 1), r.stderr
        assert parsed == [victim.file], args


def test_query_masks_personal_data_unless_revealed(tree: Path, cli):
    ops.add(tree, "三居社区", "王某13912345678反映路灯不亮", opened="2021-09-01")
    sql = "SELECT title FROM items"
    assert cli("query", sql, "-f", "csv", ledger=tree).stdout == "title\n王某139****5678反映路灯不亮\n"
    assert cli("query", sql, "-f", "csv", "--reveal", ledger=tree).stdout == "title\n王某13912345678反映路灯不亮\n"


def test_generated_city_of_district_submodules_checks_clean(tmp_path: Path):
    root = tmp_path / "city"
    journal = tmp_path / "city.journal"
    assert _generator().main(["1200", str(root), "--city", "--submodules", "--journal", str(journal)]) == 0
    ledger = load(root)
    assert ledger.records[""].kind == "city" and {ledger.records[u].kind for u in ledger.units if u.count("/") == 0 and u} == {"district"}
    assert len(ledger.entries) == 1200 and check(ledger) == []
    assert (root / ".gitmodules").is_file() and (root / ledger.entries[-1].unit.split("/")[0] / ".git").exists()
    resolved = [e for e in ledger.entries if e.item.status in ("resolved", "verified")]
    assert journal.read_text(encoding="utf-8").count("\n    来源:群众\n") == len(resolved)


def _trust_walk(root: Path) -> None:
    """Pretend the last walk happened long after the directories last changed."""
    import marshal

    con = sqlite3.connect(index.db_path(root))
    (blob,) = con.execute("SELECT value FROM meta WHERE key='walk'").fetchone()
    w = list(marshal.loads(blob))
    w[1] += 10 * 1_000_000_000
    con.execute("UPDATE meta SET value=? WHERE key='walk'", (marshal.dumps(tuple(w)),))
    con.commit()
    con.close()


def test_the_walk_is_reused_until_a_directory_changes(tree: Path, monkeypatch):
    import shishi.store.tree

    ops.add(tree, "三居社区", "甲", opened="2021-09-01")
    load(tree)
    _trust_walk(tree)
    real_walk = shishi.store.tree.walk_units
    walks = []
    monkeypatch.setattr(shishi.store.tree, "walk_units", lambda root: walks.append(root) or real_walk(root))
    assert [e.item.title for e in load(tree).entries] == ["甲"] and walks == []
    village = tree / "赶水镇/新村"  # made by hand: only its parent directory's mtime tells
    village.mkdir()
    (village / "unit.yaml").write_text("name: 新村\nkind: village\nshort: XC\n", encoding="utf-8")
    (village / "2021.yaml").write_text("- id: GS-XC-2021-001\n  title: 乙\n  opened: 2021-09-02\n", encoding="utf-8")
    ledger = load(tree)
    assert len(walks) == 1 and sorted(e.item.title for e in ledger.entries) == ["乙", "甲"]
    assert _view(ledger) == _view(load(tree, use_index=False))
    _trust_walk(tree)
    before = len(walks)
    (village / "2021.yaml").unlink()  # a ledger file gone: its unit's directory changed
    assert [e.item.title for e in load(tree).entries] == ["甲"] and len(walks) == before + 1


def test_an_index_damaged_inside_is_rebuilt(generated: Path, tmp_path: Path):
    root = _copy(generated, tmp_path / "t")
    want = _view(load(root, use_index=False))
    load(root)
    db = index.db_path(root)
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = con.execute("PRAGMA page_size").fetchone()[0]
    roots = [r for (r,) in con.execute("SELECT rootpage FROM sqlite_master WHERE name IN ('files', 'items')")]
    con.close()
    with open(db, "r+b") as f:  # the schema and `meta` intact (it opens), the tables read first garbage
        for r in roots:
            f.seek((r - 1) * page)
            f.write(b"\xff" * page)
    ledger = load(root)
    assert ledger.reread and _view(ledger) == want  # rebuilt, not read directly
    assert load(root).reread == []


def test_units_of_the_kept_walk_are_the_walks_own(tree: Path):
    """The second load takes the units from the walk kept in the index: equal to a fresh walk's, directories too."""
    from shishi.store import tree as t

    for d, _dirs, _files in os.walk(tree):  # written long before the walk: its mtimes can be trusted
        st = os.stat(d)
        os.utime(d, ns=(st.st_atime_ns, st.st_mtime_ns - 10 * 1_000_000_000))
    load(tree)
    kept = load(tree).units
    walked, _problems = t.walk_units(tree)
    assert any(type(u) is not t.UnitDir for u in kept.values())  # (made from the kept walk)
    assert kept == walked and walked == kept
    assert [u.dir for u in kept.values()] == [u.dir for u in walked.values()] and kept["赶水镇"].dir == tree / "赶水镇"
    assert kept[""].dir == tree and kept["赶水镇"] != walked["文龙街道"]


def test_a_file_read_in_another_language_with_problems_is_read_again(tree: Path):
    path = tree / "赶水镇/三居社区/2021.yaml"
    path.write_text("- id: GS-SJ-2021-001\n  title: x\n", encoding="utf-8")
    load(tree)
    con = sqlite3.connect(index.db_path(tree))
    con.execute("UPDATE files SET read_ns = read_ns + 10 * 1000000000")  # not racy: only the language decides
    con.commit()
    con.close()
    assert load(tree).reread == []
    set_lang("en")
    assert load(tree).reread == ["赶水镇/三居社区/2021.yaml"]
    assert load(tree).reread == []


def test_a_file_read_just_after_its_write_is_hashed_on_the_next_read(tree: Path):
    """Its mtime too close to the read to be trusted: the next load compares hashes, and notes the later read."""
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    rp = "赶水镇/三居社区/2021.yaml"

    def read_ns() -> int:
        con = sqlite3.connect(index.db_path(tree))
        try:
            return con.execute("SELECT read_ns FROM files WHERE path=?", (rp,)).fetchone()[0]
        finally:
            con.close()

    load(tree)
    first = read_ns()
    assert (tree / rp).stat().st_mtime_ns >= first - index.RACY_NS  # (read within the window)
    ledger = load(tree)
    assert ledger.reread == [] and read_ns() > first  # same hash: not parsed, read time moved on
