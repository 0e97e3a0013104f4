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


def load(root: Path, use_index: bool = True) -> Ledger:
    """The whole tree: config, units, every ledger file and survey, with all problems found reading them.

    Read through the index under .shishi/ (only changed files are parsed);
    straight from the files when the index cannot be used, or with use_index=False.
    """
    if use_index and not os.environ.get("SHISHI_NO_INDEX"):
        try:
            return index.load(root)
        except index.IndexUnavailable:
            pass
    return load_files(root)


def select(ledger: Ledger, *, unit=None, status=None, kind=None, overdue=False, period=None, as_of=None) -> list[Entry]:
    """Entries matching the filters of `list` (statuses and kind as codes), in tree and ID order."""
    from datetime import date

    upath = ledger.resolve_unit(unit) if unit else ""
    statuses = set(status) if status else None
    today = as_of or date.today()
    out = []
    for e in ledger.entries:
        it = e.item
        if not in_unit(e.unit, upath) or (statuses and it.status not in statuses) or (kind and it.kind != kind):
            continue
        if overdue and not (it.status in ("open", "in_progress") and it.due and it.due < today):
            continue
        if period and it.opened not in period:
            continue
        out.append(e)
    return out
