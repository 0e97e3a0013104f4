"""The only place that renders a report or a roll-up: terminal (Rich), text (tabulate, for paper), md, html, xlsx, json, csv; docx (render.docx), pdf (render.pdf).

Heavy libraries (rich, tabulate, openpyxl) are imported inside the function
that needs them.
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime

from shishi.figures.report import BarChart, PhotoSet, Report, Section, Table, cn_date
from shishi.i18n import get_lang, tr
from shishi.render.json import to_json
from shishi.render.photos import missing_photo, photo_bytes, photo_caption
from shishi.render.table import (
    NUMERIC,
    TEXT_WIDTH,
    WRAPPED,
    cell,
    console,
    csv_table,
    md_table,
    plain_console,
    rich_tables,
    strip_lines,
    table_cells,
    terminal_text,
    text_table,
    width,
    wrap,
)

REPORT_FORMATS = ("terminal", "text", "md", "html", "docx", "xlsx", "json", "pdf")
BINARY_FORMATS = ("docx", "xlsx", "pdf")
ROLLUP_FORMATS = ("table", "text", "md", "csv", "json")
SUFFIXES = {".txt": "text", ".md": "md", ".html": "html", ".htm": "html", ".docx": "docx", ".xlsx": "xlsx", ".json": "json", ".csv": "csv", ".pdf": "pdf"}

# ------------------------------------------------------------------ text (paper)


def _center(text: str, page: int) -> str:
    return " " * max(0, (page - width(text)) // 2) + text


def render_text(report: Report, page: int = TEXT_WIDTH) -> str:
    out = [_center(report.title, page), _center(report.subtitle, page), ""]
    if report.incomplete:
        out += wrap(report.incomplete, page) + [""]
    for s in report.sections:
        out.append(s.title)
        out.append("")
        for p in s.paragraphs:
            out += wrap(tr("　　", "") + p, page)
            out.append("")
        if s.table is not None and s.table.rows:
            out.append(s.table.title)
            out.append(text_table(s.table, page))
            if s.table.note:
                out += wrap(s.table.note, page)
            out.append("")
        elif s.empty:
            out += [s.empty, ""]
    for note in report.notes:
        out += wrap(note, page)
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------------ terminal (Rich)


def terminal_renderables(report: Report, page: int = TEXT_WIDTH) -> list:
    """What `shishi report` prints to a terminal `page` columns wide, as Rich renderables."""
    from rich.panel import Panel
    from rich.text import Text

    out: list = [Text(report.title, style="bold", justify="center"), Text(report.subtitle, style="dim", justify="center"), Text("")]
    if report.incomplete:
        out += [Panel(Text(report.incomplete, style="bold red"), border_style="red"), Text("")]
    for s in report.sections:
        if s.key == "headline":
            text = "\n".join(line for p in s.paragraphs for line in wrap(p, page - 4))
            out += [Panel(Text(text), title=s.title, title_align="left", border_style="cyan"), Text("")]
            continue
        out.append(Text(s.title, style="bold cyan"))
        if s.table is not None and s.table.rows:
            out += rich_tables(s.table, page=page)
            if s.table.note:
                out.append(Text(s.table.note, style="dim"))
        elif s.empty:
            out.append(Text(s.empty, style="dim"))
        out.append(Text(""))
    out += [Text(n, style="dim") for n in report.notes]
    return out


def render_terminal(report: Report, page: int = TEXT_WIDTH) -> str:
    """The terminal rendering as plain text (for files and tests)."""
    console = plain_console(page)
    for r in terminal_renderables(report, page):
        console.print(r)
    return strip_lines(console.file.getvalue())


# ------------------------------------------------------------------ Markdown


def render_md(report: Report) -> str:
    out = [f"# {report.title}", "", report.subtitle, ""]
    if report.incomplete:
        out += [f"> **{report.incomplete}**", ""]
    for s in report.sections:
        out += [f"## {s.title}", ""]
        for p in s.paragraphs:
            out += [p, ""]
        if s.table is not None and s.table.rows:
            out += [f"**{s.table.title}**", "", md_table(s.table), ""]
            if s.table.note:
                out += [f"*{s.table.note}*", ""]
        elif s.empty:
            out += [s.empty, ""]
    out += [f"> {n}" for n in report.notes]
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------------ HTML

CSS = """
@page { size: A4 portrait; margin: 15mm 12mm 16mm 12mm;
  @bottom-center { content: "— " counter(page) " / " counter(pages) " —"; font-size: 9pt; font-family: "Noto Serif CJK SC", "SimSun", serif; } }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", serif; font-size: 10.5pt; line-height: 1.5; color: #000; margin: 0 auto; max-width: 186mm; }
