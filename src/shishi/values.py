"""Values as clerks type them, one parser each for every command and for import: dates, counts, money, targets, periods."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

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




def parse_date(text: str | date | None, what: str = "date") -> date | None:
    """A date as clerks type it: 2021-09-01, 2021/9/1, 2021.9.1, 2021年9月1日."""
    if text is None or isinstance(text, date):
        return text
    s = str(text).strip()
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", s)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
        else:
            # a year like 9999 is a typo, and due dates computed from it would overflow
            if not 1900 <= d.year <= 2999:
                raise ShishiError(tr(f"{what} 超出范围（1900–2999 年）：{s}", f"{what} is out of range (years 1900-2999): {s}"))
            return d
    raise ShishiError(tr(f"{what} 不是有效日期：{s}（应为 2021-09-01）", f"{what} is not a valid date: {s} (expected 2021-09-01)"))


def parse_money(text: str | None, what: str = "amount") -> Decimal | None:
    if text is None:
        return None
    s = str(text).strip().replace(",", "").replace("，", "")
    mult = Decimal(1)
    if s.endswith("万元") or s.endswith("万"):
        s, mult = s.rstrip("元").rstrip("万"), Decimal(10000)
    s = s.rstrip("元")
    try:
        v = Decimal(s) * mult
    except InvalidOperation:
        raise ShishiError(tr(f"{what} 不是金额：{text}", f"{what} is not an amount of money: {text}")) from None
    if not v.is_finite() or v < 0 or v >= Decimal(10) ** 14:
        raise ShishiError(tr(f"{what} 超出范围：{text}", f"{what} is out of range: {text}"))
    return v.quantize(Decimal("0.01")) if v != v.to_integral_value() else v.to_integral_value()


_TARGET_RE = re.compile(r"^\s*(.+?)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*(\S*)\s*$")


def parse_target(text: str) -> tuple[str, Decimal, str]:
    """'人行便道=3000米' -> ('人行便道', Decimal('3000'), '米')."""
    m = _TARGET_RE.match(text)
    if not m:
        raise ShishiError(tr(f"指标应写成 名称=数量单位，如 人行便道=3000米：{text}", f"a target is NAME=QTY[UNIT], e.g. 人行便道=3000米: {text}"))
    return m.group(1), Decimal(m.group(2)), m.group(3)




def parse_count(value: int | str, what: str) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ShishiError(tr(f"{what} 应为整数：{value}", f"{what} must be a whole number: {value}")) from None
    if n < 0 or n > 1_000_000_000:
        raise ShishiError(tr(f"{what} 超出范围：{value}", f"{what} is out of range: {value}"))
    return n



