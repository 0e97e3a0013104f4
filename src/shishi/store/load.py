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


def load(root: Path, use_index: bool = True, entries: bool = True, findings=None) -> Ledger:
    """The whole tree: config, units, every ledger file and survey, with all problems found reading them.

    Read through the index under .shishi/ (only changed files are parsed); straight from the files when the
    index cannot be used, or with use_index=False. entries=False: through the index, a ledger without entries
    and surveys, for figures by SQL only (figures.rollup); without the index, the whole ledger all the same.
    `findings`: the one-item checks, run as each file is read and stored with it (`Ledger.findings`; through
    the index only: else the ledger has none, and the caller runs them).
    """
    if use_index and not os.environ.get("SHISHI_NO_INDEX"):
        try:
            return index.load(root, entries=entries, findings=findings)
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


def stream_views(root: Path, text=None, use_index: bool = True, **filters):
    """(ledger without entries, iterator of [view …] per ledger file): the items `select` picks with the filters of
    `list`, each as `render.items.item_view` gives it, JSON-ready (dates as ISO text, money as numbers).

    `text`: None (revealed), or (mask, the length below which it changes nothing, a test of a str that is false
    when mask would change nothing), applied to every string, the unit path too. Through the index the filters
    are tried on the stored tuples, so only the items listed become data; an unknown unit is an error before
    anything is read.
    """
    if use_index and not os.environ.get("SHISHI_NO_INDEX"):
        try:
            ledger, files = index.stream_tuples(root)
        except index.IndexUnavailable:
            pass
        else:
            return ledger, _views(files, matcher(ledger, **filters), *(text or (None, 0, None)))
    ledger = load_files(root)
    entries = select(ledger, **filters)
    to_tuple = index.item_tuple()
    mk, short, hit = text or (None, 0, None)
    make = index.item_json()
    return ledger, ([make(to_tuple(e.item), mk, short, hit, e.unit if mk is None else mk(e.unit))] for e in entries)


def _views(files, test, mk, short: int, hit):
    from datetime import date

    make = index.item_json()
    pos = {n: index.ITEM_FIELDS.index(n) for n in ("status", "kind", "due", "opened")}
    st, ki, du, op = pos["status"], pos["kind"], pos["due"], pos["opened"]
    days: dict[str, date] = {}

    def day(s):
        if s is None:
            return None
        d = days.get(s)
        if d is None:
            d = days[s] = date.fromisoformat(s)
        return d

    for u, tuples in files:
        shown = u if mk is None else mk(u)
        if test.everything_in(u):
            picked = tuples
        else:
            picked = [t for t in tuples if test(u, t[st], t[ki], day(t[du]), day(t[op]))]
        if picked:
            yield [make(t, mk, short, hit, shown) for t in picked]


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

    # every item of unit u passes (no filter but the unit): the items need not be looked at
    test.everything_in = lambda u: not (statuses or kind or overdue or period) and in_unit(u, upath)
    return test


def select(ledger: Ledger, **filters) -> list[Entry]:
    """Entries matching the filters of `list` (statuses and kind as codes), in tree and ID order."""
    test = matcher(ledger, **filters)
    return [e for e in ledger.entries if test(e.unit, e.item.status, e.item.kind, e.item.due, e.item.opened)]
