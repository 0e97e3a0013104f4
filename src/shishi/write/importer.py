"""Spreadsheets in: the ledgers clerks keep in Excel (.xlsx) or CSV, taken in without retyping.

A sheet is read as a clerk made it: title rows (merged or not) above the
header row, which is found by its column names; blank rows; cells merged
down over several rows; a 合计/总计 row and notes (注：… 填表人：…) at the
bottom; dates typed in any common form or stored as Excel dates; full-width
digits; 是/否 cells. Every bad row is reported by sheet and row number and
nothing is written unless the bad rows are to be skipped.

Each imported item keeps a source key: a digest of the cells that say which
problem a row is (title, date registered, reporter's name, phone and ID
number), so importing the same rows again, from a renamed file or an updated
copy whose progress columns changed, adds nothing twice.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from shishi import values
from shishi.checks.privacy import mask
from shishi.errors import ShishiError
from shishi.i18n import FIELD_COLUMNS as COLUMNS
from shishi.i18n import KIND_ZH, STATUS_ZH, tr
from shishi.write import files
from shishi.write import items as ops

# field -> how its cells are read. The English name of each field is what --map takes.
TYPES = {
    "seq": "skip", "id": "skip", "unit": "skip", "escalated_from": "skip", "escalated_to": "skip", "source_key": "skip",
    "cancellation.duplicate_of": "skip",
    "kind": "kind", "status": "status",
    "title": "text", "description": "text", "category": "text", "source": "text", "handling": "text", "owner": "text", "lead": "text",
    "partners": "names", "tags": "names",
    "opened": "date", "due": "date",
    "budget": "money",
    "milestones": "milestones", "targets": "targets", "progress": "progress",
    "supervision": "record", "extensions": "records", "reopenings": "records",
    "progress.date": "date",
    "resolved": "bool", "verified": "bool",
    "resolution.date": "date", "resolution.text": "text", "resolution.beneficiaries": "count", "resolution.spent": "money", "resolution.satisfaction": "text",
    "verification.date": "date", "verification.by": "text",
    "cancellation.date": "date", "cancellation.reason": "text",
    "reporter.name": "text", "reporter.phone": "text", "reporter.id_card": "id_card",
}  # fmt: skip

# the usual column names of clerks' sheets, besides the Chinese and English headers of an export
ALIASES = {
    "seq": "序号 序 编码 no no.",
    "id": "事项编号 项目编号",
    "kind": "事项类别 事项性质",
    "status": "办理状态 完成状态 当前状态 进度状态 状态",
    "title": "项目名称 事项 事项名称 问题 问题名称 诉求事项 实事项目 项目 名称 标题 民生实事 群众诉求 问题清单 任务名称",
    "description": "情况描述 问题描述 具体内容 诉求内容 建设内容 主要内容 项目内容 内容 具体问题",
    "category": "类别 类型 领域 所属领域 项目类别 问题类别 问题类型 项目类型",
    "source": "来源 问题来源 诉求来源 收集渠道 反映渠道",
    "handling": "办理类别 办理方式 办理类型",
    "owner": "责任人 具体责任人 经办人 承办人",
    "lead": "牵头领导 分管领导 包案领导 责任领导 联系领导",
    "partners": "责任单位 牵头单位 配合单位 协办单位 实施单位 承办单位 责任部门",
    "opened": "登记日期 登记时间 受理时间 受理日期 收集时间 反映时间 交办时间 立项时间 开始时间",
    "due": "完成时限 办结时限 时限 整改时限 计划完成时间 完成期限 时间节点要求",
    "budget": "投资 总投资 计划投资 年度计划投资 资金 预算 投资金额 项目资金 计划资金",
    "resolution.spent": "实际支出 支出 实际花费",
    "milestones": "时间节点 节点",
    "targets": "目标指标 目标任务 指标",
    "progress": "进展情况 进展 最新进展 实际完成情况 推进情况 工作进展 完成情况 进度",
    "progress.date": "进展日期 更新日期 填报日期",
    "resolution.date": "办结日期 办结时间 完成日期 实际完成时间 完成时间 解决时间",
    "resolution.text": "办理结果 办理情况 整改情况 处理结果 解决情况 办结情况 整改结果",
    "resolution.beneficiaries": "惠及人次 惠及群众 受益人数 惠及人数 服务人次 受益群众",
    "resolution.satisfaction": "满意度 回访满意度 群众满意度 回访情况",
    "resolved": "是否办结 是否完成 是否解决 已办结",
    "verified": "是否销号 已销号",
    "verification.date": "销号日期 销号时间",
    "verification.by": "销号单位 销号人",
    "reporter.name": "反映人 诉求人 来电人 群众姓名 姓名 报告人 反映群众",
    "reporter.phone": "联系电话 电话 手机 手机号 手机号码 联系方式 电话号码",
    "reporter.id_card": "身份证号 身份证号码 身份证",
    "tags": "标签 批次",
}

HEADER_SCAN = 30  # rows searched for the header
LIST_JOIN = "、"  # several columns of one list field (责任单位 and 配合单位)
TOTAL_WORDS = ("合计", "总计", "小计", "共计")
NOTE_WORDS = ("注:", "注：", "备注:", "备注：", "填表人", "填报人", "制表", "审核人", "说明:", "说明：", "联系人:", "联系人：")


def header_key(text) -> tuple[str, str]:
    """A header cell as (name, hint): full width to half, spaces and * dropped, '投资（万元）' -> ('投资', '万元')."""
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"\s+", "", s).strip("*:")
    m = re.fullmatch(r"(.+?)\((.*)\)", s)
    name, hint = (m.group(1), m.group(2)) if m else (s, "")
    return name.lower(), hint


def _known() -> dict[str, str]:
    names = {}
    for f, words in ALIASES.items():
        for w in words.split():
            names.setdefault(header_key(w)[0], f)
    for f, zh in COLUMNS:
        names[header_key(zh)[0]] = f
        names[f.lower()] = f
    return names


KNOWN = _known()


@dataclass
class Sheet:
    name: str
    rows: list[list]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (min_row, min_col, max_row, max_col), 1-based


@dataclass
class RowProblem:
    sheet: str
    row: int  # 0: the sheet as a whole
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = tr(f"[{self.sheet}] 第{self.row}行", f"[{self.sheet}] row {self.row}") if self.row else f"[{self.sheet}]"
        tag = "" if self.severity == "error" else tr("警告：", "warning: ")
        return f"{where}{tr('：', ': ')}{tag}{self.message}"


@dataclass
class Row:
    sheet: str
    row: int
    data: dict
    item: object = None  # the Item once added (or that would be)
    assumed: dict = field(default_factory=dict)  # {"opened" | "resolved": where the date came from}
    labels: dict = field(default_factory=dict)  # field -> the sheet's header for it


@dataclass
class SheetInfo:
    name: str
    header_row: int
    columns: dict[str, str]  # header -> field
    unmapped: list[str]


@dataclass
class ImportResult:
    sheets: list[SheetInfo] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)  # good rows, in sheet order
    problems: list[RowProblem] = field(default_factory=list)
    blank: int = 0
    totals: int = 0
    notes: int = 0
    added: list[Row] = field(default_factory=list)
    already: list[Row] = field(default_factory=list)
    written: bool = False
    sheetwide: dict[str, Sheetwide] = field(default_factory=dict)  # sheet name -> what it says of all its rows
    unit: str = ""  # the unit's path the items go to

    def assumptions(self) -> list[str]:
        """The dates import assumed, one line each, for the summary: which date, from where, for how many rows."""
        out = []
        for name, sw in self.sheetwide.items():
            rows = [r for r in self.rows if r.sheet == name]
            opened = [r for r in rows if "opened" in r.assumed]
            if opened:
                where = {
                    "--opened": tr("--opened 给的", "given by --opened"),
                    "year": tr(f"表中年份 {sw.year} 年的第一天", f"the first day of the sheet's year {sw.year}"),
                    "today": tr("今天（表中没有年份；可用 --opened 指定）", "today (the sheet names no year; see --opened)"),
                }[sw.opened_from]
                early = sum(r.assumed["opened"] == "row" for r in opened)
                extra = tr(f"，其中 {early} 行完成时限或办结日期更早，按该日期登记", f"; {early} of them on their earlier deadline or resolution date") if early else ""
                out.append(tr(f"[{name}] 没有登记日期：{len(opened)} 行按 {sw.opened.isoformat()}（{where}）登记{extra}", f"[{name}] no date opened: {len(opened)} rows opened on {sw.opened.isoformat()} ({where}){extra}"))
            done = [r.assumed["resolved"] for r in rows if "resolved" in r.assumed]
            for source in ("--resolved-on", "as_of", "due"):
                n = done.count(source)
                if not n:
                    continue
                if source == "due":
                    out.append(tr(f"[{name}] 标记已完成但没有办结日期：{n} 行按各自的完成时限办结", f"[{name}] marked done without a date: {n} rows resolved on their deadlines"))
                else:
                    when = (sw.resolved_on if source == "--resolved-on" else sw.as_of).isoformat()
                    label = "--resolved-on" if source == "--resolved-on" else tr("填报日期", "the sheet's date")
                    out.append(tr(f"[{name}] 标记已完成但没有办结日期：{n} 行按{label} {when} 办结", f"[{name}] marked done without a date: {n} rows resolved on {label} {when}"))
        return out

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.severity == "error"]


# ------------------------------------------------------------------ reading files


def read_file(path: Path, sheet: str | None = None) -> list[Sheet]:
    """The sheets of an .xlsx workbook (one, with `sheet`) or a CSV file as rows of cell values."""
    path = Path(path)
    if not path.is_file():
        raise ShishiError(tr(f"找不到文件 {path}", f"no such file: {path}"))
    _bounded(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        if sheet is not None and sheet != path.stem:
            raise ShishiError(tr(f"CSV 文件只有一张表（{path.stem}），不能用 --sheet {sheet}", f"a CSV file has one sheet ({path.stem}); --sheet {sheet} does not apply"))
        return [Sheet(path.stem, _read_csv(path))]
    if suffix in (".xls", ".et", ".wps"):
        raise ShishiError(tr(f"{path.name} 是旧版表格格式，请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后导入", f"{path.name} is an old spreadsheet format; save it as .xlsx or CSV first"))
    raise ShishiError(tr(f"只能导入 .xlsx 或 .csv 文件：{path.name}", f"only .xlsx and .csv files can be imported: {path.name}"))


def _bounded(path: Path) -> None:
    """Refuse a file (or an .xlsx's unpacked parts) over the ledger size limit: a zip bomb would exhaust memory."""
    import zipfile

    from shishi.store.yamlio import MAX_FILE_BYTES

    size = path.stat().st_size
    if path.suffix.lower() in (".xlsx", ".xlsm") and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:  # the sizes it declares bind: reading stops there
                size = max(size, sum(i.file_size for i in z.infolist()))
        except Exception:  # damaged (bad directory, zip version 8.4 …): _read_xlsx says what is wrong with it
            pass
    if size > MAX_FILE_BYTES:
        mib = MAX_FILE_BYTES >> 20
        raise ShishiError(tr(f"{path.name} 解开后超过 {mib} MiB，请分成几个文件导入", f"{path.name} is over {mib} MiB unpacked; import it in parts"))


def _read_xlsx(path: Path, sheet: str | None) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        # not read-only: cells merged down over several rows need the merge ranges
        wb = load_workbook(path, data_only=True)
    except Exception as e:  # a damaged file makes zipfile, zlib, expat or openpyxl raise almost anything (zip file version 8.4 …)
        raise ShishiError(tr(f"{path.name} 不是有效的 .xlsx 文件（{e}）", f"{path.name} is not a readable .xlsx file ({e})")) from None
    if sheet is not None and sheet not in wb.sheetnames:
        raise ShishiError(tr(f"{path.name} 中没有工作表“{sheet}”（有：{'、'.join(wb.sheetnames)}）", f"{path.name} has no sheet '{sheet}' (has: {', '.join(wb.sheetnames)})"))
    out = []
    for ws in [wb[sheet]] if sheet else wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        out.append(Sheet(ws.title, rows, merges))
    return out


def decode_csv(raw: bytes) -> str:
    """CSV text in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 as Chinese Excel saves it."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, encodings = raw[3:], ("utf-8",)
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ShishiError(tr("CSV 文件编码无法识别（应为 UTF-8 或 GB18030）", "cannot tell the CSV file's encoding (expected UTF-8 or GB18030)"))


def _read_csv(path: Path) -> list[list]:
    import csv

    text = decode_csv(path.read_bytes())
    head = text[:8192].splitlines()[:10]
    delim = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in head))
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim)]
    except csv.Error as e:
        raise ShishiError(tr(f"{path.name} 不是有效的 CSV：{e}", f"{path.name} is not valid CSV: {e}")) from None


# ------------------------------------------------------------------ cells


def _wide(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip()


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # a phone number stored as a number
    if isinstance(v, datetime):
        v = v.date()
    if isinstance(v, date):
        return v.isoformat()
    s = str(v).strip().replace("\r\n", "\n").replace("\r", "\n")
    return s or None


EXCEL_EPOCH = date(1899, 12, 30)


def parse_cell_date(v) -> date | None:
    """A date as clerks type it or Excel stores it: 2021-09-01, 2021/9/1, 2021年9月1日, 20210901, a serial number, a date cell, 2021年12月底."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _serial(v)
    s = _wide(str(v))
    if not s:
        return None
    s = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", s).removesuffix("之前").removesuffix("前")
    if re.fullmatch(r"\d{5}(\.\d+)?", s):
        return _serial(float(s))
    try:
        return values.parse_date(s)
    except ShishiError as e:
        raise ValueError(e.message) from None


def _serial(n: float) -> date:
    if not 10000 <= n < 2958466:
        raise ValueError(tr(f"不是日期：{n}", f"not a date: {n}"))
    return EXCEL_EPOCH + timedelta(days=int(n))


def parse_money(v, hint: str = "") -> Decimal | None:
    """Yuan, exact, by values.parse_money: 1200.5, '1,200.50元', '50万'; a header saying 万元 scales plain numbers."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        raise ValueError(tr(f"不是金额：{v}", f"not an amount: {v}"))
    if isinstance(v, float):
        # a number cell: 0.1 + 0.2 stored by a formula is 0.30000000000000004, not a finer amount
        s = repr(round(v, 2)) if abs(v - round(v, 2)) < 1e-9 * max(1.0, abs(v)) else repr(v)
    else:
        s = _text(v) or ""
    if not s:
        return None
    if "万" in hint and not re.search(r"[万亿元]", s):
        s += "万"
    try:
        amount = values.parse_money(s)
    except ShishiError as e:
        raise ValueError(e.message) from None
    return amount.to_integral_value() if amount == amount.to_integral_value() else amount.normalize()


def parse_count(v) -> int | None:
    """A number of people, by values.parse_count: 36, '36人次', '１,２００', 36.0."""
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, str) and not _wide(v):
        return None
    try:
        return values.parse_count(v if isinstance(v, int) and not isinstance(v, bool) else _wide(str(v)))
    except ShishiError as e:
        raise ValueError(e.message) from None


YES = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "已", "已办结", "已完成", "完成", "已销号"}
NO = {"否", "n", "no", "false", "0", "×", "✗", "✘", "未", "未办结", "未完成", "未销号"}


def parse_bool(v) -> bool | None:
    """是/否, √/×, Y/N, TRUE/FALSE cells."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    s = _wide(_text(v) or "").lower()
    if not s:
        return None
    if s in YES:
        return True
    if s in NO:
        return False
    raise ValueError(tr(f"应填“是”或“否”：{v}", f"expected 是 or 否 (yes or no): {v}"))


KIND_WORDS = {**{v: k for k, v in KIND_ZH.items()}, "诉求": "demand", "民生实事": "project", "项目": "project", "实事项目": "project", "督查": "rectification", "整改": "rectification"}
STATUS_WORDS = {
    **{v: k for k, v in STATUS_ZH.items()},
    **{w: "open" for w in ("未启动", "未开始", "待办", "待办理", "未办", "登记", "已受理", "受理")},
    **{w: "in_progress" for w in ("办理中", "进行中", "在办", "正在办理", "未完成", "推进", "已启动", "序时推进", "超序时", "滞后")},
    **{w: "resolved" for w in ("已完成", "办结", "完成", "已解决", "已整改", "整改完成", "已完成待销号", "待销号")},
    **{w: "verified" for w in ("销号",)},
    **{w: "cancelled" for w in ("撤销", "已合并", "合并")},
    **{w: "escalated" for w in ("上报", "转办", "已转办", "已上报")},
}


def _lookup(words: dict, v, what: str) -> str:
    s = _wide(str(v))
    if s in words.values():
        return s
    if s in words:
        return words[s]
    raise ValueError(tr(f"不认识的{what}：{v}", f"unknown {what}: {v}"))


def _names(v) -> list[str]:
    s = _text(v)
    return [p.strip() for p in re.split(r"[、,，;；\n]", s) if p.strip()] if s else []


def _json(v, kind: type):
    s = _text(v)
    if s is None:
        return None
    try:
        data = json.loads(s, parse_float=Decimal)
    except json.JSONDecodeError:
        raise ValueError(tr("应为导出时的 JSON 格式", "expected JSON as written by export")) from None
    if not isinstance(data, kind):
        raise ValueError(tr("应为导出时的 JSON 格式", "expected JSON as written by export"))
    return data


def _json_or_lines(v, parse_line):
    s = _text(v)
    if s is None:
        return None
    if s.startswith("["):
        return _json(s, list)
    try:
        return [parse_line(line) for line in s.splitlines() if line.strip()]
    except ShishiError as e:
        raise ValueError(e.message) from None


LOG_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(?:【([^】]+)】)?(.*)$")


def _log_lines(s: str | None):
    """A log as export writes it for reading, one entry a line ('2021-09-02 已采购灯具', '2021-06-28 【一期竣工】完工',
    more lines of a note below it);
    text that does not start with a date is one note of how the row stands."""
    if s is None:
        return None
    lines = s.split("\n")
    if not LOG_LINE.match(lines[0]):
        return s
    out: list[dict] = []
    for line in lines:
        m = LOG_LINE.match(line)
        if m:
            out.append({"date": date.fromisoformat(m.group(1)), "note": m.group(3), **({"milestone": m.group(2)} if m.group(2) else {})})
        else:
            out[-1]["note"] += "\n" + line
    for e in out:
        if not e["note"].strip():
            raise ValueError(tr(f"{e['date']} 这一条没有内容", f"the entry of {e['date']} says nothing"))
    return out


DONE_SUFFIX = re.compile(r"\s*(?:（(\d{4}-\d{2}-\d{2}) 完成）|\(done (\d{4}-\d{2}-\d{2})\))$")
ACTUAL_SUFFIX = re.compile(r"\s*(?:（完成 ([0-9.]+)）|\(actual ([0-9.]+)\))$")


def _milestone(line: str) -> dict:
    """'一期竣工=2021-10-31', with '（2021-10-28 完成）' after it once done (as export writes it)."""
    done = DONE_SUFFIX.search(line)
    m = ops.parse_milestone(_wide(line[: done.start()] if done else line))
    return {"name": m.name, "due": m.due, **({"done": date.fromisoformat(done.group(1) or done.group(2))} if done else {})}


def _target(line: str) -> dict:
    """'人行便道=3000米', with '（完成 2800）' after it when there is an actual figure."""
    actual = ACTUAL_SUFFIX.search(line)
    name, qty, unit = values.parse_target(_wide(line[: actual.start()] if actual else line))
    return {"name": name, "unit": unit, "planned": qty, **({"actual": Decimal(actual.group(1) or actual.group(2))} if actual else {})}


def read_cell(kind: str, v, hint: str = ""):
    """A cell's value for a field of the given kind; ValueError with a clerk's message when it is not one."""
    if kind == "text":
        return _text(v)
    if kind == "date":
        return parse_cell_date(v)
    if kind == "id_card":
        if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 1e15:
            # Excel keeps 15 significant digits: the last digits of an 18-digit number are gone
            raise ValueError(tr("身份证号被存成了数字，末几位已丢失：请把该列设为文本后重新填写", "the ID-card number was stored as a number and lost its last digits: make the column text and type it again"))
        return _text(v)
    if kind == "money":
        return parse_money(v, hint)
    if kind == "count":
        return parse_count(v)
    if kind == "bool":
        return parse_bool(v)
    if kind == "names":
        return _names(v)
    if kind == "kind":
        return None if _text(v) is None else _lookup(KIND_WORDS, v, tr("事项类型", "kind"))
    if kind == "status":
        return None if _text(v) is None else _lookup(STATUS_WORDS, v, tr("状态", "status"))
    if kind == "milestones":
        return _json_or_lines(v, _milestone)
    if kind == "targets":
        return _json_or_lines(v, _target)
    if kind == "progress":  # the log as exported, or a clerk's note of how it stands
        s = _text(v)
        try:
            return _json(s, list) if s and s.startswith("[{") else _log_lines(s)
        except ValueError:
            return s
    if kind == "record":
        return _json(v, dict)
    if kind == "records":
        return _json(v, list)
    return None


# ------------------------------------------------------------------ sheets to rows


def parse_mapping(specs: list[str]) -> dict[str, str]:
    """--map 列名=field … as {header name: field}; field '-' leaves the column out."""
    out = {}
    for spec in specs:
        col, sep, f = spec.rpartition("=")
        f = f.strip()
        if not sep or not col.strip():
            raise ShishiError(tr(f"--map 应写成 列名=字段，如 --map 问题描述=title：{spec}", f"--map is COLUMN=FIELD, e.g. --map 问题描述=title: {spec}"))
        if f != "-" and f not in TYPES:
            raise ShishiError(tr(f"--map {spec}：没有字段 {f}，可用：{' '.join(TYPES)} 或 -（不导入）", f"--map {spec}: no field {f}; fields: {' '.join(TYPES)} or - (leave out)"))
        out[header_key(col)[0]] = f
        out[_wide(re.sub(r"\s+", "", col)).lower()] = f
    return out


def _field_of(cell, mapping: dict[str, str]) -> str | None:
    if cell is None or _text(cell) is None:
        return None
    name, _hint = header_key(cell)
    full = _wide(re.sub(r"\s+", "", str(cell))).lower()
    return mapping.get(full) or mapping.get(name) or KNOWN.get(name) or by_meaning(name)


MONEY_WORDS = ("资金", "投资", "预算", "金额", "经费")
DATE_WORDS = ("日期", "时间")


def by_meaning(name: str) -> str | None:
    """The field a header no list names is about, by the words it holds: 投入资金 is money, 整改截止 a deadline …

    Only short header-like cells count: a title row's '填报单位：三居社区' is not a column name.
    """
    if not name or len(name) > 16 or re.search(r"[:：].", name):
        return None

    def has(*words: str) -> bool:
        return any(w in name for w in words)

    if has("身份证"):
        return "reporter.id_card"
    if has("电话", "手机"):
        return "reporter.phone"
    if has(*MONEY_WORDS):
        if has("实际支出", "实际投入", "支出", "实际使用"):
            return "resolution.spent"
        return None if has("累计", "完成", "到位", "已") else "budget"  # money spent so far: no field holds it
    if has("时限", "截止", "期限"):
        return "due"
    if has("人次", "人数", "受益", "惠及"):
        return "resolution.beneficiaries"
    if has("是否"):
        if has("销号"):
            return "verified"
        return "resolved" if has("完成", "办结", "解决", "整改到位") else None
    dated = has(*DATE_WORDS)
    if has("销号"):
        return "verification.date" if dated else None
    if has("登记", "受理", "交办", "立项", "收集"):
        return "opened" if dated else None
    if has("办结", "完成", "解决") and dated:
        return "resolution.date"
    if has("进展", "进度", "推进"):
        return "progress"
    if has("办理结果", "处理结果", "办理情况", "整改情况", "解决情况"):
        return "resolution.text"
    if has("满意"):
        return "resolution.satisfaction"
    if has("责任人", "负责人", "经办人", "承办人"):
        return "owner"
    if has("领导"):
        return "lead"
    if has("单位", "部门"):
        return "partners"
    if has("类别", "类型", "领域"):
        return "category"
    if has("来源", "渠道"):
        return "source"
    if has("描述", "内容"):
        return "description"
    if has("名称", "事项", "问题", "项目"):
        return "title"
    if has("状态"):
        return "status"
    return None


def suggest(label: str) -> str:
    """The --map that would take a column import left out: '--map 备注=description'."""
    name = header_key(label)[0]
    if any(w in name for w in MONEY_WORDS):
        f = "resolution.spent"
    elif any(w in name for w in ("备注", "说明", "情况")):
        f = "description"
    elif any(w in name for w in DATE_WORDS):
        f = "opened"
    else:
        f = tr("字段", "FIELD")
    return f"--map {label}={f}"


def find_header(sheet: Sheet, mapping: dict[str, str]) -> int | None:
    """Index of the header row: the first row naming a title column and at least one more known column."""
    for i, row in enumerate(sheet.rows[:HEADER_SCAN]):
        fields = [f for f in (_field_of(c, mapping) for c in row) if f and f != "-"]
        if "title" in fields and len(fields) >= 2:
            return i
    return None


def _fill_merges(sheet: Sheet, header: int) -> None:
    """A value merged over several cells below the header counts in each of them (a 类别 merged down five rows)."""
    for r0, c0, r1, c1 in sheet.merges:
        if r0 - 1 <= header:
            continue
        value = sheet.rows[r0 - 1][c0 - 1] if r0 - 1 < len(sheet.rows) and c0 - 1 < len(sheet.rows[r0 - 1]) else None
        for r in range(r0 - 1, min(r1, len(sheet.rows))):
            row = sheet.rows[r]
            row.extend([None] * (c1 - len(row)))
            for c in range(c0 - 1, c1):
                row[c] = value


TITLE_LABEL = re.compile(r"(填报单位|报送单位|填表单位|单位名称|单位|填报日期|填报时间|报送日期|报送时间|填表日期|填表时间|统计日期|截至日期|截止日期)\s*[:：]")
AS_OF_IN_TITLE = re.compile(r"[截止]至\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}-\d{1,2}-\d{1,2})")
YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")


def read_title(rows: list[list]) -> tuple[str | None, date | None, int | None]:
    """What the rows above a header say of the sheet: its unit (填报单位), its date (填报日期) and its year (from the title)."""
    unit = as_of = year = None
    for row in rows:
        cells = [c for c in row if c is not None and _text(c) is not None]
        for i, cell in enumerate(cells):
            if isinstance(cell, (date, datetime)):
                continue
            text = _wide(str(cell))
            marks = list(TITLE_LABEL.finditer(text))
            for k, m in enumerate(marks):
                value: object = text[m.end() : marks[k + 1].start() if k + 1 < len(marks) else len(text)].strip()
                if not value and k + 1 == len(marks) and i + 1 < len(cells) and not TITLE_LABEL.search(_wide(str(cells[i + 1]))):
                    value = cells[i + 1]  # the label in one cell, its value in the next
                if "单位" in m.group(1):
                    name = re.sub(r"[(（]\s*(盖章|公章|章)\s*[)）]", "", _text(value) or "").strip()
                    unit = unit or name or None
                else:
                    try:
                        as_of = as_of or parse_cell_date(value)
                    except ValueError:
                        pass
            if as_of is None and (m := AS_OF_IN_TITLE.search(text)):
                try:
                    as_of = parse_cell_date(m.group(1))
                except ValueError:
                    pass
            if year is None and not marks and (m := YEAR_IN_TITLE.search(text)):
                year = int(m.group(1))
    return unit, as_of, year or (as_of.year if as_of else None)


TITLE_KINDS = (("project", ("民生实事项目", "项目台账", "项目清单", "项目进展")), ("rectification", ("督查整改", "整改台账", "督办台账", "整改清单")), ("demand", ("群众诉求", "诉求办理", "急难愁盼", "问题清单")))


def kind_of_title(rows: list[list]) -> str | None:
    """The kind of items a sheet's title says it lists: 民生实事项目台账 → project, 督查整改台账 → rectification."""
    for row in rows:
        for cell in row:
            text = re.sub(r"\s+", "", _wide(str(cell))) if isinstance(cell, str) else ""
            if TITLE_LABEL.search(text):
                continue
            for kind, words in TITLE_KINDS:
                if any(w in text for w in words):
                    return kind
    return None


def _first_text(row: list) -> str:
    for c in row:
        s = _text(c)
        if s:
            return re.sub(r"\s+", "", _wide(s))
    return ""


def row_key(data: dict, opened_given: bool) -> str:
    """The source key: a digest of what makes a row one problem (title, opened as given, reporter)."""
    rep = data.get("reporter") or {}
    parts = [
        re.sub(r"\s+", " ", _wide(data["title"])),
        data["opened"].isoformat() if opened_given else "",
        _wide(rep.get("name") or ""),
        re.sub(r"\D", "", _wide(rep.get("phone") or "")),
        _wide(rep.get("id_card") or "").upper(),
    ]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


class _Bad(Exception):
    pass


@dataclass
class Sheetwide:
    """What a sheet says of all its rows, and what import assumes where a row says nothing."""

    opened: date  # rows without 登记日期 are opened on this day …
    opened_from: str  # … given by "--opened", "year" (the sheet's year) or "today"
    today: date
    resolved_on: date | None = None  # --resolved-on
    as_of: date | None = None  # the sheet's 填报日期
    unit: str | None = None  # the sheet's 填报单位
    year: int | None = None
    kind: str = "demand"  # of items without a 事项类型: --kind, else what the title says


DONE_CLAUSE = re.compile(r"^(?:[^\d%％]*(?<![未没尚])已[^\d%％]*|全部|全面|顺利)?(?:完成|办结|竣工|解决|整改到位|投入使用|通过验收|竣工验收)了?$")


def says_done(note: str | None) -> bool:
    """A progress note whose last clause says the work is done: '已完成', '路面硬化已完成', not '已完成60%' nor '预计10月完成'."""
    if not note:
        return False
    clauses = [c for c in re.split(r"[，,。；;！!\n]", _wide(note)) if c.strip()]
    return bool(clauses) and bool(DONE_CLAUSE.match(re.sub(r"\s+", "", clauses[-1])))


def row_data(cells: dict[str, object], cols: Columns, sw: Sheetwide) -> tuple[dict, bool, dict, list[str]]:
    """An item's data from a row's cells {field: raw}; raises _Bad with every reason.

    Returns (data, opened given, {what: where from} of the dates assumed, warnings).
    """

    def header(f: str) -> str:
        return cols.labels.get(f, f)

    def fix(f: str) -> str:
        """How a clerk gives a row a value it lacks: fill the column in, or add it."""
        zh = COLUMN_ZH.get(f, f)
        if f in cols.labels:
            return tr(f"在“{cols.labels[f]}”列填写", f"fill in the column “{cols.labels[f]}”")
        return tr(f"加一列“{zh}”", f"add a column “{zh}”")

    got, why, warnings = {}, [], []
    for f, raw in cells.items():
        try:
            got[f] = read_cell(TYPES[f], raw, cols.hints.get(f, ""))
        except ValueError as e:
            why.append(f"{header(f)}{tr('：', ': ')}{e}")
    if not got.get("title"):
        why.append(tr(f"没有事项名称——{fix('title')}", f"no title — {fix('title')}"))
    if why:
        raise _Bad(tr("；", "; ").join(why))

    data = {k: got.get(k) for k in ("title", "description", "category", "source", "handling", "owner", "lead", "due", "budget", "supervision")}
    data["kind"] = got.get("kind") or sw.kind
    for k in ("partners", "tags", "milestones", "targets", "extensions", "reopenings"):
        data[k] = got.get(k) or []
    noted = got.get("progress.date") or sw.as_of or sw.today  # a note of how it stands is dated by the sheet
    progress = got.get("progress")
    note = progress if isinstance(progress, str) else None
    data["progress"] = [{"date": noted, "note": note}] if note else (progress or [])
    rep = {k: got.get(f"reporter.{k}") for k in ("name", "phone", "id_card")}
    data["reporter"] = rep if any(rep.values()) else None

    res = {k: got.get(f"resolution.{k}") for k in ("date", "text", "beneficiaries", "spent", "satisfaction")}
    ver = {"date": got.get("verification.date"), "by": got.get("verification.by")}
    can = {"date": got.get("cancellation.date"), "reason": got.get("cancellation.reason")}
    status = got.get("status")
    if status is None:
        if any(can.values()):
            status = "cancelled"
        elif got.get("verified") or ver["date"]:
            status = "verified"
        elif got.get("resolved") or (got.get("resolved") is None and (res["date"] or res["text"] or says_done(note))):
            status = "resolved"
        else:
            status = "in_progress" if data["progress"] or res["text"] else "open"
    else:
        for flag, yes in (("resolved", ("resolved", "verified")), ("verified", ("verified",))):
            if got.get(flag) is not None and got[flag] != (status in yes):
                why.append(tr(f"“{header(flag)}”填“{'是' if got[flag] else '否'}”与“{header('status')}”不符", f"“{header(flag)}” contradicts “{header('status')}”"))
    assumed: dict[str, str] = {}
    if status == "escalated":
        why.append(tr("已上报或转办的事项不导入：先作为推进中事项导入，再用 shishi escalate 上报", "escalated items are not imported: import it as in progress, then use shishi escalate"))
    if status in ("resolved", "verified"):
        if res["date"] is None:
            for when, source in ((sw.resolved_on, "--resolved-on"), (sw.as_of, "as_of"), (data["due"], "due")):
                if when is not None:
                    res["date"], assumed["resolved"] = when, source
                    break
            else:
                example = (sw.as_of or sw.today).isoformat()
                why.append(tr(f"标记已完成但没有办结日期——{fix('resolution.date')}，或用 --resolved-on {example}", f"marked done but no date of resolution — {fix('resolution.date')}, or use --resolved-on {example}"))
        if res["text"] is None and note:
            res["text"] = note  # 进展情况 of a done row is how it was resolved: the note is not kept twice
            data["progress"] = []
        if res["text"] is None:
            where = tr(f"在“{cols.labels['progress']}”列写明办理情况", f"describe it in the column “{cols.labels['progress']}”") if "progress" in cols.labels else fix("resolution.text")
            why.append(tr(f"标记已完成但没有办理结果——{where}", f"marked done but no resolution — {where}"))
        if res["beneficiaries"] is None:
            why.append(tr(f"标记已完成但没有惠及人次——{fix('resolution.beneficiaries')}", f"marked done but no count of people served — {fix('resolution.beneficiaries')}"))
        data["resolution"] = res
    else:
        if res["date"] is not None:
            why.append(tr(f"填了“{header('resolution.date')}”却未标记完成", f"“{header('resolution.date')}” is filled in but the row is not marked done"))
        dropped = [header(f"resolution.{k}") for k in ("beneficiaries", "spent", "satisfaction") if res[k] is not None]
        if dropped:  # a project's expected beneficiaries: counted only when it is resolved
            warnings.append(tr(f"未办结，{'、'.join(dropped)}未导入（办结时用 shishi close 填写）", f"not resolved: {', '.join(dropped)} left out (give them at shishi close)"))
        if res["text"]:  # 办理结果 of an unfinished item is how it stands: kept as a progress note
            data["progress"].append({"date": noted, "note": res["text"]})
    if status == "verified":
        if ver["date"] is None:
            why.append(tr(f"标记已销号但没有销号日期——{fix('verification.date')}", f"marked verified but no date — {fix('verification.date')}"))
        data["verification"] = ver
    elif ver["date"] or ver["by"]:
        why.append(tr("未销号的事项不应有销号记录", "an item not verified has a verification"))
    if status == "cancelled":
        for k in ("date", "reason"):
            if can[k] is None:
                why.append(tr(f"标记已撤销但没有{COLUMN_ZH[f'cancellation.{k}']}——{fix(f'cancellation.{k}')}", f"marked cancelled but no {k} — {fix(f'cancellation.{k}')}"))
        data["cancellation"] = can
    elif any(can.values()):
        why.append(tr("未撤销的事项不应有撤销记录", "an item not cancelled has a cancellation"))
    if why:
        raise _Bad(tr("；", "; ").join(why))
    given = got.get("opened")
    if given is None:  # opened on the day assumed, but never after anything the row dates
        later = [d for d in (data["due"], res["date"] if "resolution" in data else None) if d is not None]
        data["opened"] = min([sw.opened] + later)
        assumed["opened"] = sw.opened_from if data["opened"] == sw.opened else "due"
    else:
        data["opened"] = given
    data["status"] = status
    return {k: v for k, v in data.items() if v is not None}, given is not None, assumed, warnings


COLUMN_ZH = dict(COLUMNS)


NO_HEADER = (
    "找不到表头行：需要一行列名，其中有事项名称列（项目名称/事项/问题）；其他列名可用 --map 列名=字段 指定",
    "no header row: one row of column names must name the title column (项目名称/事项/问题); map others with --map COLUMN=FIELD",
)


@dataclass
class Columns:
    """Which cells of a row feed which field, and what their headers say."""

    index: dict[str, list[int]] = field(default_factory=dict)  # field -> column numbers (0-based)
    labels: dict[str, str] = field(default_factory=dict)  # field -> its header as written
    hints: dict[str, str] = field(default_factory=dict)  # field -> the unit in its header (万元)
    first_row: int = 0  # index of the first data row


def _columns(sheet: Sheet, h: int, mapping: dict[str, str], result: ImportResult) -> Columns:
    """The columns under header row `h`; a header merged across columns (投资（万元）) with names in the row below is read as two rows."""
    header = list(sheet.rows[h])
    spans = [(c0, c1) for r0, c0, _r1, c1 in sheet.merges if r0 - 1 == h and c1 > c0]
    below = sheet.rows[h + 1] if h + 1 < len(sheet.rows) else []
    cols = Columns(first_row=h + 1)
    group_hint: dict[int, str] = {}
    if spans and any(_field_of(below[c - 1], mapping) for c0, c1 in spans for c in range(c0, c1 + 1) if c - 1 < len(below)):
        header.extend([None] * (len(below) - len(header)))
        for c0, c1 in spans:
            hint = header_key(header[c0 - 1])[1] if header[c0 - 1] is not None else ""
            for c in range(c0 - 1, min(c1, len(below))):
                header[c], group_hint[c] = below[c], hint
        cols.first_row = h + 2
    columns, unmapped = {}, []
    for c, cell in enumerate(header):
        f, label = _field_of(cell, mapping), _text(cell)
        if f is None:
            if label:
                unmapped.append(label)
            continue
        columns[label] = f
        if f == "-" or TYPES[f] == "skip":
            continue
        if f in cols.index and TYPES[f] != "names":
            first = cols.labels[f]
            result.problems.append(RowProblem(sheet.name, h + 1, tr(f"列“{first}”和“{label}”都对应 {f}，用 --map {label}=- 去掉其一", f"columns '{first}' and '{label}' both mean {f}; drop one with --map {label}=-")))
            continue
        cols.index.setdefault(f, []).append(c)
        cols.labels.setdefault(f, label)
        name, hint = header_key(cell)
        if not hint and TYPES[f] == "money" and name.endswith("元"):  # 投资额万元, 金额元
            hint = "万元" if name.endswith("万元") else "元"
        cols.hints[f] = hint or group_hint.get(c, "")
    result.sheets.append(SheetInfo(sheet.name, h + 1, columns, unmapped))
    return cols


def read_rows(
    sheets: list[Sheet],
    mapping: dict[str, str],
    result: ImportResult,
    *,
    kind: str | None,
    opened: date | None,
    today: date,
    only_sheet: bool,
    resolved_on: date | None = None,
) -> list[tuple[Row, bool]]:
    """Rows of every sheet that has a header as (row, opened given); problems, blanks and totals counted in `result`.

    Rows without a 登记日期 are opened on `opened`, else on the first day of the sheet's year, else today.
    """
    rows = []
    for sheet in sheets:
        h = find_header(sheet, mapping)
        if h is None:
            if only_sheet:
                result.problems.append(RowProblem(sheet.name, 0, tr(*NO_HEADER)))
            continue
        unit, as_of, year = read_title(sheet.rows[:h])
        if year is None and (m := YEAR_IN_TITLE.search(sheet.name)):  # 2021年台账.csv
            year = int(m.group(1))
        if opened is not None:
            start, start_from = opened, "--opened"
        elif year is not None:
            start, start_from = date(year, 1, 1), "year"
        else:
            start, start_from = today, "today"
        sw = Sheetwide(start, start_from, today, resolved_on, as_of, unit, year, kind or kind_of_title(sheet.rows[:h]) or "demand")
        result.sheetwide[sheet.name] = sw
        cols = _columns(sheet, h, mapping, result)
        _fill_merges(sheet, cols.first_row - 1)
        for r in range(cols.first_row, len(sheet.rows)):
            row = sheet.rows[r]
            first = _first_text(row)
            if not first:
                result.blank += 1
                continue
            if first.startswith(TOTAL_WORDS):
                result.totals += 1
                continue
            if first.startswith(NOTE_WORDS):
                result.notes += 1
                continue
            cells = {}
            for f, cs in cols.index.items():
                vals = [row[c] for c in cs if c < len(row) and _text(row[c]) is not None]
                cells[f] = (LIST_JOIN.join(_text(v) for v in vals) if len(cs) > 1 else vals[0]) if vals else None
            if not any(v is not None for v in cells.values()):
                result.blank += 1  # only 序号 or unmapped cells: a pre-numbered empty row of a template
                continue
            try:
                data, given, assumed, warnings = row_data(cells, cols, sw)
            except _Bad as e:
                result.problems.append(RowProblem(sheet.name, r + 1, mask(str(e))))
                continue
            result.problems += [RowProblem(sheet.name, r + 1, mask(w), "warning") for w in warnings]
            rows.append((Row(sheet.name, r + 1, data, assumed=assumed, labels=cols.labels), given))
    if not result.sheets and not result.problems:
        result.problems.append(RowProblem("、".join(s.name for s in sheets), 0, tr(*NO_HEADER)))
    return rows


def _item_checks(ledger, upath: str, row: Row, data: dict) -> list[RowProblem]:
    """What `shishi check` would say of the row's item: its errors refuse the row, its warnings are shown."""
    from shishi.checks import privacy
    from shishi.checks import rules as validate
    from shishi.store.ledger import Entry
    from shishi.store.model import Item

    entry = Entry(Item.model_validate(data), upath, row.sheet, row.row)
    one = replace(ledger, entries=[entry], problems=[])
    out = []
    for check in (validate.dates_in_order, validate.status_consistent, validate.vocabularies, privacy.free_text):
        for p in check(one):
            out.append(RowProblem(row.sheet, row.row, _in_columns(p.message, row), p.severity))
    return out


FIELD_PATH = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)?)(?:\[\d+\])? (中有|holds a)")


