"""A blank 台账 workbook as clerks know it, for `shishi template`: filled in Excel or WPS, it imports back with no flag.

The title row names the unit, the year and the kind of ledger; the second
row holds 填报单位 and 填报日期; the headers are the ones import reads; 类别
and 来源 (from shishi.yaml), 状态 and 是否完成 are dropdowns; date columns
are formatted as dates. A second sheet says how to fill each column.
"""

from __future__ import annotations

import io
from datetime import date

from shishi.i18n import tr

ROWS = 300  # rows below the header that get the dropdowns and date formats
TITLES = {"demand": "群众诉求办理台账", "project": "民生实事项目台账", "rectification": "督查整改台账"}

# (header, width, how to fill it in); the headers are ones importer.KNOWN reads
COMMON = [
    ("序号", 6, "可不填。"),
    ("项目名称", 30, "必填。一行一件事，写清是什么问题或项目。"),
    ("类别", 12, "从下拉列表中选（shishi.yaml 的类别）。"),
    ("来源", 12, "从下拉列表中选（shishi.yaml 的来源）。"),
    ("责任单位", 18, "几个单位用顿号隔开，如 区住建委、社区居委会。"),
    ("责任人", 10, "具体负责的人。"),
    ("登记日期", 12, "收集或交办的日期。不填则按标题年份的 1 月 1 日登记（不晚于完成时限）。"),
    ("完成时限", 12, "不填则按 shishi.yaml 的办理时限推算。可写 2021-09-30、2021年9月30日、2021年12月底。"),
]
AFTER = [
    ("进展情况", 30, "写当前进展；按填报日期记入进展记录。已完成的事项，这里写办理情况即可。"),
    ("状态", 10, "可不填：从下拉列表中选；不填时按“是否完成”和办结日期判断。"),
    ("是否完成", 10, "选“是”或“否”。"),
    ("办结日期", 12, "已完成的事项办结的日期；不填则按填报日期办结。"),
    ("办理结果", 24, "已完成的事项怎么办结的；不填则用“进展情况”。"),
    ("惠及人次", 10, "已完成的事项惠及的人次，如 36 或 36人次。"),
]
BY_KIND = {
    "demand": [("反映人", 10, "反映问题的群众（个人信息，导出时默认不显示）。"), ("联系电话", 14, "反映人的电话（导出时打码）。")],
    "project": [("牵头领导", 10, "分管或牵头的领导。"), ("投入资金（万元）", 14, "以万元为单位的数字，如 45；导入时换算为元。")],
    "rectification": [("销号日期", 12, "督查销号的日期；选“已销号”时必填。")],
}
DATE_HEADERS = ("登记日期", "完成时限", "办结日期", "销号日期")
STATUSES = {"demand": ("已登记", "推进中", "已办结"), "project": ("已登记", "推进中", "已办结"), "rectification": ("已登记", "推进中", "已办结", "已销号")}


def columns(kind: str) -> list[tuple[str, int, str]]:
    """The template's columns for a kind of item: (header, width, how to fill it in)."""
    extra = BY_KIND[kind]
    return COMMON + (extra if kind == "project" else []) + AFTER + ([] if kind == "project" else extra)


def template_xlsx(config, *, unit: str | None, kind: str = "demand", year: int | None = None) -> bytes:
    """The workbook's bytes. `unit` fills 填报单位 (else the clerk writes it); the title names `year` (default this year)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    year = year or date.today().year
    cols = columns(kind)
    letter = {h: get_column_letter(i) for i, (h, _w, _n) in enumerate(cols, start=1)}
    last = get_column_letter(len(cols))
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"

    ws.append([f"{unit or ''}{year}年“我为群众办实事”{TITLES[kind]}"])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name="方正小标宋简体", size=18)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    ws["A2"], ws["B2"] = "填报单位：", unit
    ws.merge_cells("B2:D2")
    date_at = max(len(cols) - 2, 6)
    ws.cell(2, date_at, "填报日期：")
    ws.cell(2, date_at + 1).number_format = "yyyy-mm-dd"
    for c in (ws["A2"], ws.cell(2, date_at)):
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="right")

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, (header, width, _note) in enumerate(cols, start=1):
        cell = ws.cell(3, i, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.row_dimensions[3].height = 30
    first, end = 4, 3 + ROWS
    for header in DATE_HEADERS:
        if header in letter:
            for r in range(first, end + 1):
                ws[f"{letter[header]}{r}"].number_format = "yyyy-mm-dd"
    for header in ("项目名称", "进展情况", "办理结果", "责任单位"):
        for r in range(first, end + 1):
            ws[f"{letter[header]}{r}"].alignment = Alignment(wrap_text=True, vertical="top")
    if "联系电话" in letter:  # typed as text, or Excel turns 13812341234 into 1.38E+10
        for r in range(first, end + 1):
            ws[f"{letter['联系电话']}{r}"].number_format = "@"
    ws.freeze_panes = "C4"
    ws.print_title_rows = "1:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    lists = wb.create_sheet("选项")
    choices = {
        "类别": list(config.categories) if config else [],
        "来源": list(config.sources) if config else [],
        "是否完成": ["是", "否"],
        "状态": list(STATUSES[kind]),
    }
    for k, (header, options) in enumerate(choices.items(), start=1):
        lists.cell(1, k, header)
        for n, option in enumerate(options, start=2):
            lists.cell(n, k, option)
        if not options:
            continue
        ref = f"'选项'!${get_column_letter(k)}$2:${get_column_letter(k)}${len(options) + 1}"
        dv = DataValidation(type="list", formula1=f"={ref}", allow_blank=True, showErrorMessage=True)
        dv.error = tr(f"请从下拉列表中选择{header}", f"choose {header} from the list")
        dv.errorTitle = header
        ws.add_data_validation(dv)
        dv.add(f"{letter[header]}{first}:{letter[header]}{end}")
    lists.sheet_state = "hidden"

    guide = wb.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 100
    lines = [
        "填写说明",
        "1. 第 2 行写填报单位和填报日期：导入时事项进入填报单位的台账；没有办结日期的已完成事项按填报日期办结，进展按填报日期记录。",
        "2. 从第 4 行起一行一件事项；空行、“合计”行和“填表人：”等注释行导入时跳过。",
        "3. 日期可写 2021-09-30、2021/9/30、2021年9月30日、2021年12月底，或用 Excel 的日期。",
        "4. 各列的填法：",
        *[f"【{h}】{note}" for h, _w, note in cols],
        "5. 填好后导入：shishi import 本文件.xlsx（不用加参数；可先加 --dry-run 看看将导入什么）。",
        "6. 同一张表再次导入不会重复添加：已导入过的行会跳过。",
    ]
    for line in lines:
        guide.append([line])
        guide.cell(guide.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    guide["A1"].font = Font(bold=True, size=14)

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
