"""`git relink`: escalation links repaired after a merge gave the continuing item a new number."""

from __future__ import annotations

from pathlib import Path

from shishi.store.load import load
from shishi.write.items import modify
from shishi.write.lock import write_lock


def broken_escalations(root: Path) -> list[tuple[str, str, str]]:
    """(source ID, escalated_to now, the item that continues it) for links a merge's renumbering broke."""
    ledger = load(root)
    by_id = {e.item.id: e.item for e in ledger.entries}
    continuing: dict[str, list[str]] = {}
    for e in ledger.entries:
        if e.item.escalated_from:
            continuing.setdefault(e.item.escalated_from, []).append(e.item.id)
    out = []
    for e in ledger.entries:
        it = e.item
        target = by_id.get(it.escalated_to) if it.escalated_to else None
        if it.escalated_to and (target is None or target.escalated_from != it.id):
            heirs = continuing.get(it.id, [])
            if len(heirs) == 1 and heirs[0] != it.escalated_to:
                out.append((it.id, it.escalated_to, heirs[0]))
    return out


def relink(root: Path) -> list[tuple[str, str, str]]:
    """Point escalated_to at the item that really continues it, where a merge renumbered that item (all fixes one transaction)."""
    with write_lock(root):
        fixes = broken_escalations(root)
        for source, _old, new in fixes:

            def change(item, _ledger, new=new):
                item.escalated_to = new
                return item

            modify(root, source, change)
    return fixes
