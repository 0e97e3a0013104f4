"""Every input that once crashed shishi (traceback, hang, wrong exit code), one test each.

Each test names the input in its docstring; the fix is the commit that added it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import snapshot
from shishi.write import items as ops

SJ = "赶水镇/三居社区/2021.yaml"


def _env() -> dict:
    src = str(Path(__file__).resolve().parent.parent / "src")
    return dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _shishi(root: Path, *args: str, limit_mb: int = 1024, timeout: float = 30) -> subprocess.CompletedProcess:
    """The real CLI in a process with bounded memory and time."""

    def limits():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    return subprocess.run(
        [sys.executable, "-m", "shishi", "--ledger", str(root), *args],
        capture_output=True, text=True, timeout=timeout, env=_env(), preexec_fn=limits,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_named_like_a_ledger_file(tree: Path):
    """A FIFO named 赶水镇/2021.yaml: `check` waited forever for a writer."""
    os.mkfifo(tree / "赶水镇/2021.yaml")
    r = _shishi(tree, "check", timeout=20)
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith("赶水镇/2021.yaml:0:0: 不是普通文件"), r.stdout
    assert "Traceback" not in r.stderr


def test_ledger_file_larger_than_memory(tree: Path):
    """A 3 GiB (sparse) ledger file: `check` read all of it and died of MemoryError under a 1 GiB limit."""
    with open(tree / SJ, "wb") as f:
        f.truncate(3 << 30)
    r = _shishi(tree, "check")
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith(f"{SJ}:1:1: 文件超过 64 MiB"), r.stdout
    assert "Traceback" not in r.stderr
    r = _shishi(tree, "add", "--unit", "三居社区", "--title", "x", "--opened", "2021-09-01")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert (tree / SJ).stat().st_size == 3 << 30


def _items(tree: Path) -> None:
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01", milestones=["一期=2021-10-01"])
    ops.add(tree, "三居社区", "垃圾", opened="2021-09-01")
    ops.close(tree, "GS-SJ-2021-002", "已清理", 3, when="2021-09-02")


LONG_NAME, LONG_TEXT = "名" * 201, "长" * 20_001


@pytest.mark.parametrize(
    "args",
    [
        ["add", "-u", "三居社区", "-t", "x", "--target", "停车位=99999999999999999"],
        ["add", "-u", "三居社区", "-t", "x", "--target", "停车位=1.00001"],
        ["add", "-u", "三居社区", "-t", "x", "--target", f"{LONG_NAME}=3"],
        ["add", "-u", "三居社区", "-t", "x", "--target", "停车位=3" + "个" * 21],
        ["add", "-u", "三居社区", "-t", "x", "--milestone", f"{LONG_NAME}=2021-10-01"],
        ["progress", "GS-SJ-2021-001", "--note", ""],
        ["progress", "GS-SJ-2021-001", "--note", LONG_TEXT],
        ["progress", "GS-SJ-2021-001", "--note", "x", "--by", LONG_NAME],
        ["close", "GS-SJ-2021-001", "-r", "", "-b", "1"],
        ["reopen", "GS-SJ-2021-002", "--reason", ""],
        ["cancel", "GS-SJ-2021-001", "--reason", ""],
        ["escalate", "GS-SJ-2021-001", "--to", "赶水镇", "--reason", LONG_TEXT],
    ],
    ids=lambda a: f"{a[0]}{a[-2]}",
)
def test_values_a_record_refuses(tree: Path, cli, args):
    """Empty, too long or too precise values on the command line: pydantic's ValidationError escaped as a traceback."""
    _items(tree)
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == 1
    assert r.stderr.startswith("错误：事项数据无效："), r.stderr
    assert snapshot(tree) == before


