"""Personal data kept out of print: masking, the free-text check, and every command run against the sample.

The acceptance test runs every command of the app (found from the Typer app
itself) in every output format against a copy of the bundled sample, with
personal data added in every free-text field too, and fails if any output,
on screen or in a written file, holds an unmasked phone or ID-card number.
A command the table below does not know fails the test: add its invocations.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from shishi.checks import privacy
from shishi.checks.rules import check
from shishi.cli.app import app
from shishi.store.load import load
from shishi.write import items as ops

# ------------------------------------------------------------------ mask and find


@pytest.mark.parametrize(
    "text, masked",
    [
        ("13812341234", "138****1234"),
        ("电话：138 1234 1234。", "电话：138 **** 1234。"),
        ("+8613812341234", "+86138****1234"),
        ("+86 138-1234-1234", "+86 138-****-1234"),
        ("１３８１２３４１２３４", "１３８****１２３４"),
        ("500110199001011234", "5001**********1234"),
        ("身份证50011019900101123x号", "身份证5001**********123x号"),
        ("500110900101123", "5001*******1123"),
        ("座机023-48612345", "座机023-****2345"),
        ("身份证500110199001011234，电话13812341234", "身份证5001**********1234，电话138****1234"),
        # the separator styles clerks type: dots, spaces, brackets, full-width
        ("138.1234.5678", "138.****.5678"),
        ("（138）1234-5678", "（138）****-5678"),
        ("(023)6123-4567", "(023)****-4567"),
        ("１３８．１２３４．５６７８", "１３８．****．５６７８"),
        ("500110 19900101 1234", "5001** ******** 1234"),
        ("500110-19900101-123X", "5001**-********-123X"),
        # not personal data: dates, amounts, region codes, item IDs, long account numbers
        ("2021.09.01 支出 1200.50 元，3.1381234567", None),
        ("2021-09-01 投资 2540000 元，区划 500110105003，GS-SJ-2021-001", None),
        ("6222021234567890123", None),
        ("12812341234", None),
    ],
)
def test_mask(text, masked):
    assert privacy.mask(text) == (masked or text)
    assert bool(privacy.find(text)) == (masked is not None)


@settings(deadline=None)  # a busy shared machine must not make it flaky
@given(st.text(alphabet=st.sampled_from("0123456789 -+X.()（）．年月日号电话１２３４５６７８９０，"), max_size=60))
def test_mask_keeps_length_and_leaves_nothing_to_find(text):
    out = privacy.mask(text)
    assert len(out) == len(text)
    assert privacy.find(out) == []
    assert [c for c, o in zip(text, out, strict=True) if c != o and o != "*"] == []


@settings(deadline=None)
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(alphabet="路灯不亮，请联系", max_size=8))
def test_every_mobile_number_is_masked(phone, words):
    assert phone not in privacy.mask(words + phone + words)
    assert privacy.mask(phone) == phone[:3] + "****" + phone[7:]


def test_mask_data_masks_every_string():
    data = {"a": ["13812341234", {"b": "x 500110199001011234"}], "n": 13812341234, "d": None}
    assert privacy.mask_data(data) == {"a": ["138****1234", {"b": "x 5001**********1234"}], "n": 13812341234, "d": None}


# ------------------------------------------------------------------ the free-text check


def test_check_warns_at_the_exact_field(tree: Path):
    a = ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01", phone="13812341234")
    ops.progress(tree, a.id, "回访张某，电话 139 1234 5678", when="2021-09-02")
    ops.close(tree, a.id, "已修复，联系人身份证500110199001011234", 3, when="2021-09-03")
    problems = [str(p) for p in check(load(tree))]
    assert problems == [
        "赶水镇/三居社区/2021.yaml:11:11: warning: progress[0].note 中有电话号码 139 **** 5678：自由文本里的个人信息无法按字段打码，请移到 reporter 中或删去",
        "赶水镇/三居社区/2021.yaml:14:11: warning: resolution.text 中有身份证号 5001**********1234：自由文本里的个人信息无法按字段打码，请移到 reporter 中或删去",
    ]
    lines = (tree / "赶水镇/三居社区/2021.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[10][10:].startswith("回访张某") and lines[13][10:].startswith("已修复")
    assert check(load(tree), strict=True)  # a warning fails --strict


def test_numbers_in_separator_styles_are_warned_about(tree: Path):
    ops.add(tree, "三居社区", "回访（138）1234-5678", opened="2021-09-01")
    ops.add(tree, "三居社区", "身份证 500110 19900101 1234", opened="2021-09-01")
    problems = [str(p) for p in check(load(tree))]
    assert [p.split(": warning: ")[1].split("：")[0] for p in problems] == ["title 中有电话号码 (138)****-5678", "title 中有身份证号 5001** ******** 1234"]


@pytest.mark.parametrize(
    "args",
    [
        ["add", "-u", "三居社区", "-t", "x", "--due", "13812345678"],
        ["show", "500110199001011234"],
        ["close", "138.1234.5678", "-r", "x", "-b", "1"],
        ["add", "-u", "（138）1234-5678", "-t", "x"],
    ],
)
def test_values_echoed_in_errors_are_masked(tree: Path, cli, args):
    """Error messages echoed the raw values typed (add --due 13812345678, show 500110199001011234)."""
    r = cli(*args, ledger=tree)
    assert r.exit_code == 1 and "****" in r.stderr, r.stderr
    assert not re.search(r"1234.?5678|19900101", r.stderr.replace("****", "")), r.stderr


def test_phone_in_the_reporter_field_is_not_a_warning(tree: Path):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01", reporter="张某", phone="13812341234")
    assert check(load(tree)) == []


# ------------------------------------------------------------------ every command, every format

PERSON_ITEM = "GS-SJ-2021-005"  # added to the copy below, open, personal data everywhere
RESOLVED = "GS-SJ-2021-003"  # resolved in the sample, reporter with a phone
ID_CARD_ITEM = "GS-SF-2021-003"  # the sample's reporter with an ID-card number

FLAG = ["supervise", "flag", "{ID}", "--level", "挂牌", "--date", "2021-10-02"]

# command path -> invocations; {FORMAT} runs once per format the --format option names,
# {ID} {RESOLVED} {IDCARD} are items, {TMP} a scratch directory, {OUT} a file the command writes
INVOCATIONS: dict[tuple[str, ...], list[list[str]]] = {
    ("init",): [["init", "{TMP}/new", "--district", "綦江区"]],
    ("unit", "add"): [["unit", "add", "赶水镇/新村", "--kind", "village", "--short", "XC"]],
    ("unit", "list"): [["unit", "list"]],
    ("unit", "edit"): [["unit", "edit", "赶水镇", "--clerk", "台账员 13600009991"], ["unit", "edit", "赶水镇", "--clerk", "陈某"]],
    ("unit", "move"): [["unit", "add", "赶水镇/新村", "--kind", "village", "--short", "XC"], ["unit", "move", "赶水镇/新村", "文龙街道/新村"]],
    ("edit",): [["edit", "{ID}", "--title", "井盖缺失，来电 13600009992", "--reason", "反映人 13600009993 补充"], ["edit", "{ID}", "--owner", "王某"]],
    ("remove",): [["add", "-u", "三居社区", "-t", "误登记 13600009994", "--opened", "2021-10-02", "--phone", "13600009995"], ["remove", "GS-SJ-2021-006"], ["remove", "{ID}"]],
    ("add",): [["add", "-u", "三居社区", "-t", "来电13600001111反映井盖缺失", "--opened", "2021-10-02", "--reporter", "钱某", "--phone", "13600001111"]],
    ("progress",): [["progress", "{ID}", "--note", "已联系 13600002222", "--date", "2021-10-05"]],
    ("close",): [["close", "{ID}", "-r", "已修复，回访 13600003333", "-b", "3", "--date", "2021-10-06"]],
    ("verify",): [["verify", "{RESOLVED}", "--date", "2021-10-06"]],
    ("reopen",): [["reopen", "{RESOLVED}", "--reason", "群众 13600004444 反映又坏了"]],
    ("cancel",): [["cancel", "{ID}", "--reason", "重复，来电 13600005555"]],
    ("escalate",): [["escalate", "{ID}", "--to", "赶水镇", "--reason", "需镇里协调 13600006666", "--date", "2021-10-07"]],
    ("show",): [["show", x, "--format", "{FORMAT}"] for x in ("{ID}", "{RESOLVED}", "{IDCARD}")],
    ("list",): [["list", "--format", "{FORMAT}"], ["list", "--unit", "赶水镇", "--overdue", "--as-of", "2021-12-31", "--format", "{FORMAT}"]],
    ("check",): [["check"], ["check", "--strict"]],
    ("fmt",): [["fmt", "--check"], ["fmt"]],
    ("import",): [["import", "{SHEET}", "--unit", "赶水镇/石房村"], ["import", "{SHEET}", "--unit", "石房村", "--dry-run", "--skip-bad"]],
    ("export",): [["export", "--format", "{FORMAT}", "-o", "{OUT}"], ["export", "--unit", "赶水镇", "--format", "{FORMAT}"]],
    # the commands of the other areas; several invocations of one command run in turn on the same copy
    ("rollup",): [["rollup", "--format", "{FORMAT}"], ["rollup", "赶水镇", "--period", "2021", "--format", "{FORMAT}"]],
    ("report",): [["report", "--format", "{FORMAT}", "-o", "{OUT}"], ["report", "赶水镇", "--format", "{FORMAT}"]],
    ("attach",): [["attach", "{ID}", "{PHOTO}", "--caption", "何某家门口 13600008888", "--stage", "改造前"]],
    ("detach",): [["attach", "{ID}", "{PHOTO}", "--caption", "何某家门口 13600008888"], ["detach", "{ID}", "1", "--reason", "拍到了门牌和电话 13600009999"]],
    ("scores",): [["scores", "--format", "{FORMAT}"]],
    ("due",): [["due", "--as-of", "2021-10-02", "--within", "30", "--format", "{FORMAT}"], ["due", "--format", "{FORMAT}"]],
    ("extend",): [["extend", "{ID}", "--to", "2022-03-01", "--reason", "群众 13600007777 要求延期", "--date", "2021-10-03"]],
    ("supervise", "add"): [["supervise", "add", "-u", "三居社区", "--finding", "市场占道经营，举报人 13600010000", "--deadline", "2021-11-30", "--date", "2021-10-01"]],
    ("supervise", "flag"): [FLAG],
    ("supervise", "feedback"): [FLAG, ["supervise", "feedback", "{ID}", "--note", "已整改，联系 13600010001", "--date", "2021-10-03"]],
    ("supervise", "return"): [FLAG, ["close", "{ID}", "-r", "已修复", "-b", "1", "--date", "2021-10-04"], ["supervise", "return", "{ID}", "--reason", "未整改到位 13600010002", "--date", "2021-10-05"]],
    ("supervise", "list"): [FLAG, ["supervise", "list", "--all", "--as-of", "2021-12-31", "--format", "{FORMAT}"]],
    ("survey", "add"): [["survey", "add", "-u", "三居社区", "--quarter", "2021Q4", "--agency", "某调查公司", "--count", "很满意=10,满意=5", "--date", "2021-12-01"]],
    ("survey", "list"): [["survey", "list", "--format", "{FORMAT}"]],
    ("query",): [["query", "SELECT * FROM items"]],
    ("template",): [["template", "-o", f"{{TMP}}/{kind}.xlsx", "--unit", "三居社区", "--kind", kind] for kind in ("demand", "project", "rectification")],
    ("log",): [["close", "{ID}", "-r", "已修复 13600003333", "-b", "1", "--date", "2021-10-06", "--commit"], ["log", "{ID}", "--format", "{FORMAT}"], ["log", "{RESOLVED}"]],
    ("changes",): [["progress", "{ID}", "--note", "回访 13600008888", "--date", "2021-10-03", "--commit"], ["cancel", "{ID}", "--reason", "重复 13600008889"], ["changes", "--since", "HEAD~1", "--format", "{FORMAT}"]],
    ("git", "setup"): [["git", "setup"]],
    ("sync",): [["progress", "{ID}", "--note", "回访 13600009996", "--date", "2021-10-03"], ["sync"]],
    ("git", "relink"): [["git", "relink"]],
    ("merge-driver",): [["merge-driver", "{BASE}", "{OURS}", "{THEIRS}", "赶水镇/三居社区/2021.yaml"]],
}


def _command_paths() -> list[tuple[str, ...]]:
    import typer.main

    out = []

    def walk(cmd, prefix):
        if getattr(cmd, "commands", None):
            for name, sub in cmd.commands.items():
                walk(sub, prefix + (name,))
        else:
            out.append(prefix)

    walk(typer.main.get_command(app), ())
    return out


def _command(path: tuple[str, ...]):
    import typer.main

    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    return cmd


def _formats(path: tuple[str, ...]) -> list[str]:
    """The formats a command's --format option offers: its choices, or the a|b|c its help names."""
    for p in _command(path).params:
        if "--format" in getattr(p, "opts", []):
            choices = getattr(getattr(p, "type", None), "choices", None)
            if choices:
                return list(choices)
            m = re.search(r"[a-z0-9]+(?:\\?\|[a-z0-9]+)+", p.help or "")
            assert m, f"{' '.join(path)} --format help names no formats"
            return m.group(0).replace("\\", "").split("|")
    return []


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the bundled sample with personal data in every free-text field of one more item, in git."""
    root = tmp_path / "ledgers"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".shishi"))
    a = ops.add(root, "三居社区", "何某来电13912345678反映楼道漏水", description="身份证500110198807071234，住3栋", opened="2021-10-01", reporter="何某", phone="+86 139 8765 4321")
    assert a.id == PERSON_ITEM
    ops.progress(root, a.id, "已联系何某 139-1111-2222 约定上门", when="2021-10-02")

    def id_card(item, _ledger):
        item.reporter.id_card = "50011019880707123X"
        return item

    ops.modify(root, a.id, id_card)
    if shutil.which("git"):
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
        subprocess.run([*git, "init", "-q"], cwd=root, check=True)
        subprocess.run([*git, "add", "-A"], cwd=root, check=True)
        subprocess.run([*git, "commit", "-qm", "sample"], cwd=root, check=True)
    return root


def _sheet(path: Path) -> Path:
    """A clerk's sheet with phones and an ID number, one row bad (its bad date is a phone number)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "事项", "登记日期", "完成时限", "反映人", "联系电话", "身份证号"])
    ws.append([1, "孙某13711112222反映水管爆裂", "2021-10-01", "2021-10-08", "孙某", "13711112222", "500110197512121234"])
    ws.append([2, "周某反映", "2021-10-01", "13733334444", "周某", "13733334444", None])
    wb.save(path)
    return path


