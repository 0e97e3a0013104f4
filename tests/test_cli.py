"""The command line through CliRunner, and a few real subprocess runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, snapshot
from shishi.cli.app import app


def _commands() -> list[list[str]]:
    """Every command path of the app, e.g. ['add'], ['unit', 'add']."""
    import typer.main

    top = typer.main.get_command(app)
    out = []

    def walk(cmd, prefix):
        if getattr(cmd, "commands", None):
            for name, sub in cmd.commands.items():
                walk(sub, prefix + [name])
        else:
            out.append(prefix)

    walk(top, [])
    return out


def test_every_command_has_help_text_and_a_readme_entry(cli):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _commands()
    assert len(commands) >= 14
    for path in commands:
        r = cli(*path, "--help")
        assert r.exit_code == 0, path
        assert "用法：" in r.stdout
        import typer.main

        cmd = typer.main.get_command(app)
        for name in path:
            cmd = cmd.commands[name]
        assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
        for p in cmd.params:
            if getattr(p, "param_type_name", "") == "option" and p.name != "help":
                assert (p.help or "").strip(), f"{' '.join(path)} {p.opts} has no help"
        assert f"shishi {' '.join(path)}" in readme, f"README does not mention `shishi {' '.join(path)}`"


def test_day_in_the_life(tree: Path, cli):
    r = cli("add", "--unit", "三居社区", "--title", "楼道声控灯不亮", "--opened", "2021-09-01", "--phone", "13812341234", "-q", ledger=tree)
    assert r.exit_code == 0 and r.stdout == "GS-SJ-2021-001\n"
    assert cli("progress", "GS-SJ-2021-001", "--note", "已采购灯具", "--date", "2021-09-02", ledger=tree).exit_code == 0
    r = cli("close", "GS-SJ-2021-001", "-r", "更换声控灯6盏", "-b", "36", "--date", "2021-09-03", ledger=tree)
    assert r.stdout == "已办结 GS-SJ-2021-001：楼道声控灯不亮（惠及36人次）\n"
    assert cli("verify", "GS-SJ-2021-001", "--date", "2021-09-05", ledger=tree).exit_code == 0
    r = cli("show", "GS-SJ-2021-001", "--format", "json", ledger=tree)
    view = json.loads(r.stdout)
    assert view["status"] == "verified" and view["unit"] == "赶水镇/三居社区"
    assert view["reporter"]["phone"] == "138****1234"
    assert "13812341234" in cli("show", "GS-SJ-2021-001", "--reveal", ledger=tree).stdout
    assert "13812341234" not in cli("show", "GS-SJ-2021-001", ledger=tree).stdout
    r = cli("list", "--format", "json", ledger=tree)
    assert [{k: v for k, v in i.items() if k in ("id", "unit", "kind", "status", "title", "opened", "due")} for i in json.loads(r.stdout)] == [
        {"id": "GS-SJ-2021-001", "unit": "赶水镇/三居社区", "kind": "demand", "status": "verified", "title": "楼道声控灯不亮", "opened": "2021-09-01", "due": "2021-09-08"}
    ]
    r = cli("check", ledger=tree)
    assert r.exit_code == 0 and r.stdout == ""


def test_escalate_prints_new_id_and_list_filters(tree: Path, cli):
    cli("add", "-u", "云品村", "-t", "产业路损毁", "--opened", "2021-06-01", ledger=tree)
    r = cli("escalate", "GS-YP-2021-001", "--to", "赶水镇", "--reason", "需镇里出资", "--date", "2021-06-03", "-q", ledger=tree)
    assert r.stdout == "GS-2021-001\n"
    r = cli("list", "--unit", "赶水镇", "--status", "open", "--format", "csv", ledger=tree)
    assert r.stdout == "编号,单位,类型,状态,事项,登记,时限\nGS-2021-001,赶水镇,群众诉求,已登记,产业路损毁,2021-06-03,2021-06-10\n"
    r = cli("list", "--overdue", "--as-of", "2021-06-11", "--format", "csv", ledger=tree)
    assert r.stdout.count("\n") == 2
    r = cli("list", "--period", "2021Q3", "--format", "csv", ledger=tree)
    assert r.stdout.count("\n") == 1


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["close", "GS-SJ-2021-999", "-r", "x", "-b", "1"], 1, "没有事项 GS-SJ-2021-999"),
        (["close", "NOT-AN-ID", "-r", "x", "-b", "1"], 1, "事项编号格式不对"),
        (["add", "-u", "三居社区", "-t", "x", "--due", "2021-13-01"], 1, "--due 不是有效日期"),
        (["add", "-u", "三居社区"], 2, "缺少选项 --title / -t"),
        (["list", "--period", "2021Q5"], 2, "期间格式不对"),
        (["list", "--format", "xml"], 2, "table|csv|json"),
        (["rollup", "--format", "xml"], 2, "table|text|md|csv|json"),
        (["list", "--kind", "planet"], 2, "群众诉求|民生实事项目|督查整改"),
        (["unit", "add", "赶水镇/新村", "--kind", "planet"], 2, "单位类型"),
        (["--lang", "en", "close", "GS-SJ-2021-999", "-r", "x", "-b", "1"], 1, "no item GS-SJ-2021-999"),
        (["--lang", "fr", "list"], 2, "应为 zh 或 en"),
    ],
)
def test_errors_are_messages_with_exit_codes(tree: Path, cli, args, code, words):
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == code, r.output
    assert words in r.output
    assert "Traceback" not in r.output
    assert snapshot(tree) == before


def test_no_ledger_tree_is_a_clear_error(tmp_path: Path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("list")
    assert r.exit_code == 1 and "找不到台账库" in r.stderr


def test_ledger_found_upward_and_from_env(tree: Path, cli, monkeypatch):
    monkeypatch.chdir(tree / "赶水镇" / "三居社区")
    assert cli("add", "-u", "三居社区", "-t", "x", "--opened", "2021-09-01", "-q").stdout == "GS-SJ-2021-001\n"
    monkeypatch.chdir(tree.parent.parent)
    monkeypatch.setenv("SHISHI_LEDGER", str(tree))
    assert "GS-SJ-2021-001" in cli("list").stdout


def test_init_and_unit_commands(tmp_path: Path, cli):
    root = tmp_path / "new"
    assert cli("init", str(root), "--district", "綦江区", "--code", "500110000000", "--short", "QJ").exit_code == 0
    assert cli("unit", "add", "赶水镇", "--kind", "town", "--short", "GS", "--code", "500110105000", ledger=root).exit_code == 0
    assert cli("unit", "list", ledger=root).stdout.splitlines() == [
        "单位      类型  编号代码  区划代码      路径",
        "─" * 46,
        "綦江区    区    QJ        500110000000  /",
        "　赶水镇  镇    GS        500110105000  赶水镇",
    ]
    assert (root / ".gitignore").read_text() == ".shishi/\n.*.tmp\n"
    r = cli("init", str(root), "--district", "綦江区")
    assert r.exit_code == 1


def test_fmt_check_exit_code(tree: Path, cli):
    cli("add", "-u", "三居社区", "-t", "x", "--opened", "2021-09-01", ledger=tree)
    assert cli("fmt", "--check", ledger=tree).exit_code == 0
    p = tree / "赶水镇/三居社区/2021.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("  kind: demand\n  title: x\n", "  title: x\n  kind: demand\n"), encoding="utf-8")
    r = cli("fmt", "--check", ledger=tree)
    assert r.exit_code == 1 and r.stdout == "赶水镇/三居社区/2021.yaml\n"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    src = str(ROOT / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("SHISHI_LEDGER", None)
    return subprocess.run([sys.executable, "-m", "shishi", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_subprocess_check_on_sample_and_help():
    r = _run("--ledger", str(SAMPLE), "check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "台账无误" in r.stderr
    assert _run("--help").returncode == 0


def test_subprocess_bad_tree_exit_1_no_traceback(tree: Path):
    (tree / "赶水镇/2021.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    r = _run("--ledger", str(tree), "check")
    assert r.returncode == 1
    assert "赶水镇/2021.yaml:2:1: YAML 格式错误" in r.stdout
    assert "Traceback" not in r.stderr
