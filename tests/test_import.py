"""Spreadsheets in: real sheets made with openpyxl and CSV files as Chinese Excel writes them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import ROOT, snapshot
from shishi.checks.rules import check
from shishi.errors import ShishiError
from shishi.store.load import load
from shishi.write import importer
from shishi.write import items as ops
from shishi.write.fmt import fmt as write_fmt

TODAY = date(2021, 11, 30)

HEADER = ["序号", "问题", "类别", "责任人", "完成时限", "进展情况", "投资（万元）", "是否办结", "办结日期", "办理结果", "惠及人次", "反映人", "联系电话"]


def clerk_sheet(path: Path, rows: list[list] | None = None) -> Path:
    """A community's ledger as clerks keep it: merged title rows, a header on row 3, a blank row, a
    category merged down two rows, dates in every form, full-width digits, 是/否, a 合计 row and a note."""
    wb = Workbook()
    ws = wb.active
    ws.title = "民生实事"
    ws.append(["三居社区2021年“我为群众办实事”台账"])
    ws.merge_cells("A1:M1")
    ws.append(["填报单位：三居社区", None, None, None, None, "填报时间：2021年11月30日"])
    ws.merge_cells("A2:E2")
    ws.append(HEADER)
    for row in rows or [
        [1, "楼道声控灯不亮", "基础设施", "王某", "2021-09-08", None, 0.12, "是", "2021/9/3", "更换声控灯6盏", 36, "张某", 13812341234],
        [2, "3号楼堆放杂物", "环境卫生", "王某", "2021年9月10日", "已通知物业", None, "否", None, None, None, None, None],
        [None] * 13,
        ["３", "小区路面破损", "基础设施", "王某", 44480, None, "１．５", "否", None, None, None, None, None],
        [4, "健身器材损坏", None, "王某", datetime(2021, 10, 20), None, None, "否", None, None, None, None, None],
        [5, "老人就医接送", "社会保障", "王某", "２０２１年１０月１０日", None, None, "是", datetime(2021, 10, 9, 15, 30), "村干部当天送医", "１", "罗某", "139 0000 1111"],
    ]:
        ws.append(row)
    if rows is None:
        ws.merge_cells("C7:C8")  # 基础设施 over rows 7 and 8
        ws.append(["合计", None, None, None, None, None, "=SUM(G4:G9)", None, None, None, "=SUM(K4:K9)"])
        ws.append(["填表人：李某  联系电话：13900001111"])
    wb.save(path)
    return path


def _items(root: Path, unit: str = "赶水镇/三居社区"):
    return [e.item for e in load(root).entries if e.unit == unit]


# ------------------------------------------------------------------ cells


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("2021-09-01", date(2021, 9, 1)),
        ("2021/9/1", date(2021, 9, 1)),
        ("2021.9.1", date(2021, 9, 1)),
        ("2021年9月1日", date(2021, 9, 1)),
        ("２０２１年９月１日", date(2021, 9, 1)),
        ("20210901", date(2021, 9, 1)),
        ("2021-09-01 00:00:00", date(2021, 9, 1)),
        (44440, date(2021, 9, 1)),
        (44440.75, date(2021, 9, 1)),
        ("44440", date(2021, 9, 1)),
        (datetime(2021, 9, 1, 8, 30), date(2021, 9, 1)),
        (date(2021, 9, 1), date(2021, 9, 1)),
        ("2021年12月底", date(2021, 12, 31)),
        ("2021年2月底前", date(2021, 2, 28)),
        ("2021年底", date(2021, 12, 31)),
        (None, None),
        ("", None),
    ],
)
def test_dates_as_clerks_type_them(cell, expected):
    assert importer.parse_cell_date(cell) == expected


@pytest.mark.parametrize("cell", ["2021-13-01", "2021-02-30", "下月", "13812341234", 2021, True, "2021-09"])
def test_not_dates(cell):
    with pytest.raises(ValueError):
        importer.parse_cell_date(cell)


@pytest.mark.parametrize(
    "cell, hint, expected",
    [
        (1200.5, "", Decimal("1200.5")),
        ("1,200.50元", "", Decimal("1200.5")),
        ("１２００", "", Decimal("1200")),
        (0.12, "万元", Decimal("1200")),
        ("50万", "万元", Decimal("500000")),
        (12, "元", Decimal("12")),
        (None, "", None),
    ],
)
def test_money(cell, hint, expected):
    assert importer.parse_money(cell, hint) == expected


@pytest.mark.parametrize("cell, expected", [(36, 36), (36.0, 36), ("36人次", 36), ("１,２００", 1200), ("", None)])
def test_counts(cell, expected):
    assert importer.parse_count(cell) == expected


@pytest.mark.parametrize("cell", ["很多", -1, "3.5"])
def test_not_counts(cell):
    with pytest.raises(ValueError):
        importer.parse_count(cell)


@pytest.mark.parametrize("cell, expected", [("是", True), ("否", False), ("√", True), ("×", False), (True, True), ("Y", True), ("ｎｏ", False), (None, None)])
def test_yes_no(cell, expected):
    assert importer.parse_bool(cell) == expected


def test_header_names():
    assert importer.header_key("投资（万元）") == ("投资", "万元")
    assert importer.header_key(" *完成 时限：") == ("完成时限", "")
    assert importer.KNOWN["问题"] == "title" and importer.KNOWN["联系电话"] == "reporter.phone"
    assert importer.KNOWN["resolution.date"] == "resolution.date"


# ------------------------------------------------------------------ a clerk's sheet


def test_clerks_sheet_imported_as_typed(tree: Path, tmp_path: Path):
    res = importer.import_file(tree, clerk_sheet(tmp_path / "台账.xlsx"), "三居社区", opened="2021-09-01", today=TODAY)
    assert res.errors == [] and res.written
    assert (res.sheets[0].header_row, res.blank, res.totals, res.notes) == (3, 1, 1, 1)
    assert [(r.row, r.item.id) for r in res.added] == [(4, "GS-SJ-2021-001"), (5, "GS-SJ-2021-002"), (7, "GS-SJ-2021-003"), (8, "GS-SJ-2021-004"), (9, "GS-SJ-2021-005")]
    a, b, c, d, e = _items(tree)
    assert (a.status, a.due, a.budget, a.resolution.date, a.resolution.beneficiaries) == ("resolved", date(2021, 9, 8), Decimal(1200), date(2021, 9, 3), 36)
    assert (a.reporter.name, a.reporter.phone) == ("张某", "13812341234")  # a phone stored as a number
    assert (b.status, b.progress[0].note, b.progress[0].date, b.due) == ("in_progress", "已通知物业", TODAY, date(2021, 9, 10))
    assert (c.status, c.due, c.budget, c.category) == ("open", date(2021, 10, 11), Decimal(15000), "基础设施")
    assert (d.due, d.category) == (date(2021, 10, 20), "基础设施")  # merged down from the row above
    assert (e.resolution.date, e.resolution.beneficiaries, e.due, e.reporter.phone) == (date(2021, 10, 9), 1, date(2021, 10, 10), "139 0000 1111")
    assert all(i.opened == date(2021, 9, 1) and i.source_key for i in (a, b, c, d, e))
    assert check(load(tree)) == []
    assert write_fmt(tree, check_only=True) == []  # written in the canonical layout


def test_district_project_list_with_a_two_row_header(tree: Path, tmp_path: Path):
    """The district's list: 投资（万元） merged over 总投资 and 累计完成, other headers merged down two rows."""
    wb = Workbook()
    ws = wb.active
    ws.append(["綦江区2021年区级民生实事项目进展表"])
    ws.merge_cells("A1:I1")
    ws.append(["序号", "项目名称", "牵头领导", "责任单位", "配合单位", "投资（万元）", None, "完成时限", "进展情况"])
    ws.append([None, None, None, None, None, "总投资", "累计完成", None, None])
    for col in "ABCDEHI":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("F2:G2")
    ws.append([1, "通惠场老街道路改造", "刘某", "区交通局", "通惠街道", 260, 120, "2021年10月底", "路面铺设中"])
    ws.append(["合计", None, None, None, None, 260, 120])
    wb.save(tmp_path / "区级.xlsx")
    res = importer.import_file(tree, tmp_path / "区级.xlsx", "綦江区", kind="project", opened="2021-04-15", today=TODAY)
    assert res.errors == [] and res.sheets[0].unmapped == ["累计完成"] and res.totals == 1
    (item,) = _items(tree, "")
    assert (item.kind, item.lead, item.partners, item.budget, item.due) == ("project", "刘某", ["区交通局", "通惠街道"], Decimal(2600000), date(2021, 10, 31))
    assert [p.note for p in item.progress] == ["路面铺设中"]