def _in_columns(message: str, row: Row) -> str:
    """A check's message about a field ('title 中有电话号码…，请移到 reporter 中') in the sheet's words: its column headers."""
    m = FIELD_PATH.match(message)
    if not m:
        return message
    path = re.sub(r"\[\d+\]", "", m.group(1))
    label = row.labels.get(path) or row.labels.get(path.partition(".")[0]) or COLUMN_ZH.get(path) or COLUMN_ZH.get(path.partition(".")[0], path)
    where = row.labels.get("reporter.phone") or COLUMN_ZH["reporter.phone"]
    text = tr(f"“{label}”列中有", f"the column “{label}” holds a") + message[m.end() :]
    return text.replace("请移到 reporter 中或删去", f"请移到“{where}”列或删去").replace("move it to reporter or remove it", f"move it to the column “{where}” or remove it")


def import_file(
    root: Path,
    path: Path,
    unit: str | None = None,
    *,
    mapping: list[str] = (),
    sheet: str | None = None,
    kind: str | None = None,
    opened: str | date | None = None,
    resolved_on: str | date | None = None,
    dry_run: bool = False,
    skip_bad: bool = False,
    today: date | None = None,
) -> ImportResult:
    """Import a spreadsheet's rows as new items of `unit` (else the unit its title rows name), in one locked write per ledger file.

    Nothing is written when a row is bad, unless `skip_bad`; rows already
    imported (same source key in the unit) are not added again.
    """
    from shishi.store.model import KINDS

    if kind is not None and kind not in KINDS:
        raise ShishiError(tr(f"事项类型应为 {'/'.join(KINDS)} 之一：{kind}", f"kind must be one of {'/'.join(KINDS)}: {kind}"))
    today = today or date.today()
    start = values.parse_date(opened, "--opened")
    done_on = values.parse_date(resolved_on, "--resolved-on")
    maps = parse_mapping(list(mapping))
    ledger = files.tree_units(root)
    result = ImportResult()
    sheets = read_file(Path(path), sheet)
    read = read_rows(sheets, maps, result, kind=kind, opened=start, today=today, only_sheet=sheet is not None, resolved_on=done_on)
    upath = _target_unit(ledger, unit, result)
    result.unit = upath
    seen: dict[str, int] = {}
    for row, given in read:
        refused = _model_refusals(row)
        if refused:
            result.problems.append(RowProblem(row.sheet, row.row, mask(tr("；", "; ").join(refused))))
            continue
        try:
            data = ops.prepare(ledger, row.data)
        except ShishiError as e:
            result.problems.append(RowProblem(row.sheet, row.row, mask(_clerks_words(e.message, row, given))))
            continue
        found = _item_checks(ledger, upath, row, data)
        result.problems += found
        if any(p.severity == "error" for p in found):
            continue
        key = row_key(data, given)
        seen[key] = seen.get(key, 0) + 1
        row.data["source_key"] = key if seen[key] == 1 else f"{key}-{seen[key]}"  # the same row twice in a sheet: both kept
        result.rows.append(row)
    order = {s.name: i for i, s in enumerate(sheets)}
    result.problems.sort(key=lambda p: (order.get(p.sheet, -1), p.row))
    if result.errors and not skip_bad:
        return result
    added, already = ops.add_many(root, upath, [r.data for r in result.rows], dry_run=dry_run)
    by_key = {r.data["source_key"]: r for r in result.rows}
    for item in added:
        row = by_key[item.source_key]
        row.item = item
        result.added.append(row)
    result.already = [by_key[d["source_key"]] for d in already]
    result.written = not dry_run and bool(added)
    return result


