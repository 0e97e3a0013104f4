"""Tables out: the one table document (figures.table) in the terminal, on paper, in Markdown and CSV.

One visual style for every command. In a terminal a table fits the width:
text columns wrap, numbers are right-aligned and never cut — a table too
wide for the screen is printed in parts, each repeating the first column.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from wcwidth import wcswidth

from shishi.figures.table import NUMERIC, Table

WRAPPED = ("text",)  # column types that may wrap; "key" (IDs) and numbers never do
# how wide a text column may grow before the rest of the page goes to the others (the latest-progress column, above all)
TEXT_LIMITS = {"title": 24, "unit": 18, "partners": 18, "category": 12, "target": 12, "measure": 8, "level": 8, "status": 8, "schedule": 8}
TEXT_WIDTH = 120  # display columns of a text report: A4 landscape, or portrait in a small monospace font

# ------------------------------------------------------------------ cells


def cell(value, type_: str) -> str:
    """A cell as printed: rates as 58.3%, money with two decimals, quantities without trailing zeros; no value as '' ('-' for a rate)."""
    if value is None:
        return "-" if type_ == "rate" else ""
    if type_ == "rate":
        return f"{value * 100:.1f}%"
    if type_ == "money":
        return f"{Decimal(value):,.2f}"
    if type_ == "score":
        return f"{Decimal(value):.2f}"
    if type_ == "qty" and isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def width(text: str) -> int:
    """Display width (CJK characters take two columns)."""
    if text.isascii() and text.isprintable():  # one column a character (most cells: numbers)
        return len(text)
    return max((wcswidth(line) for line in text.split("\n")), default=0)


NO_LINE_START = set("，。、；：？！）》」』”’〕】,.;:?!)%")
_TOKEN = re.compile(r"[A-Za-z0-9.,:%/_+-]+|\s|.")


def wrap(text: str, limit: int) -> list[str]:
    """Lines of at most `limit` display columns; CJK text breaks anywhere, ASCII words stay whole when they fit,
    and no line starts with a closing mark (避头点): the word before it moves down with it."""
    lines: list[str] = []
    for para in text.split("\n"):
        line: list[str] = []  # tokens
        w = 0
        for tok in _TOKEN.findall(para):
            tw = wcswidth(tok)
            if tw < 0:  # a control character
                tok, tw = " ", 1
            if w + tw > limit and "".join(line).strip():
                carry = [line.pop()] if tok in NO_LINE_START and len(line) > 1 and not line[-1].isspace() else []
                lines.append("".join(line).rstrip())
                line, w = carry, wcswidth("".join(carry))
                if tok.isspace():
                    continue
            while tw > limit:  # a word longer than a line
                head = _cut(tok, limit)
                lines.append(head)
                tok = tok[len(head) :]
                tw = wcswidth(tok)
            line.append(tok)
            w += tw
        lines.append("".join(line).rstrip())
    return lines


def _cut(text: str, limit: int) -> str:
    """The longest head of `text` within `limit` columns (at least one character)."""
    n = 1
    while n < len(text) and wcswidth(text[: n + 1]) <= limit:
        n += 1
    return text[:n]


def table_cells(t: Table) -> tuple[list[str], list[list[str]]]:
    headers = [c.title for c in t.columns]
    rows = [[cell(v, c.type) for v, c in zip(r, t.columns, strict=True)] for r in t.rows]
    if t.total is not None:
        rows.append([cell(v, c.type) for v, c in zip(t.total, t.columns, strict=True)])
    return headers, rows


def text_table(t: Table, page: int = TEXT_WIDTH) -> str:
    """A bordered table that fits `page` display columns; every line of it has the same display width."""
    return _text_table(t, *table_cells(t), page)


def _text_table(t: Table, headers: list[str], rows: list[list[str]], page: int) -> str:
    groups = _groups(_comfortable(t, headers, rows), page, gap=3, edge=1)
    if len(groups) > 1:  # numbers are never cut on paper either: the table in parts, each repeating its first column
        return "\n\n".join(_text_table(_part(t, g), [headers[i] for i in g], [[r[i] for i in g] for r in rows], page) for g in groups)
    widths = column_widths(t, headers, rows, page)
    wrapped = [["\n".join(wrap(v, widths[i])) if t.columns[i].type in WRAPPED else v for i, v in enumerate(r)] for r in rows]
    multiline = any("\n" in v for r in wrapped for v in r)
    align = ["right" if c.type in NUMERIC else "left" for c in t.columns]
    if not multiline and wrapped and not _CONTROL.search("".join(headers) + "".join("".join(r) for r in wrapped)):
        return psql(wrapped, headers, align)
    return _tabulate(wrapped, headers, "grid" if multiline else "psql", align, min_padding=0)  # headers as narrow as their text


def _tabulate(rows, headers, tablefmt: str, align: list[str], min_padding: int | None = None) -> str:
    """tabulate's table with the cells as they are: a unit's full-width indentation (its place in the tree) kept."""
    import tabulate as tabulate_module

    padding = tabulate_module.MIN_PADDING
    if min_padding is not None:
        tabulate_module.MIN_PADDING = min_padding
    try:
        return tabulate_module.tabulate(rows, headers=headers, tablefmt=tablefmt, disable_numparse=True, colalign=align, preserve_whitespace=True)
    finally:
        tabulate_module.MIN_PADDING = padding


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # line breaks, escapes (colour codes), tabulate's separating-line mark …


def psql(rows: list[list[str]], headers: list[str], align: list[str]) -> str:
    """What `_tabulate(rows, headers, "psql", align, min_padding=0)` gives, for cells of one line without control
    characters (widths by wcswidth), at a fraction of its cost (a city's roll-up has ten thousand rows)."""
    cols, heads, widths = [], [], []
    for i, h in enumerate(headers):
        strings = [r[i] for r in rows]
        s_widths = [width(s) for s in strings]
        hw = width(h)
        top = max(max(s_widths), hw)
        pad = str.rjust if align[i] == "right" else str.ljust
        cols.append([pad(s, top - (w - len(s))) for s, w in zip(strings, s_widths, strict=True)])  # each `top` columns wide
        heads.append(pad(h, top + len(h) - hw))
        widths.append(top)
    rule = "+".join("-" * (w + 2) for w in widths)
    lines = [f"+{rule}+", "| " + " | ".join(heads) + " |", f"|{rule}|"]
    lines += ["| " + " | ".join(r) + " |" for r in zip(*cols, strict=True)]
    lines.append(f"+{rule}+")
    return "\n".join(lines)


def column_widths(t: Table, headers: list[str], rows: list[list[str]], page: int, gaps: int | None = None) -> list[int]:
    """Display widths of the columns so the table and its `gaps` (borders and padding: 3 a column plus one) fit `page`.

    Text columns wrap: first down to their limits in TEXT_LIMITS, then the widest
    one column at a time, never below its header (nor 6).
    """
    n = len(headers)
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    floor = [max(width(h), 6) if c.type in WRAPPED else widths[i] for i, (h, c) in enumerate(zip(headers, t.columns, strict=True))]
    room = page - (3 * n + 1 if gaps is None else gaps)
    if sum(widths) > room:
        widths = [max(floor[i], min(w, TEXT_LIMITS.get(c.key, w))) if c.type in WRAPPED else w for i, (w, c) in enumerate(zip(widths, t.columns, strict=True))]
    while sum(widths) > room:
        i = max(range(n), key=lambda k: (widths[k] - floor[k] > 0, widths[k]))
        if widths[i] <= floor[i]:
            break
        widths[i] -= 1
    return widths


def plain_console(page: int):
    from rich.console import Console

    return Console(file=io.StringIO(), width=page, color_system=None, force_terminal=False, legacy_windows=False, emoji=False, highlight=False)


def strip_lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _md_cell(v: str) -> str:
    return v.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def md_table(t: Table) -> str:
    headers, rows = table_cells(t)
    if t.total is not None:
        rows[-1] = [f"**{v}**" if v else v for v in rows[-1]]
    align = ["right" if c.type in NUMERIC else "left" for c in t.columns]
    return _tabulate([[_md_cell(v) for v in r] for r in rows], [_md_cell(h) for h in headers], "pipe", align)


GAP = 2  # spaces between terminal columns


def _header_floor(h: str) -> int:
    """The narrowest a header may get: wrapped onto two lines, never inside a word or a character."""
    return max([width(h[: (len(h) + 1) // 2]), width(h[(len(h) + 1) // 2 :])] if h else [0])


def _floors(t: Table, headers: list[str], rows: list[list[str]]) -> list[int]:
    """The narrowest each column may be: numbers and keys as wide as their widest cell, text down to 6 (or its header)."""
    out = []
    for i, (h, c) in enumerate(zip(headers, t.columns, strict=True)):
        cells = max([width(r[i]) for r in rows], default=0)
        out.append(max(_header_floor(h), 6 if c.type in WRAPPED else cells) if c.type in WRAPPED else max(cells, _header_floor(h)))
    return out


def _comfortable(t: Table, headers: list[str], rows: list[list[str]]) -> list[int]:
    """Widths at which no header is squeezed: numbers and keys whole, headers on one line, text as narrow as it wraps."""
    out = []
    for i, (h, c) in enumerate(zip(headers, t.columns, strict=True)):
        natural = max([width(h)] + [width(r[i]) for r in rows])
        # text wraps, down to 6 columns, before a table is cut into parts (it takes back the room that is left)
        out.append(max(width(h), min(natural, 6)) if c.type in WRAPPED else natural)
    return out


def _groups(floors: list[int], page: int, gap: int = GAP, edge: int = -GAP) -> list[list[int]]:
    """Column indexes of each part of a table too wide for `page`: greedy, the first column in every part.

    A part of n columns takes the sum of their widths + gap * n + edge (terminal: 2 between columns; paper: borders)."""
    groups: list[list[int]] = [[0]]
    for i in range(1, len(floors)):
        g = groups[-1]
        if len(g) > 1 and sum(floors[k] for k in g) + floors[i] + gap * (len(g) + 1) + edge > page:
            groups.append([0])
        groups[-1].append(i)
    return groups


def _part(t: Table, cols: list[int]) -> Table:
    pick = [t.columns[i] for i in cols]
    return Table(t.key, t.title, pick, [[r[i] for i in cols] for r in t.rows], [t.total[i] for i in cols] if t.total is not None else None, t.note)


def rich_tables(t: Table, title: bool = True, page: int = TEXT_WIDTH) -> list:
    """Rich tables within `page` columns: one, or the parts of a table too wide, each repeating its first column.

    Text cells wrap by the rules of paper; numbers and keys are never cut or
    wrapped (a header may take two lines).
    """
    headers, rows = table_cells(t)
    groups = _groups(_comfortable(t, headers, rows), page)
    if len(groups) == 1:
        return [_rich(t, title, page)]
    return [_rich(_part(t, g), title and k == 0, page) for k, g in enumerate(groups)]


def _rich(t: Table, title: bool, page: int):
    from rich import box
    from rich.table import Table as RichTable

    rt = RichTable(title=t.title if title else None, box=box.SIMPLE_HEAD, title_style="bold", header_style="bold", show_edge=False, pad_edge=False, collapse_padding=True)
    headers, rows = table_cells(t)
    widths = column_widths(t, headers, rows, page, gaps=GAP * (len(headers) - 1))
    floors = _floors(t, headers, rows)
    while sum(widths) + GAP * (len(headers) - 1) > page:  # text is as narrow as it goes: headers take two lines
        i = max(range(len(widths)), key=lambda k: widths[k] - floors[k])
        if widths[i] <= floors[i]:
            break
        widths[i] -= 1
    for c, h, w in zip(t.columns, headers, widths, strict=True):
        rt.add_column("\n".join(wrap(h, w)), justify="right" if c.type in NUMERIC else "left", no_wrap=True, width=w)
    rows = [["\n".join(wrap(v, widths[i])) if t.columns[i].type in WRAPPED else v for i, v in enumerate(r)] for r in rows]
    for i, r in enumerate(rows):
        last = t.total is not None and i == len(rows) - 1
        rt.add_row(*r, style="bold" if last else None, end_section=t.total is not None and i == len(rows) - 2)
    return rt


def terminal_text(t: Table, page: int = TEXT_WIDTH, title: bool = True) -> str:
    """The terminal rendering of a table as plain text (a pipe, a file, a test)."""
    console = plain_console(page)
    for k, part in enumerate(rich_tables(t, title, page)):
        if k:
            console.print("")
        console.print(part)
    return strip_lines(console.file.getvalue())


def csv_cell(value, type_: str) -> str:
    """A CSV cell as a spreadsheet reads it: numbers without thousands separators, rates as 51.1%, dates ISO."""
    if value is None:
        return ""
    if type_ == "money":
        return format(Decimal(value).quantize(Decimal("0.01")), "f")
    return cell(value, type_)


def csv_table(t: Table) -> str:
    """The table as CSV: the headers and vocabulary in the run's language, the total row last."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.title for c in t.columns])
    for r in t.rows + ([t.total] if t.total is not None else []):
        w.writerow([csv_cell(v, c.type) for v, c in zip(r, t.columns, strict=True)])
    return buf.getvalue()


def console():
    """A Rich console on stdout when it is a terminal (its width, colours); None when piped."""
    import os
    import sys

    # Rich's own test, without importing Rich into a piped run
    env = os.environ
    if env.get("TTY_COMPATIBLE") != "1" and not env.get("FORCE_COLOR") and not (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()):
        return None
    from rich.console import Console

    c = Console(highlight=False)
    return c if c.is_terminal else None


def emit(table: Table, fmt: str, data=None, empty: str | None = None, output=None) -> None:
    """Print a table document on stdout: on a terminal fitted to its width, in a pipe as plain text (120 columns),
    as CSV, or `data` as JSON. The table's note (a count) goes to stderr, so a pipe gets the rows only.

    With `output` (a path) the same goes to that file instead, CSV with the BOM Excel needs; raises ShishiError."""
    import sys

    if output is not None:
        from shishi.i18n import tr
        from shishi.render.export import write
        from shishi.render.json import to_json

        text = to_json(data) + "\n" if fmt == "json" else csv_table(table) if fmt == "csv" else terminal_text(table, TEXT_WIDTH, title=True)
        write(output, text, bom=fmt == "csv")
        sys.stderr.write(tr(f"已写入 {output}", f"wrote {output}") + "\n")
        if table.note:
            sys.stderr.write(table.note + "\n")
        return
    if fmt == "json":
        from shishi.render.json import to_json

        sys.stdout.write(to_json(data) + "\n")
        return
    if fmt == "csv":
        sys.stdout.write(csv_table(table))
        return
    c = console()
    if not table.rows:
        if empty:
            sys.stderr.write(empty + "\n")
    elif c is None:
        sys.stdout.write(terminal_text(table, TEXT_WIDTH, title=False))
    else:
        for k, part in enumerate(rich_tables(table, title=False, page=c.width)):
            if k:
                c.print("")
            c.print(part)
    if table.note:
        sys.stderr.write(table.note + "\n")
