"""File mechanics of the write door: reading a ledger file for writing, finding an item's block, appending, handing out IDs, atomic writes that remember the files shishi wrote."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from shishi.errors import ShishiError
from shishi.i18n import suggest, tr
from shishi.store import tree as t
from shishi.store.ledger import Ledger, parse_text, read_items
from shishi.store.load import load_units
from shishi.store.model import (
    ID_RE,
    ITEM_KEYS,
    Config,
    Item,
    error_text,
    item_to_data,
)
from shishi.store.yamlio import (
    CONTROL_TEXT_RE,
    Block,
    YamlError,
    atomic_write,
    block_at,
    conflict_markers,
    decode,
    dump_items,
    edit_block,
    find_blocks,
    newline_of,
    split_lines,
    temp_name,
)
from shishi.values import norm_id
from shishi.write import journal

# ------------------------------------------------------------------ files and blocks


def read_text(path: Path) -> tuple[str, bool]:
    raw = t.read_bytes(path)
    try:
        text = decode(raw)
    except YamlError as e:
        raise ShishiError(f"{path.name}:{e.line}:{e.col}: {e.message}") from None
    return text, raw.startswith(b"\xef\xbb\xbf")


def refuse_conflicts(rp: str, text: str) -> None:
    marks = conflict_markers(text)
    if marks:
        raise ShishiError(
            tr(
                f"{rp}:{marks[0]}:1: 文件里有未解决的 git 合并冲突，先解决再写入（shishi check 查看）",
                f"{rp}:{marks[0]}:1: unresolved git merge conflict; resolve it before writing (see shishi check)",
            )
        )


def refuse_unreadable(root: Path, path: Path, rp: str, text: str) -> None:
    """Never write into a file the reader cannot read: its items, the new one too, would be invisible to list and check.

    Reading a big file costs a quarter of a second, so a file shishi itself last
    wrote (same size and mtime as then) is known to read and is not parsed again.
    """
    if readable(root).get(rp) == stamp(path):
        return
    data, problems = parse_text(rp, text)
    if data is None and problems:
        raise ShishiError(tr(f"{problems[0]}（文件无法读取，先改正再写入）", f"{problems[0]} (the file cannot be read; fix it before writing)"))
    if data is not None and not isinstance(data, list):
        raise ShishiError(tr(f"{rp} 不是事项列表，先改正再写入（shishi check）", f"{rp} is not a list of items; fix it before writing (see shishi check)"))


READABLE_FILE = "readable.json"  # under .shishi/: the stat of the ledger files shishi last wrote


def stamp(path: Path) -> list[int] | None:
    """What says a file is unchanged since: size, mtime, ctime, inode, device (a `touch -r` restore changes the ctime)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def readable(root: Path) -> dict:
    try:
        fd = t.open_state(root, READABLE_FILE, os.O_RDONLY)
        with os.fdopen(fd, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError, ShishiError):
        return {}
    return data if isinstance(data, dict) else {}


def write_ledger(root: Path, path: Path, text: str, bom: bool = False) -> None:
    """Write a ledger file that reads by construction (a readable file with validated blocks), and remember so."""
    atomic_write(path, text, bom)
    tx = journal.current()
    if tx is None:
        remember(root, [path])
    else:  # the stat is known once the transaction has renamed it into place
        tx.after.append(lambda: remember(root, [path]))


def remember(root: Path, paths: list[Path]) -> None:
    """Note the stat of files shishi just wrote (a cache: lost on a crash, never committed)."""
    known = readable(root)
    for path in paths:
        known[t.rel(root, path)] = stamp(path)
    name = temp_name(READABLE_FILE)
    try:
        fd = t.open_state(root, name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps(known, ensure_ascii=False).encode("utf-8"))
        os.replace(root / t.STATE_DIR / name, root / t.STATE_DIR / READABLE_FILE)
    except OSError:
        pass


def validate_item(data: dict, rp: str = "") -> Item:
    with checked():
        item = Item.model_validate(data)
    printable(item_to_data(item))
    return item


def printable(value) -> None:
    """Refuse control characters in text: check would report them in the file written."""
    if isinstance(value, str):
        m = CONTROL_TEXT_RE.search(value)
        if m:
            raise ShishiError(tr(f"文本含有控制字符 U+{ord(m.group()):04X}：{value!r}", f"text has a control character U+{ord(m.group()):04X}: {value!r}"))
    elif isinstance(value, dict):
        for v in value.values():
            printable(v)
    elif isinstance(value, list):
        for v in value:
            printable(v)


@contextmanager
def checked():
    """A value a record refuses (empty, too long, too many digits) is the clerk's error, not a crash."""
    try:
        yield
    except ValidationError as err:
        msgs = tr("；", "; ").join(error_text(e) for e in err.errors(include_url=False))
        raise ShishiError(tr(f"事项数据无效：{msgs}", f"invalid item: {msgs}")) from None


@dataclass
class Located:
    path: Path
    rp: str
    text: str
    bom: bool
    lines: list[str]
    block: Block
    item: Item
    unit: str