@pytest.mark.parametrize(
    "args",
    [
        ["add", "-u", "三居社区", "-t", "x", "--opened", "9999-12-31"],
        ["escalate", "GS-SJ-2021-001", "--to", "赶水镇", "--reason", "r", "--date", "9999-12-31"],
        ["add", "-u", "三居社区", "-t", "x", "--opened", "0001-01-01"],
    ],
    ids=lambda a: f"{a[0]}{a[-1]}",
)
def test_dates_out_of_range(tree: Path, cli, args):
    """--opened 9999-12-31 or escalate --date 9999-12-31: the default due date overflowed (OverflowError); 0001-01-01 gave a bad ID."""
    _items(tree)
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == 1
    assert "超出范围（1900–2999 年）" in r.stderr, r.stderr
    assert snapshot(tree) == before


def test_item_id_with_a_huge_number(tree: Path, cli):
    """A hand-typed ID GS-SJ-2021-999…9 (5000 digits): `add` died converting it (ValueError), `check` said nothing."""
    _items(tree)
    p = tree / SJ
    p.write_text(p.read_text(encoding="utf-8").replace("GS-SJ-2021-002", "GS-SJ-2021-" + "9" * 5000), encoding="utf-8")
    r = cli("check", ledger=tree)
    assert r.exit_code == 1 and "事项编号应如 GS-SJ-2021-042" in r.stdout
    r = cli("add", "-u", "三居社区", "-t", "x", "--opened", "2021-09-03", "-q", ledger=tree)
    assert r.exit_code == 0 and r.stdout == "GS-SJ-2021-002\n"


@pytest.mark.parametrize(
    "old, new, args, where",
    [
        ("  status: open", "  status\t: open", ["progress", "GS-SJ-2021-002", "--note", "x"], f"{SJ}:15:9: 无法改写事项 GS-SJ-2021-002：YAML 格式错误"),
        ("  title: 垃圾", "  title: 2021-02-30", ["close", "GS-SJ-2021-002", "-r", "x", "-b", "1"], f"{SJ}:10:1: 无法改写事项 GS-SJ-2021-002：YAML：有的值读不成（如不存在的日期 2021-02-30），请加引号"),
        ("  title: 垃圾", "  title: 2021-02-30  # 原文如此", ["fmt"], f"{SJ}:10:1: 无法改写事项 GS-SJ-2021-002：YAML：有的值读不成（如不存在的日期 2021-02-30），请加引号"),
    ],
    ids=["tab-before-colon", "date-like-title", "fmt-date-like-title"],
)
def test_blocks_ruamel_refuses(tree: Path, cli, old, new, args, where):
    """`status\\t: open` or `title: 2021-02-30` read fine but ruamel's round-trip loader raised ScannerError/ValueError on write."""
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01")
    ops.add(tree, "三居社区", "垃圾", opened="2021-09-01")
    p = tree / SJ
    p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert cli("check", ledger=tree).exit_code == 0
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == 1
    assert r.stderr.startswith("错误：" + where), r.stderr
    assert snapshot(tree) == before


@pytest.mark.parametrize("args", [["reopen", "GS-SJ-2021-002", "--reason", "返工"], ["verify", "GS-SJ-2021-002"]], ids=["reopen", "verify"])
def test_resolved_item_without_resolution(tree: Path, cli, args):
    """`status: resolved` with its resolution block deleted by hand: reopen and verify raised AttributeError."""
    _items(tree)
    p = tree / SJ
    text = p.read_text(encoding="utf-8")
    p.write_text(text[: text.index("  resolution:")], encoding="utf-8")
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == 1
    assert r.stderr == "错误：GS-SJ-2021-002 状态为已办结却没有 resolution，先改正（shishi check）\n"
    assert snapshot(tree) == before


