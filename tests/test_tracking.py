"""Extensions, supervision and surveys: the write operations, the 督办台账, and refusals that change nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import snapshot
from shishi.checks.rules import check
from shishi.errors import ShishiError
from shishi.figures import supervision
from shishi.figures.schedule import judged_due, state
from shishi.store.load import load
from shishi.write import files, surveys, tracking
from shishi.write import items as ops

# ------------------------------------------------------------------ extend


def test_extend_before_the_date_keeps_the_original(tree: Path):
    a = ops.add(tree, "三居社区", "下水道堵塞", opened="2021-09-01", due="2021-09-09")
    x = tracking.extend(tree, a.id, "2021-09-15", "需协调市政", approved_by="赶水镇", when="2021-09-08")
    assert x.due == date(2021, 9, 15)
    assert [(e.original, e.to, e.approved_by, e.late) for e in x.extensions] == [(date(2021, 9, 9), date(2021, 9, 15), "赶水镇", False)]
    assert judged_due(x) == date(2021, 9, 15)
    # a second, unapproved extension: on-time is judged against the approved date
    y = tracking.extend(tree, a.id, "2021-09-20", "材料未到", when="2021-09-14")
    assert y.due == date(2021, 9, 20) and judged_due(y) == date(2021, 9, 15)
    assert check(load(tree)) == []


def test_extending_a_passed_deadline_needs_late_and_counts_late(tree: Path):
    a = ops.add(tree, "三居社区", "路灯", opened="2021-09-01", due="2021-09-09")
    before = snapshot(tree)
    with pytest.raises(ShishiError, match="已过.*--late"):
        tracking.extend(tree, a.id, "2021-09-20", "补记", approved_by="赶水镇", when="2021-09-10")
    assert snapshot(tree) == before
    x = tracking.extend(tree, a.id, "2021-09-20", "补记", approved_by="赶水镇", late=True, when="2021-09-10")
    assert x.extensions[0].late and judged_due(x) == date(2021, 9, 9)
    done = ops.close(tree, a.id, "已修", 5, when="2021-09-15")
    assert state(done, date(2021, 9, 30)) == "overdue"


def test_extend_a_milestone(tree: Path):
    p = ops.add(tree, "赶水镇", "桥城广场", kind="project", opened="2021-03-01", due="2021-12-31", milestones=["一期竣工=2021-06-30", "二期投用=2021-10-31"])
    x = tracking.extend(tree, p.id, "2021-11-30", "雨季停工", milestone="二期投用", approved_by="区住房城乡建委", when="2021-09-01")
    assert [m.due for m in x.milestones] == [date(2021, 6, 30), date(2021, 11, 30)]
    assert x.due == date(2021, 12, 31) and x.extensions[0].milestone == "二期投用" and x.extensions[0].original == date(2021, 10, 31)
    assert state(x, date(2021, 11, 5)) == "behind"  # 一期 is still undone


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(to="2021-09-05"), "应晚于"),  # not later
        (dict(to="2021-09-09"), "应晚于"),  # the same date
        (dict(to="2021-09-20", when="2021-09-10"), "--late"),  # passed
        (dict(to="2021-09-20", late=True), "尚未过期"),  # late, but not passed
        (dict(to="2021-09-20", milestone="一期"), "没有节点"),
        (dict(to="2021-09-20", reason=" "), "原因"),
        (dict(to="2021-02-30"), "--to 不是有效日期"),
        (dict(to="2021-09-20", when="2021-08-01"), "早于登记日期"),
    ],
)
def test_extend_refusals_change_nothing(tree: Path, kwargs, words):
    a = ops.add(tree, "三居社区", "路灯", opened="2021-09-01", due="2021-09-09")
    before = snapshot(tree)
    args = dict(reason="理由", when="2021-09-05") | kwargs
    with pytest.raises(ShishiError, match=words):
        tracking.extend(tree, a.id, args.pop("to"), args.pop("reason"), **args)
    assert snapshot(tree) == before


def test_extend_touches_only_its_item(tree: Path):
    for t in ("甲", "乙", "丙"):
        ops.add(tree, "三居社区", t, opened="2021-09-01", due="2021-09-09")
    path = tree / "赶水镇/三居社区/2021.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("- id: GS-SJ-2021-002", "# 手写注释\n- id: GS-SJ-2021-002"), encoding="utf-8")
    old = path.read_text(encoding="utf-8")
    tracking.extend(tree, "GS-SJ-2021-002", "2021-09-12", "理由", when="2021-09-05")
    new = path.read_text(encoding="utf-8")
    head, tail = old.split("- id: GS-SJ-2021-002")[0], old.split("- id: GS-SJ-2021-003")[1]
    assert new.startswith(head) and new.endswith(tail)
    assert "original: 2021-09-09" in new


# ------------------------------------------------------------------ supervision: the whole round


def _ledger_row(tree: Path, item_id: str, as_of: str):
    data = supervision.supervision_ledger(load(tree), date.fromisoformat(as_of), include_closed=True)
    return next(r for r in data["rows"] if r["id"] == item_id), data["counts"]


def test_finding_add_feedback_close_return_close_verify(tree: Path, cli):
    def run(*args):
        r = cli(*args, ledger=tree)
        assert r.exit_code == 0, r.output
        return r

    r = run("supervise", "add", "--unit", "文龙街道", "--finding", "绿洲苑农贸市场占道经营", "--deadline", "2021-08-31",
            "--level", "重要", "--by", "区委督查室", "--notice", "綦督〔2021〕12号", "--date", "2021-08-10", "-q")
    fid = r.stdout.strip()
    assert fid == "WL-2021-001"
    it, _ = files.get(tree, fid)
    assert (it.kind, it.source, it.opened, it.due, it.supervision.deadline, it.supervision.level) == (
        "rectification", "督查", date(2021, 8, 10), date(2021, 8, 31), date(2021, 8, 31), "重要")
    shown = run("show", fid).stdout
    assert "督办：重要 区委督查室 綦督〔2021〕12号 整改时限 2021-08-31" in shown
    row, counts = _ledger_row(tree, fid, "2021-08-15")
    assert (row["status"], row["days_overdue"], row["last_feedback"]) == ("open", 0, None)
    assert counts == {"findings": 1, "in_hand": 1, "resolved": 0, "verified": 0, "escalated": 0, "cancelled": 0, "overdue": 0, "returned": 0, "by_level": {"重要": 1}}

    run("supervise", "feedback", fid, "--note", "已增划临时摊位", "--date", "2021-08-20")
    assert "2021-08-20  反馈：已增划临时摊位" in run("show", fid).stdout
    row, counts = _ledger_row(tree, fid, "2021-09-03")
    assert (row["status"], row["days_overdue"], row["feedback"], row["last_feedback"]) == (
        "in_progress", 3, 1, {"date": date(2021, 8, 20), "note": "已增划临时摊位"})
    assert counts["overdue"] == 1

    run("close", fid, "-r", "占道摊点全部入场", "-b", "6000", "--date", "2021-09-02")
    row, counts = _ledger_row(tree, fid, "2021-09-05")
    assert (row["status"], row["days_overdue"], row["resolved"]) == ("resolved", 2, date(2021, 9, 2))
    assert (counts["in_hand"], counts["resolved"]) == (0, 1)

    r = run("supervise", "return", fid, "--reason", "垃圾仍未清运", "--date", "2021-09-05")
    assert "第 1 次退回" in r.stdout
    shown = run("show", fid).stdout
    assert "退回：2021-09-05 垃圾仍未清运" in shown and "办结：" not in shown
    row, counts = _ledger_row(tree, fid, "2021-09-06")
    assert (row["status"], row["returned"], row["days_overdue"]) == ("in_progress", 1, 6)
    assert (counts["in_hand"], counts["returned"]) == (1, 1)

    run("supervise", "feedback", fid, "--note", "垃圾日产日清", "--date", "2021-09-07")
    run("close", fid, "-r", "市场干净整洁", "-b", "6000", "--date", "2021-09-08")
    run("verify", fid, "--by", "区委督查室", "--date", "2021-09-10")
    shown = run("show", fid).stdout
    for words in ("状态：已销号", "退回：2021-09-05 垃圾仍未清运", "2021-09-07  反馈：垃圾日产日清", "办结：2021-09-08 市场干净整洁", "销号：2021-09-10 区委督查室"):
        assert words in shown
    row, counts = _ledger_row(tree, fid, "2021-09-30")
    assert (row["status"], row["returned"], row["feedback"], row["verified"], row["days_overdue"]) == ("verified", 1, 2, date(2021, 9, 10), 8)
    assert counts == {"findings": 1, "in_hand": 0, "resolved": 0, "verified": 1, "escalated": 0, "cancelled": 0, "overdue": 0, "returned": 1, "by_level": {"重要": 1}}
    # struck off: gone from the open 督办台账, there with --all
    assert supervision.supervision_ledger(load(tree), date(2021, 9, 30))["rows"] == []
    r = run("supervise", "list", "--as-of", "2021-09-30")
    assert r.stdout == "" and "督办 1 件：整改中 0（逾期 0），待销号 0，已销号 1；退回 1 次；重要1" in r.stderr
    r = run("supervise", "list", "--as-of", "2021-09-30", "--all", "--format", "json")
    data = json.loads(r.stdout)
    assert [(x["id"], x["status"], x["returned"]) for x in data["rows"]] == [(fid, "verified", 1)] and data["counts"]["returned"] == 1
    assert check(load(tree)) == []


def test_supervise_list_table_and_flag_a_lagging_item(tree: Path, cli):
    a = ops.add(tree, "三居社区", "背街小巷垃圾清运不及时", opened="2021-11-01", due="2021-11-10")
    r = cli("supervise", "flag", a.id, "--level", "挂牌督办", "--by", "区委督查室", "--date", "2021-11-12", ledger=tree)
    assert r.exit_code == 0 and r.stdout == f"{a.id} 已列入挂牌督办（整改时限 2021-11-10）\n"
    r = cli("supervise", "flag", a.id, "--level", "挂牌", "--date", "2021-11-12", ledger=tree)
    assert r.exit_code == 1 and "已是挂牌督办" in r.stderr
    b = ops.add(tree, "三居社区", "路灯", opened="2021-11-01", due="2021-11-20")
    tracking.supervise_flag(tree, b.id, "一般", when="2021-11-05")
    up = tracking.supervise_flag(tree, b.id, "重要", notice="綦督〔2021〕30号", when="2021-11-08")
    assert (up.supervision.level, up.supervision.date, up.supervision.notice, up.supervision.deadline) == ("重要", date(2021, 11, 5), "綦督〔2021〕30号", date(2021, 11, 20))
    x = tracking.extend(tree, b.id, "2021-11-30", "缺材料", approved_by="区委督查室", when="2021-11-10")
    assert x.supervision.deadline == date(2021, 11, 30) and x.extensions[0].original == date(2021, 11, 20)
    ops.cancel(tree, b.id, "与他项合并", when="2021-11-10")
    tracking.supervise_add(tree, "文龙街道", "农贸市场占道", "2021-11-25", when="2021-11-05")
    tracking.supervise_feedback(tree, "WL-2021-001", "已整改一半", when="2021-11-06")
    r = cli("supervise", "list", "--as-of", "2021-11-15", ledger=tree)
    lines = r.stdout.splitlines()  # a table 120 columns wide: the text columns wrap, the rest stays on the item's first line
    assert lines[2].split()[:2] == ["GS-SJ-2021-001", "赶水镇/三居社区"] and lines[2].split()[-6:] == ["挂牌", "2021-11-12", "2021-11-10", "5", "已登记", "0"]
    assert "WL-2021-001" in r.stdout and all(len(line) <= 120 for line in lines)
    csv_rows = cli("supervise", "list", "--as-of", "2021-11-15", "--format", "csv", ledger=tree).stdout.splitlines()
    assert csv_rows[1:] == ["GS-SJ-2021-001,赶水镇/三居社区,背街小巷垃圾清运不及时,挂牌,2021-11-12,2021-11-10,5,已登记,,0", "WL-2021-001,文龙街道,农贸市场占道,一般,2021-11-05,2021-11-25,0,推进中,2021-11-06 已整改一半,0"]
    assert "督办 3 件：整改中 2（逾期 1），待销号 0，已销号 0，已撤销 1；退回 0 次；一般1，挂牌1，重要1" in r.stderr  # the cancelled one counted, not listed
    r = cli("supervise", "list", "--unit", "文龙街道", "--format", "csv", "--as-of", "2021-11-15", ledger=tree)
    assert r.stdout.splitlines()[1:] == ["WL-2021-001,文龙街道,农贸市场占道,一般,2021-11-05,2021-11-25,0,推进中,2021-11-06 已整改一半,0"]


@pytest.mark.parametrize(
    "action, words",
    [
        (lambda t, i: tracking.supervise_add(t, "文龙街道", "占道", "2021-09-20", level="特急", when="2021-09-01"), "督办级别"),
        (lambda t, i: tracking.supervise_add(t, "文龙街道", "占道", "2021-08-20", when="2021-09-01"), "早于督查发现日期"),
        (lambda t, i: tracking.supervise_add(t, "没有的单位", "占道", "2021-09-20", when="2021-09-01"), "没有单位"),
        (lambda t, i: tracking.supervise_flag(t, i, "挂牌", deadline="2021-08-01", when="2021-09-05"), "早于督办日期"),
        (lambda t, i: tracking.supervise_flag(t, i, "最高"), "督办级别"),
        (lambda t, i: tracking.supervise_flag(t, "WL-2021-001", "挂牌", deadline="2021-09-30", when="2021-09-05"), "shishi extend"),
        (lambda t, i: tracking.supervise_feedback(t, i, "已整改"), "未列入督办"),
        (lambda t, i: tracking.supervise_return(t, i, "不合格"), "未列入督办"),
        (lambda t, i: tracking.supervise_return(t, "WL-2021-001", "不合格", when="2021-09-05"), "先办结"),
        (lambda t, i: tracking.supervise_feedback(t, "WL-2021-001", "x", when="2021-08-01"), "早于督办日期"),
    ],
)
def test_supervision_refusals_change_nothing(tree: Path, action, words):
    a = ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    tracking.supervise_add(tree, "文龙街道", "市场垃圾", "2021-09-20", when="2021-09-03")
    before = snapshot(tree)
    with pytest.raises(ShishiError, match=words):
        action(tree, a.id)
    assert snapshot(tree) == before


@pytest.mark.parametrize(
    "args, words",
    [
        (["supervise", "add", "-u", "文龙街道", "--finding", "x", "--deadline", "2021-09-20", "--level", "特急", "--date", "2021-09-01"], "督办级别应为"),
        (["supervise", "add", "-u", "文龙街道", "--finding", "x", "--deadline", "2021-08-20", "--date", "2021-09-01"], "整改时限 2021-08-20 早于督查发现日期 2021-09-01"),
        (["extend", "GS-SJ-2021-001", "--to", "2021-12-01", "--reason", "x", "--date", "2021-11-01"], "已过，延期应在到期前申请"),
        (["survey", "add", "-u", "赶水镇", "--quarter", "2021Q5", "--agency", "某公司", "--count", "很满意=3"], "季度应写成 2021Q3"),
        (["survey", "add", "-u", "赶水镇", "--quarter", "2021Q3", "--agency", "某公司", "--count", "很满意=-3"], "不能为负"),
        (["survey", "add", "-u", "赶水镇", "--quarter", "2021Q3", "--agency", "某公司", "--count", "非常满意=3"], "不在 shishi.yaml 中"),
        (["survey", "add", "-u", "赶水镇", "--quarter", "2021Q3", "--count", "很满意=3"], "缺少 --agency"),
        (["--lang", "en", "supervise", "return", "GS-SJ-2021-001", "--reason", "x"], "not under supervision"),
    ],
)
def test_cli_refusals_are_messages_and_change_nothing(tree: Path, cli, args, words):
    ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01", due="2021-09-08")
    before = snapshot(tree)
    r = cli(*args, ledger=tree)
    assert r.exit_code == (2 if "--level" in args else 1), r.output  # a value the option refuses is a usage error
    assert words in r.stderr and "Traceback" not in r.output
    assert snapshot(tree) == before


# ------------------------------------------------------------------ surveys


def test_survey_add_appends_blocks_and_reads_back(tree: Path, cli):
    r = cli("survey", "add", "-u", "三居社区", "--quarter", "2021q3", "--agency", "重庆某调查公司", "--count", "满意=9,很满意=38", "--count", "不太满意=1", "--date", "2021-09-27", ledger=tree)
    assert r.exit_code == 0 and r.stdout == "已登记 赶水镇/三居社区 2021Q3 满意度调查（样本 48）\n"
    path = tree / "surveys/2021Q3.yaml"
    first = path.read_text(encoding="utf-8")
    assert first == (
        "# 2021年第3季度群众满意度调查\n\n"
        "- unit: 赶水镇/三居社区\n  quarter: 2021Q3\n  agency: 重庆某调查公司\n"
        "  counts:\n    很满意: 38\n    满意: 9\n    不太满意: 1\n  date: 2021-09-27\n"
    )
    surveys.survey_add(tree, "綦江区", "2021Q3", "很满意=10,不满意=2", agency="重庆某调查公司")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(first) and text.endswith("\n- unit: 綦江区\n  quarter: 2021Q3\n  agency: 重庆某调查公司\n  counts:\n    很满意: 10\n    不满意: 2\n")
    ledger = load(tree)
    assert [(s.unit, s.counts) for s, _, _ in ledger.surveys] == [("赶水镇/三居社区", {"很满意": 38, "满意": 9, "不太满意": 1}), ("綦江区", {"很满意": 10, "不满意": 2})]
    assert check(ledger) == []
    before = snapshot(tree)
    with pytest.raises(ShishiError, match="已登记"):
        surveys.survey_add(tree, "赶水镇/三居社区", "2021Q3", {"很满意": 1}, agency="重庆某调查公司")
    with pytest.raises(ShishiError, match="样本为零"):
        surveys.survey_add(tree, "赶水镇", "2021Q3", "很满意=0", agency="另一家")
    assert snapshot(tree) == before


def test_survey_from_csv_and_yaml_files(tree: Path, tmp_path: Path, cli):
    csv_file = tmp_path / "q3.csv"
    csv_file.write_text("单位,季度,调查机构,日期,很满意,满意,基本满意,不太满意,不满意\n赶水镇,2021Q3,某公司,2021-09-28,120,60,15,4,1\n文龙街道,2021Q4,某公司,,86,82,,6,2\n", encoding="utf-8")
    r = cli("survey", "add", "--file", str(csv_file), ledger=tree)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tree / "surveys").iterdir()) == ["2021Q3.yaml", "2021Q4.yaml"]
    yaml_file = tmp_path / "more.yaml"
    yaml_file.write_text("- unit: 云品村\n  quarter: 2021Q3\n  agency: 某公司\n  counts: {很满意: 5, 满意: 5}\n", encoding="utf-8")
    assert cli("survey", "add", "--file", str(yaml_file), ledger=tree).exit_code == 0
    ledger = load(tree)
    assert [(s.unit, s.quarter, sum(s.counts.values())) for s, _, _ in ledger.surveys] == [("赶水镇", "2021Q3", 200), ("赶水镇/云品村", "2021Q3", 10), ("文龙街道", "2021Q4", 176)]
    # one bad row refuses the whole file, naming its line
    bad = tmp_path / "bad.csv"
    bad.write_text("单位,季度,很满意\n文龙街道,2021Q3,3\n文龙街道,2021Q5,4\n", encoding="utf-8")
    before = snapshot(tree)
    r = cli("survey", "add", "--file", str(bad), ledger=tree)
    assert r.exit_code == 1 and "bad.csv:3: 季度应写成 2021Q3" in r.stderr
    bad.write_text("单位,季度,非常满意\n文龙街道,2021Q3,3\n", encoding="utf-8")
    r = cli("survey", "add", "--file", str(bad), ledger=tree)
    assert r.exit_code == 1 and "bad.csv:1: 未知列“非常满意”" in r.stderr
    yaml_file.write_text("- unit: 云品村\n  quarter: 2021Q3\n  counts: {很满意: -5}\n", encoding="utf-8")
    r = cli("survey", "add", "--file", str(yaml_file), ledger=tree)
    assert r.exit_code == 1 and "more.yaml:1: “很满意”的人数不能为负" in r.stderr
    assert snapshot(tree) == before


def test_survey_file_lists_every_bad_row(tree: Path, tmp_path: Path, cli):
    bad = tmp_path / "bad.csv"
    bad.write_text("单位,季度,很满意,满意\n文龙街道,2021Q3,3,1\n火星,2021Q3,4,\n文龙街道,2021Q5,4,\n赶水镇,2021Q3,,\n赶水镇,2021Q3,x,1,9\n文龙街道,2021Q3,1,1\n", encoding="utf-8")
    before = snapshot(tree)
    r = cli("survey", "add", "--file", str(bad), ledger=tree)
    assert r.exit_code == 1 and snapshot(tree) == before
    lines = r.stderr.strip().splitlines()
    assert [line.split(":")[1] for line in lines[:-1]] == ["3", "4", "5", "6", "7"], r.stderr
    assert "没有单位“火星”" in lines[0] and "季度应写成" in lines[1] and "样本为零" in lines[2] and "列数多于表头" in lines[3] and "与 bad.csv:2 是同一单位" in lines[4]
    assert lines[-1] == "5 份调查有错，未登记任何调查"
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text("- unit: 云品村\n  quarter: 2021Q3\n  counts: {很满意: 5}\n  colour: red\n- 3\n- unit: 云品村\n  quarter: 2021Q9\n  counts: {很满意: 5}\n", encoding="utf-8")
    r = cli("survey", "add", "--file", str(yaml_file), ledger=tree)
    assert r.exit_code == 1 and [line.split(": ", 1)[0].removeprefix("错误：") for line in r.stderr.strip().splitlines()[:-1]] == ["s.yaml:1", "s.yaml:5", "s.yaml:6"], r.stderr


def test_check_reports_a_survey_of_an_unknown_unit(tree: Path):
    (tree / "surveys").mkdir()
    (tree / "surveys/2021Q3.yaml").write_text("- unit: 没有的单位\n  quarter: 2021Q3\n  counts: {很满意: 5}\n", encoding="utf-8")
    problems = check(load(tree))
    assert [str(p) for p in problems] == ["surveys/2021Q3.yaml:1:3: 没有单位“没有的单位”（shishi unit list 查看全部单位）"]


def test_show_tells_approved_and_late_extensions(tree: Path, cli):
    a = ops.add(tree, "三居社区", "路灯", opened="2021-09-01", due="2021-09-09")
    tracking.extend(tree, a.id, "2021-09-12", "缺灯具", approved_by="赶水镇", when="2021-09-05")
    tracking.extend(tree, a.id, "2021-09-20", "仍缺灯具", late=True, when="2021-09-15")
    shown = cli("show", a.id, ledger=tree).stdout
    assert "延期：2021-09-05 完成时限 2021-09-09 → 2021-09-12 （缺灯具，赶水镇批准）" in shown
    assert "延期：2021-09-15 完成时限 2021-09-12 → 2021-09-20 （仍缺灯具，未经批准，逾期补记）" in shown


def test_subprocess_tracking_commands_on_the_sample():
    """The bundled sample through a real process: every tracking listing runs and parses."""
    from conftest import SAMPLE
    from test_cli import _run

    for args in (["due", "--as-of", "2021-11-15"], ["supervise", "list", "--all", "--as-of", "2021-11-30"], ["survey", "list"], ["scores", "--as-of", "2021-12-31"]):
        r = _run("--ledger", str(SAMPLE), *args, "--format", "json")
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        assert json.loads(r.stdout)
    r = _run("--ledger", str(SAMPLE), "--lang", "en", "supervise", "list", "--as-of", "2021-11-30")
    assert r.returncode == 0 and "findings:" in r.stderr