def locate(ledger: Ledger, item_id: str) -> Located:
    """Find an item's file and block: by its ID's unit code and year, else by searching every ledger file. IDs are taken in any case."""
    typed, item_id = item_id, norm_id(item_id)
    m = ID_RE.match(item_id)
    if not m:
        raise ShishiError(tr(f"事项编号格式不对：{typed}（应如 GS-SJ-2021-042）", f"not an item ID: {typed} (like GS-SJ-2021-042)"))
    unit = ledger.unit_of_prefix(item_id[: m.start(1) - 1])
    candidates: list[tuple[str, Path]] = []
    if unit is not None:
        candidates.append((unit, ledger.ledger_path(unit, int(m.group(1)))))
    needle = re.compile(rf"^(?:- |  )id:[ \t]*['\"]?{re.escape(item_id)}['\"]?(?:[ \t]+#.*)?\s*$", re.M)
    seen = {p for _, p in candidates}
    known: list[str] = []  # the IDs met on the way, for a suggestion when this one is not there
    for upath, ud in ledger.units.items():
        for _y, p in t.ledger_files(ud):
            if p not in seen:
                candidates.append((upath, p))
    for upath, path in candidates:
        if not path.is_file():
            continue
        text, bom = read_text(path)
        hit = _id_line(text, item_id, needle)
        if hit is None:
            known += _ID_LINES.findall(text)
            continue
        rp = t.rel(ledger.root, path)
        refuse_conflicts(rp, text)
        refuse_unreadable(ledger.root, path, rp, text)
        lines = split_lines(text)
        # the block around the ID's line; the whole file is cut into blocks only when that is not it
        i = text.count("\n", 0, hit)  # its line, unless a rarer line break (\r, \u2028 …) comes before it
        if i >= len(lines) or not needle.match(lines[i]):
            i = len(split_lines(text[:hit]))
        again = needle.search(text, hit + 1)
        if again:  # which one is meant? (IDs repeated across files are check's to find)
            n = text.count("\n", 0, again.start()) + 1
            raise ShishiError(tr(f"{rp}:{n}:1: 事项编号 {item_id} 重复，先改正（shishi check）", f"{rp}:{n}:1: item ID {item_id} appears twice; fix it first (see shishi check)"))
        near = block_at(lines, i)
        for b in [near] if near is not None and near.id == item_id else find_blocks(lines):
            if b.id == item_id:
                entries, problems, _ = read_items(rp, upath, "".join(lines[b.start : b.end]))
                if problems or len(entries) != 1:
                    first = problems[0] if problems else None
                    where = f"{rp}:{b.start + first.line}:{first.col}: {first.message}" if first else rp
                    raise ShishiError(tr(f"事项 {item_id} 有错误，请先改正：{where}", f"item {item_id} has an error; fix it first: {where}"))
                return Located(path, rp, text, bom, lines, b, entries[0].item, upath)
        raise ShishiError(tr(f"{rp}: 找不到事项 {item_id} 的起始行“- id: {item_id}”（shishi fmt 可整理格式）", f"{rp}: cannot find the block of {item_id} starting '- id: {item_id}' (shishi fmt can tidy the file)"))
    for upath, path in candidates:  # written in a layout the block writer does not edit: flow style, other indentation
        if not path.is_file():
            continue
        text, _bom = read_text(path)
        if item_id not in text:
            continue
        rp = t.rel(ledger.root, path)
        entries, _problems, _ = read_items(rp, upath, text)
        hit = next((e for e in entries if e.item.id == item_id), None)
        if hit is not None:
            raise NotInBlocks(
                tr(
                    f"{rp}:{hit.line}:1: 事项 {item_id} 的写法（流式 {{…}} 或非两格缩进）无法就地改写，先运行 shishi fmt",
                    f"{rp}:{hit.line}:1: item {item_id} is written in a layout (flow style {{…}} or other indentation) that cannot be edited in place; run shishi fmt first",
                ),
                hit.item,
                upath,
            )
    near = suggest(item_id, known)
    raise ShishiError(tr(f"没有事项 {item_id}{near}", f"no item {item_id}{near}"))


_ID_LINES = re.compile(r"^(?:- |  )id:[ \t]*['\"]?([A-Z0-9][A-Z0-9-]*-\d{4}-\d+)", re.M)


class NotInBlocks(ShishiError):
    """An item that reads but is not a block the writer can edit: readers may still show it."""

    def __init__(self, message: str, item: Item, unit: str):
        super().__init__(message)
        self.item, self.unit = item, unit


def _id_line(text: str, item_id: str, needle: re.Pattern) -> int | None:
    """Offset of the first line `needle` matches, found from the ID's occurrences (a big file is not scanned line by line)."""
    at = text.find(item_id)
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        if needle.match(text, start):
            return start
        at = text.find(item_id, at + 1)
    return None


