"""`fmt`: ledger files in the canonical layout."""

from __future__ import annotations

import re
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
    """Put ledger files into the canonical layout; returns the files that were (or would be) changed.

    A file is worked through item by item, so memory stays near the size of
    the file itself whatever its number of items.
    """
    import gc

    changed = []
    was = gc.isenabled()
    gc.enable()  # each item's dump leaves cycles behind: collected as it goes, not piled up over 100,000 items
    try:
        with write_lock(root):
            changed = _fmt(root, check_only)
    finally:
        if not was:
            gc.disable()
    return changed


def _fmt(root: Path, check_only: bool) -> list[str]:
    changed = []
    ledger = tree_units(root)
    for upath, ud in ledger.units.items():
        for _y, path in t.ledger_files(ud):
            rp = t.rel(root, path)
            text, bom = read_text(path)
            new = canonical_or_same(rp, upath, text, keep=not check_only)
            del text  # the file's text and its new text are never both held longer than needed
            if new is not SAME:
                changed.append(rp)
                if not check_only:
                    write_ledger(root, path, new, bom)
    return changed


SAME = ""  # canonical_or_same's answer for a file already canonical (compared by identity)
_RARE_BREAK = re.compile(r"\r(?!\n)|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")  # line breaks str.splitlines knows beyond \n


def canonical_or_same(rp: str, unit: str, text: str, keep: bool = True) -> str:
    """The canonical text of a ledger file, or SAME when it is that already (with keep=False, any other string when not)."""
    if _RARE_BREAK.search(text) or not _block_list(text):
        new = canonical_text(rp, unit, text)
        return SAME if new == text else new
    nl = newline_of(text)
    out: list[str] | None = [] if keep else None
    pos, same, started = 0, True, False
    for piece in _canonical_pieces(rp, unit, text):
        if not started:
            piece = piece.lstrip("\n")
            if not piece:
                continue
            started = True
        if nl != "\n":
            piece = piece.replace("\n", nl)
        if same and text.startswith(piece, pos):
            pos += len(piece)
        else:
            same = False
        if out is not None:
            out.append(piece)
    if not started:
        return SAME if text == "" else ""
    if same and pos == len(text):
        return SAME
    return "".join(out) if out is not None else "changed"


def _block_list(text: str) -> bool:
    """Whether every line outside the item blocks is blank or a comment (else the whole file is rewritten at once)."""
    in_block = False
    for line in _lines(text):
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in lead:
            return False  # tabs where YAML wants indentation: the whole-file reader says where
        if _starts_block(line):
            in_block = True
        elif not line.strip():
            continue
        elif lead:
            if not in_block:
                return False  # an indented list, or fields after a column-0 comment: items are not blocks here
        elif line.startswith("#"):
            in_block = False
        else:
            return False
    return True


def _starts_block(line: str) -> bool:
    return line.startswith("- ") or line.rstrip("\r\n") == "-"


def _lines(text: str):
    """The lines of a text split at \n only, ends kept, one at a time (no list of millions of lines)."""
    pos, n = 0, len(text)
    while pos < n:
        end = text.find("\n", pos)
        end = n if end < 0 else end + 1
        yield text[pos:end]
        pos = end


def _segments(text: str):
    """("gap", text) and ("block", first line, text) in file order, cut as find_blocks cuts them, \r\n made \n."""
    gap: list[str] = []
    block: list[str] = []
    tail: list[str] = []  # blank lines after a block's last content line: the gap's unless the block goes on
    start = 0
    for i, line in enumerate(_lines(text)):
        line = line.replace("\r\n", "\n")
        if _starts_block(line):
            if block:
                yield "block", start, "".join(block)
                gap = tail
            if gap:
                yield "gap", 0, "".join(gap)
            block, tail, gap, start = [line], [], [], i
        elif block:
            if line[:1] in (" ", "\t") and line.strip():
                block += tail
                block.append(line)
                tail = []
            elif line.strip():
                yield "block", start, "".join(block)
                block, gap, tail = [], tail + [line], []
            else:
                tail.append(line)
        else:
            gap.append(line)
    if block:
        yield "block", start, "".join(block)
        gap = tail
    if gap:
        yield "gap", 0, "".join(gap)


def _canonical_pieces(rp: str, unit: str, text: str):
    """The canonical text of a block-structured file, piece by piece: each item read, checked and dumped alone."""
    segs = _segments(text)
    seg = next(segs, None)
    first = True
    if seg is not None and seg[0] == "gap":
        yield _gap(seg[2], first=True)
        seg = next(segs, None)
        first = False
    if seg is None and first:
        return
    if first:
        yield ""
    while seg is not None:
        _kind, start, block = seg
        entries, problems, _ = read_items(rp, unit, block)
        if problems or len(entries) != 1:
            p = problems[0] if problems else None
            where = f"{rp}:{start + p.line}:{p.col}: {p.message}" if p else f"{rp}:{start + 1}:1"
            raise ShishiError(tr(f"{rp} 有错误，未整理：", f"{rp} has errors; not formatted: ") + where)
        data = item_to_data(entries[0].item)
        try:
            yield dump_items([data]) if not _has_comments(block) else _reorder(block, data)
        except YamlError as err:
            raise block_error(rp, start, entries[0].item.id, err) from None
        seg = next(segs, None)
        gap = ""
        if seg is not None and seg[0] == "gap":
            gap = seg[2]
            seg = next(segs, None)
        yield _gap(gap, last=seg is None)


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