def _photo(path: Path) -> Path:
    """A phone picture whose EXIF names its owner and a phone number."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B], exif[0x010E] = "何某 13912345678", "13912345678"  # Artist, ImageDescription
    Image.new("RGB", (320, 240), (200, 180, 160)).save(path, "JPEG", exif=exif)
    return path


def _merge_file(root: Path, tmp: Path, which: str) -> Path:
    """The versions of a ledger file for the merge driver: both sides rewrite the same progress note, with phones."""
    text = (root / "赶水镇/三居社区/2021.yaml").read_text(encoding="utf-8")
    edits = {"{BASE}": "约定上门", "{OURS}": "约定上门，电话13600009999", "{THEIRS}": "约定周六上门，电话13600009998"}
    path = tmp / which.strip("{}").lower()
    path.write_text(text.replace("约定上门", edits[which]), encoding="utf-8")
    return path


def _secrets(root: Path) -> set[str]:
    """Every phone and ID-card number in the tree's files, as digits."""
    found = set()
    for p in root.rglob("*.yaml"):
        text = p.read_text(encoding="utf-8")
        for m in re.finditer(r"[+\d][\d\- ]*[\dXx]", text):
            digits = re.sub(r"[^\dXx]", "", m.group(0))
            if re.fullmatch(r"(86)?1[3-9]\d{9}|\d{17}[\dXx]", digits):
                found.add(digits[-11:] if len(digits) == 13 else digits)
    return found


