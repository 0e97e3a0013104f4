"""Spreadsheets and interchange out: items with every field as CSV, XLSX or JSON, and Open311 GeoReport v2.

Personal data stays masked unless revealed: every phone and ID-card number
in any text is starred and reporters' names are left out. The columns are
the ones `importer` reads back, so an export imported into another unit
gives the same items (see COLUMNS).
"""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from shishi.checks.privacy import mask_data
from shishi.errors import ShishiError
from shishi.i18n import FIELD_COLUMNS as COLUMNS
from shishi.i18n import kind_name, status_name, tr
from shishi.render.json import to_json

FORMATS = ("csv", "xlsx", "json", "open311")

LIST_SEP = "、"  # partners and tags in one cell
JSON_FIELDS = ("milestones", "targets", "supervision", "progress", "extensions", "reopenings")
INTERNAL = ("source_key",)  # keys for shishi, not for the clerk: only with --all-fields
# a log a clerk reads but import cannot take back whole: another header, so import lists it as not imported
READABLE_HEADERS = {"supervision": ("督查督办情况", "supervision notes"), "extensions": ("延期情况", "extension notes"), "reopenings": ("重办情况", "reopening notes")}


def columns(all_fields: bool = False) -> list[tuple[str, str]]:
    """(field, Chinese header) of an export: every field with `all_fields`, else without the internal keys."""
    if all_fields:
        return list(COLUMNS)
    return [(f, READABLE_HEADERS[f][0] if f in READABLE_HEADERS else zh) for f, zh in COLUMNS if f not in INTERNAL]




def _json_default(o):
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def cell_json(value) -> str:
    """A list of records (or one record) as compact JSON text for one cell."""
    return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def _qty(v) -> str:
    return format(Decimal(v).normalize(), "f") if v is not None else ""


def readable(field: str, value) -> str | None:
    """A log or a list of records as lines a clerk reads in one cell: '2021-09-02 已采购灯具'.

    Progress, milestones and targets are written so that import reads them back.
    """
    if not value:
        return None
    if field == "progress":  # continuation lines of a note carry no date: import joins them back
        return "\n".join(f"{p['date'].isoformat()} " + (f"【{p['milestone']}】" if p.get("milestone") else "") + p["note"] + (f"（{p['by']}）" if p.get("by") else "") for p in value)
    if field == "milestones":
        return "\n".join(f"{m['name']}={m['due'].isoformat()}" + (tr(f"（{m['done'].isoformat()} 完成）", f" (done {m['done'].isoformat()})") if m.get("done") else "") for m in value)
    if field == "targets":
        return "\n".join(f"{t['name']}={_qty(t['planned'])}{t.get('unit') or ''}" + (tr(f"（完成 {_qty(t['actual'])}）", f" (actual {_qty(t['actual'])})") if t.get("actual") is not None else "") for t in value)
    if field == "supervision":
        head = " ".join(x for x in (value.get("level"), value["date"].isoformat(), value.get("by"), value.get("notice")) if x)
        if value.get("deadline"):
            head += tr(f"，限 {value['deadline'].isoformat()} 前整改", f", to be fixed by {value['deadline'].isoformat()}")
        return "\n".join([head] + [f"{f['date'].isoformat()} {tr('反馈', 'feedback')}：{f['note']}" for f in value.get("feedback", [])])
    if field == "extensions":
        return "\n".join(f"{x['date'].isoformat()} " + tr(f"延期 {x['original'].isoformat()} → {x['to'].isoformat()}：{x['reason']}", f"extended {x['original'].isoformat()} → {x['to'].isoformat()}: {x['reason']}") for x in value)
    if field == "reopenings":
        return "\n".join(f"{x['date'].isoformat()} " + (tr("退回重办", "returned") if x.get("returned") else tr("重办", "reopened")) + f"：{x['reason']}" for x in value)
    return cell_json(value)


def item_row(item, unit: str, seq: int, reveal: bool, all_fields: bool = False) -> dict:
    """One item as {field: plain value}: dates and Decimals kept; logs as readable lines, or as JSON with `all_fields`."""
    from shishi.store.model import item_to_data

    return data_row(item_to_data(item), unit, seq, reveal, all_fields)


def data_row(data: dict, unit: str, seq: int, reveal: bool, all_fields: bool = False) -> dict:
    """`item_row` of an item's plain data (`item_to_data`)."""
    row: dict = {"seq": seq, "unit": unit or "/"}
    for field, _zh in COLUMNS[1:]:
        if field == "unit":
            continue
        head, _, part = field.partition(".")
        value = data.get(head)
        if part:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None and head in JSON_FIELDS:
            value = (cell_json(value) if all_fields else readable(head, value)) if value else None
        elif isinstance(value, list):
            value = LIST_SEP.join(value) if value else None
        row[field] = value
    row["kind"] = kind_name(data["kind"])
    row["status"] = status_name(data["status"])
    if not reveal:
        row["reporter.name"] = None
        row = mask_data(row)
    return row


