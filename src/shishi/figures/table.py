"""The one table document every tabular command and report section returns.

A title, typed columns, rows of plain values (ints, Decimals, fractions,
dates, strings), an optional total row set apart, and a note. `render.table`
prints it in every format; nothing here knows how.
"""

from __future__ import annotations

from dataclasses import dataclass

# column types: text (may wrap) | key (an ID or name, never wrapped) | int | money | score | rate | qty | date
NUMERIC = ("int", "money", "rate", "qty", "score")


@dataclass
class Column:
    key: str  # stable English name (JSON keys, CSV headers)
    title: str
    type: str = "text"  # text | key (an ID or name, never wrapped) | int | money | score | rate | qty | date


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list]
    total: list | None = None  # the 合计 row, set apart when printed
    note: str | None = None
