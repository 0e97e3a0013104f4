"""Periods as clerks name them: 2021, 2021Q3, 2021-09, 2021-01-01..2021-11-30."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from shishi.errors import ShishiError
from shishi.i18n import tr


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str

    def __contains__(self, d: date | None) -> bool:
        return d is not None and self.start <= d <= self.end


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def parse_period(text: str) -> Period:
    """Parse a period; raises ShishiError with the accepted forms when it is not one."""
    s = text.strip()
    try:
        if re.fullmatch(r"\d{4}", s):
            y = int(s)
            return Period(date(y, 1, 1), date(y, 12, 31), f"{y}年")
        m = re.fullmatch(r"(\d{4})[Qq]([1-4])", s)
        if m:
            y, q = int(m.group(1)), int(m.group(2))
            return Period(date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"{y}年第{q}季度")
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", s)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            return Period(date(y, mo, 1), _month_end(y, mo), f"{y}年{mo}月")
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})\.\.(\d{4})-(\d{1,2})-(\d{1,2})", s)
        if m:
            a = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            b = date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
            if b < a:
                raise ValueError("end before start")
            return Period(a, b, f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日")
    except ValueError:
        pass
    raise ShishiError(
        tr(
            f"期间格式不对：{text}（可写 2021、2021Q3、2021-09、2021-01-01..2021-11-30）",
            f"not a period: {text} (use 2021, 2021Q3, 2021-09 or 2021-01-01..2021-11-30)",
        )
    )