h1, h2, caption, th, .subtitle, figcaption { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimHei", sans-serif; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 1.5mm; }
.subtitle { text-align: center; font-size: 10pt; margin: 0 0 5mm; }
h2 { font-size: 12.5pt; margin: 6mm 0 2mm; break-after: avoid; page-break-after: avoid; }
p.headline { text-indent: 2em; line-height: 1.9; margin: 0 0 2mm; border: 0.6pt solid #000; padding: 3mm 4mm; }
table { width: 100%; border-collapse: collapse; font-size: 8.8pt; margin: 0 0 1.5mm; }
caption { font-weight: bold; font-size: 9.5pt; padding: 0 0 1.5mm; }
th, td { border: 0.5pt solid #000; padding: 0.8mm 1.4mm; vertical-align: top; }
th { background: #e8e8e8; text-align: center; font-weight: bold; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
td.unit { min-width: 6.5em; }
tr { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
tr.total td { font-weight: bold; background: #f4f4f4; }
p.note, p.empty { font-size: 8.5pt; margin: 0 0 2mm; }
figure { margin: 2mm 0 3mm; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 9.5pt; font-weight: bold; text-align: center; }
svg { width: 100%; height: auto; }
p.incomplete { border: 1.5pt solid #c00; color: #c00; font-weight: bold; padding: 2mm 3mm; margin: 0 0 4mm; }
div.signature { margin: 10mm 8mm 0 auto; width: max-content; text-align: center; font-size: 12pt; line-height: 2; break-inside: avoid; page-break-inside: avoid; }
footer { margin-top: 5mm; font-size: 8.5pt; border-top: 0.5pt solid #000; padding-top: 1.5mm; }
@media screen { body { padding: 12mm 0; } }
"""

PHOTO_CSS = """
.photos { display: flex; gap: 4mm; margin: 1mm 0 4mm; break-inside: avoid; page-break-inside: avoid; }
.photos figure { flex: 1 1 0; margin: 0; }
.photos img { width: 100%; height: 62mm; object-fit: contain; background: #f4f4f4; display: block; }
.photos figcaption { font-weight: normal; font-size: 9pt; }
h3 { font-size: 10.5pt; margin: 3mm 0 1mm; break-after: avoid; page-break-after: avoid; }
p.missing { border: 0.5pt dashed #000; padding: 20mm 2mm; text-align: center; font-size: 9pt; }
"""

BAR_COLOURS = ("#9aa4ae", "#1f5fa8", "#c0392b", "#2e8b57")


def svg_chart(chart: BarChart) -> str:
    """A horizontal grouped bar chart as inline SVG, sized for the printed page."""
    esc = html.escape
    n_series = len(chart.series)
    bar, gap = 11, 9
    label_w, value_w, plot_w, top = 120, 40, 520, 28
    group_h = n_series * bar + gap
    h = top + len(chart.labels) * group_h + 6
    w = label_w + plot_w + value_w
    peak = max([max(v, default=0) for _s, v in chart.series] + [1])
    font = 'font-family="Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"'
    parts = [f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="{esc(chart.title)}" {font} font-size="11">']
    x = label_w
    for i, (name, _v) in enumerate(chart.series):  # legend
        parts.append(f'<rect x="{x}" y="6" width="12" height="10" fill="{BAR_COLOURS[i % len(BAR_COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="15">{esc(name)}</text>')
        x += 16 + 12 * (width(name) + 2) // 2 + 18
    for k in range(5):  # grid
        gx = label_w + plot_w * k / 4
        parts.append(f'<line x1="{gx:.1f}" y1="{top - 4}" x2="{gx:.1f}" y2="{h - 4}" stroke="#ccc" stroke-width="0.6"/>')
    for j, label in enumerate(chart.labels):
        y0 = top + j * group_h
        parts.append(f'<text x="{label_w - 6}" y="{y0 + n_series * bar / 2 + 4:.1f}" text-anchor="end">{esc(label)}</text>')
        for i, (_name, values) in enumerate(chart.series):
            v = values[j]
            bw = plot_w * v / peak
            y = y0 + i * bar
            parts.append(f'<rect x="{label_w}" y="{y}" width="{bw:.1f}" height="{bar - 1}" fill="{BAR_COLOURS[i % len(BAR_COLOURS)]}"/>')
            parts.append(f'<text x="{label_w + bw + 3:.1f}" y="{y + bar - 2}" font-size="9.5">{v}</text>')
    parts.append(f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{h - 4}" stroke="#000" stroke-width="0.8"/>')
    parts.append("</svg>")
    return "".join(parts)


def html_table(t: Table) -> str:
    esc = html.escape
    headers, rows = table_cells(t)
    # short text (status, schedule, unit names of a few characters) never breaks inside a cell
    short = [c.type not in WRAPPED or max([width(h)] + [width(r[i]) for r in rows]) <= 8 for i, (c, h) in enumerate(zip(t.columns, headers, strict=True))]
    klass = ["num" if c.type in NUMERIC else "nowrap" if short[i] else "unit" if c.key == "unit" else "" for i, c in enumerate(t.columns)]
    out = [f"<table><caption>{esc(t.title)}</caption><thead><tr>"]
    out += [f"<th>{esc(h)}</th>" for h in headers]
    out.append("</tr></thead><tbody>")
    for i, r in enumerate(rows):
        total = t.total is not None and i == len(rows) - 1
        out.append('<tr class="total">' if total else "<tr>")
        for v, k in zip(r, klass, strict=True):
            out.append(f'<td class="{k}">{esc(v)}</td>' if k else f"<td>{esc(v)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def html_photos(ps: PhotoSet) -> str:
    """A project's pictures side by side, embedded as data: URIs (the file stays self-contained)."""
    import base64

    esc = html.escape
    out = [f"<h3>{esc(ps.title)}（{esc(ps.item)}，{esc(ps.unit)}）</h3>" if get_lang() == "zh" else f"<h3>{esc(ps.title)} ({esc(ps.item)}, {esc(ps.unit)})</h3>", '<div class="photos">']
    for p in ps.photos:
        data = photo_bytes(p)
        mime = "image/png" if data is not None and data.startswith(b"\x89PNG") else "image/jpeg"
        if data is None:
            body = f'<p class="missing">{esc(missing_photo(p))}</p>'
        else:
            body = f'<img src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}" alt="{esc(p.caption)}">'
        out.append(f"<figure>{body}<figcaption>{esc(photo_caption(p))}</figcaption></figure>")
    out.append("</div>")
    return "".join(out)


def render_html(report: Report) -> str:
    """One self-contained, print-ready HTML file: inline CSS with A4 page rules, inline SVG, no external references."""
    esc = html.escape
    lang = "zh-CN" if get_lang() == "zh" else "en"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(report.title)}</title>",
        f"<style>{CSS}{PHOTO_CSS if any(s.photos for s in report.sections) else ''}</style></head><body>",
        f"<h1>{esc(report.title)}</h1>",
        f'<p class="subtitle">{esc(report.subtitle)}</p>',
    ]
    if report.incomplete:
        out.append(f'<p class="incomplete">{esc(report.incomplete)}</p>')
    for s in report.sections:
        out.append(f'<section id="{esc(s.key)}"><h2>{esc(s.title)}</h2>')
        out += [f'<p class="headline">{esc(p)}</p>' if s.key == "headline" else f"<p>{esc(p)}</p>" for p in s.paragraphs]
        if s.chart is not None:
            out.append(f"<figure>{svg_chart(s.chart)}<figcaption>{esc(s.chart.title)}</figcaption></figure>")
        for ps in s.photos:
            out.append(html_photos(ps))
        if s.table is not None and s.table.rows:
            out.append(html_table(s.table))
            if s.table.note:
                out.append(f'<p class="note">{esc(s.table.note)}</p>')
        elif s.empty:
            out.append(f'<p class="empty">{esc(s.empty)}</p>')
        out.append("</section>")
    out += [f"<footer>{esc(n)}</footer>" for n in report.notes]
    # 落款: the issuing office (shishi.yaml `issuer` or --issuer, else the unit) over the date, as the .docx signs
    when = cn_date(report.as_of) if get_lang() == "zh" else report.as_of.isoformat()
    out.append(f'<div class="signature"><p style="margin:0">{esc(report.issuer or report.unit_name)}</p><p style="margin:0">{esc(when)}</p></div>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ xlsx

XLSX_FORMATS = {"int": "0", "money": "#,##0.00", "score": "0.00", "rate": "0.0%", "qty": "General", "date": "yyyy-mm-dd"}


def _sheet_name(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", re.sub(r"^[一二三四五六七八九十]+、", "", title))[:31] or "Sheet"
    base, k = name, 2
    while name in taken:
        suffix = f"({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(name)
    return name


def xlsx_value(value, type_: str):
    """What goes into a cell: numbers and dates as themselves (never as text), the rest as text."""
    if value is None or type_ in NUMERIC or isinstance(value, date):
        return value
    return str(value)


def render_xlsx(report: Report) -> bytes:
    """A workbook: 摘要 (title, headline, notes), then one sheet per table, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    stamp = datetime(report.as_of.year, report.as_of.month, report.as_of.day)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.title = report.title
    bold = Font(bold=True)
    ws = wb.active
    ws.title = tr("摘要", "Summary")
    taken = {ws.title}
    ws["A1"] = report.title
    ws["A1"].font = Font(bold=True, size=15)
    ws["A2"] = report.subtitle
    if report.incomplete:
        ws["A3"] = report.incomplete
        ws["A3"].font = Font(bold=True, color="C00000")
        ws["A3"].alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[3].height = 15 * (len(wrap(report.incomplete, 100)) + 1)
    ws["A4"] = report.headline
    ws["A4"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 110
    ws.row_dimensions[4].height = 15 * (len(wrap(report.headline, 100)) + 1)
    for i, n in enumerate(report.notes):
        c = ws.cell(row=6 + i, column=1, value=n)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[6 + i].height = 15 * (len(wrap(n, 100)) + 1)
    fill = PatternFill("solid", fgColor="E8E8E8")
    for t in report.tables():
        sh = wb.create_sheet(_sheet_name(t.title, taken))
        for j, c in enumerate(t.columns, 1):
            h = sh.cell(row=1, column=j, value=c.title)
            h.font, h.fill = bold, fill
            h.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        rows = t.rows + ([t.total] if t.total is not None else [])
        for i, r in enumerate(rows, 2):
            for j, (v, c) in enumerate(zip(r, t.columns, strict=True), 1):
                x = sh.cell(row=i, column=j, value=xlsx_value(v, c.type))
                if c.type in XLSX_FORMATS and v is not None:
                    x.number_format = XLSX_FORMATS[c.type]
                if c.type in WRAPPED:
                    x.alignment = Alignment(wrap_text=True, vertical="top")
                if t.total is not None and i == len(rows) + 1:
                    x.font = bold
        for j, c in enumerate(t.columns, 1):
            longest = max([width(c.title)] + [width(cell(r[j - 1], c.type)) for r in rows])
            sh.column_dimensions[sh.cell(row=1, column=j).column_letter].width = min(max(longest + 2, 6), 48)
        sh.freeze_panes = "A2"
        if t.note:
            sh.cell(row=len(rows) + 3, column=1, value=t.note)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------ JSON


def table_data(t: Table) -> dict:
    keys = [c.key for c in t.columns]
    return {
        "key": t.key,
        "title": t.title,
        "columns": [{"key": c.key, "title": c.title, "type": c.type} for c in t.columns],
        "rows": [dict(zip(keys, r, strict=True)) for r in t.rows],
        "total": dict(zip(keys, t.total, strict=True)) if t.total is not None else None,
        "note": t.note,
    }


def section_data(s: Section) -> dict:
    return {
        "key": s.key,
        "title": s.title,
        "paragraphs": s.paragraphs,
        "table": table_data(s.table) if s.table is not None else None,
        "chart": {"title": s.chart.title, "labels": s.chart.labels, "series": [{"name": n, "values": v} for n, v in s.chart.series]} if s.chart else None,
    }


def report_data(report: Report) -> dict:
    """The report as plain data: money as numbers, rates as fractions, dates as ISO strings."""
    return {
        "title": report.title,
        "subtitle": report.subtitle,
        "unit": report.unit,
        "unit_name": report.unit_name,
        "period": report.period,
        "as_of": report.as_of,
        "headline": report.headline,
        "sections": [section_data(s) for s in report.sections],
        "notes": report.notes,
        "incomplete": report.incomplete_data,
    }


# ------------------------------------------------------------------ entry points


def render_report(report: Report, fmt: str) -> str | bytes:
    """The report in one of REPORT_FORMATS (docx, xlsx and pdf as bytes, the rest as text)."""
    if fmt == "terminal":
        return render_terminal(report)
    if fmt == "text":
        return render_text(report)
    if fmt == "md":
        return render_md(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "docx":
        from shishi.render.docx import render_docx

        return render_docx(report)
    if fmt == "pdf":
        from shishi.render.pdf import render_pdf

        return render_pdf(render_html(report))
    if fmt == "xlsx":
        from openpyxl.utils.exceptions import IllegalCharacterError

        from shishi.errors import ShishiError

        try:
            return render_xlsx(report)
        except IllegalCharacterError:  # as export does: Excel cannot store them, and check reports them
            raise ShishiError(tr("台账文本含有 Excel 不能保存的控制字符（shishi check 可查到位置）", "ledger text holds a control character Excel cannot store (shishi check shows where)")) from None
    if fmt == "json":
        return to_json(report_data(report)) + "\n"
    raise ValueError(fmt)


def render_rollup(doc, fmt: str, page: int = TEXT_WIDTH) -> str:
    """A roll-up document (figures.report.RollupDoc) in one of ROLLUP_FORMATS."""
    if fmt == "json":
        return to_json(doc.data) + "\n"
    if fmt == "csv":  # the roll-up table's headers and vocabulary, in the run's language
        return csv_table(doc.table)
    tables = [doc.table] + ([doc.targets] if doc.targets else [])
    note = [doc.table.note] if doc.table.note else []
    heading = doc.heading + "\n" + doc.incomplete if doc.incomplete else doc.heading
    if fmt == "md":
        out = [f"# {heading}", "", md_table(doc.table), "", *note, ""]
        if doc.targets:
            out += [f"**{doc.targets.title}**", "", md_table(doc.targets), ""]
        return "\n".join(out)
    if fmt == "text":
        out = [heading, text_table(doc.table), *(line for n in note for line in wrap(n, page))]
        if doc.targets:
            out += ["", doc.targets.title, text_table(doc.targets)]
        return "\n".join(out) + "\n"
    if fmt == "table":
        return heading + "\n" + "\n".join(terminal_text(t, page, title=k > 0) + ("\n" + t.note if t.note and k == 0 else "") for k, t in enumerate(tables))
    raise ValueError(fmt)


def print_rollup(doc, fmt: str, output=None) -> None:
    """A roll-up on stdout: on a terminal, Rich at the terminal's width; else `render_rollup`.

    With `output` (a path) `render_rollup` goes to that file, CSV with the BOM Excel needs; raises ShishiError."""
    import sys

    if output is not None:
        from shishi.render.export import write

        write(output, render_rollup(doc, fmt), bom=fmt == "csv")
        sys.stderr.write(tr(f"已写入 {output}", f"wrote {output}") + "\n")
        return

    c = console() if fmt == "table" else None
    if c is None:
        sys.stdout.write(render_rollup(doc, fmt))
        return
    from rich.text import Text

    c.print(Text(doc.heading, style="bold"))
    if doc.incomplete:
        c.print(Text(doc.incomplete, style="bold red"))
    for k, t in enumerate([doc.table] + ([doc.targets] if doc.targets else [])):
        if k:
            c.print("")
        for j, part in enumerate(rich_tables(t, title=k > 0, page=c.width)):
            if j:
                c.print("")
            c.print(part)
        if k == 0 and t.note:
            c.print(Text(t.note))


def format_for(path: str | None, fmt: str | None, default: str) -> str:
    """The format asked for, else the one the output file's suffix names, else the default."""
    if fmt:
        return fmt
    if path:
        from pathlib import PurePath

        return SUFFIXES.get(PurePath(path).suffix.lower(), default)
    return default


def print_report(report: Report, fmt: str) -> None:
    """A report on stdout: Rich at the terminal's width, else the format as text (xlsx as bytes)."""
    import sys

    c = console() if fmt == "terminal" else None
    if c is not None:
        for part in terminal_renderables(report, c.width):
            c.print(part)
        return
    rendered = render_report(report, fmt)
    if isinstance(rendered, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(rendered)
    else:
        sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")


def write_report(report: Report, fmt: str, path) -> None:
    """A report written to a file, whole or not at all."""
    from shishi.errors import ShishiError
    from shishi.render.export import write

    if path.is_dir():
        raise ShishiError(tr(f"{path} 是目录", f"{path} is a directory"))
    write(path, render_report(report, fmt))
