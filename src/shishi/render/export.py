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


def _json_default(o):
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def cell_json(value) -> str:
    """A list of records (or one record) as compact JSON text for one cell."""
    return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def item_row(item, unit: str, seq: int, reveal: bool) -> dict:
    """One item as {field: plain value} over COLUMNS: dates and Decimals kept, records as JSON text."""
    from shishi.store.model import item_to_data

    return data_row(item_to_data(item), unit, seq, reveal)


def data_row(data: dict, unit: str, seq: int, reveal: bool) -> dict:
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
            value = cell_json(value) if value else None
        elif isinstance(value, list):
            value = LIST_SEP.join(value) if value else None
        row[field] = value
    row["kind"] = kind_name(data["kind"])
    row["status"] = status_name(data["status"])
    if not reveal:
        row["reporter.name"] = None
        row = mask_data(row)
    return row


def headers() -> list[str]:
    return [tr(zh, field) for field, zh in COLUMNS]


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def to_csv(rows) -> str:
    buf = io.BytesIO()
    write_csv(buf, rows)
    return buf.getvalue().decode("utf-8")


def write_csv(out, rows) -> None:
    """The CSV of `rows` (any iterable) to the binary stream `out`, a row at a time."""
    import csv

    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    w = csv.writer(text, lineterminator="\r\n")
    w.writerow(headers())
    for r in rows:
        w.writerow([_cell_text(r[f]) for f, _ in COLUMNS])
    text.detach()


def _exact_float(v: Decimal) -> bool:
    return Decimal(repr(float(v))) == v


def to_xlsx(rows: list[dict], title: str) -> bytes:
    """A workbook of one sheet: real date and number cells, text cells never read as formulas."""
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = Workbook()
    ws = wb.active
    ws.title = (title or "台账")[:31].translate(str.maketrans("[]:*?/\\", "（）：＊？／＼"))
    ws.append(headers())
    ws.freeze_panes = "A2"
    for n, r in enumerate(rows, start=2):
        for col, (field, _zh) in enumerate(COLUMNS, start=1):
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


def export(root: Path, *, unit: str | None = None, period=None, fmt: str = "csv", reveal: bool = False) -> str | bytes:
    """The items of a unit and the units below it (opened in `period`, a Period or its text) in one format; bytes for xlsx."""
    from shishi.store.load import load, select
    from shishi.values import parse_period

    if fmt not in FORMATS:
        raise ShishiError(tr(f"--format 应为 {'|'.join(FORMATS)}", f"--format must be one of {'|'.join(FORMATS)}"))
    if fmt in STREAMED:
        buf = io.BytesIO()
        export_to(buf, root, unit=unit, period=period, fmt=fmt, reveal=reveal)
        return buf.getvalue().decode("utf-8")
    p = parse_period(period) if isinstance(period, str) else period
    ledger = load(root)
    entries = select(ledger, unit=unit, period=p)
    if fmt == "open311":
        return to_json([service_request(e.item, e.unit, ledger, reveal) for e in entries])
    rows = [item_row(e.item, e.unit, n, reveal) for n, e in enumerate(entries, start=1)]
    title = (unit or "").rpartition("/")[2] or tr("台账", "ledger")
    return to_xlsx(rows, title)


STREAMED = ("csv", "json")


def export_out(root: Path, output: Path | None, **options) -> None:
    """An export on stdout, or into `output` whole or not at all; csv and json written as they are read."""
    import sys

    if options.get("fmt") in STREAMED:
        def data(f):
            export_to(f, root, **options)
    else:
        data = export(root, **options)
    if output is not None:
        write(output, data, bom=options.get("fmt") == "csv")  # a BOM so that Excel opens the Chinese right
    elif callable(data):
        sys.stdout.flush()
        data(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(data)


def export_to(out, root: Path, *, unit: str | None = None, period=None, fmt: str = "csv", reveal: bool = False) -> None:
    """A csv or json export written to the binary stream `out` as it is read: a ledger file's items in memory at a time."""
    from shishi.render.json import write_array
    from shishi.store.load import matcher, stream
    from shishi.values import parse_period

    p = parse_period(period) if isinstance(period, str) else period
    ledger, files = stream(root)
    test = matcher(ledger, unit=unit, period=p)
    chosen = ((u, d) for u, items in files for d in items if test(u, d["status"], d["kind"], d.get("due"), d["opened"]))
    if fmt == "csv":
        write_csv(out, (data_row(d, u, n, reveal) for n, (u, d) in enumerate(chosen, start=1)))
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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