def test_reimport_adds_nothing_twice(tree: Path, tmp_path: Path):
    sheet = clerk_sheet(tmp_path / "台账.xlsx")
    importer.import_file(tree, sheet, "三居社区", opened="2021-09-01", today=TODAY)
    before = snapshot(tree)
    again = importer.import_file(tree, sheet, "三居社区", opened="2021-09-01", today=TODAY)
    assert (len(again.added), len(again.already), again.written) == (0, 5, False)
    # an updated copy under another name, imported another day: the same problems, nothing new
    newer = clerk_sheet(tmp_path / "台账（11月更新）.xlsx")
    later = importer.import_file(tree, newer, "三居社区", opened="2021-09-01", today=date(2021, 12, 15))
    assert (len(later.added), len(later.already)) == (0, 5)
    assert snapshot(tree) == before


def test_the_same_row_twice_in_a_sheet_is_two_items_once(tree: Path, tmp_path: Path):
    row = [1, "路灯不亮", None, None, "2021-09-08", None, None, None, None, None, None, None, None]
    sheet = clerk_sheet(tmp_path / "s.xlsx", [row, row])
    first = importer.import_file(tree, sheet, "三居社区", opened="2021-09-01", today=TODAY)
    assert len(first.added) == 2 and first.added[0].item.source_key != first.added[1].item.source_key
    assert len(importer.import_file(tree, sheet, "三居社区", opened="2021-09-01", today=TODAY).already) == 2


