"""One language per run: the usual mistakes of each command answer in Chinese by default, in English with --lang en.

Allowed in a Chinese message: IDs, paths, option names, command lines (`shishi close ID`), the data itself and a
few words that are names (git, YAML, UTF-8). Allowed in an English one: the data (unit names, titles, vocabularies).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shishi.store.load import load
from shishi.write import items as ops

MISTAKES: list[list[str]] = [
    ["frob"],
    ["lst"],
    ["add"],
    ["add", "-u", "三居社区"],
    ["add", "-u", "三居社区", "--titl", "x"],
    ["add", "-u", "赶水", "-t", "路灯"],
    ["add", "-u", "三居社区", "-t", "路灯", "--due", "2021-13-01"],
    ["add", "-u", "三居社区", "-t", "路灯", "--budget", "0.005"],
    ["add", "-u", "三居社区", "-t", "路灯", "--budget", "很多"],
    ["add", "-u", "三居社区", "-t", "路灯", "--kind", "planet"],
    ["add", "-u", "三居社区", "-t", "路灯", "--category", "基础设"],
    ["add", "-u", "三居社区", "-t", "x" * 600],
    ["add", "-u", "三居社区", "-t", "路灯", "--format"],
    ["close"],
    ["close", "{OPEN}"],
    ["close", "{OPEN}", "-r", "修好了", "-b", "很多"],
    ["close", "{OPEN}", "-r", "修好了", "-b", "3", "--spent", "1.005"],
    ["close", "{OPEN}", "-r", "修好了", "-b", "3", "--satisfaction", "满意吧"],
    ["close", "{DONE}", "-r", "修好了", "-b", "3"],
    ["close", "GS-SJ-2021-099", "-r", "修好了", "-b", "3"],
    ["close", "abc", "-r", "修好了", "-b", "3"],
    ["verify", "{VERIFIED}"],
    ["verify", "{OPEN}"],
    ["reopen", "{OPEN}", "--reason", "返工"],
    ["progress", "{OPEN}"],
    ["progress", "{OPEN}", "-n", "x", "--date", "昨日吧"],
    ["progress", "{OPEN}", "-n", "x", "--milestone", "一期"],
    ["cancel", "{DONE}", "--reason", "重复"],
    ["escalate", "{OPEN}", "--to", "三居社区", "--reason", "x"],
    ["escalate", "{OPEN}", "--to", "赶水", "--reason", "x"],
    ["extend", "{OPEN}", "--to", "2021-13-01", "--reason", "x"],
    ["edit", "{OPEN}"],
    ["edit", "{OPEN}", "--opened", "2022-01-01"],
    ["remove", "GS-SJ-2021-099"],
    ["show", "gs-sj-2021-099"],
    ["list", "--period", "2021Q5"],
    ["list", "--unit", "三局社区"],
    ["list", "a", "b"],
    ["unit", "add", "赶水镇/新村"],
    ["unit", "add", "赶水镇", "--kind", "town"],
    ["unit", "add", "赶水镇/新村", "--kind", "village", "--code", "123"],
    ["unit", "add", "赶水镇/新村", "--kind", "hamlet"],
    ["unit", "edit", "三居社区"],
    ["unit", "edit", "三居社区", "--short", "yp"],
    ["unit", "move", "赶水镇", "赶水镇/三居社区/x"],
    ["init", "{TMP}/new", "--district", "綦江区", "--code", "50011"],
    ["supervise", "add", "-u", "三居社区", "--finding", "占道", "--deadline", "2021-11-30", "--level", "挂拍"],
    ["log", "{OPEN}"],
    ["changes", "--since", "2021-01-01"],
    ["--lang", "fr", "list"],
]

# words a Chinese message may carry: names, formats, and what the clerk types
NAMES = {"git", "YAML", "UTF", "ID", "MiB", "shishi", "yaml", "json", "csv", "text", "table", "md", "html", "xlsx", "docx", "true", "false", "zh", "en", "cancel", "reopen", "close", "reason", "unit", "list", "check", "fmt", "init", "clone"}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”]")


def _ascii_words(text: str, data: list[str]) -> list[str]:
    for d in sorted(data, key=len, reverse=True):
        text = text.replace(d, " ")
    text = re.sub(r"\S*[/\\]\S*|\S+\.yaml\S*", " ", text)  # paths
    text = re.sub(r"\b[A-Z0-9]+(?:-[A-Z0-9]+)*-\d{4}-\d+\b", " ", text)  # IDs
    text = re.sub(r"\b[A-Z0-9]+(?:-[A-Z0-9]+)+\b", " ", text)  # ID prefixes (GS-YP)
    text = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", " ", text)  # option names
    text = re.sub(r"shishi(?: [a-z-]+)+", " ", text)  # command lines
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in NAMES]


def _cjk_left(text: str, data: list[str]) -> list[str]:
    for d in sorted(data, key=len, reverse=True):
        text = text.replace(d, " ")
    return CJK.findall(text)


@pytest.fixture
def ledger(tree: Path) -> tuple[Path, dict[str, str]]:
    a = ops.add(tree, "三居社区", "楼道声控灯不亮", opened="2021-09-01", category="基础设施")
    b = ops.add(tree, "三居社区", "清理垃圾", opened="2021-09-01")
    ops.close(tree, b.id, "已清理", 12, when="2021-09-02")
    c = ops.add(tree, "三居社区", "修补路面", opened="2021-09-01")
    ops.close(tree, c.id, "已修补", 30, when="2021-09-02")
    ops.verify(tree, c.id, when="2021-09-03")
    return tree, {"{OPEN}": a.id, "{DONE}": b.id, "{VERIFIED}": c.id}


def _run(cli, tree: Path, ids: dict[str, str], tmp_path: Path, args: list[str], lang: str | None):
    argv = [ids.get(a, a).replace("{TMP}", str(tmp_path)) for a in args]
    return cli(*(["--lang", lang] if lang else []), *argv, ledger=tree)


def _data(tree: Path, args: list[str]) -> list[str]:
    """What the clerk typed and what the tree holds: unit names, titles, vocabularies."""
    ledger = load(tree)
    cfg = ledger.config
    out = [a for a in args if not a.startswith("-")]
    out += [u for u in ledger.units] + [r.name for r in ledger.records.values()] + [e.item.title for e in ledger.entries]
    out += cfg.categories + cfg.sources + [lv.name for lv in cfg.satisfaction] + [cfg.district, "一般", "重要", "紧急", "挂牌"]
    return [d for d in out if d]


@pytest.mark.parametrize("args", MISTAKES, ids=lambda a: " ".join(a)[:40])
def test_mistakes_answer_in_chinese(ledger, cli, tmp_path: Path, args):
    tree, ids = ledger
    r = _run(cli, tree, ids, tmp_path, args, None)
    assert r.exit_code in (1, 2), (args, r.output)
    assert r.stderr.strip(), args
    assert "Traceback" not in r.output
    words = _ascii_words(r.stderr, _data(tree, [ids.get(a, a) for a in args]))
    assert words == [], (args, r.stderr)


@pytest.mark.parametrize("args", [a for a in MISTAKES if a[:2] != ["--lang", "fr"]], ids=lambda a: " ".join(a)[:40])
def test_mistakes_answer_in_english_with_lang_en(ledger, cli, tmp_path: Path, args):
    tree, ids = ledger
    r = _run(cli, tree, ids, tmp_path, args, "en")
    assert r.exit_code in (1, 2), (args, r.output)
    left = _cjk_left(r.stderr, _data(tree, [ids.get(a, a) for a in args]))
    assert left == [], (args, r.stderr)


def test_suggestions(ledger, cli):
    tree, ids = ledger
    assert "您是不是要找：赶水镇" in cli("add", "-u", "赶水", "-t", "x", ledger=tree).stderr
    assert "您是不是要找：基础设施" in cli("add", "-u", "三居社区", "-t", "x", "--category", "基础设", ledger=tree).stderr
    assert ids["{OPEN}"] in cli("show", ids["{OPEN}"][:-1] + "9", ledger=tree).stderr.partition("您是不是要找：")[2]
    assert "您是不是要找：满意" in cli("close", ids["{OPEN}"], "-r", "x", "-b", "1", "--satisfaction", "满意吧", ledger=tree).stderr
    # pinyin initials find a unit when they are unique
    r = cli("list", "--unit", "sjsq", "--format", "csv", ledger=tree)
    assert r.exit_code == 0 and ids["{OPEN}"] in r.stdout
    assert "已销号，无需再次销号" in cli("verify", ids["{VERIFIED}"], ledger=tree).stderr


def test_asks_for_a_missing_value_on_a_terminal(tree: Path, monkeypatch):
    from typer.testing import CliRunner

    from shishi.cli import usage
    from shishi.cli.app import app

    monkeypatch.setattr(usage, "interactive", lambda: True)
    runner = CliRunner()
    r = runner.invoke(app, ["--ledger", str(tree), "add", "--opened", "2021-09-01"], input="三居社区\n楼道灯不亮\n")
    assert r.exit_code == 0, r.output
    assert "已登记 GS-SJ-2021-001：楼道灯不亮" in r.stdout
    assert "单位" in r.stderr and "事项名称" in r.stderr
    r = runner.invoke(app, ["--ledger", str(tree), "close", "GS-SJ-2021-001", "--date", "2021-09-02"], input="已更换\n36人次\n")
    assert r.exit_code == 0, r.output
    assert load(tree).entries[0].item.resolution.beneficiaries == 36
    # --no-input, an empty answer, or a command that does not ask: today's usage error
    r = runner.invoke(app, ["--ledger", str(tree), "--no-input", "add", "-u", "三居社区"])
    assert r.exit_code == 2 and "缺少选项 --title" in r.stderr
    r = runner.invoke(app, ["--ledger", str(tree), "add", "-u", "三居社区"], input="\n")
    assert r.exit_code == 2 and "缺少选项 --title" in r.stderr
    r = runner.invoke(app, ["--ledger", str(tree), "unit", "add", "赶水镇/新村"], input="village\n")
    assert r.exit_code == 2 and "缺少选项 --kind" in r.stderr
    monkeypatch.setattr(usage, "interactive", lambda: False)
    r = runner.invoke(app, ["--ledger", str(tree), "add", "-u", "三居社区"], input="x\n")
    assert r.exit_code == 2 and "缺少选项 --title" in r.stderr


def test_shell_completion_of_units_and_ids(ledger, tmp_path: Path):
    from typer.testing import CliRunner

    from shishi.cli.app import app

    tree, ids = ledger
    runner = CliRunner()

    def complete(words: str) -> list[str]:
        env = {"_SHISHI_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)), "SHISHI_LEDGER": str(tree)}
        r = runner.invoke(app, [], env=env, prog_name="shishi")
        return r.stdout.split()

    assert complete("shishi show gs-sj") == sorted(ids.values())
    assert complete("shishi list --unit 赶水镇/") == ["赶水镇/三居社区", "赶水镇/云品村"]
    assert complete("shishi add -u 三") == ["赶水镇/三居社区"]
    r = runner.invoke(app, ["--install-completion", "bash"], env={"HOME": str(tmp_path), "SHELL": "/bin/bash"})
    assert r.exit_code == 0 and (tmp_path / ".bash_completions" / "shishi.sh").is_file()


def _helps(lang: str) -> list[tuple[str, str]]:
    """(where, text) of every help text of the command tree as shown in `lang`."""
    import typer.main

    from shishi.cli.app import app
    from shishi.cli.usage import localize_help
    from shishi.i18n import set_lang

    set_lang(lang)
    root = typer.main.get_command(app)
    localize_help(root)
    out = []

    def walk(cmd, path: str) -> None:
        out.extend((f"{path} {getattr(o, 'name', '')}", o.help) for o in (cmd, *cmd.params) if getattr(o, "help", None))
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    walk(root, "shishi")
    set_lang("zh")
    return out


# what a Chinese help may show as it is: value lists (table|csv), commands, file kinds, placeholders, names of keys
_VALUES = re.compile(r"[A-Za-z_0-9.]+(?:\|[A-Za-z_0-9.]+)+")
_LATIN_OK = set(
    "shishi yaml YAML csv json xlsx docx html pdf md git Tab GPS EXIF CSV UTF GB18030 Excel Open311 SQL SELECT unit count FROM items GROUP BY README "
    "Speed SHISHI_LEDGER ledgers YYYY MM DD NAME QTY UNIT DATE ACTUAL ID issuer shell post merge extend cancel import setup relink check list show escalated_to title".split()
)


def test_every_help_text_is_in_one_language(cli):
    from shishi.i18n import set_lang

    _re = re
    mixed = []
    for where, text in _helps("zh"):
        words = [w for w in _re.findall(r"(?<![-$./])\b[A-Za-z][A-Za-z0-9_]+", _VALUES.sub(" ", text)) if w not in _LATIN_OK and not w.isupper()]  # upper case: codes (QJ, GS-SJ) and placeholders
        mixed += [f"{where}: {text}"] if words else []
    mixed += [f"{where}: {text}" for where, text in _helps("en") if _re.search(r"[\u4e00-\u9fff]", text)]
    assert not mixed, "\n".join(mixed)
    set_lang("zh")
    r = cli("--help")
    assert "选项：" in r.stdout and "Install completion" not in r.stdout and "为当前 shell 安装命令补全" in r.stdout


def test_install_completion_says_so_in_chinese(tmp_path: Path):
    import os
    import shutil
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("shishi")
    if not exe.exists() or not shutil.which("bash"):
        pytest.skip("needs the installed shishi script and bash")
    env = dict(os.environ, HOME=str(tmp_path))
    r = subprocess.run(["bash", "-c", f"'{exe}' --install-completion"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"已为 bash 安装命令补全：{tmp_path}/.bash_completions/shishi.sh\n重新打开终端后生效\n"
    assert "_SHISHI_COMPLETE" in (tmp_path / ".bash_completions/shishi.sh").read_text()
