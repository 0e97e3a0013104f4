"""Nothing outside the tree, only names that work, an index that is never fooled."""

from __future__ import annotations

import os
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import snapshot
from shishi.write import items as ops

SJ = "赶水镇/三居社区/2021.yaml"
OLD = 1_600_000_000_000_000_000  # 2020-09-13: an mtime old enough to be trusted


def _hand_edit_restored(path: Path, old: str, new: str) -> None:
    """An edit of the same size, its mtime put back with `touch -r` (as cp -p, rsync -a and tar do)."""
    assert len(old.encode()) == len(new.encode())
    ref = path.with_name("ref")
    subprocess.run(["touch", "-r", str(path), str(ref)], check=True)
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    subprocess.run(["touch", "-r", str(ref), str(path)], check=True)
    ref.unlink()


def test_a_hand_edit_restored_with_touch_r_is_noticed(tree: Path, cli):
    """check said clean while SHISHI_NO_INDEX=1 check found the error, and list showed the old title."""
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01")
    os.utime(tree / SJ, ns=(OLD, OLD))
    assert cli("check", ledger=tree).stdout == ""  # the index now trusts the file's stat
    assert "楼道灯不亮" in cli("list", ledger=tree).stdout
    _hand_edit_restored(tree / SJ, "楼道灯不亮", "楼道门坏了")
    assert (tree / SJ).stat().st_mtime_ns == OLD
    assert "楼道门坏了" in cli("list", ledger=tree).stdout
    _hand_edit_restored(tree / SJ, "opened: 2021-09-01", "opened: 2021-19-01")
    r = cli("check", ledger=tree)
    assert r.exit_code == 1 and r.stdout.startswith(f"{SJ}:"), r.stdout


def test_a_write_does_not_trust_a_restored_stat(tree: Path, cli):
    """A file shishi wrote, broken by hand and restored to the same size and mtime, is read again before writing into it."""
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01")
    _hand_edit_restored(tree / SJ, "- id: GS-SJ-2021-001", "- id: [GS-SJ-2021-01")
    before = snapshot(tree)
    r = cli("add", "--unit", "三居社区", "--title", "x", "--opened", "2021-09-02", ledger=tree)
    assert r.exit_code == 1 and "无法读取" in r.stderr, r.stderr
    assert snapshot(tree) == before


@pytest.mark.parametrize("args", [["list"], ["check"], ["add", "--unit", "三居社区", "--title", "x"]])
def test_shishi_as_a_link_writes_nothing_where_it_points(tree: Path, tmp_path: Path, cli, args):
    """A hostile commit's .shishi link made shishi write index.sqlite, lock and readable.json wherever it pointed."""
    import shutil

    shutil.rmtree(tree / ".shishi")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tree / ".shishi").symlink_to(elsewhere)
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == 1 and "是符号链接" in r.stderr and "不会在台账库外写入" in r.stderr, r.stderr
    assert list(elsewhere.iterdir()) == []
    assert snapshot(tree) == before


def test_a_lock_link_is_not_followed(tree: Path, tmp_path: Path, cli):
    """A .shishi/lock link created its target as the running user."""
    target = tmp_path / "made-by-shishi"
    lock = tree / ".shishi" / "lock"
    lock.unlink()
    lock.symlink_to(target)
    r = cli("add", "--unit", "三居社区", "--title", "x", ledger=tree)
    assert r.exit_code == 1 and "符号链接" in r.stderr, r.stderr
    assert not target.exists()


def test_the_index_is_never_opened_through_a_link(tree: Path, tmp_path: Path):
    from shishi.store import index
    from shishi.store.load import load

    index.drop(tree)
    target = tmp_path / "db"
    (tree / ".shishi" / "index.sqlite").symlink_to(target)
    assert len(load(tree).units) == 5  # read from the files
    assert not target.exists()


@pytest.mark.parametrize(
    "name",
    ["surveys", "赶水镇/surveys", "赶水镇/2027.yaml", "赶水镇/台账.YAML", "2027", ".shishi", "赶水镇/.git"],
)
def test_names_that_collide_with_the_layout_are_refused(tree: Path, cli, name):
    """`unit add surveys` and `unit add 古南街道/2027.yaml` succeeded and broke the tree."""
    before = snapshot(tree)
    r = cli("unit", "add", name, "--kind", "community", ledger=tree)
    assert r.exit_code == 1 and r.stderr.startswith("错误：单位名称"), r.stderr
    assert snapshot(tree) == before


@pytest.mark.parametrize(("first", "twin"), [("école", unicodedata.normalize("NFD", "école")), ("\u8c48园", "\uf900园"), ("ＡＢ社区", "AB社区")])
def test_twin_names_are_refused(tree: Path, cli, first, twin):
    """école in NFC and NFD, or 豈 U+8C48 and U+F900, made twin units that look identical."""
    assert cli("unit", "add", f"赶水镇/{first}", "--kind", "community", ledger=tree).exit_code == 0
    before = snapshot(tree)
    r = cli("unit", "add", f"赶水镇/{twin}", "--kind", "community", ledger=tree)
    assert r.exit_code == 1 and ("已存在" in r.stderr or "看起来相同" in r.stderr), r.stderr
    assert snapshot(tree) == before


def test_unit_names_are_stored_in_nfc(tree: Path, cli):
    nfd = unicodedata.normalize("NFD", "école")
    assert cli("unit", "add", f"赶水镇/{nfd}", "--kind", "community", ledger=tree).exit_code == 0
    assert os.listdir(tree / "赶水镇").count("école") == 1
    assert "name: école" in (tree / "赶水镇/école/unit.yaml").read_text(encoding="utf-8")


FLOW = "- {id: GS-SJ-2021-001, kind: demand, title: 灯, opened: 2021-09-01, due: 2021-09-08, status: open}\n"
WIDE = "-   id: GS-SJ-2021-001\n    kind: demand\n    title: 灯\n    opened: 2021-09-01\n    due: 2021-09-08\n    status: open\n"


INDENTED = "  - id: GS-SJ-2021-001\n    kind: demand\n    title: 灯\n    opened: 2021-09-01\n    due: 2021-09-08\n    status: open\n"


@pytest.mark.parametrize("text", [FLOW, WIDE, INDENTED])
def test_items_the_block_writer_cannot_edit_ask_for_fmt(tree: Path, cli, text):
    """Items in flow style or 4-space indentation passed check --strict and list, but show/progress/close said 没有事项."""
    (tree / SJ).write_text(text, encoding="utf-8")
    assert cli("check", "--strict", ledger=tree).stdout == ""
    assert "GS-SJ-2021-001  灯" in cli("show", "GS-SJ-2021-001", ledger=tree).stdout
    before = snapshot(tree)
    for args in (["progress", "GS-SJ-2021-001", "--note", "x"], ["close", "GS-SJ-2021-001", "-r", "x", "-b", "1"]):
        r = cli(*args, ledger=tree)
        assert r.exit_code == 1 and r.stderr.rstrip().endswith("先运行 shishi fmt"), r.stderr
    assert snapshot(tree) == before
    assert cli("fmt", ledger=tree).exit_code == 0
    assert cli("progress", "GS-SJ-2021-001", "--note", "x", "--date", "2021-09-02", ledger=tree).exit_code == 0