def test_bad_rows_reported_by_sheet_and_row_and_nothing_written(tree: Path, tmp_path: Path):
    sheet = clerk_sheet(
        tmp_path / "坏.xlsx",
        [
            [1, "好的一行", None, None, "2021-09-08", None, None, None, None, None, None, None, None],
            [2, "时限写错", None, None, "2021-13-01", None, None, None, None, None, None, None, None],
            [3, None, "基础设施", "王某", "2021-09-08", None, None, None, None, None, None, None, None],
            [4, "办结缺日期", None, None, "2021-09-08", None, None, "是", None, "已修好", "很多", None, None],
            [5, "是否写成了好", None, None, "2021-09-08", None, None, "好", None, None, None, None, None],
            [6, "类别不在词表", "火星事务", None, "2021-09-08", None, None, None, None, None, None, None, None],
        ],
    )
    before = snapshot(tree)
    res = importer.import_file(tree, sheet, "三居社区", opened="2021-09-01", today=TODAY)
    assert [str(p) for p in res.errors] == [
        "[民生实事] 第5行：完成时限：不是有效日期：2021-13-01（可写 2021-09-01、2021/9/1、2021年9月1日、2021年12月底、今天、昨天）",
        "[民生实事] 第6行：没有事项名称——在“问题”列填写",
        "[民生实事] 第7行：惠及人次：应为整数：很多（可写 36 或 36人次）",
        "[民生实事] 第8行：是否办结：应填“是”或“否”：好",
        "[民生实事] 第9行：类别“火星事务”不在 shishi.yaml 中，可选：基础设施、环境卫生、社会保障、文化体育、教育医疗、公共服务、营商环境、平安建设、其他",
    ]
    assert not res.written and res.added == [] and snapshot(tree) == before
    skipped = importer.import_file(tree, sheet, "三居社区", opened="2021-09-01", today=TODAY, skip_bad=True)
    assert [r.item.title for r in skipped.added] == ["好的一行"]


@pytest.mark.parametrize(
    "row, message",
    [
        (["状态说未办", "否", "2021-09-05", None, 3], "填了“办结日期”却未标记完成"),
        (["办结无人次", None, "2021-09-05", "已修好", None], "标记已完成但没有惠及人次——在“惠及人次”列填写"),
        (["办结无结果", "是", "2021-09-05", None, 3], "标记已完成但没有办理结果——在“进展情况”列写明办理情况"),
    ],
)
def test_resolution_needs_its_columns(tree: Path, tmp_path: Path, row, message):
    title, done, when, text, n = row
    sheet = clerk_sheet(tmp_path / "s.xlsx", [[1, title, None, None, "2021-09-20", None, None, done, when, text, n, None, None]])
    res = importer.import_file(tree, sheet, "三居社区", opened="2021-09-01", today=TODAY)
    assert [p.message for p in res.errors] == [message]