def test_directory_names_that_are_not_utf8(tree: Path):
    """A unit directory named in GBK (三居 from a zip made on Windows): check died of UnicodeEncodeError, and printing such a path on a strict UTF-8 terminal did too."""
    gbk = os.fsdecode("三居".encode("gbk"))
    (tree / "赶水镇" / gbk).mkdir()
    (tree / "赶水镇" / gbk / "unit.yaml").write_text("name: 三居\nkind: village\nshort: SA\n", encoding="utf-8")
    (tree / "文龙街道" / gbk).mkdir()
    (tree / "文龙街道" / gbk / "2021.yaml").write_text("", encoding="utf-8")
    (tree / "文龙街道" / "a\x1b[2Jb").mkdir()
    (tree / "文龙街道" / "a\x1b[2Jb" / "unit.yaml").write_text("name: x\nkind: village\nshort: SB\n", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "shishi", "--ledger", str(tree), "check"],
        capture_output=True, text=True, timeout=60, env=dict(_env(), PYTHONIOENCODING="utf-8:strict"),
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stdout.splitlines() == [
        "文龙街道/\\xc8\\xfd\\xbe\\xd3:0:0: 目录有台账文件但没有 unit.yaml",
        '文龙街道/a\\x1b[2Jb:0:0: 单位名称含有 / \\ : * ? " < > | 或控制字符',
        "赶水镇/\\xc8\\xfd\\xbe\\xd3:0:0: 单位名称不是 UTF-8 文本（可能是 GBK 编码的压缩包解压所致），请重命名目录",
    ]
    before = snapshot(tree)
    r = subprocess.run([os.fsencode(sys.executable), b"-m", b"shishi", b"--ledger", os.fsencode(tree), b"unit", b"add", "赶水镇/三居".encode("gbk"), b"--kind", b"village"],
                       capture_output=True, timeout=60, env=_env())
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr
    assert snapshot(tree) == before


WEIRD = ["a: b", "a\nkind: village", "'", '"', "null", "[x]", "a #b", "yes", "~", "- x", "!!python/object x", "&a", " x", "a\x1bb", "a\u2028b", "a\x85b"]


@pytest.mark.parametrize("value", WEIRD, ids=[repr(w) for w in WEIRD])
def test_init_and_unit_add_write_any_text_as_yaml(tmp_path: Path, cli, value):
    """`init --district 'a: b'` and `unit add … --clerk 'a: b'` (or a newline, a quote, null, [x]) wrote broken YAML and exited 0."""
    from shishi.checks.rules import check
    from shishi.store.load import load
    from shishi.store.tree import check_unit_name
    from shishi.store.yamlio import CONTROL_TEXT_RE

    root = tmp_path / "l"
    r = cli("init", str(root), "--district", value, "--short", "QJ")
    value = value.strip()  # names are stripped, like every record field
    if check_unit_name(value):  # a district name must also be a possible directory name
        assert r.exit_code == 1 and not root.exists()
        r = cli("init", str(root), "--district", "綦江区", "--short", "QJ")
    assert r.exit_code == 0, r.stderr
    r = cli("unit", "add", "赶水镇", "--kind", "town", "--short", "GS", "--clerk", value, ledger=root)
    ledger = load(root)
    assert [str(p) for p in check(ledger)] == []
    if CONTROL_TEXT_RE.search(value):  # refused, see test_control_characters_in_text
        assert r.exit_code == 1 and "赶水镇" not in ledger.records
    else:
        assert r.exit_code == 0 and ledger.records["赶水镇"].clerk == value
    assert check_unit_name(value) or ledger.config.district == value == ledger.records[""].name


@pytest.mark.parametrize("name", ["null", "[x]", "'", "yes", "~", "a #b", "&a", "!!x", "{x}", "1e5"])
def test_unit_add_names_that_look_like_yaml(tree: Path, cli, name):
    """`unit add null` / `unit add '[x]'`: the directory name went unquoted into unit.yaml, which then failed to read."""
    from shishi.checks.rules import check
    from shishi.store.load import load

    assert cli("unit", "add", f"文龙街道/{name}", "--kind", "community", ledger=tree).exit_code == 0
    ledger = load(tree)
    assert [str(p) for p in check(ledger)] == [] and ledger.records[f"文龙街道/{name}"].name == name


