"""Personal data kept out of print: phone and ID-card numbers are masked unless revealed."""

from __future__ import annotations

import re

PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
LANDLINE_RE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")
IDCARD_RE = re.compile(r"(?<![\dXx])(\d{4})(\d{10})(\d{3}[\dXx])(?![\dXx])")


def mask(text: str | None) -> str | None:
    """138****1234 for mobile numbers, 5001**********1234 for ID-card numbers."""
    if not text:
        return text
    text = IDCARD_RE.sub(lambda m: m.group(1) + "*" * 10 + m.group(3), text)
    text = PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return LANDLINE_RE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
