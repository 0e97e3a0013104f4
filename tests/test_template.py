"""The fill-in 台账 workbook: as clerks know it, and it imports back with no flag once filled."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from conftest import snapshot
from shishi.checks.rules import check
from shishi.store.load import load


def _items(root: Path, unit: str):
    return [e.item for e in load(root).entries if e.unit == unit]


def test_template_filled_with_three_rows_imports_back_with_no_flag(tree: Path, tmp_path: Path, cli):
    book = tmp_path / "台账模板.xlsx"
    r = cli("template", "-o", book, "--unit", "三居社区", "--year", "2021", ledger=tree)
    assert r.exit_code == 0 and "shishi import 台账模板.xlsx" in r.stderr, r.stderr
    wb = load_workbook(book)
    ws = wb["台账"]
    assert ws["A1"].value == "三居社区2021年“我为群众办实事”群众诉求办理台账" and ws["B2"].value == "三居社区"
    head = [c.value for c in ws[3]]
    assert head[:8] == ["序号", "项目名称", "类别", "来源", "责任单位", "责任人", "登记日期", "完成时限"] and "是否完成" in head and "状态" in head
    col = {h: i + 1 for i, h in enumerate(head)}
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert set(lists) == {ws.cell(4, col[h]).column_letter for h in ("类别", "来源", "是否完成", "状态")}
    options = wb["选项"]
    assert wb["选项"].sheet_state == "hidden" and [c.value for c in options["A"]][1:] == ["基础设施", "环境卫生", "社会保障", "文化体育", "教育医疗", "公共服务", "营商环境", "平安建设", "其他"]
    assert ws.cell(10, col["完成时限"]).number_format == "yyyy-mm-dd" and ws.freeze_panes == "C4"
    assert "填写说明" in wb.sheetnames and any("【是否完成】" in (c.value or "") for c in wb["填写说明"]["A"])

    # a clerk fills in the date of the sheet and three rows, as Excel stores them
    date_cell = [c for c in ws[2] if c.value == "填报日期："][0]
    ws.cell(2, date_cell.column + 1, datetime(2021, 11, 20))
    rows = [
        {"项目名称": "楼道声控灯不亮", "类别": "基础设施", "来源": "走访", "责任人": "王某", "登记日期": datetime(2021, 9, 1), "完成时限": datetime(2021, 9, 8), "是否完成": "是", "进展情况": "更换声控灯6盏", "惠及人次": 36, "反映人": "张某", "联系电话": "13812341234"},
        {"项目名称": "3号楼堆放杂物", "类别": "环境卫生", "登记日期": datetime(2021, 9, 5), "进展情况": "已通知物业", "是否完成": "否", "状态": "推进中"},
        {"序号": 3, "项目名称": "小区路面破损", "责任单位": "区住建委、社区居委会", "完成时限": "2021年12月底"},
    ]
    for r_, row in enumerate(rows, start=4):
        for h, v in row.items():
            ws.cell(r_, col[h], v)
    wb.save(book)

    r = cli("import", book, ledger=tree)
    assert r.exit_code == 0, r.stderr
    assert "已导入 3 件" in r.stderr and "未导入的列" not in r.stderr and "警告" not in r.stderr
    a, b, c = _items(tree, "赶水镇/三居社区")
    assert (a.status, a.resolution.date, a.resolution.text, a.resolution.beneficiaries, a.reporter.phone, a.source) == ("resolved", date(2021, 11, 20), "更换声控灯6盏", 36, "13812341234", "走访")
    assert (b.status, b.opened, [(p.date, p.note) for p in b.progress]) == ("in_progress", date(2021, 9, 5), [(date(2021, 11, 20), "已通知物业")])
    assert (c.status, c.opened, c.due, c.partners) == ("open", date(2021, 1, 1), date(2021, 12, 31), ["区住建委", "社区居委会"])
    assert check(load(tree)) == []


def test_project_template_imports_projects_and_money_in_wan(tree: Path, tmp_path: Path, cli):
    book = tmp_path / "项目.xlsx"
    assert cli("template", "-o", book, "--kind", "项目", "--year", "2021", ledger=tree).exit_code == 0
    wb = load_workbook(book)
    ws = wb["台账"]
    assert ws["A1"].value == "2021年“我为群众办实事”民生实事项目台账" and ws["B2"].value is None
    head = [c.value for c in ws[3]]
    ws["B2"] = "綦江区"
    ws.cell(4, head.index("项目名称") + 1, "通惠场老街道路改造")
    ws.cell(4, head.index("投入资金（万元）") + 1, 45)
    ws.cell(4, head.index("完成时限") + 1, datetime(2021, 10, 31))
    wb.save(book)
    r = cli("import", book, ledger=tree)
    assert r.exit_code == 0, r.stderr
    (item,) = _items(tree, "")
    assert (item.kind, item.budget, item.opened) == ("project", Decimal(450000), date(2021, 1, 1))


def test_template_never_overwrites(tree: Path, tmp_path: Path, cli):
    book = tmp_path / "t.xlsx"
    book.write_bytes(b"filled in")
    before = snapshot(tmp_path)
    r = cli("template", "-o", book, ledger=tree)
    assert r.exit_code == 1 and "已存在" in r.stderr and snapshot(tmp_path) == before
    assert cli("template", "-o", tmp_path / "t.csv", ledger=tree).exit_code == 1
    assert cli("template", "-o", tmp_path / "u.xlsx", "--unit", "火星", ledger=tree).exit_code == 1 and not (tmp_path / "u.xlsx").exists()