@pytest.mark.parametrize("name", ["a\x85b", "a\u2028b", "a\x9bb"])
def test_unit_add_refuses_line_breaks_and_c1_controls(tree: Path, cli, name):
    before = snapshot(tree)
    r = cli("unit", "add", f"文龙街道/{name}", "--kind", "community", ledger=tree)
    assert r.exit_code == 1 and "控制字符" in r.stderr
    assert snapshot(tree) == before


def test_unit_name_with_a_newline_in_a_new_ledger_files_header(tree: Path, cli):
    """unit.yaml `name: "x\\n- id: QJ-2021-900\\n  title: 注入\\n  opened: 2021-01-01"`: add wrote it into the new file's header comment, creating an item."""
    p = tree / "文龙街道/unit.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("name: 文龙街道", 'name: "文龙街道\\n- id: WL-2021-900\\n  title: 注入\\n  opened: 2021-01-01\\x07"'), encoding="utf-8")
    assert cli("add", "-u", "文龙街道", "-t", "x", "--opened", "2021-09-01", ledger=tree).exit_code == 0
    r = cli("list", "-f", "csv", ledger=tree)
    assert "注入" not in r.stdout and "WL-2021-001" in r.stdout
    assert (tree / "文龙街道/2021.yaml").read_text(encoding="utf-8").startswith("# 文龙街道 - id: WL-2021-900 title: 注入 opened: 2021-01-01  2021年台账\n")