def headers(all_fields: bool = False) -> list[str]:
    return [tr(zh, READABLE_HEADERS[field][1] if field in READABLE_HEADERS and not all_fields else field) for field, zh in columns(all_fields)]



def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def to_csv(rows, all_fields: bool = False) -> str:
    buf = io.BytesIO()
    write_csv(buf, rows, all_fields)
    return buf.getvalue().decode("utf-8")


def write_csv(out, rows, all_fields: bool = False) -> None:
    """The CSV of `rows` (any iterable) to the binary stream `out`, a row at a time."""
    import csv

    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    w = csv.writer(text, lineterminator="\r\n")
    w.writerow(headers(all_fields))
    cols = columns(all_fields)
    for r in rows:
        w.writerow([_cell_text(r[f]) for f, _ in cols])
    text.detach()


def _exact_float(v: Decimal) -> bool:
    return Decimal(repr(float(v))) == v


MONEY = ("budget", "resolution.spent")
WRAP = ("title", "description", "progress", "milestones", "targets", "supervision", "extensions", "reopenings", "resolution.text", "cancellation.reason", "partners")
MAX_WIDTH = 48  # characters a column may take before its text wraps


def to_xlsx(rows: list[dict], title: str, all_fields: bool = False) -> bytes:
    """A workbook of one sheet a clerk reads: real date and number cells (money as numbers), text never read as
    a formula, columns as wide as their content (long text wrapped), the header frozen and printed on every page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import IllegalCharacterError
    from wcwidth import wcswidth

    cols = columns(all_fields)
    wb = Workbook()
    ws = wb.active
    ws.title = (title or "台账")[:31].translate(str.maketrans("[]:*?/\\", "（）：＊？／＼"))
    ws.append(headers(all_fields))
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    widths = [max(wcswidth(h), 4) for h in headers(all_fields)]
    top = Alignment(vertical="top")
    wrapped = Alignment(vertical="top", wrap_text=True)
    for n, r in enumerate(rows, start=2):
        for col, (field, _zh) in enumerate(cols, start=1):
            v = r[field]
            if v is None:
                continue
            if isinstance(v, Decimal) and not _exact_float(v):
                v = str(v)  # beyond a double's precision: text keeps every digit
            try:
                cell = ws.cell(row=n, column=col, value=v)
            except IllegalCharacterError:
                raise ShishiError(tr(f"{r['id']} 的 {field} 含有 Excel 不能保存的控制字符", f"{r['id']}: {field} holds a control character Excel cannot store")) from None
            if isinstance(v, str):
                cell.data_type = "s"  # a title starting with "=" stays text, never a formula
            elif isinstance(v, date):
                cell.number_format = "yyyy-mm-dd"
            elif field in MONEY:
                cell.number_format = "#,##0.00"
            text = _cell_text(v)
            cell.alignment = wrapped if field in WRAP or "\n" in text else top
            widths[col - 1] = max(widths[col - 1], max((wcswidth(line) for line in text.split("\n")), default=0) if not isinstance(v, date) else 10)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(w, MAX_WIDTH) + 2
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _stamp(d: date | None) -> str | None:
    return f"{d.isoformat()}T00:00:00+08:00" if d else None


def _last_event(item) -> date:
    dates = [item.opened]
    dates += [p.date for p in item.progress] + [x.date for x in item.extensions] + [r.date for r in item.reopenings]
    for rec in (item.resolution, item.verification, item.cancellation):
        if rec is not None:
            dates.append(rec.date)
    if item.supervision:
        dates += [item.supervision.date] + [f.date for f in item.supervision.feedback]
    return max(dates)


TERRITORIAL = ("town", "street", "village", "community")


def service_request(item, unit: str, ledger, reveal: bool) -> dict:
    """An item as an Open311 GeoReport v2 service request (times in China Standard Time, +08:00)."""
    closed = item.status not in ("open", "in_progress")
    if item.status in ("resolved", "verified") and item.resolution:  # a hand edit may have lost it; check reports that
        notes = item.resolution.text
    elif item.status == "cancelled" and item.cancellation:
        notes = item.cancellation.reason
    else:
        notes = item.progress[-1].note if item.progress else None
    agency = "".join(unit.split("/")) or ledger.unit_name("")
    sr = {
        "service_request_id": item.id,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": item.category,
        "service_code": item.kind,
        "description": item.title + (f"\n{item.description}" if item.description else ""),
        "agency_responsible": agency,
        "service_notice": f"督查督办：{item.supervision.level}" if item.supervision else None,
        "requested_datetime": _stamp(item.opened),
        "updated_datetime": _stamp(_last_event(item)),
        "expected_datetime": _stamp(item.due),
    }
    if ledger.tier(unit) in TERRITORIAL and ledger.config:
        sr["address"] = ledger.config.district + agency
    return sr if reveal else mask_data(sr)


def export(root: Path, *, unit: str | None = None, period=None, fmt: str = "csv", reveal: bool = False, all_fields: bool = False,
           ledger=None) -> str | bytes:
    """The items of a unit and the units below it (opened in `period`, a Period or its text) in one format; bytes for xlsx.

    CSV and xlsx are for reading: logs as dated lines, no internal keys; `all_fields` writes every field
    (logs as JSON) so that `import` gives the same items back. `ledger`: the tree already loaded, else read here."""
    from shishi.store.load import load, select
    from shishi.values import parse_period

    if fmt not in FORMATS:
        raise ShishiError(tr(f"--format 应为 {'|'.join(FORMATS)}", f"--format must be one of {'|'.join(FORMATS)}"))
    if fmt in STREAMED:
        buf = io.BytesIO()
        export_to(buf, root, unit=unit, period=period, fmt=fmt, reveal=reveal, all_fields=all_fields)
        return buf.getvalue().decode("utf-8")
    p = parse_period(period) if isinstance(period, str) else period
    ledger = ledger or load(root)
    entries = select(ledger, unit=unit, period=p)
    if fmt == "open311":
        return to_json([service_request(e.item, e.unit, ledger, reveal) for e in entries])
    rows = [item_row(e.item, e.unit, n, reveal, all_fields) for n, e in enumerate(entries, start=1)]
    title = (unit or "").rpartition("/")[2] or tr("台账", "ledger")
    return to_xlsx(rows, title, all_fields)


STREAMED = ("csv", "json")


def export_out(root: Path, output: Path | None, streamed=None, ledger=None, **options) -> None:
    """An export on stdout, or into `output` whole or not at all; csv and json written as they are read
    (from `streamed`, what store.load.stream gave, when the caller has it already; the others from `ledger`,
    the tree loaded, when the caller has it)."""
    import sys

    if options.get("fmt") in STREAMED:
        def data(f):
            export_to(f, root, streamed=streamed, **options)
    else:
        data = export(root, ledger=ledger, **options)
    if output is not None:
        write(output, data, bom=options.get("fmt") == "csv")  # a BOM so that Excel opens the Chinese right
    elif callable(data):
        sys.stdout.flush()
        data(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(data)


def export_to(out, root: Path, *, unit: str | None = None, period=None, fmt: str = "csv", reveal: bool = False, all_fields: bool = False,
              streamed=None) -> None:
    """A csv or json export written to the binary stream `out` as it is read: a ledger file's items in memory at a time
    (`streamed`: what store.load.stream gave, else the tree is streamed here)."""
    from shishi.render.json import write_array
    from shishi.store.load import matcher, stream
    from shishi.values import parse_period

    p = parse_period(period) if isinstance(period, str) else period
    ledger, files = streamed or stream(root)
    test = matcher(ledger, unit=unit, period=p)
    chosen = ((u, d) for u, items in files for d in items if test(u, d["status"], d["kind"], d.get("due"), d["opened"]))
    if fmt == "csv":
        write_csv(out, (data_row(d, u, n, reveal, all_fields) for n, (u, d) in enumerate(chosen, start=1)), all_fields)
        return

    def views():
        for u, d in chosen:
            data = {"id": d.pop("id"), "unit": u, **d}
            if not reveal:
                if data.get("reporter"):
                    data["reporter"].pop("name", None)
                data = mask_data(data)
            yield data

    write_array(out, views(), end=b"")


def write(path: Path, data, bom: bool = False) -> None:
    """Write an export file whole or not at all (temporary file renamed over it); `data` is text, bytes,
    or a function writing into the open binary file."""
    import os
    import tempfile

    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    except OSError as e:
        raise ShishiError(tr(f"无法写入 {path}：{e.strerror}", f"cannot write {path}: {e.strerror}")) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if bom and not isinstance(data, bytes):
                f.write(b"\xef\xbb\xbf")
            if callable(data):
                data(f)
            else:
                f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise ShishiError(tr(f"无法写入 {path}：{e.strerror}", f"cannot write {path}: {e.strerror}")) from None
        raise