def test_done_without_a_date_is_resolved_on_the_sheets_date(tree: Path, tmp_path: Path):
    """是否办结 是 without 办结日期: the 填报时间 of the title rows, else --resolved-on; the count of people left out of an open row is a warning."""
    sheet = clerk_sheet(tmp_path / "s.xlsx", [[1, "修灯", None, None, "2021-09-20", None, None, "是", None, "已修好", 3, None, None], [2, "修路", None, None, "2021-12-20", "施工中", None, "否", None, None, 80, None, None]])
    res = importer.import_file(tree, sheet, "三居社区", today=date(2021, 12, 5))
    assert res.errors == [] and [str(p) for p in res.problems] == ["[民生实事] 第5行：警告：未办结，惠及人次未导入（办结时用 shishi close 填写）"]
    a, b = _items(tree)
    assert (a.status, a.resolution.date, a.resolution.text, a.opened) == ("resolved", TODAY, "已修好", date(2021, 1, 1))
    assert (b.status, b.progress[0].date, b.progress[0].note) == ("in_progress", TODAY, "施工中")  # dated by the sheet, not today
    assert res.assumptions() == ["[民生实事] 没有登记日期：2 行按 2021-01-01（表中年份 2021 年的第一天）登记", "[民生实事] 标记已完成但没有办结日期：1 行按填报日期 2021-11-30 办结"]
    again = clerk_sheet(tmp_path / "t.xlsx", [[1, "修灯2", None, None, "2021-09-20", None, None, "是", None, "已修好", 3, None, None]])
    importer.import_file(tree, again, "三居社区", resolved_on="2021-09-18", today=TODAY)
    assert _items(tree)[-1].resolution.date == date(2021, 9, 18)


def test_refusals_name_the_column_and_the_flag(tree: Path, tmp_path: Path):
    (tmp_path / "a.csv").write_text("事项,是否完成,办理结果,惠及人次\n修灯,是,已修好,3\n", encoding="utf-8")
    res = importer.import_file(tree, tmp_path / "a.csv", "三居社区", today=TODAY)
    assert [str(p) for p in res.errors] == ["[a] 第2行：标记已完成但没有办结日期——加一列“办结日期”，或用 --resolved-on 2021-11-30"]
    (tmp_path / "b.csv").write_text("事项,登记日期,完成时限,是否销号\n修灯,2021-09-01,2021-08-01,否\n扫地,2021-09-01,,是\n", encoding="utf-8")
    res = importer.import_file(tree, tmp_path / "b.csv", "三居社区", today=TODAY)
    assert [p.message for p in res.errors] == [
        "完成时限 2021-08-01 早于登记日期 2021-09-01——改正“完成时限”或“登记日期”列",
        "标记已完成但没有办结日期——加一列“办结日期”，或用 --resolved-on 2021-11-30；标记已完成但没有办理结果——加一列“办理结果”；"
        "标记已完成但没有惠及人次——加一列“惠及人次”；标记已销号但没有销号日期——加一列“销号日期”",
    ]
    assert not any("resolution" in p.message or "verification" in p.message for p in res.errors)


def test_unfinished_result_text_becomes_a_progress_note(tree: Path, tmp_path: Path):
    sheet = clerk_sheet(tmp_path / "s.xlsx", [[1, "修路", None, None, "2021-09-20", None, None, "否", None, "正在协调施工队", None, None, None]])
    importer.import_file(tree, sheet, "三居社区", opened="2021-09-01", today=TODAY)
    (item,) = _items(tree)
    assert item.status == "in_progress" and [p.note for p in item.progress] == ["正在协调施工队"]


def test_dry_run_shows_ids_and_writes_nothing(tree: Path, tmp_path: Path):
    before = snapshot(tree)
    res = importer.import_file(tree, clerk_sheet(tmp_path / "t.xlsx"), "三居社区", opened="2021-09-01", dry_run=True, today=TODAY)
    assert [r.item.id for r in res.added][-1] == "GS-SJ-2021-005" and not res.written
    assert snapshot(tree) == before