def test_things_standing_where_a_file_should_be(tree: Path, tmp_path: Path, cli):
    """A directory or link named unit.yaml, shishi.yaml or surveys/*.yaml: wrong message, or none at all (exit 0)."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("- unit: 赶水镇\n  quarter: 2021Q3\n  counts: {满意: 1}\n", encoding="utf-8")
    (tree / "赶水镇/unit.yaml").unlink()
    (tree / "赶水镇/unit.yaml").mkdir()
    (tree / "surveys").mkdir()
    (tree / "surveys/2021Q3.yaml").mkdir()
    (tree / "surveys/2021Q4.yaml").symlink_to(outside)
    (tree / "文龙街道/2021.yaml").symlink_to(outside)
    r = cli("check", ledger=tree)
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        "surveys/2021Q3.yaml:0:0: 应为文件，却是目录",
        "surveys/2021Q4.yaml:0:0: 符号链接不予读取（台账库内不允许链接）",
        "文龙街道/2021.yaml:0:0: 符号链接不予读取（台账库内不允许链接）",
        "赶水镇/unit.yaml:0:0: 应为文件，却是目录",
    ]
    before = snapshot(tree)
    assert cli("add", "-u", "文龙街道", "-t", "x", "--opened", "2021-09-01", ledger=tree).exit_code == 1
    assert snapshot(tree) == before and outside.read_text(encoding="utf-8").startswith("- unit: 赶水镇")
    (tree / "shishi.yaml").unlink()
    (tree / "shishi.yaml").mkdir()
    r = cli("check", ledger=tree)
    assert r.exit_code == 1 and r.stdout.startswith("shishi.yaml:0:0: 应为文件，却是目录\n")


@pytest.mark.parametrize("name", ["shishi.yaml", "赶水镇/unit.yaml"])
def test_empty_config_or_unit_file(tree: Path, cli, name):
    """An empty shishi.yaml passed check (exit 0); an empty unit.yaml was reported only as wrong ID codes on every item below it."""
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01")
    (tree / name).write_bytes(b"")
    r = cli("check", ledger=tree)
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [f"{name}:1:1: 文件是空的（至少应写 {'district' if name == 'shishi.yaml' else 'name、kind、short'}）"]


@pytest.mark.parametrize("name, why", [("../../etc", "控制字符"), ("a/b", "控制字符"), ("CON", "Windows"), ('"a\\x1bb"', "控制字符"), ("..", "为空")])
def test_unit_yaml_name_that_cannot_be_a_directory_name(tree: Path, cli, name, why):
    """unit.yaml `name: ../../etc` (or a/b, CON, a control character) was only a warning: exit 0."""
    p = tree / "赶水镇/unit.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("name: 赶水镇", f"name: {name}"), encoding="utf-8")
    r = cli("check", ledger=tree)
    assert r.exit_code == 1
    assert r.stdout.startswith("赶水镇/unit.yaml:1:1: 单位名称") and why in r.stdout, r.stdout


def test_control_characters_in_text(tree: Path, cli):
    """`title: "\\e]0;x\\a\\e[2J"` passed check and `list` sent the escapes to the clerk's terminal; add -t $'\\x1b[2J' wrote them."""
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01")
    p = tree / SJ
    good = p.read_text(encoding="utf-8")
    p.write_text(good.replace("title: 楼道灯不亮", 'title: "楼道\\e]0;x\\a\\e[2J灯"'), encoding="utf-8")
    r = cli("check", ledger=tree)
    assert r.exit_code == 1
    assert r.stdout == f"{SJ}:5:10: 文本含有控制字符 U+001B（看不见，会搅乱终端和报表）\n"
    p.write_text(good, encoding="utf-8")
    before = snapshot(tree)
    for args in (["add", "-u", "三居社区", "-t", "a\x1b[2Jb"], ["progress", "GS-SJ-2021-001", "--note", "已\r未办结"],
                 ["unit", "add", "赶水镇/新村", "--kind", "village", "--clerk", "a\x9bb"]):
        r = cli(*args, ledger=tree)
        assert r.exit_code == 1 and "控制字符" in r.stderr, (args, r.stderr)
        assert snapshot(tree) == before
    assert cli("progress", "GS-SJ-2021-001", "--note", "第一行\n第二行\t附注", "--date", "2021-09-02", ledger=tree).exit_code == 0
    assert cli("check", ledger=tree).exit_code == 0


@pytest.mark.parametrize("value", ["20210903", "2021/9/3", "2021-9-3", "2021年9月3日", "2021"])
def test_dates_not_written_iso(tree: Path, cli, value):
    """`due: 20210903` was called 'Datetimes provided to dates should have zero time' (pydantic took it for a timestamp)."""
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01")
    p = tree / SJ
    p.write_text(p.read_text(encoding="utf-8").replace("due: 2021-09-08", f"due: {value}"), encoding="utf-8")
    r = cli("check", ledger=tree)
    assert r.exit_code == 1
    assert r.stdout == f"{SJ}:7:8: due（完成时限）：日期应写成 2021-09-01 这样（年-月-日）：{value}\n"


@pytest.mark.parametrize("args", [["add", "-u", "三居社区", "-t", "x", "--opened", "2021-09-09"], ["escalate", "GS-2021-001", "--to", "三居社区", "--reason", "r"]],
                         ids=["add", "escalate"])
def test_new_id_under_a_broken_unit_yaml(tree: Path, cli, args):
    """赶水镇/unit.yaml broken: `add -u 三居社区` handed out X-SJ-2021-001 (the town's code unknown) and exited 0."""
    ops.add(tree, "赶水镇", "镇街道路破损", opened="2021-09-01")
    (tree / "赶水镇/unit.yaml").write_text("kind: [\n", encoding="utf-8")
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == 1 and "unit.yaml 有错误" in r.stderr, r.stderr
    assert snapshot(tree) == before


@pytest.mark.parametrize("args", [["add", "-u", "三居社区", "-t", "x", "--opened", "2021-09-09"], ["progress", "GS-SJ-2021-001", "--note", "x"],
                                  ["escalate", "GS-2021-001", "--to", "三居社区", "--reason", "r", "--date", "2021-09-05"]], ids=["add", "progress", "escalate-into"])
@pytest.mark.parametrize("head, tail", [("", "  bad: [\n"), ("items:\n", "")], ids=["syntax", "mapping"])
def test_no_write_into_a_file_that_cannot_be_read(tree: Path, cli, args, head, tail):
    """A ledger file with a YAML syntax error further down, or whose items sit under a key: add/progress reported success, but list could not see the item."""
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01")
    ops.add(tree, "赶水镇", "镇街道路破损", opened="2021-09-01")
    p = tree / SJ
    p.write_text(head + p.read_text(encoding="utf-8") + tail, encoding="utf-8")
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == 1 and "先改正再写入" in r.stderr, r.stderr
    assert r.stderr.startswith(f"错误：{SJ}"), r.stderr
    assert snapshot(tree) == before


@pytest.mark.parametrize("args", [["progress", "GS-SJ-2021-001", "--note", "x"], ["escalate", "GS-SJ-2021-001", "--to", "赶水镇", "--reason", "r", "--date", "2021-09-05"]],
                         ids=["progress", "escalate"])
def test_write_to_an_id_given_twice_in_a_file(tree: Path, cli, args):
    """GS-SJ-2021-001 twice in one file: escalate linked the first and left the second dangling (check then failed)."""
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01")
    p = tree / SJ
    p.write_text(p.read_text(encoding="utf-8") + "\n- id: GS-SJ-2021-001\n  title: 重复\n  opened: 2021-09-02\n", encoding="utf-8")
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == 1 and r.stderr == f"错误：{SJ}:10:1: 事项编号 GS-SJ-2021-001 重复，先改正（shishi check）\n"
    assert snapshot(tree) == before


def test_survey_entry_that_is_not_a_mapping(tree: Path, cli):
    """A survey file whose second entry is a bare string: reported at 1:1 (the file's start), not at the entry."""
    (tree / "surveys").mkdir()
    (tree / "surveys/2021Q3.yaml").write_text("- unit: 赶水镇\n  quarter: 2021Q3\n  counts: {满意: 1}\n- 三居社区\n", encoding="utf-8")
    r = cli("check", ledger=tree)
    assert r.exit_code == 1 and r.stdout == "surveys/2021Q3.yaml:4:3: 应为键值映射\n"


def test_supervised_item_without_resolution(tree: Path, cli):
    """A supervised `status: resolved` item whose resolution block was deleted: `supervise return` raised AttributeError, `export --format open311` too."""
    _items(tree)
    assert cli("supervise", "flag", "GS-SJ-2021-001", "--level", "挂牌", "--date", "2021-09-02", ledger=tree).exit_code == 0
    assert cli("close", "GS-SJ-2021-001", "-r", "已修", "-b", "1", "--date", "2021-09-03", ledger=tree).exit_code == 0
    p = tree / SJ
    text = p.read_text(encoding="utf-8")
    start = text.index("  resolution:")
    p.write_text(text[:start] + text[text.index("\n- id: GS-SJ-2021-002"):], encoding="utf-8")
    before = snapshot(tree)
    r = cli("supervise", "return", "GS-SJ-2021-001", "--reason", "没修好", ledger=tree)
    assert r.exit_code == 1 and "却没有 resolution" in r.stderr, r.stderr
    assert snapshot(tree) == before
    r = cli("export", "--format", "open311", ledger=tree)
    assert r.exit_code == 0 and '"service_request_id": "GS-SJ-2021-001"' in r.stdout


def test_xlsx_report_of_text_with_control_characters(tree: Path, cli, tmp_path: Path):
    """A title holding "\\e[2J" (which check reports): `report --format xlsx` died of openpyxl's IllegalCharacterError."""
    ops.add(tree, "三居社区", "楼道灯不亮", opened="2021-09-01")
    p = tree / SJ
    p.write_text(p.read_text(encoding="utf-8").replace("title: 楼道灯不亮", 'title: "楼道\\e[2J灯"'), encoding="utf-8")
    r = cli("report", "--format", "xlsx", "-o", str(tmp_path / "r.xlsx"), "--period", "2021", ledger=tree)
    assert r.exit_code == 1 and "控制字符" in r.stderr, r.stderr
    assert not (tmp_path / "r.xlsx").exists()


def _xlsx_with(tmp_path: Path, name: str, content_types: str, sheet: bytes = b"") -> Path:
    import zipfile

    f = tmp_path / name
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        if sheet:
            z.writestr("xl/worksheets/sheet1.xml", sheet)
    return f


def test_import_xlsx_with_an_xml_entity_bomb(tree: Path, cli, tmp_path: Path):
    """An .xlsx whose [Content_Types].xml is a billion-laughs entity bomb: expat stopped it, but its ParseError escaped as a traceback."""
    ents = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    f = _xlsx_with(tmp_path, "laughs.xlsx", f'<?xml version="1.0"?><!DOCTYPE t [{ents}]><Types>&l9;</Types>')
    before = snapshot(tree)
    r = cli("import", str(f), "-u", "三居社区", ledger=tree)
    assert r.exit_code == 1 and "不是有效的 .xlsx 文件" in r.stderr, r.stderr
    assert snapshot(tree) == before


def test_import_xlsx_zip_bomb(tree: Path, cli, tmp_path: Path):
    """A 21 MB .xlsx whose sheet unpacks to 300 MB of rows: import died of MemoryError (under 1 GiB) after a minute."""
    f = _xlsx_with(tmp_path, "bomb.xlsx", '<?xml version="1.0"?><Types/>', b"<worksheet>" + b" " * (65 << 20) + b"</worksheet>")
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(65 << 20)
    before = snapshot(tree)
    for path in (f, big):
        r = cli("import", str(path), "-u", "三居社区", ledger=tree)
        assert r.exit_code == 1 and "超过 64 MiB" in r.stderr, r.stderr
    assert snapshot(tree) == before


def test_import_xlsx_with_a_damaged_compressed_part(tree: Path, cli, tmp_path: Path):
    """An .xlsx two bits away from a clerk's (a deflate block of an invalid type): zlib.error escaped as a traceback."""
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["事项名称", "登记日期"])
    wb.active.append(["路灯坏了", "2021-09-03"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start] |= 0b110  # the first deflate block's type becomes the reserved 11
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(data))
    before = snapshot(tree)
    r = cli("import", str(bad), "-u", "三居社区", ledger=tree)
    assert r.exit_code == 1 and "不是有效的 .xlsx 文件" in r.stderr, r.stderr
    assert snapshot(tree) == before


