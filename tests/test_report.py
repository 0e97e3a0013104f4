"""The summary report: official numbers, schedule state, the document, each renderer, golden files, and `shishi report`."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wcwidth import wcswidth

from conftest import ROOT, SAMPLE
from shishi.figures.report import build_report, official_number, report_as_of, schedule_state, state_at
from shishi.figures.table import Column, Table
from shishi.i18n import set_lang
from shishi.render.report import render_report
from shishi.render.table import text_table, wrap
from shishi.store.load import load
from shishi.store.model import Item
from shishi.values import parse_period
from shishi.write import items as ops

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SHISHI_UPDATE_GOLDEN") == "1"
ARGS = ("--period", "2021", "--as-of", "2021-11-30")


# ------------------------------------------------------------------ pure functions


@pytest.mark.parametrize(
    "n, unit, text",
    [
        (0, "件", "0件"),
        (7, "件", "7件"),
        (36, "人次", "36人次"),
        (100, "件", "100件"),
        (999, "件", "999件"),
        (1000, "件", "1000件"),
        (1001, "件", "1000余件"),
        (1099, "件", "1000余件"),
        (7300, "件", "7300件"),
        (7312, "件", "7300余件"),
        (9999, "件", "9900余件"),
        (10000, "", "1万"),
        (10001, "件", "1万余件"),
        (10999, "件", "1万余件"),
        (11000, "件", "1.1万件"),
        (12000, "", "1.2万"),
        (12999, "", "1.2万"),
        (99999, "人次", "9.9万人次"),
        (100000, "人次", "10万人次"),
        (161234, "人次", "16.1万人次"),
        (99_999_999, "", "9999.9万"),
        (100_000_000, "", "1亿"),
        (100_000_001, "", "1亿余"),
        (123_456_789, "元", "1.2亿元"),
    ],
)
def test_official_number(n, unit, text):
    assert official_number(n, unit) == text


def test_official_number_refuses_negative():
    with pytest.raises(ValueError):
        official_number(-1)


@given(st.integers(0, 10**12))
def test_official_number_never_overstates(n):
    """The figure quoted is never above the true one (rounded down), and 余 appears only when something was dropped."""
    text = official_number(n)
    m = re.fullmatch(r"(\d+(?:\.\d)?)(万|亿)?(余)?", text)
    assert m, text
    value = float(m.group(1)) * {None: 1, "万": 10**4, "亿": 10**8}[m.group(2)]
    assert value <= n + 1e-6
    if m.group(3):
        assert value < n
    elif m.group(2) is None:
        assert value == n


def test_report_as_of():
    q3 = parse_period("2021Q3")
    assert report_as_of(None, None, today=date(2021, 8, 1)) == date(2021, 8, 1)
    assert report_as_of(q3, None, today=date(2021, 12, 1)) == date(2021, 9, 30)
    assert report_as_of(q3, None, today=date(2021, 8, 1)) == date(2021, 8, 1)
    assert report_as_of(q3, date(2021, 8, 15), today=date(2022, 1, 1)) == date(2021, 8, 15)


def _item(**kw) -> Item:
    base = {"id": "QJ-2021-001", "title": "事项", "opened": date(2021, 3, 1), "due": date(2021, 6, 30)}
    return Item.model_validate(base | kw)


def test_schedule_state():
    d = date
    assert schedule_state(_item(), d(2021, 5, 1)) == "on_time"
    assert schedule_state(_item(), d(2021, 6, 27)) == "due_soon"
    assert schedule_state(_item(), d(2021, 6, 30)) == "due_soon"
    assert schedule_state(_item(), d(2021, 7, 1)) == "overdue"
    assert schedule_state(_item(), d(2021, 6, 20), due_soon_days=10) == "due_soon"
    late_step = _item(milestones=[{"name": "开工", "due": d(2021, 4, 1)}])
    assert schedule_state(late_step, d(2021, 4, 2)) == "behind"
    assert schedule_state(_item(milestones=[{"name": "开工", "due": d(2021, 4, 1), "done": d(2021, 3, 30)}]), d(2021, 4, 2)) == "on_time"
    res = {"date": d(2021, 6, 1), "text": "完成", "beneficiaries": 1}
    assert schedule_state(_item(status="resolved", resolution=res), d(2021, 12, 1)) == "ahead"
    assert schedule_state(_item(status="resolved", resolution=res | {"date": d(2021, 6, 30)}), d(2021, 12, 1)) == "on_time"
    assert schedule_state(_item(status="resolved", resolution=res | {"date": d(2021, 7, 5)}), d(2021, 12, 1)) == "overdue"
    # resolved after the as-of date: still in hand then
    assert schedule_state(_item(status="resolved", resolution=res | {"date": d(2021, 7, 5)}), d(2021, 7, 2)) == "overdue"
    # in hand, the working deadline counts; resolved, an unapproved extension does not move the deadline it is judged by
    ext = [{"date": d(2021, 6, 25), "original": d(2021, 6, 30), "to": d(2021, 8, 31), "reason": "雨季"}]
    assert schedule_state(_item(due=d(2021, 8, 31), extensions=ext), d(2021, 7, 10)) == "on_time"
    late = res | {"date": d(2021, 7, 10)}
    assert schedule_state(_item(due=d(2021, 8, 31), extensions=ext, status="resolved", resolution=late), d(2021, 9, 1)) == "overdue"
    assert schedule_state(_item(due=d(2021, 8, 31), extensions=[ext[0] | {"approved_by": "区办"}], status="resolved", resolution=late), d(2021, 9, 1)) == "ahead"
    assert schedule_state(_item(due=None), d(2021, 7, 10)) is None
    assert schedule_state(_item(status="cancelled", cancellation={"date": d(2021, 3, 2), "reason": "重复"}), d(2021, 7, 1)) is None


def test_state_at():
    res = {"date": date(2021, 6, 1), "text": "完成", "beneficiaries": 1}
    item = _item(status="verified", resolution=res, verification={"date": date(2021, 6, 10)}, progress=[{"date": date(2021, 5, 1), "note": "开工"}])
    assert [state_at(item, date(2021, m, d)) for m, d in ((4, 1), (5, 2), (6, 5), (6, 10))] == ["open", "in_progress", "resolved", "verified"]


def test_wrap_keeps_width_and_closing_marks():
    text = "修建人行便道3000米、生产便道850米，群众出行和经果运输方便了。Road 12 done."
    for limit in range(4, 40):
        lines = wrap(text, limit)
        assert all(wcswidth(x) <= limit for x in lines), limit
        assert all(x[:1] not in "，。、" for x in lines), lines
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert wrap("满意率96.7%。", 8) == ["满意率", "96.7%。"]


CJK = st.text(alphabet=st.sampled_from(list("街道社区村镇办结登记，。、（）") + list("abcXYZ0123456789-. ")), max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(CJK, st.integers(0, 10**6), CJK), min_size=1, max_size=6), st.integers(30, 140))
def test_text_tables_align_whatever_the_content(rows, page):
    t = Table("t", "表", [Column("name", "名称"), Column("n", "件数", "int"), Column("latest", "最新进展")], [list(r) for r in rows])
    parts = text_table(t, page).split("\n\n")  # a table too wide for the page is printed in parts
    for part in parts:
        lines = part.splitlines()
        assert len({wcswidth(x) for x in lines}) == 1, lines
        assert wcswidth(lines[0]) <= max(page, 3 * 2 + 1 + 6 + 8)  # fits the page unless two columns' floors are wider
    assert all(str(n) in "".join(parts) for _a, n, _b in rows)  # every number whole


# ------------------------------------------------------------------ the document on the sample district


@pytest.fixture(scope="module")
def sample_report():
    set_lang("zh")
    return build_report(load(SAMPLE), "", parse_period("2021"), date(2021, 11, 30))


def test_headline_in_official_style(sample_report):
    h = sample_report.headline
    assert h.startswith("截至2021年11月30日，全区共登记群众急难愁盼问题")
    assert re.search(r"已解决\d+件，惠及群众[\d.]+万?人次；\d+项民生实事项目中，已完成\d+项", h)
    assert h.endswith("。") and "群众满意率" in h


def test_sections_and_tables(sample_report):
    keys = [s.key for s in sample_report.sections]
    assert keys == ["headline", "projects", "units", "kinds", "categories", "supervision", "scores", "targets", "funds", "satisfaction"]
    projects = sample_report.sections[1].table
    assert [c.title for c in projects.columns] == ["序号", "项目名称", "责任单位", "配合单位", "完成时限", "状态", "序时", "最新进展"]
    assert all(r[6] in ("提前", "按期", "临期", "逾期", "慢序时", "") for r in projects.rows)
    # each project under the unit whose ledger holds it; the district's own ledger by its one name
    assert {r[2] for r in projects.rows} <= {"区本级", "永新镇", "永新镇云品村", "赶水镇", "赶水镇三居社区", "文龙街道", "通惠街道", "三角镇", "隆盛镇"}
    units = sample_report.sections[2].table
    ranked = [r for r in units.rows if r[0] is not None]
    assert [r[0] for r in ranked] == sorted(r[0] for r in ranked) and ranked[0][0] == 1
    # the 合计 row is the sum of the rows, own items included
    keys = [c.key for c in units.columns]
    for k in ("carried_in", "registered", "cancelled", "resolved", "in_hand", "caseload", "overdue", "beneficiaries"):
        i = keys.index(k)
        assert units.total[i] == sum(r[i] for r in units.rows)
    for row in units.rows + [units.total]:  # 办结率 = 办结 ÷ 应办, both printed beside it
        r = dict(zip(keys, row, strict=True))
        assert r["resolution_rate"] == (round(r["resolved"] / r["caseload"], 4) if r["caseload"] else None) and r["caseload"] == r["resolved"] + r["in_hand"]
    by_key = {s.key: s for s in sample_report.sections}
    sup = by_key["supervision"].table
    assert any(r[4] == "挂牌" for r in sup.rows) and all(r[6] is None or r[6] > 0 for r in sup.rows)
    sat = by_key["satisfaction"].table
    scores = by_key["scores"].table
    assert [r[0] for r in scores.rows if r[0] is not None] == [1, 2, 3, 4] and by_key["scores"].paragraphs[0].startswith("红榜（可排名的单位 4 个，各列 2 名）：")
    assert sat.total[2] == sum(r[2] for r in sat.rows) and 0 < sat.total[-2] <= 1


def test_report_of_a_town_and_an_empty_tree(tree: Path):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01", due="2021-09-08")
    doc = build_report(load(tree), "赶水镇", parse_period("2021"), date(2021, 11, 30))
    assert doc.title.startswith("赶水镇") and "全镇共登记群众急难愁盼问题1件，已解决0件" in doc.headline
    assert "逾期未办结1件" in doc.headline
    assert [r[1] for r in doc.sections[2].table.rows] == ["三居社区", "云品村", "赶水镇本级"]
    leaf = build_report(load(tree), "赶水镇/三居社区", None, date(2021, 11, 30))
    assert "units" not in [s.key for s in leaf.sections] and "全社区共登记群众急难愁盼问题1件" in leaf.headline
    empty = build_report(load(tree), "文龙街道", None, date(2021, 11, 30))
    for fmt in ("terminal", "text", "md", "html", "xlsx", "json"):
        assert render_report(empty, fmt)
    assert "本期没有民生实事项目" in render_report(empty, "text")


def test_personal_data_never_printed(tree: Path, cli):
    item = ops.add(tree, "三居社区", "张某反映楼道灯坏 电话13812345678", opened="2021-09-01", reporter="张三丰", phone="13812345678")
    ops.progress(tree, item.id, "已联系13812345678，身份证500101199001011234", when="2021-09-02")
    ops.add(tree, "三居社区", "小区改造", kind="project", opened="2021-09-01", reporter="李四光", phone="13900001111")
    for fmt in ("text", "md", "html", "json", "terminal"):
        out = cli("report", "--as-of", "2021-11-30", "-f", fmt, ledger=tree).stdout
        for secret in ("张三丰", "李四光", "13812345678", "13900001111", "500101199001011234"):
            assert secret not in out, (fmt, secret)
    assert "138****5678" in cli("report", "--as-of", "2021-11-30", "-f", "text", ledger=tree).stdout


def test_sample_reports_carry_no_reporter(cli):
    ledger = load(SAMPLE)
    secrets = {x for e in ledger.entries if e.item.reporter for x in (e.item.reporter.name, e.item.reporter.phone) if x}
    assert secrets
    for fmt in ("text", "json", "html"):
        out = cli("report", *ARGS, "-f", fmt, ledger=SAMPLE).stdout
        assert not [s for s in secrets if s in out], fmt


# ------------------------------------------------------------------ renderers


def _table_blocks(text: str) -> list[list[str]]:
    blocks, cur = [], []
    for line in text.splitlines():
        if line and line[0] in "+|":
            cur.append(line)
        elif cur:
            blocks.append(cur)
            cur = []
    return blocks + ([cur] if cur else [])


def test_text_report_tables_align(cli):
    out = cli("report", *ARGS, "-f", "text", ledger=SAMPLE).stdout
    blocks = _table_blocks(out)
    assert len(blocks) == 9
    for b in blocks:
        assert len({wcswidth(x) for x in b}) == 1, b[0]
        assert wcswidth(b[0]) <= 120
    rolled = cli("rollup", *ARGS, "-f", "text", ledger=SAMPLE).stdout
    for b in _table_blocks(rolled):
        assert len({wcswidth(x) for x in b}) == 1


def test_html_is_one_self_contained_print_ready_file(cli, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    r = cli("report", *ARGS, "-o", out / "报告.html", ledger=SAMPLE)
    assert r.exit_code == 0 and "已写入" in r.stderr
    assert [p.name for p in out.iterdir()] == ["报告.html"]
    page = (out / "报告.html").read_text(encoding="utf-8")
    low = page.lower()
    for ref in ("http:", "https:", "<link", "<script", "src=", "url(", "@import", "<iframe", "<object", "<embed"):
        assert ref not in low, ref
    assert re.findall(r'(?:href|src)\s*=\s*"(?!#)', low) == []
    assert "@page" in page and "A4" in page and "<svg" in page and page.count("<table>") == 9
    assert "<rect" in page  # the bars


def _xlsx(data: bytes):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data))


def test_xlsx_numbers_are_numbers(cli, tmp_path: Path, sample_report):
    path = tmp_path / "r.xlsx"
    assert cli("report", *ARGS, "-o", path, ledger=SAMPLE).exit_code == 0
    wb = _xlsx(path.read_bytes())
    assert wb.sheetnames[0] == "摘要" and len(wb.sheetnames) == 1 + len(sample_report.tables())
    assert wb["摘要"]["A4"].value == sample_report.headline
    numeric = 0
    for t, ws in zip(sample_report.tables(), wb.worksheets[1:], strict=True):
        assert [c.value for c in ws[1]] == [c.title for c in t.columns]
        for row in ws.iter_rows(min_row=2, max_row=1 + len(t.rows) + (t.total is not None)):
            for c, col in zip(row, t.columns, strict=True):
                if c.value is None:
                    continue
                if col.type in ("int", "money", "rate", "qty", "score"):
                    assert isinstance(c.value, (int, float)) and c.data_type == "n", (ws.title, c.coordinate, c.value)
                    numeric += 1
                elif col.type == "date":
                    assert isinstance(c.value, datetime)
    assert numeric > 100
    units = wb.worksheets[1 + [t.key for t in sample_report.tables()].index("units")]
    total = next([c.value for c in row] for row in units.iter_rows() if row[1].value == "合计")  # the note may follow it
    assert total[1] == "合计" and total[2] == sample_report.sections[2].table.total[2]
    assert units.cell(row=2, column=9).number_format == "0.0%"


def test_xlsx_never_to_a_terminal_but_to_a_pipe():
    import pty

    cmd = [sys.executable, "-m", "shishi", "--ledger", str(SAMPLE), "report", *ARGS, "-f", "xlsx"]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    leader, follower = pty.openpty()
    try:
        r = subprocess.run(cmd, stdout=follower, stderr=subprocess.PIPE, env=env, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    assert r.returncode == 1 and "-o" in r.stderr.decode() and "xlsx" in r.stderr.decode()
    r = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout[:2] == b"PK"
    assert _xlsx(r.stdout).sheetnames[0] == "摘要"


def test_output_format_from_suffix_or_option(cli, tmp_path: Path):
    assert cli("report", *ARGS, "-o", tmp_path / "a.md", ledger=SAMPLE).exit_code == 0
    assert (tmp_path / "a.md").read_text(encoding="utf-8").startswith("# 綦江区")
    assert cli("report", *ARGS, "-o", tmp_path / "a.json", ledger=SAMPLE).exit_code == 0
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["as_of"] == "2021-11-30"
    assert cli("report", *ARGS, "-f", "text", "-o", tmp_path / "a.html", ledger=SAMPLE).exit_code == 0
    assert (tmp_path / "a.html").read_text(encoding="utf-8").lstrip().startswith("綦江区")
    r = cli("report", *ARGS, "-o", tmp_path / "a.doc", ledger=SAMPLE)  # a suffix that names no format
    assert r.exit_code == 2 and not (tmp_path / "a.doc").exists()
    assert cli("report", "-f", "csv", ledger=SAMPLE).exit_code == 2
    r = cli("report", *ARGS, "-f", "md", "-o", tmp_path, ledger=SAMPLE)
    assert r.exit_code == 1 and "目录" in r.stderr


def test_default_as_of_is_the_end_of_a_past_period(cli):
    out = cli("report", "--period", "2021Q3", "-f", "json", ledger=SAMPLE).stdout
    assert json.loads(out)["as_of"] == "2021-09-30"


def test_english(cli):
    r = cli("--lang", "en", "report", *ARGS, "-f", "text", ledger=SAMPLE)
    assert r.exit_code == 0 and "As of 2021-11-30" in r.stdout and "Livelihood projects" in r.stdout


def test_subprocess_report_to_file(tmp_path: Path):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    r = subprocess.run([sys.executable, "-m", "shishi", "-L", str(SAMPLE), "report", *ARGS, "-o", str(tmp_path / "r.html")], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and "Traceback" not in r.stderr
    assert (tmp_path / "r.html").stat().st_size > 10_000


# ------------------------------------------------------------------ golden files


def xlsx_dump(data: bytes) -> str:
    """The workbook's cells (values and number formats) as JSON, for comparing: the zip itself carries timestamps."""
    wb = _xlsx(data)
    lines = []
    for ws in wb.worksheets:
        lines.append(f"== {ws.title}")
        for row in ws.iter_rows():
            cells = [None if c.value is None else [c.value.isoformat() if isinstance(c.value, datetime) else c.value, c.number_format] for c in row]
            lines.append(json.dumps(cells, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {name}: run SHISHI_UPDATE_GOLDEN=1 pytest tests/test_report.py"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from the golden file (if the change is intended: SHISHI_UPDATE_GOLDEN=1)"


@pytest.mark.parametrize("fmt, name", [("terminal", "report.terminal.txt"), ("text", "report.txt"), ("md", "report.md"), ("html", "report.html"), ("json", "report.json")])
def test_golden_report(cli, fmt, name):
    r = cli("report", *ARGS, "-f", fmt, ledger=SAMPLE)
    assert r.exit_code == 0, r.stderr
    check_golden(name, r.stdout)


def test_golden_report_xlsx(cli, tmp_path: Path):
    assert cli("report", *ARGS, "-o", tmp_path / "r.xlsx", ledger=SAMPLE).exit_code == 0
    check_golden("report.xlsx.json", xlsx_dump((tmp_path / "r.xlsx").read_bytes()))


@pytest.mark.parametrize("fmt, name", [("table", "rollup.table.txt"), ("text", "rollup.txt"), ("md", "rollup.md"), ("csv", "rollup.csv"), ("json", "rollup.json")])
def test_golden_rollup(cli, fmt, name):
    r = cli("rollup", *ARGS, "-f", fmt, ledger=SAMPLE)
    assert r.exit_code == 0, r.stderr
    check_golden(name, r.stdout)


def test_report_over_a_ledger_with_problems_says_so(tree: Path, cli):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    (tree / "文龙街道/2021.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    r = cli("report", "--as-of", "2021-11-30", "-f", "text", ledger=tree)
    assert r.exit_code == 1 and "文龙街道/2021.yaml:2:1:" in r.stderr and r.stdout == ""
    r = cli("report", "--as-of", "2021-11-30", "-f", "text", "--allow-incomplete", ledger=tree)
    assert r.exit_code == 0 and "【数据不完整】" in r.stdout and "登记群众急难愁盼问题1件" in r.stdout
    # the town's report does not read 文龙街道's files
    assert cli("report", "赶水镇", "--as-of", "2021-11-30", "-f", "text", ledger=tree).exit_code == 0


def test_printed_overdue_list_is_capped_with_a_note(tree: Path):
    from shishi.figures import report as rep

    root_file = tree / "2021.yaml"
    root_file.write_text(
        "".join(f"- id: QJ-2021-{i:03d}\n  title: 问题{i}\n  opened: 2021-03-01\n  due: 2021-04-{1 + i % 28:02d}\n\n" for i in range(1, rep.LISTED + 8)),
        encoding="utf-8",
    )
    doc = build_report(load(tree), "", parse_period("2021"), date(2021, 11, 30))
    sup = {s.key: s for s in doc.sections}["supervision"].table
    assert len(sup.rows) == rep.LISTED and "另有 7 件，详见附表" in sup.note
    assert [r[6] for r in sup.rows] == sorted((r[6] for r in sup.rows), reverse=True)  # the longest overdue first
    full = build_report(load(tree), "", parse_period("2021"), date(2021, 11, 30), full=True)
    assert len({s.key: s for s in full.sections}["supervision"].table.rows) == rep.LISTED + 7


def _headline_numbers(headline: str) -> list[str]:
    text = re.sub(r"截至\d{4}年\d{1,2}月\d{1,2}日", "", headline)
    return re.findall(r"\d+(?:\.\d+)?(?:%|万余|亿余|万|亿|余)?", text)


def test_every_number_of_the_headline_stands_in_a_table(cli):
    """上报摘要 = tables: each number of the text report's headline is a cell of one of its tables (large ones by the official rounding)."""
    from shishi.figures.report import official_number
    from shishi.render.table import cell

    text = cli("report", *ARGS, "-f", "text", ledger=SAMPLE).stdout
    para = text.split("上报摘要", 1)[1].split("一、", 1)[0]
    headline = "".join(line.strip().lstrip("　") for line in para.splitlines())
    doc = build_report(load(SAMPLE), "", parse_period("2021"), date(2021, 11, 30))
    assert headline == doc.headline
    cells, values = set(), set()
    for t in doc.tables():
        for row in t.rows + ([t.total] if t.total else []):
            for v, c in zip(row, t.columns, strict=True):
                cells.add(cell(v, c.type))
                if v is not None and c.type in ("int", "money"):
                    values.add(int(v * 10000) if c.type == "money" else int(v))  # money columns are in 万元
    numbers = _headline_numbers(doc.headline)
    assert len(numbers) >= 10, numbers
    for n in numbers:
        if n.endswith("%"):
            assert n in cells, n
        elif not n.isdigit() or int(n) >= 1000:
            assert any(official_number(v) == n for v in values), n  # e.g. 2.3万 from 23720, 1285.1万 from 1,285.10 万元
        else:
            assert n in cells, n
    # the phrase of the projects' states is the projects table's 合计 row; the investment names its subset
    assert any(s in cells for s in re.findall(r"已完成\d+项[^，；]*", doc.headline))
    assert "民生实事项目完成投资" in doc.headline


def test_items_stand_under_the_unit_that_holds_them_and_the_district_has_one_name(cli):
    town = build_report(load(SAMPLE), "赶水镇", parse_period("2021"), date(2021, 11, 30))
    rows = {r[1]: r for r in town.sections[1].table.rows}
    assert rows["桥城广场建设"][2] == "赶水镇" and rows["桥城广场建设"][3] == "三居社区"  # a partner is 配合单位
    whole = build_report(load(SAMPLE), "", parse_period("2021"), date(2021, 11, 30))
    assert next(r for r in whole.sections[1].table.rows if r[1] == "桥城广场建设")[2] == "赶水镇"
    for args in (("list",), ("due", "--as-of", "2021-11-30", "--within", "400"), ("scores", "--period", "2021"), ("report", *ARGS, "-f", "text")):
        out = cli(*args, ledger=SAMPLE).stdout
        assert "区本级" in out and "綦江区本级" not in out, args