def _target_unit(ledger, unit: str | None, result: ImportResult) -> str:
    """The unit given, else the one the sheets' 填报单位 names; a sheet naming another unit is warned of."""
    named = {sw.unit for sw in result.sheetwide.values() if sw.unit}
    if unit is None:
        if len(named) != 1:
            raise ShishiError(
                tr("表中没有写明填报单位，请用 --unit 指定导入到哪个单位", "the sheet names no unit (填报单位); say which with --unit")
                if not named
                else tr(f"各表的填报单位不同（{'、'.join(sorted(named))}），请用 --unit 指定导入到哪个单位", f"the sheets name different units ({', '.join(sorted(named))}); say which with --unit")
            )
        (unit,) = named
        try:
            return ops.item_unit(ledger, unit)
        except ShishiError as e:
            raise ShishiError(tr(f"表中的填报单位“{unit}”：{e.message}；可用 --unit 指定", f"the sheet's unit “{unit}”: {e.message}; see --unit")) from None
    upath = ops.item_unit(ledger, unit)
    for name, sw in result.sheetwide.items():
        if sw.unit and sw.unit not in (upath, upath.rpartition("/")[2], ledger.unit_name(upath)):
            result.problems.append(RowProblem(name, 0, tr(f"表中填报单位是“{sw.unit}”，导入到 {upath or ledger.unit_name('')}", f"the sheet names the unit “{sw.unit}”; importing into {upath or ledger.unit_name('')}"), "warning"))
    return upath


