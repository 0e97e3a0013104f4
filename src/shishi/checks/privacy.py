"""Personal data kept out of print: phone and ID-card numbers are masked unless revealed.

`mask` hides the middle of every mobile number (138****1234), landline
(023-****2345) and ID-card number (5001**********1234) in a text, also when
typed with full-width digits, spaces, dots, dashes or brackets, or a +86 prefix. `mask_data`
does it to every string of plain data. `free_text` is a check: it warns
where such a number sits in a free-text field, where it does not belong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# full-width digits, X, dashes, dots and brackets matched as their ASCII twins; one character each, so places line up
_NARROW = str.maketrans("０１２３４５６７８９Ｘｘ－＋　．（）", "0123456789Xx-+ .()")
_SEP = r"[ .\-]?"  # what clerks type between digit groups: a space, a dot or a dash

# an 18-digit ID (last may be X), also grouped 6-8-4; or a 15-digit one with a plausible birth date YYMMDD
IDCARD_RE = re.compile(
    rf"(?<![\dXx])(\d{{4}})(\d{{2}}{_SEP}\d{{8}}{_SEP})(\d{{3}}[\dXx])(?![\dXx])"
    r"|(?<!\d)(?=\d{8}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d))(\d{4})(\d{7})(\d{4})"
)
_DIGIT = re.compile(r"\d")  # any decimal digit, full-width ones included
MIN_DIGITS = 10  # every number masked has at least this many digits (a landline: 0 + 2 + 3 + 4)
# true of a text with MIN_DIGITS digits or more, the only texts `mask` may change: a test in C before calling it on a
# stream of texts (each \D* stops only at a digit, so a failed match backtracks once over the text, not per start)
might_hold = re.compile(rf"(?:\D*\d){{{MIN_DIGITS}}}").match
PHONE_RE = re.compile(rf"(?<![\d.])(?:(?:\+|00)?86[ -]?)?\(?(1[3-9]\d)\)?{_SEP}(\d{{4}}){_SEP}(\d{{4}})(?![\d.]?\d)")
LANDLINE_RE = re.compile(rf"(?<![\d.])(\(?0\d{{2,3}}\)?{_SEP})(\d{{3,4}}){_SEP}(\d{{4}})(?![\d.]?\d)")

# (kind, pattern, groups masked)
_PATTERNS = (("id_card", IDCARD_RE, (2, 5)), ("phone", PHONE_RE, (2,)), ("phone", LANDLINE_RE, (2,)))


def _masked(norm: str) -> tuple[str, list[tuple[str, int, int]], list[tuple[int, int]]]:
    """`norm` with the middle digits starred, the (kind, start, end) of every number found, and the spans starred."""
    found, spans = [], []
    for kind, rx, groups in _PATTERNS:
        def star(m: re.Match, groups=groups, kind=kind) -> str:
            s, base, parts, last = m.group(0), m.start(), [], 0
            for g in groups:
                a = m.start(g)
                if a >= 0:  # separators stay: 5001** ******** **1234 reads as typed
                    b = m.end(g)
                    parts += [s[last : a - base], _DIGIT.sub("*", s[a - base : b - base])]
                    spans.append((a, b))
                    last = b - base
            parts.append(s[last:])
            found.append((kind, m.start(), m.end()))
            return "".join(parts)

        norm = rx.sub(star, norm)
    return norm, sorted(found, key=lambda f: f[1]), spans


def mask(text: str | None) -> str | None:
    """138****1234 for mobile numbers, 5001**********1234 for ID-card numbers, 023-****2345 for landlines."""
    if not text or len(text) < MIN_DIGITS or len(_DIGIT.findall(text)) < MIN_DIGITS:  # most texts: a name, an ID, a title
        return text
    if len(text) == 11 and text.isascii() and text.isdigit() and text[0] == "1" and text[1] in "3456789":
        return text[:3] + "****" + text[7:]  # a mobile number and nothing else (a reporter's phone): what the patterns give
    _starred, found, spans = _masked(text.translate(_NARROW))
    if not found:
        return text
    for a, b in spans:  # the digits there are digits of the text too (full-width ones narrowed), same places
        text = text[:a] + _DIGIT.sub("*", text[a:b]) + text[b:]
    return text


def find(text: str | None) -> list[tuple[str, str]]:
    """The (kind, masked number) of every phone or ID-card number in a text; kind is 'phone' or 'id_card'."""
    if not text or not _DIGIT.search(text) or len(_DIGIT.findall(text)) < MIN_DIGITS:  # most texts: a tenth of the time for a big tree's check
        return []
    starred, found, _spans = _masked(text.translate(_NARROW))
    return [(kind, starred[a:b]) for kind, a, b in found]


def mask_data(value):
    """Plain data (dicts, lists, strings) with every string masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: mask_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_data(v) for v in value]
    return value


def _free_texts(item) -> Iterator[tuple[tuple, str]]:
    """(place, text) of each free-text field of an item: where a number cannot be masked by field."""
    yield ("title",), item.title
    yield ("description",), item.description
    for i, p in enumerate(item.progress):
        yield ("progress", i, "note"), p.note
    if item.resolution:
        yield ("resolution", "text"), item.resolution.text
    for i, r in enumerate(item.reopenings):
        yield ("reopenings", i, "reason"), r.reason
        if r.resolution:
            yield ("reopenings", i, "resolution", "text"), r.resolution.text
    if item.cancellation:
        yield ("cancellation", "reason"), item.cancellation.reason
    for i, x in enumerate(item.extensions):
        yield ("extensions", i, "reason"), x.reason
    if item.supervision:
        for i, f in enumerate(item.supervision.feedback):
            yield ("supervision", "feedback", i, "note"), f.note


def free_text(ledger) -> Iterator:
    """Check: warn where a phone or ID-card number stands in a free-text field (title, notes, resolution …)."""
    for e in ledger.entries:
        yield from item_free_text(e)


def item_free_text(e) -> Iterator:
    """`free_text` of one entry."""
    for place, text in _free_texts(e.item):
        for kind, shown in find(text):
            from shishi.errors import Problem
            from shishi.i18n import tr
            from shishi.store.yamlio import locate

            line, col = locate(e.data, place) if e.data is not None else (e.line, 3)
            field = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in place).replace(".[", "[")
            what = tr("电话号码", "phone number") if kind == "phone" else tr("身份证号", "ID-card number")
            yield Problem(
                e.file,
                line,
                col,
                tr(
                    f"{field} 中有{what} {shown}：自由文本里的个人信息无法按字段打码，请移到 reporter 中或删去",
                    f"{field} holds a {what} {shown}: personal data in free text cannot be masked by field; move it to reporter or remove it",
                ),
                "warning",
            )