def test_map_overrides_and_unmapped_columns(tree: Path, tmp_path: Path):
    wb = Workbook()
    ws = wb.active
    ws.append(["编码", "群众反映的事", "何时要办完", "备注"])
    ws.append(["A1", "路灯不亮", "2021/9/8", "夜间巡查发现"])
    wb.save(tmp_path / "m.xlsx")
    res = importer.import_file(tree, tmp_path / "m.xlsx", "三居社区", opened="2021-09-01", today=TODAY)
    assert str(res.errors[0]).startswith("[Sheet]：") and "找不到表头行" in str(res.errors[0])
    res = importer.import_file(tree, tmp_path / "m.xlsx", "三居社区", mapping=["群众反映的事=title", "何时要办完=due"], opened="2021-09-01", today=TODAY)
    assert res.sheets[0].unmapped == ["备注"] and res.errors == []
    (item,) = _items(tree)
    assert (item.title, item.due) == ("路灯不亮", date(2021, 9, 8))
    with pytest.raises(ShishiError, match="没有字段 colour"):
        importer.import_file(tree, tmp_path / "m.xlsx", "三居社区", mapping=["备注=colour"])
    maps = ["群众反映的事=title", "何时要办完=due", "备注=description"]
    res = importer.import_file(tree, tmp_path / "m.xlsx", "三居社区", mapping=maps, opened="2021-09-02", today=TODAY)
    assert len(res.already) == 1  # the default opening date is no part of the row's key
    importer.import_file(tree, tmp_path / "m.xlsx", "云品村", mapping=maps, opened="2021-09-02", today=TODAY)
    assert _items(tree, "赶水镇/云品村")[0].description == "夜间巡查发现"


def test_sheets_of_a_workbook(tree: Path, tmp_path: Path):
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表由社区填报"])
    for name, title in (("九月", "路灯不亮"), ("十月", "垃圾清运")):
        ws = wb.create_sheet(name)
        ws.append(["事项", "登记日期"])
        ws.append([title, "2021-09-01" if name == "九月" else "2021-10-01"])
    wb.save(tmp_path / "w.xlsx")
    res = importer.import_file(tree, tmp_path / "w.xlsx", "三居社区", sheet="十月", today=TODAY)
    assert [(r.sheet, r.item.title) for r in res.added] == [("十月", "垃圾清运")]
    res = importer.import_file(tree, tmp_path / "w.xlsx", "三居社区", today=TODAY)
    assert [(r.sheet, r.item.title) for r in res.added] == [("九月", "路灯不亮")] and len(res.already) == 1
    with pytest.raises(ShishiError, match="没有工作表“十一月”"):
        importer.import_file(tree, tmp_path / "w.xlsx", "三居社区", sheet="十一月")


CSV_TEXT = "三居社区台账,,,\r\n序号,事项,登记日期,完成时限,惠及人次,是否办结,办结日期,办理结果\r\n1,楼道声控灯不亮,2021年9月1日,2021/9/8,３６,是,2021-09-03,\"更换声控灯6盏，\r\n楼道恢复照明\"\r\n2,清理垃圾,2021/9/2,,,否,,\r\n合计,,,,36,,,\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding_excel_writes(tree: Path, tmp_path: Path, encoding):
    path = tmp_path / "台账.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    res = importer.import_file(tree, path, "三居社区", today=TODAY)
    assert res.errors == [] and res.totals == 1
    a, b = _items(tree)
    assert (a.opened, a.due, a.resolution.beneficiaries, a.resolution.text) == (date(2021, 9, 1), date(2021, 9, 8), 36, "更换声控灯6盏，\n楼道恢复照明")
    assert (b.opened, b.due, b.status) == (date(2021, 9, 2), date(2021, 9, 9), "open")  # the default time limit of 7 days
    assert [r.row for r in res.added] == [3, 4]


def test_csv_with_tabs_and_semicolons(tree: Path, tmp_path: Path):
    (tmp_path / "t.csv").write_text("事项\t登记日期\n路灯不亮\t2021-09-01\n", encoding="utf-8")
    (tmp_path / "s.csv").write_text("事项;登记日期\n垃圾清运;2021-09-02\n", encoding="utf-8")
    importer.import_file(tree, tmp_path / "t.csv", "三居社区", today=TODAY)
    importer.import_file(tree, tmp_path / "s.csv", "三居社区", today=TODAY)
    assert [i.title for i in _items(tree)] == ["路灯不亮", "垃圾清运"]


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("a.xls", b"\xd0\xcf\x11\xe0", "旧版表格格式"),
        ("a.xlsx", b"not a zip", "不是有效的 .xlsx"),
        ("a.pdf", b"%PDF", "只能导入 .xlsx 或 .csv"),
        ("a.csv", b"\xff\xfe\x00", "编码无法识别"),
    ],
)
def test_unreadable_files_are_clear_errors(tree: Path, tmp_path: Path, name, content, words):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ShishiError, match=words):
        importer.import_file(tree, tmp_path / name, "三居社区")