def _model_refusals(row: Row) -> list[str]:
    """What the item record refuses in the row's cells (too long, too many digits …), by the sheet's column headers."""
    from pydantic import ValidationError

    from shishi.store.model import Item

    try:
        Item.model_validate(dict(row.data, id="X-0000-000"))
    except ValidationError as err:
        out = []
        for e in err.errors(include_url=False):
            loc = [str(p) for p in e["loc"] if isinstance(p, str)]
            path, head = ".".join(loc[:2]), loc[0] if loc else ""
            label = row.labels.get(path) or row.labels.get(head) or COLUMN_ZH.get(path) or COLUMN_ZH.get(head, path)
            ctx = e.get("ctx") or {}
            why = {
                "string_too_long": tr(f"太长，最多 {ctx.get('max_length')} 个字", f"too long, at most {ctx.get('max_length')} characters"),
                "string_too_short": tr("不能为空", "cannot be empty"),
                "decimal_max_digits": tr("位数太多", "too many digits"),
                "decimal_max_places": tr("小数位太多", "too many decimal places"),
                "greater_than_equal": tr(f"不能小于 {ctx.get('ge')}", f"cannot be below {ctx.get('ge')}"),
                "less_than_equal": tr(f"不能大于 {ctx.get('le')}", f"cannot be above {ctx.get('le')}"),
                "too_long": tr("条目太多", "too many entries"),
            }.get(e["type"], tr("填写有误", e["msg"]))
            out.append(f"{label}{tr('：', ': ')}{why}")
        return list(dict.fromkeys(out))
    return []


def _clerks_words(message: str, row: Row, given: bool) -> str:
    """A refusal of the item as a whole in the words of the sheet: which of its columns or flags to change."""
    if message == tr("完成时限早于登记日期", "--due is before the opening date") and given:
        d = row.data
        return tr(
            f"完成时限 {d['due'].isoformat()} 早于登记日期 {d['opened'].isoformat()}——改正“完成时限”或“登记日期”列",
            f"due {d['due'].isoformat()} is before the date opened {d['opened'].isoformat()} — correct the deadline or the date opened",
        )
    return message
