"""JSON out: dates as ISO text, money as numbers, Chinese as itself, indented by two.

Encoded by orjson (compiled; the standard library's indenting encoder is pure
Python), byte for byte what `json.dumps(data, ensure_ascii=False, indent=2)`
gives; `write_array` streams a list an element at a time.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import orjson

OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


def default(o):
    if isinstance(o, Decimal):
        return int(o) if o == o.to_integral_value() else float(o)
    if isinstance(o, date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def to_json(data) -> str:
    return orjson.dumps(data, default=default, option=OPTIONS).decode()


def write_array(out, items, end: bytes = b"\n") -> int:
    """Write the JSON array of `items` (any iterable) to the binary stream `out` as `to_json(list(items)) + end` would; returns the count."""
    n = 0
    for it in items:
        out.write(b"[\n  " if n == 0 else b",\n  ")
        out.write(orjson.dumps(it, default=default, option=OPTIONS).replace(b"\n", b"\n  "))
        n += 1
    out.write((b"\n]" if n else b"[]") + end)
    return n


def write_lists(out, lists, end: bytes = b"\n") -> int:
    """Write the JSON array of the items of `lists` (an iterable of lists) to the binary stream `out` as
    `to_json(all their items) + end` would, a list encoded at a time; returns the count."""
    n = 0
    for items in lists:
        if not items:
            continue
        out.write(b"[\n  " if n == 0 else b",\n  ")
        out.write(orjson.dumps(items, default=default, option=OPTIONS)[4:-2])  # its items without "[\n  " and "\n]"
        n += len(items)
    out.write((b"\n]" if n else b"[]") + end)
    return n

