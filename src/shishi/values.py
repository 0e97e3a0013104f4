"""Values as clerks type them, one parser each for every command and for import: dates, counts, money, targets, periods."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation

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




def _who(what: str | None, lang: str = "zh") -> str:
    """The head of a message about a value: '--due ' (its option), or nothing."""
    if not what:
        return ""
    return f"{what} " if lang == "zh" else f"{what}: "


def _plain(text: object) -> str:
    """Full-width digits and letters made plain (２０２１ → 2021), spaces trimmed."""
    return unicodedata.normalize("NFKC", str(text)).strip()


_RELATIVE_DAYS = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}


def parse_date(text: str | date | None, what: str | None = None, today: date | None = None) -> date | None:
    """A date as clerks type it: 2021-09-01, 2021/9/1, 2021.9.1, 2021年9月1日, 20210901, 2021年12月底, 2021年底, 今天, 昨天."""
    if text is None or isinstance(text, date):
        return text
    s = _plain(text)
    if s.lower() in _RELATIVE_DAYS:
        return (today or date.today()) - timedelta(days=_RELATIVE_DAYS[s.lower()])
    m = re.fullmatch(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月)?\s*[底末]", s)
    if m:  # 2021年12月底, 2021年底: the last day
        y, mo = int(m.group(1)), int(m.group(2) or 12)
        if 1 <= mo <= 12 and 1900 <= y <= 2999:
            return _month_end(y, mo)
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s) or re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?", s)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
        else:
            # a year like 9999 is a typo, and due dates computed from it would overflow
            if not 1900 <= d.year <= 2999:
                raise ShishiError(tr(f"{_who(what)}超出范围（1900–2999 年）：{s}", f"{_who(what, 'en')}out of range (years 1900-2999): {s}"))
            return d
    raise ShishiError(
        tr(
            f"{_who(what)}不是有效日期：{s}（可写 2021-09-01、2021/9/1、2021年9月1日、2021年12月底、今天、昨天）",
            f"{_who(what, 'en')}not a valid date: {s} (write 2021-09-01, 2021/9/1 or 20210901; today, yesterday)",
        )
    )


_MONEY_UNITS = (("亿元", 10**8), ("亿", 10**8), ("万元", 10**4), ("万", 10**4), ("元", 1))


def parse_money(text: str | Decimal | int | None, what: str | None = None) -> Decimal | None:
    """Yuan, exact, as clerks count it: 1200.50, 1,200.5元, 50万, 1.2亿; at most two decimals (分), never rounded; -0 is 0."""
    if text is None:
        return None
    s = _plain(text).replace(",", "").replace("，", "").lstrip("¥￥").strip()
    mult = 1
    for word, m in _MONEY_UNITS:
        if s.endswith(word):
            s, mult = s[: -len(word)].strip(), m
            break
    try:
        v = Decimal(s) * mult
    except InvalidOperation:
        raise ShishiError(tr(f"{_who(what)}不是金额：{text}（可写 1200.50、50万、1.2亿）", f"{_who(what, 'en')}not an amount of money: {text} (write 1200.50 or 1,200.5)")) from None
    if v.is_finite() and v == 0:
        return Decimal(0)  # -0 and 0.00 alike
    if not v.is_finite() or v < 0 or v >= Decimal(10) ** 14:
        raise ShishiError(tr(f"{_who(what)}超出范围：{text}", f"{_who(what, 'en')}out of range: {text}"))
    if v != v.quantize(_CENT, rounding=ROUND_DOWN):
        raise ShishiError(tr(f"{_who(what)}最多两位小数（到分），不四舍五入：{text}", f"{_who(what, 'en')}more than two decimals (cents; never rounded): {text}"))
    return v.quantize(_CENT) if v != v.to_integral_value() else v.quantize(Decimal(1))


_CENT = Decimal("0.01")


_TARGET_RE = re.compile(r"^\s*(.+?)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*(\S*)\s*$")


def parse_target(text: str) -> tuple[str, Decimal, str]:
    """'人行便道=3000米' -> ('人行便道', Decimal('3000'), '米')."""
    m = _TARGET_RE.match(text)
    if not m:
        raise ShishiError(tr(f"指标应写成 名称=数量单位，如 人行便道=3000米：{text}", f"a target is NAME=QTY[UNIT], e.g. 人行便道=3000米: {text}"))
    return m.group(1), Decimal(m.group(2)), m.group(3)




_COUNT_WORDS = re.compile(r"(?:人次|人|次|户|件|个)$")


def parse_count(value: int | str, what: str | None = None) -> int:
    """A whole number as clerks type it: 36, 36人次, ３６, 1,200."""
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        s = _COUNT_WORDS.sub("", _plain(value).replace(",", "").replace("，", "")).strip()
        if not re.fullmatch(r"[+-]?\d+", s):
            raise ShishiError(tr(f"{_who(what)}应为整数：{value}（可写 36 或 36人次）", f"{_who(what, 'en')}not a whole number: {value} (write 36)"))
        n = int(s)
    if n < 0 or n > 1_000_000_000:
        raise ShishiError(tr(f"{_who(what)}超出范围：{value}", f"{_who(what, 'en')}out of range: {value}"))
    return n


def norm_id(text: str) -> str:
    """An item ID as typed, in any case or width: gs-sj-2021-042 → GS-SJ-2021-042."""
    return _plain(text).upper()