def replace_block(loc: Located, new: Item) -> str:
    """The file text with the located item's block rewritten to `new`."""
    old_text = "".join(loc.lines[loc.block.start : loc.block.end]).replace("\r\n", "\n")
    try:
        block = edit_block(old_text, item_to_data(loc.item), item_to_data(new), ITEM_KEYS)
    except YamlError as e:
        raise block_error(loc.rp, loc.block.start, loc.item.id, e) from None
    nl = newline_of(loc.text)
    if nl != "\n":
        block = block.replace("\n", nl)
    return "".join(loc.lines[: loc.block.start]) + block + "".join(loc.lines[loc.block.end :])


def block_error(rp: str, start: int, item_id: str, e: YamlError) -> ShishiError:
    return ShishiError(
        tr(
            f"{rp}:{start + e.line}:{e.col}: 无法改写事项 {item_id}：{e.message}",
            f"{rp}:{start + e.line}:{e.col}: cannot rewrite item {item_id}: {e.message}",
        )
    )


def append_text(ledger: Ledger, unit: str, path: Path, items: list[Item]) -> tuple[str, bool]:
    """The text of `path` with `items` appended as new blocks."""
    block = re.sub(r"\n(?=- )", "\n\n", dump_items([item_to_data(i) for i in items]))  # a blank line between items, as fmt leaves them
    if not path.exists():
        year = path.stem
        name = t.CONTROL_RE.sub(" ", " ".join(ledger.unit_name(unit).split()))  # a comment: one line, printable
        return f"# {name} {year}年台账\n\n{block}", False
    text, bom = read_text(path)
    rp = t.rel(ledger.root, path)
    refuse_conflicts(rp, text)
    refuse_unreadable(ledger.root, path, rp, text)
    if text.strip() and not _BLOCK_LINE.search(text):
        data, problems = parse_text(rp, text)
        if data not in (None, []) or problems:
            raise ShishiError(tr(f"{rp} 不是逐行的事项列表，先运行 shishi fmt", f"{rp} is not a block list of items; run shishi fmt first"))
        text = "".join(line for line in split_lines(text) if line.lstrip().startswith("#") or not line.strip())
    nl = newline_of(text)
    if text and not text.endswith("\n"):
        text += nl
    sep = nl if text.strip() else ""
    return text + sep + block.replace("\n", nl), bom


_BLOCK_LINE = re.compile(r"^-(?: |\r?$)", re.M)  # a line that starts an item block (as find_blocks sees them)


def next_id(ledger: Ledger, unit: str, year: int, taken: Iterable[str] = ()) -> str:
    prefix = ledger.prefix(unit)
    path = ledger.ledger_path(unit, year)
    top = 0
    if path.exists():
        text, _ = read_text(path)
        # anchored on the newline, not ^: the regex engine then jumps from line to line
        pat = re.compile(rf"\n(?:- |  )id:\s*['\"]?{re.escape(prefix)}-{year}-(\d{{1,9}})(?!\d)")
        top = max((int(n) for n in pat.findall("\n" + text)), default=0)
    for tid in taken:
        m = ID_RE.match(tid)
        if m and tid.startswith(f"{prefix}-{year}-"):
            top = max(top, int(m.group(2)))
    return f"{prefix}-{year}-{top + 1:03d}"


def tree_units(root: Path) -> Ledger:
    """The units of the tree for a write (under the lock), a killed writer's temporary files swept on the way."""
    ledger = load_units(root)
    journal.sweep(root, ledger.units)
    if ledger.config is None:
        bad = [str(p) for p in ledger.problems if p.path == t.CONFIG_FILE]
        raise ShishiError(tr("shishi.yaml 有错误：", "shishi.yaml has errors: ") + "; ".join(bad))
    return ledger


def unit_readable(ledger: Ledger, upath: str) -> None:
    """New IDs need the short codes of the unit and the units above it (else they would start X-)."""
    if not ledger.codes_known(upath):
        raise ShishiError(tr(f"单位 {upath or '区'} 或其上级的 unit.yaml 有错误，先运行 shishi check", f"unit.yaml of {upath or 'the root'} or a unit above it is broken; run shishi check"))


def check_vocab(config: Config | None, category: str | None, source: str | None) -> None:
    if config is None:
        return
    if category and config.categories and category not in config.categories:
        near = suggest(category, config.categories)
        raise ShishiError(tr(f"类别“{category}”不在 shishi.yaml 中，可选：{'、'.join(config.categories)}{near}", f"category '{category}' is not in shishi.yaml; choose from: {', '.join(config.categories)}{near}"))
    if source and config.sources and source not in config.sources:
        near = suggest(source, config.sources)
        raise ShishiError(tr(f"来源“{source}”不在 shishi.yaml 中，可选：{'、'.join(config.sources)}{near}", f"source '{source}' is not in shishi.yaml; choose from: {', '.join(config.sources)}{near}"))




def get(root: Path, item_id: str) -> tuple[Item, str]:
    """One item and its unit path, read from its own file only."""
    try:
        loc = locate(tree_units(root), item_id)
    except NotInBlocks as e:
        return e.item, e.unit
    return loc.item, loc.unit