def test_escalated_rows_are_not_imported(tree: Path, tmp_path: Path):
    (tmp_path / "e.csv").write_text("事项,状态,登记日期\n产业路损毁,已上报,2021-09-01\n", encoding="utf-8")
    res = importer.import_file(tree, tmp_path / "e.csv", "三居社区", today=TODAY)
    assert "shishi escalate" in res.errors[0].message


def test_id_card_stored_as_a_number_is_refused(tree: Path, tmp_path: Path):
    wb = Workbook()
    wb.active.append(["事项", "登记日期", "身份证号"])
    wb.active.append(["低保申请", "2021-09-01", 500110199001011234])  # Excel shows 5.0011E+17
    wb.save(tmp_path / "id.xlsx")
    (problem,) = importer.import_file(tree, tmp_path / "id.xlsx", "三居社区", today=TODAY).errors
    assert problem.row == 2 and "身份证号被存成了数字" in problem.message


def test_phone_in_a_title_is_a_warning_masked(tree: Path, tmp_path: Path):
    (tmp_path / "p.csv").write_text("事项,登记日期\n张某13812341234反映路灯,2021-09-01\n", encoding="utf-8")
    res = importer.import_file(tree, tmp_path / "p.csv", "三居社区", today=TODAY)
    assert res.written and [str(p) for p in res.problems] == ["[p] 第2行：警告：“事项”列中有电话号码 138****1234：自由文本里的个人信息无法按字段打码，请移到“联系电话”列或删去"]


# ------------------------------------------------------------------ last year's 台账 as it comes (the acceptance)


def last_years_workbook(path: Path) -> Path:
    """A merged title row, a 填报单位/填报日期 row, the usual ten headers, dates as text, as an Excel date and as a
    serial number, full-width digits, 万元, 是/√ and a note saying 已完成, a blank row and a 合计 row of formulas."""
    wb = Workbook()
    ws = wb.active
    ws.title = "2021年台账"
    ws.append(["三居社区2021年“我为群众办实事”项目台账"])
    ws.merge_cells("A1:J1")
    ws.append(["填报单位：三居社区", None, None, None, None, None, None, "填报日期：", datetime(2021, 11, 20)])
    ws.merge_cells("A2:D2")
    ws.append(["序号", "项目名称", "类别", "责任单位", "责任人", "完成时限", "进展情况", "是否完成", "惠及人次", "投入资金（万元）"])
    ws.append([1, "楼道声控灯更换", "基础设施", "社区居委会", "王某", "2021年9月30日", "已采购灯具并全部更换完成", "是", 36, 0.12])
    ws.append(["２", "老旧小区路面修补", "基础设施", "区住建委、社区居委会", "王某", datetime(2021, 12, 31), "已完成60%", "否", None, "４５"])
    ws.append([None] * 10)
    ws.append([3, "健身器材维修", "文化体育", "社区居委会", "李某", 44500, "器材已更换", "√", "２００人次", 3])
    ws.append([4, "独居老人定期探访", "社会保障", "社区居委会", "张某", "２０２１－１２－１５", "每周探访一次", None, None, None])
    ws.append([5, "小区排水沟清淤", "环境卫生", "社区居委会", "王某", "2021/10/15", "已完成", None, 120, "0.8"])
    ws.append(["合计", None, None, None, None, None, None, None, "=SUM(I4:I9)", "=SUM(J4:J9)"])
    wb.save(path)
    return path