def test_import_xlsx_claiming_a_zip_version_python_cannot_read(tree: Path, cli, tmp_path: Path):
    """An .xlsx whose zip headers ask for version 8.4 to extract: NotImplementedError escaped as a traceback."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["事项名称", "登记日期"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    data = bytearray(good.read_bytes())
    at = data.find(b"PK\x01\x02")  # the first central directory entry: "version needed to extract" at +6
    data[at + 6] = 84
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(data))
    r = cli("import", str(bad), "-u", "三居社区", ledger=tree)
    assert r.exit_code == 1 and "不是有效的 .xlsx 文件" in r.stderr and "8.4" in r.stderr, r.stderr


def test_a_line_separator_in_multi_line_text(tree: Path, cli):
    """A title `- x\\u2028事\\n事` (found by test_fuzz): written as a literal block, ruamel broke the line at U+2028 and no later write could edit the item."""
    r = cli("add", "-u", "文龙街道", "-t", "- x\u2028事\n事", "--opened", "2021-01-01", "-q", ledger=tree)
    assert r.exit_code == 0, r.stderr
    item_id = r.stdout.strip()
    assert cli("cancel", item_id, "--reason", "0", "--date", "2021-01-01", ledger=tree).exit_code == 0
    assert cli("check", ledger=tree).stdout == ""
    from shishi.write.files import get

    assert get(tree, item_id)[0].title == "- x\u2028事\n事"
