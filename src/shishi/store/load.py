"""Loading a ledger tree: through the index when it can be used, else straight from the files."""

from __future__ import annotations

import os
from pathlib import Path

from shishi.store import index
from shishi.store.ledger import Entry, Ledger, in_unit, load_files, read_units


def load_units(root: Path, use_index: bool = True) -> Ledger:
    """shishi.yaml and every unit.yaml: enough to name files and hand out IDs (through the index when it can)."""
    if use_index and not os.environ.get("SHISHI_NO_INDEX"):
        try:
            return index.load_units(root)
        except index.IndexUnavailable:
            pass
    return read_units(root)


def load(root: Path, use_index: bool = True, entries: bool = True) -> Ledger:
    """The whole tree: config, units, every ledger file and survey, with all problems found reading them.

    Read through the index under .shishi/ (only changed files are parsed);
    straight from the files when the index cannot be used, or with use_index=False.
    entries=False: through the index, a ledger without entries and surveys, for figures by SQL only
    (figures.rollup); without the index, the whole ledger all the same.
    """
    if use_index and not os.environ.get("SHISHI_NO_INDEX"):
        try:
            return index.load(root, entries=entries)
        except index.IndexUnavailable:
            pass
    return load_files(root)


def stream(root: Path, text=None, use_index: bool = True):
    """(ledger without entries, iterator of (unit path, [item data …]) per ledger file in reading order),
    `text` (None, or a function of a str and the length below which it changes none) applied to every string.

    Through the index a file's items at a time (bounded memory, no record
    built); straight from the files when the index cannot be used.
    """
    if use_index and not os.environ.get("SHISHI_NO_INDEX"):
        try:
            return index.stream(root, text)
        except index.IndexUnavailable:
            pass
    from shishi.store.model import item_to_data

    ledger = load_files(root)
    return ledger, ((e.unit, [_texts(item_to_data(e.item), text[0] if text else None)]) for e in ledger.entries)


def _texts(value, text):
    if text is None:
        return value
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {k: _texts(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts(v, text) for v in value]
    return value


def matcher(ledger: Ledger, *, unit=None, status=None, kind=None, overdue=False, period=None, as_of=None):
    """The filters of `list` as one test: test(unit path, status, kind, due, opened) -> bool."""
    from datetime import date

    upath = ledger.resolve_unit(unit) if unit else ""
    statuses = set(status) if status else None
    today = as_of or date.today()

    def test(u: str, st: str, k: str, due, opened) -> bool:
        if not in_unit(u, upath) or (statuses and st not in statuses) or (kind and k != kind):
            return False
        if overdue and not (st in ("open", "in_progress") and due and due < today):
            return False
        return not (period and opened not in period)

    return test


def select(ledger: Ledger, **filters) -> list[Entry]:
    """Entries matching the filters of `list` (statuses and kind as codes), in tree and ID order."""
    test = matcher(ledger, **filters)
    return [e for e in ledger.entries if test(e.unit, e.item.status, e.item.kind, e.item.due, e.item.opened)]
