"""JSON out: dates as ISO text, money as numbers, Chinese as itself."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal


def default(o):
    if isinstance(o, Decimal):
        return int(o) if o == o.to_integral_value() else float(o)
    if isinstance(o, date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=default)