def test_last_years_workbook_imports_with_no_flag(tree: Path, tmp_path: Path, cli):
    book = last_years_workbook(tmp_path / "三居社区2021年台账.xlsx")
    r = cli("import", book, ledger=tree)  # no --unit (填报单位), no --opened, no --resolved-on, no --map
    assert r.exit_code == 0, r.stderr
    assert "没有登记日期：5 行按 2021-01-01（表中年份 2021 年的第一天）登记" in r.stderr
    assert "标记已完成但没有办结日期：3 行按填报日期 2021-11-20 办结" in r.stderr
    assert "已导入 5 件" in r.stderr and "空行 1 行、合计行 1 行" in r.stderr and "未导入的列" not in r.stderr
    a, b, c, d, e = _items(tree)
    assert (a.status, a.resolution.date, a.resolution.text, a.resolution.beneficiaries, a.budget, a.due) == ("resolved", date(2021, 11, 20), "已采购灯具并全部更换完成", 36, Decimal(1200), date(2021, 9, 30))
    assert a.partners == ["社区居委会"] and a.owner == "王某" and a.category == "基础设施" and a.progress == []
    assert (b.status, b.budget, b.due, b.partners) == ("in_progress", Decimal(450000), date(2021, 12, 31), ["区住建委", "社区居委会"])  # 45 万元 in full width
    assert [(p.date, p.note) for p in b.progress] == [(date(2021, 11, 20), "已完成60%")]  # dated by 填报日期; 60% is not done
    assert (c.status, c.due, c.resolution.beneficiaries, c.budget) == ("resolved", date(2021, 10, 31), 200, Decimal(30000))  # an Excel serial date
    assert (d.status, d.due, [p.date for p in d.progress]) == ("in_progress", date(2021, 12, 15), [date(2021, 11, 20)])
    assert (e.status, e.resolution.text, e.budget) == ("resolved", "已完成", Decimal(8000))  # 进展 saying 已完成, no 是否完成
    assert all(i.opened == date(2021, 1, 1) for i in (a, b, c, d, e))
    assert check(load(tree)) == []


def test_a_three_column_gb18030_csv_imports_with_no_flag(tree: Path, tmp_path: Path, cli):
    path = tmp_path / "路灯.csv"
    path.write_bytes("序号,项目名称,责任单位,完成时限,惠及人次\r\n1,路灯维修,社区居委会,2021-09-30,30\r\n2,垃圾清运,物业公司,2021年10月15日,\r\n".encode("gb18030"))
    r = cli("import", path, "--unit", "三居社区", ledger=tree)
    assert r.exit_code == 0, r.stderr
    assert "警告：未办结，惠及人次未导入" in r.stderr and "已导入 2 件" in r.stderr
    a, b = _items(tree)
    assert (a.title, a.partners, a.due, a.status) == ("路灯维修", ["社区居委会"], date(2021, 9, 30), "open")
    assert (b.due, b.opened) == (date(2021, 10, 15), min(date.today(), date(2021, 10, 15)))  # no year anywhere: today, never after the deadline


def test_the_unit_from_the_sheet_or_from_unit(tree: Path, tmp_path: Path, cli):
    (tmp_path / "a.csv").write_text("事项,登记日期\n修灯,2021-09-01\n", encoding="utf-8")
    before = snapshot(tree)
    r = cli("import", tmp_path / "a.csv", ledger=tree)
    assert r.exit_code == 1 and "表中没有写明填报单位，请用 --unit 指定" in r.stderr and snapshot(tree) == before
    book = last_years_workbook(tmp_path / "b.xlsx")
    r = cli("import", book, "--unit", "云品村", "--dry-run", ledger=tree)
    assert r.exit_code == 0 and "警告：表中填报单位是“三居社区”，导入到 赶水镇/云品村" in r.stderr and "GS-YP-2021-001" in r.stdout


def test_what_the_record_refuses_is_said_by_column(tree: Path, tmp_path: Path):
    (tmp_path / "a.csv").write_text("事项,登记日期,联系电话\n" + "长" * 600 + ",2021-09-01,\n短,2021-09-01," + "1" * 50 + "\n", encoding="utf-8")
    res = importer.import_file(tree, tmp_path / "a.csv", "三居社区", today=TODAY)
    assert [p.message for p in res.errors] == ["事项：太长，最多 500 个字", "联系电话：太长，最多 40 个字"]


def test_headers_by_meaning():
    assert [importer.by_meaning(importer.header_key(h)[0]) for h in ("投入资金（万元）", "项目预算", "整改截止日期", "服务人数", "是否整改完成", "登记时间", "累计完成投资", "备注", "填报单位：三居社区")] == [
        "budget", "budget", "due", "resolution.beneficiaries", "resolved", "opened", None, None, None
    ]
    assert importer.suggest("备注") == "--map 备注=description" and importer.suggest("累计完成投资") == "--map 累计完成投资=resolution.spent"


@pytest.mark.parametrize("note, done", [("已完成", True), ("路面硬化已完成", True), ("已采购灯具，已全部完成", True), ("已完成60%", False), ("预计10月完成", False), ("尚未完成", False), ("已完成主体工程，正在装修", False), (None, False)])
def test_a_note_saying_done(note, done):
    assert importer.says_done(note) is done