def _stdout_text(r, tmp: Path) -> str:
    """What a command printed; a PDF (report --format pdf, piped) read as text."""
    if not r.stdout_bytes.startswith(b"%PDF"):
        return r.stdout
    path = tmp / "stdout.pdf"
    path.write_bytes(r.stdout_bytes)
    return _file_text(path)


def _file_text(path: Path) -> str:
    if path.suffix == ".pdf":  # printed from the HTML (checked itself) when a browser is on PATH; read as text where pdftotext is
        if not shutil.which("pdftotext"):
            return ""
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    if path.suffix == ".docx":
        from docx import Document

        doc = Document(path)
        cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in doc.paragraphs] + cells + [doc.core_properties.title or "", doc.core_properties.author or ""])
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    return path.read_bytes().decode("utf-8-sig", errors="replace")


HEX_RE = re.compile(r"(?<![0-9A-Za-z])(?=[0-9]*[a-f])[0-9a-f]{7,40}(?![0-9A-Za-z])")


def _leaks(text: str, secrets: set[str]) -> list[str]:
    """Known numbers found in the text (however spaced), and any unmasked phone or ID-card number.

    Git's commit hashes (hex with at least one letter a-f, as `log` and `changes` print them) are left out
    first: a run of digits inside one is chance, not a phone number, and no phone or ID number has a-f in it."""
    text = HEX_RE.sub(" ", text)
    found = set()
    for run in re.findall(r"[\dXx]{11,}", re.sub(r"[\s\-+]", "", text)):
        found |= {run[i : i + n] for n in (11, 15, 18) for i in range(len(run) - n + 1)} & secrets
    return sorted(found) + [n for _k, n in privacy.find(text)]


