"""Complete or refused: a tree with one unreadable item refuses figures, or says so on every page with --allow-incomplete."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from shishi.write import items as ops

BROKEN = "赶水镇/三居社区/2021.yaml"


@pytest.fixture
def broken(tree: Path) -> Path:
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    item = ops.add(tree, "三居社区", "积水", opened="2021-09-02")
    ops.close(tree, item.id, "已疏通", 36, when="2021-09-05")
    ops.add(tree, "文龙街道", "噪音", opened="2021-09-03")
    path = tree / BROKEN
    path.write_text(path.read_text(encoding="utf-8").replace("beneficiaries: 36", "beneficiaries: 三十六"), encoding="utf-8")
    return tree


def _place(stderr: str) -> bool:
    return any(line.strip().startswith(f"{BROKEN}:") and line.strip().split(":")[1].isdigit() and line.strip().split(":")[2].isdigit() for line in stderr.splitlines())


@pytest.mark.parametrize("args", [("report", "--period", "2021"), ("rollup",), ("rollup", "赶水镇"), ("scores",), ("export",), ("export", "-f", "json"),
                                  ("export", "-f", "xlsx", "-o", "x.xlsx"), ("report", "三居社区")])
def test_figures_of_a_tree_with_an_unreadable_item_are_refused(broken: Path, cli, args):
    r = cli(*args, ledger=broken)
    assert r.exit_code == 1 and r.stdout == ""
    assert _place(r.stderr), r.stderr  # path:line:col
    assert "--allow-incomplete" in r.stderr


def test_units_that_read_whole_are_not_refused(broken: Path, cli):
    r = cli("rollup", "文龙街道", "-f", "json", ledger=broken)
    assert r.exit_code == 0 and "incomplete" not in json.loads(r.stdout)
    assert cli("report", "文龙街道", "-f", "text", ledger=broken).exit_code == 0


def test_allow_incomplete_says_so_in_every_format(broken: Path, cli, tmp_path: Path):
    from docx import Document
    from openpyxl import load_workbook

    base = ("report", "--period", "2021", "--as-of", "2021-11-30", "--allow-incomplete")
    for fmt in ("terminal", "text", "md"):
        r = cli(*base, "-f", fmt, ledger=broken)
        assert r.exit_code == 0 and "【数据不完整】台账有 1 处无法读取" in r.stdout and BROKEN in r.stdout, fmt
        assert r.stdout.index("【数据不完整】") < r.stdout.index("上报摘要"), fmt  # at the top
    assert cli(*base, "-o", tmp_path / "r.html", ledger=broken).exit_code == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<p class="incomplete">【数据不完整】台账有 1 处无法读取' in page and page.index('class="incomplete"') < page.index("<section")
    data = json.loads(cli(*base, "-f", "json", ledger=broken).stdout)
    assert data["incomplete"]["problems"] == 1 and data["incomplete"]["files"] == [{"file": BROKEN, "problems": 1}]
    assert cli(*base, "-o", tmp_path / "r.xlsx", ledger=broken).exit_code == 0
    first = load_workbook(tmp_path / "r.xlsx").worksheets[0]
    assert first["A3"].value.startswith("【数据不完整】") and BROKEN in first["A3"].value
    assert cli(*base, "-o", tmp_path / "r.docx", ledger=broken).exit_code == 0
    assert any(p.text.startswith("【数据不完整】") for p in Document(io.BytesIO((tmp_path / "r.docx").read_bytes())).paragraphs)
    # the item the problem is in is not counted: one of 三居社区's three items
    rolled = json.loads(cli("rollup", "--allow-incomplete", "-f", "json", ledger=broken).stdout)
    assert rolled["registered"] == 2 and rolled["incomplete"]["problems"] == 1
    assert "【数据不完整】" in cli("rollup", "--allow-incomplete", ledger=broken).stdout
    for fmt in ("text", "md"):  # the banner under the heading (these two once failed with a traceback)
        r = cli("rollup", "--allow-incomplete", "-f", fmt, ledger=broken)
        assert r.exit_code == 0 and r.stdout.index("【数据不完整】") < r.stdout.index("登记"), (fmt, r.stdout)
    assert "【数据不完整】" in cli("scores", "--allow-incomplete", ledger=broken).stdout
    assert json.loads(cli("scores", "--allow-incomplete", "-f", "json", ledger=broken).stdout)["incomplete"]["problems"] == 1


def test_lists_print_what_they_can_and_say_what_they_could_not(broken: Path, cli):
    for args in (("list",), ("list", "--unit", "赶水镇/三居社区"), ("list", "--format", "json"), ("due", "--within", "999"), ("supervise", "list")):
        r = cli(*args, ledger=broken)
        assert r.exit_code == 0, (args, r.stderr)
        assert "有 1 处无法读取" in r.stderr and _place(r.stderr), args
    assert "GS-SJ-2021-001" in cli("list", ledger=broken).stdout
    # a unit whose files read whole: no note
    assert "无法读取" not in cli("list", "--unit", "文龙街道", ledger=broken).stderr
    assert "无法读取" not in cli("list", "--unit", "文龙街道", "--format", "json", ledger=broken).stderr


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_streamed_export_with_allow_incomplete_says_so_and_leaves_the_item_out(broken: Path, cli, fmt: str):
    r = cli("export", "-f", fmt, "--allow-incomplete", ledger=broken)
    assert r.exit_code == 0 and "【数据不完整】台账有 1 处无法读取" in r.stderr and BROKEN in r.stderr
    assert "路灯不亮" in r.stdout and "积水" not in r.stdout  # the item the problem is in is not exported
    assert cli("export", "-f", fmt, "--unit", "文龙街道", ledger=broken).exit_code == 0
