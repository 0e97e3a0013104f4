"""Plain help pages that line up Chinese text: Click's formatter, measuring and wrapping by display width.

The help is plain text (the app sets rich_markup_mode=None) so that `--help`
and usage errors never import Rich; Click's own formatter counts characters,
which puts the help column of a Chinese metavar out of line and lets Chinese
lines run twice the width of the terminal.
"""

from __future__ import annotations

import re
from unicodedata import east_asian_width

from typer._click.formatting import HelpFormatter


def width(text: str) -> int:
    """Terminal columns of a line: wide and full-width characters take two."""
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, columns: int) -> list[str]:
    """Greedy wrap to `columns` display columns: at spaces, and between a wide character and its neighbours."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0
        # tokens: a wide character alone, or a run of narrow ones; `gap` = a space stood before it
        for gap, token in _TOKEN.findall(para):
            sep = " " if gap and line else ""
            w = width(token)
            if line and used + len(sep) + w > columns and not (token in _CLOSING and not sep):
                lines.append(line)
                line, used, sep = "", 0, ""
            line, used = line + sep + token, used + len(sep) + w
        lines.append(line)
    return lines


_CLOSING = set("，。、；：！？）》」』】")  # never at the start of a line
_TOKEN = re.compile(r"(\s*)([\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+)")


class WideHelpFormatter(HelpFormatter):
    def write_heading(self, heading: str) -> None:
        colon = "：" if re.search(r"[\u4e00-\u9fff]", heading) else ":"  # 选项：, as 用法： above it
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for line in wrap(text, max(self.width - self.current_indent, 11)):
            self.write(f"{indent}{line}\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((width(r[0]) for r in rows), default=0), col_max) + col_spacing
        pad = " " * (first_col + self.current_indent)
        for first, *rest in rows:
            second = rest[0] if rest else ""
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + pad)
            lines = wrap(second, max(self.width - first_col - self.current_indent - 2, 10))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(pad + line + "\n")