def _expand(path: tuple[str, ...], template: list[str], root: Path, tmp: Path) -> list[tuple[list[str], Path | None]]:
    formats = _formats(path) if "{FORMAT}" in template else [None]
    runs = []
    for n, fmt in enumerate(formats):
        out = tmp / f"out{n}.{fmt or 'txt'}"
        args = []
        for a in template:
            a = a.replace("{FORMAT}", fmt or "").replace("{OUT}", str(out)).replace("{TMP}", str(tmp))
            a = a.replace("{ID}", PERSON_ITEM).replace("{RESOLVED}", RESOLVED).replace("{IDCARD}", ID_CARD_ITEM)
            if a == "{SHEET}":
                a = str(_sheet(tmp / "sheet.xlsx"))
            elif a == "{PHOTO}":
                a = str(_photo(tmp / "IMG_0001.jpg"))
            elif a in ("{BASE}", "{OURS}", "{THEIRS}"):
                a = str(_merge_file(root, tmp, a))
            args.append(a)
        if fmt == "xlsx" and "{OUT}" not in template:
            continue  # a workbook needs a file; the run with -o covers it
        runs.append((args, out if "{OUT}" in template else None))
    return runs


REPORTS = ("export", "report", "rollup")  # outputs that leave reporters' names out too


def _reporter_only_names(root: Path) -> set[str]:
    """Reporters' names that appear nowhere else in the items (so any appearance is the reporter field's)."""
    from shishi.store.model import item_to_data

    entries = load(root).entries
    names = {e.item.reporter.name for e in entries if e.item.reporter and e.item.reporter.name}
    elsewhere = str([{k: v for k, v in item_to_data(e.item).items() if k != "reporter"} for e in entries])
    return {n for n in names if n not in elsewhere}