def test_title_rows():
    rows = [["綦江区2021年民生实事项目进展表"], ["填报单位：区交通局（盖章）     填报日期：2021年11月20日"]]
    assert importer.read_title(rows) == ("区交通局", date(2021, 11, 20), 2021)
    assert importer.read_title([["填报单位：", "文龙街道", "填报时间：", 44520]]) == ("文龙街道", date(2021, 11, 20), 2021)
    assert importer.read_title([["民生实事台账（截至2021年6月30日）"]]) == (None, date(2021, 6, 30), 2021)
    assert importer.read_title([]) == (None, None, None)


# ------------------------------------------------------------------ the bulk write behind it


def test_add_many_writes_one_file_per_year_and_refuses_all_on_one_bad(tree: Path):
    rows = [{"title": "a", "opened": date(2020, 12, 30)}, {"title": "b", "opened": date(2021, 1, 2)}, {"title": "c", "opened": date(2021, 1, 3)}]
    before = snapshot(tree)
    with pytest.raises(ShishiError):
        ops.add_many(tree, "三居社区", rows + [{"title": "d", "opened": date(2021, 1, 3), "category": "火星事务"}])
    assert snapshot(tree) == before
    added, already = ops.add_many(tree, "三居社区", rows)
    assert [i.id for i in added] == ["GS-SJ-2020-001", "GS-SJ-2021-001", "GS-SJ-2021-002"] and already == []
    assert {p.name for p in (tree / "赶水镇/三居社区").glob("*.yaml")} == {"unit.yaml", "2020.yaml", "2021.yaml"}
    assert ops.add(tree, "三居社区", "e", opened="2021-01-04").id == "GS-SJ-2021-003"
    assert check(load(tree)) == []


# ------------------------------------------------------------------ the command


def test_cli_import_reports_rows_and_exit_codes(tree: Path, tmp_path: Path, cli):
    sheet = clerk_sheet(tmp_path / "台账.xlsx")
    r = cli("import", sheet, "--unit", "三居社区", "--opened", "2021-09-01", "--dry-run", ledger=tree)
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "[民生实事] 第4行 将导入 GS-SJ-2021-001  楼道声控灯不亮"
    assert "将导入 5 件" in r.stderr and "（未写入）" in r.stderr and _items(tree) == []
    r = cli("import", sheet, "--unit", "三居社区", "--opened", "2021-09-01", ledger=tree)
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 5
    assert "已导入 5 件；已导入过 0 件；跳过有错的 0 行、空行 1 行、合计行 1 行、注释行 1 行" in r.stderr
    r = cli("import", sheet, "--unit", "三居社区", "--opened", "2021-09-01", ledger=tree)
    assert r.exit_code == 0 and r.stdout == "" and "已导入过 5 件" in r.stderr
    bad = clerk_sheet(tmp_path / "bad.xlsx", [[1, "时限写错", None, None, "2021-13-01"] + [None] * 8])
    r = cli("--lang", "en", "import", bad, "--unit", "三居社区", ledger=tree)
    assert r.exit_code == 1 and "[民生实事] row 4: 完成时限: not a valid date: 2021-13-01" in r.stderr.replace("：", ": ")
    assert "1 bad rows; nothing written" in r.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_cli_import_commit(tree: Path, tmp_path: Path, cli, monkeypatch):
    for k in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(k, "t@example.org" if "EMAIL" in k else "t")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "commit.gpgsign=false", "commit", "-qm", "tree"]):
        subprocess.run(["git", *args], cwd=tree, check=True)
    r = cli("import", clerk_sheet(tmp_path / "台账.xlsx"), "--unit", "三居社区", "--opened", "2021-09-01", "--commit", ledger=tree)
    assert r.exit_code == 0 and "已提交" in r.stderr, r.stderr
    log = subprocess.run(["git", "-c", "core.quotepath=false", "log", "-1", "--format=%s", "--name-only"], cwd=tree, capture_output=True, text=True).stdout.split()
    assert log == ["import", "台账.xlsx:", "5", "items", "into", "三居社区", "赶水镇/三居社区/2021.yaml"]


def test_subprocess_import_gb18030_csv(tree: Path, tmp_path: Path):
    path = tmp_path / "台账.csv"
    path.write_bytes(CSV_TEXT.encode("gb18030"))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    r = subprocess.run([sys.executable, "-m", "shishi", "--ledger", str(tree), "import", str(path), "--unit", "三居社区"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["[台账] 第3行 导入 GS-SJ-2021-001  楼道声控灯不亮", "[台账] 第4行 导入 GS-SJ-2021-002  清理垃圾"]
