"""`fmt`: ledger files in the canonical layout."""

from __future__ import annotations

from pathlib import Path

from shishi.errors import ShishiError
from shishi.i18n import tr
from shishi.store import tree as t
from shishi.store.ledger import read_items
from shishi.store.model import (
    ITEM_KEYS,
    item_to_data,
)
from shishi.store.yamlio import (
    YamlError,
    dump_items,
    find_blocks,
    newline_of,
    split_lines,
)
from shishi.write.files import block_error, read_text, tree_units, write_ledger
from shishi.write.lock import write_lock

# ------------------------------------------------------------------ fmt


def fmt(root: Path, check_only: bool = False) -> list[str]:
    """Put ledger files into the canonical layout; returns the files that were (or would be) changed."""
    changed = []
    with write_lock(root):
        ledger = tree_units(root)
        for upath, ud in ledger.units.items():
            for _y, path in t.ledger_files(ud):
                rp = t.rel(root, path)
                text, bom = read_text(path)
                new = canonical_text(rp, upath, text)
                if new != text:
                    changed.append(rp)
                    if not check_only:
                        write_ledger(root, path, new, bom)
    return changed


def canonical_text(rp: str, unit: str, text: str) -> str:
    """A ledger file's text in the canonical layout; refuses a file with errors.

    Canonical: items in block style with keys in record order, one blank line
    before each item, comments between items kept right above the next one,
    the file's newline style kept.
    """
    entries, problems, _ = read_items(rp, unit, text)
    if problems:
        raise ShishiError(tr(f"{rp} 有错误，未整理：", f"{rp} has errors; not formatted: ") + str(problems[0]), problems)
    nl = newline_of(text)
    lines = split_lines(text.replace("\r\n", "\n"))
    blocks = find_blocks(lines)
    if len(blocks) != len(entries) or any(b.id != e.item.id for b, e in zip(blocks, entries, strict=False)):
        # not block-structured (e.g. flow style): rewrite every item, keeping the leading comments
        head = []
        for line in lines:
            if not (line.startswith("#") or not line.strip()):
                break
            head.append(line)
        body = "\n".join(dump_items([item_to_data(e.item)]) for e in entries)
        return _join([_gap("".join(head), first=True), body], nl)
    pieces = [_gap("".join(lines[: blocks[0].start]) if blocks else "".join(lines), first=True)]
    for i, (b, e) in enumerate(zip(blocks, entries, strict=True)):
        old_text = "".join(lines[b.start : b.end])
        data = item_to_data(e.item)
        try:
            pieces.append(dump_items([data]) if not _has_comments(old_text) else _reorder(old_text, data))
        except YamlError as err:
            raise block_error(rp, b.start, e.item.id, err) from None
        nxt = blocks[i + 1].start if i + 1 < len(blocks) else len(lines)
        pieces.append(_gap("".join(lines[b.end : nxt]), last=i + 1 == len(blocks)))
    return _join(pieces, nl)


def _gap(text: str, first: bool = False, last: bool = False) -> str:
    """Comment lines between items, without runs of blank lines; a blank line before the next item."""
    kept: list[str] = []
    for line in text.splitlines():
        if line.strip() or (kept and kept[-1].strip()):
            kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    body = "".join(line + "\n" for line in kept)
    if last:
        return ("\n" + body) if body else ""
    if first:
        return body + "\n" if body else ""
    return "\n" + body


def _join(pieces: list[str], nl: str) -> str:
    text = "".join(pieces)
    text = text.lstrip("\n") if text.strip() else ""
    return text.replace("\n", nl)


def _has_comments(block_text: str) -> bool:
    """True when the block holds comments, which a plain canonical dump would lose."""
    return any(line.lstrip().startswith("#") or " #" in line for line in block_text.splitlines())


def _reorder(block_text: str, data: dict) -> str:
    """Canonical key order and block style for a block with comments, keeping them."""
    import io

    from shishi.store.yamlio import rt_load, rt_yaml

    y = rt_yaml()
    seq = rt_load(y, block_text)
    cm = seq[0]
    for key in [k for k in ITEM_KEYS if k in cm]:
        cm.move_to_end(key)
    _block_style(cm)
    buf = io.StringIO()
    y.dump(seq, buf)
    return buf.getvalue()


def _block_style(node) -> None:
    fa = getattr(node, "fa", None)
    if fa is not None:
        fa.set_block_style()
    if isinstance(node, dict):
        for v in node.values():
            _block_style(v)
    elif isinstance(node, list):
        for v in node:
            _block_style(v)