def test_every_command_is_in_the_table():
    missing = [" ".join(p) for p in _command_paths() if p not in INVOCATIONS]
    assert not missing, f"add these commands to INVOCATIONS in tests/test_privacy.py: {missing}"


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p))
def test_no_command_prints_personal_data(path, sample: Path, tmp_path: Path, cli):
    if path not in INVOCATIONS:
        pytest.fail(f"no invocation of `shishi {' '.join(path)}` in INVOCATIONS")
    secrets = _secrets(sample) | {f"136000{n:05d}" for n in range(100000)} | {"13711112222", "13733334444", "500110197512121234"}
    assert {"13912345678", "13987654321", "50011019880707123X", "500110198807071234", "500110194803021526"} <= secrets
    names = _reporter_only_names(sample) if path[0] in REPORTS else set()
    codes = []
    for template in INVOCATIONS[path]:
        for args, out in _expand(path, template, sample, tmp_path):
            r = cli(*args, ledger=sample)
            assert r.exit_code in (0, 1), (args, r.output)
            codes.append(r.exit_code)
            assert "Traceback" not in r.output
            texts = [_stdout_text(r, tmp_path), r.stderr] + ([_file_text(out)] if out and out.exists() else [])
            for text in texts:
                assert _leaks(text, secrets) == [], (args, text[:2000])
                assert [n for n in names if n in text] == [], (args, "reporters' names in a report")
    assert 0 in codes, f"no invocation of `shishi {' '.join(path)}` succeeded: the table is out of date"


@pytest.mark.parametrize(
    "args, shown",
    [
        (["show", ID_CARD_ITEM, "--reveal"], "500110194803021526"),
        (["show", PERSON_ITEM, "--format", "json", "--reveal"], "13912345678"),
        (["list", "--format", "json", "--reveal"], "13912345678"),
        (["export", "--format", "json", "--reveal"], "50011019880707123X"),
        (["export", "--format", "csv", "--reveal"], "何某"),
    ],
)
def test_reveal_shows_it(sample: Path, cli, args, shown):
    """The masking above is real: the same data prints with --reveal."""
    r = cli(*args, ledger=sample)
    assert r.exit_code == 0 and shown in r.stdout


def test_reporters_names_left_out_of_exports(sample: Path, cli):
    only_reporters = _reporter_only_names(sample)
    assert len(only_reporters) >= 5
    for fmt in ("csv", "json", "open311"):
        out = cli("export", "--format", fmt, ledger=sample).stdout
        assert [n for n in only_reporters if n in out] == [], fmt
    assert all(n in cli("export", "--format", "csv", "--reveal", ledger=sample).stdout for n in only_reporters)
