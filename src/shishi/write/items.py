"""The domain operations behind the write commands: one narrow door for every change.

Each operation takes the ledger root and plain arguments, checks everything
first, and then writes under the tree's lock: only the item blocks it
touches change, atomically. A refused operation raises ShishiError and
leaves every file as it was.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import ValidationError

from shishi.errors import ShishiError
from shishi.i18n import status_name, tr
from shishi.store import tree as t
from shishi.store.ledger import Ledger, load_units, parse_text, read_items
from shishi.store.model import (
    ID_RE,
    ITEM_KEYS,
    KINDS,
    UNIT_KINDS,
    Cancellation,
    Config,
    Item,
    Milestone,
    Progress,
    Reopening,
    Resolution,
    Target,
    Unit,
    Verification,
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
    scalar,
    split_lines,
)
from shishi.write.lock import write_lock

OPEN_STATES = ("open", "in_progress")

# ------------------------------------------------------------------ parsing arguments


def parse_date(text: str | date | None, what: str = "date") -> date | None:
    """A date as clerks type it: 2021-09-01, 2021/9/1, 2021.9.1, 2021年9月1日."""
    if text is None or isinstance(text, date):
        return text
    s = str(text).strip()
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", s)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
        else:
            # a year like 9999 is a typo, and due dates computed from it would overflow
            if not 1900 <= d.year <= 2999:
                raise ShishiError(tr(f"{what} 超出范围（1900–2999 年）：{s}", f"{what} is out of range (years 1900-2999): {s}"))
            return d
    raise ShishiError(tr(f"{what} 不是有效日期：{s}（应为 2021-09-01）", f"{what} is not a valid date: {s} (expected 2021-09-01)"))


def parse_money(text: str | None, what: str = "amount") -> Decimal | None:
    if text is None:
        return None
    s = str(text).strip().replace(",", "").replace("，", "")
    mult = Decimal(1)
    if s.endswith("万元") or s.endswith("万"):
        s, mult = s.rstrip("元").rstrip("万"), Decimal(10000)
    s = s.rstrip("元")
    try:
        v = Decimal(s) * mult
    except InvalidOperation:
        raise ShishiError(tr(f"{what} 不是金额：{text}", f"{what} is not an amount of money: {text}")) from None
    if not v.is_finite() or v < 0 or v >= Decimal(10) ** 14:
        raise ShishiError(tr(f"{what} 超出范围：{text}", f"{what} is out of range: {text}"))
    return v.quantize(Decimal("0.01")) if v != v.to_integral_value() else v.to_integral_value()


_TARGET_RE = re.compile(r"^\s*(.+?)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*(\S*)\s*$")


def parse_target(text: str) -> tuple[str, Decimal, str]:
    """'人行便道=3000米' -> ('人行便道', Decimal('3000'), '米')."""
    m = _TARGET_RE.match(text)
    if not m:
        raise ShishiError(tr(f"指标应写成 名称=数量单位，如 人行便道=3000米：{text}", f"a target is NAME=QTY[UNIT], e.g. 人行便道=3000米: {text}"))
    return m.group(1), Decimal(m.group(2)), m.group(3)


def parse_milestone(text: str) -> Milestone:
    """'一期竣工=2021-10-31' -> Milestone."""
    name, sep, when = text.rpartition("=")
    if not sep or not name.strip():
        raise ShishiError(tr(f"节点应写成 名称=日期，如 一期竣工=2021-10-31：{text}", f"a milestone is NAME=DATE, e.g. 一期竣工=2021-10-31: {text}"))
    with _checked():
        return Milestone(name=name.strip(), due=parse_date(when, name.strip()))


def _count(value: int | str, what: str) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ShishiError(tr(f"{what} 应为整数：{value}", f"{what} must be a whole number: {value}")) from None
    if n < 0 or n > 1_000_000_000:
        raise ShishiError(tr(f"{what} 超出范围：{value}", f"{what} is out of range: {value}"))
    return n


def default_due(config: Config | None, opened: date, category: str | None, handling: str | None) -> date:
    """The deadline an item gets from shishi.yaml's time limits: category, then handling class, then default."""
    limits = config.time_limits if config else None
    if limits is None:
        return opened + timedelta(days=7)
    if category and category in limits.categories:
        days = limits.categories[category]
    elif handling and handling in limits.classes:
        days = limits.classes[handling]
    else:
        days = limits.default
    return opened + timedelta(days=days)


# ------------------------------------------------------------------ files and blocks


def _read_text(path: Path) -> tuple[str, bool]:
    raw = t.read_bytes(path)
    try:
        text = decode(raw)
    except YamlError as e:
        raise ShishiError(f"{path.name}:{e.line}:{e.col}: {e.message}") from None
    return text, raw.startswith(b"\xef\xbb\xbf")


def _refuse_conflicts(rp: str, text: str) -> None:
    marks = conflict_markers(text)
    if marks:
        raise ShishiError(
            tr(
                f"{rp}:{marks[0]}:1: 文件里有未解决的 git 合并冲突，先解决再写入（shishi check 查看）",
                f"{rp}:{marks[0]}:1: unresolved git merge conflict; resolve it before writing (see shishi check)",
            )
        )


def _refuse_unreadable(root: Path, path: Path, rp: str, text: str) -> None:
    """Never write into a file the reader cannot read: its items, the new one too, would be invisible to list and check.

    Reading a big file costs a quarter of a second, so a file shishi itself last
    wrote (same size and mtime as then) is known to read and is not parsed again.
    """
    if _readable(root).get(rp) == _stamp(path):
        return
    data, problems = parse_text(rp, text)
    if data is None and problems:
        raise ShishiError(tr(f"{problems[0]}（文件无法读取，先改正再写入）", f"{problems[0]} (the file cannot be read; fix it before writing)"))
    if data is not None and not isinstance(data, list):
        raise ShishiError(tr(f"{rp} 不是事项列表，先改正再写入（shishi check）", f"{rp} is not a list of items; fix it before writing (see shishi check)"))


READABLE_FILE = "readable.json"  # under .shishi/: (size, mtime_ns) of the ledger files shishi last wrote


def _stamp(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _readable(root: Path) -> dict:
    try:
        data = json.loads((root / t.STATE_DIR / READABLE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_ledger(root: Path, path: Path, text: str, bom: bool = False) -> None:
    """Write a ledger file that reads by construction (a readable file with validated blocks), and remember so."""
    atomic_write(path, text, bom)
    known = _readable(root)
    known[t.rel(root, path)] = _stamp(path)
    cache = root / t.STATE_DIR / READABLE_FILE
    try:  # not atomic_write: a cache, never recorded for --commit
        tmp = cache.with_name(f".{READABLE_FILE}.{os.getpid()}")
        tmp.write_text(json.dumps(known, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass


def _validate(data: dict, rp: str = "") -> Item:
    with _checked():
        item = Item.model_validate(data)
    _printable(item_to_data(item))
    return item


def _printable(value) -> None:
    """Refuse control characters in text: check would report them in the file written."""
    if isinstance(value, str):
        m = CONTROL_TEXT_RE.search(value)
        if m:
            raise ShishiError(tr(f"文本含有控制字符 U+{ord(m.group()):04X}：{value!r}", f"text has a control character U+{ord(m.group()):04X}: {value!r}"))
    elif isinstance(value, dict):
        for v in value.values():
            _printable(v)
    elif isinstance(value, list):
        for v in value:
            _printable(v)


@contextmanager
def _checked():
    """A value a record refuses (empty, too long, too many digits) is the clerk's error, not a crash."""
    try:
        yield
    except ValidationError as err:
        msgs = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors(include_url=False))
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


def _locate(ledger: Ledger, item_id: str) -> Located:
    """Find an item's file and block: by its ID's unit code and year, else by searching every ledger file."""
    m = ID_RE.match(item_id.strip())
    if not m:
        raise ShishiError(tr(f"事项编号格式不对：{item_id}（应如 GS-SJ-2021-042）", f"not an item ID: {item_id} (like GS-SJ-2021-042)"))
    item_id = item_id.strip()
    unit = ledger.unit_of_prefix(item_id[: m.start(1) - 1])
    candidates: list[tuple[str, Path]] = []
    if unit is not None:
        candidates.append((unit, ledger.ledger_path(unit, int(m.group(1)))))
    needle = re.compile(rf"^(?:- |  )id:[ \t]*['\"]?{re.escape(item_id)}['\"]?(?:[ \t]+#.*)?\s*$", re.M)
    seen = {p for _, p in candidates}
    for upath, ud in ledger.units.items():
        for _y, p in t.ledger_files(ud):
            if p not in seen:
                candidates.append((upath, p))
    for upath, path in candidates:
        if not path.is_file():
            continue
        text, bom = _read_text(path)
        hit = _id_line(text, item_id, needle)
        if hit is None:
            continue
        rp = t.rel(ledger.root, path)
        _refuse_conflicts(rp, text)
        _refuse_unreadable(ledger.root, path, rp, text)
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
    raise ShishiError(tr(f"没有事项 {item_id}", f"no item {item_id}"))


def _id_line(text: str, item_id: str, needle: re.Pattern) -> int | None:
    """Offset of the first line `needle` matches, found from the ID's occurrences (a big file is not scanned line by line)."""
    at = text.find(item_id)
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        if needle.match(text, start):
            return start
        at = text.find(item_id, at + 1)
    return None


def _replace_block(loc: Located, new: Item) -> str:
    """The file text with the located item's block rewritten to `new`."""
    old_text = "".join(loc.lines[loc.block.start : loc.block.end]).replace("\r\n", "\n")
    try:
        block = edit_block(old_text, item_to_data(loc.item), item_to_data(new), ITEM_KEYS)
    except YamlError as e:
        raise _block_error(loc.rp, loc.block.start, loc.item.id, e) from None
    nl = newline_of(loc.text)
    if nl != "\n":
        block = block.replace("\n", nl)
    return "".join(loc.lines[: loc.block.start]) + block + "".join(loc.lines[loc.block.end :])


def _block_error(rp: str, start: int, item_id: str, e: YamlError) -> ShishiError:
    return ShishiError(
        tr(
            f"{rp}:{start + e.line}:{e.col}: 无法改写事项 {item_id}：{e.message}",
            f"{rp}:{start + e.line}:{e.col}: cannot rewrite item {item_id}: {e.message}",
        )
    )


def _append_text(ledger: Ledger, unit: str, path: Path, items: list[Item]) -> tuple[str, bool]:
    """The text of `path` with `items` appended as new blocks."""
    block = re.sub(r"\n(?=- )", "\n\n", dump_items([item_to_data(i) for i in items]))  # a blank line between items, as fmt leaves them
    if not path.exists():
        year = path.stem
        name = t.CONTROL_RE.sub(" ", " ".join(ledger.unit_name(unit).split()))  # a comment: one line, printable
        return f"# {name} {year}年台账\n\n{block}", False
    text, bom = _read_text(path)
    rp = t.rel(ledger.root, path)
    _refuse_conflicts(rp, text)
    _refuse_unreadable(ledger.root, path, rp, text)
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


def _next_id(ledger: Ledger, unit: str, year: int, taken: Iterable[str] = ()) -> str:
    prefix = ledger.prefix(unit)
    path = ledger.ledger_path(unit, year)
    top = 0
    if path.exists():
        text, _ = _read_text(path)
        # anchored on the newline, not ^: the regex engine then jumps from line to line
        pat = re.compile(rf"\n(?:- |  )id:\s*['\"]?{re.escape(prefix)}-{year}-(\d{{1,9}})(?!\d)")
        top = max((int(n) for n in pat.findall("\n" + text)), default=0)
    for tid in taken:
        m = ID_RE.match(tid)
        if m and tid.startswith(f"{prefix}-{year}-"):
            top = max(top, int(m.group(2)))
    return f"{prefix}-{year}-{top + 1:03d}"


def _units(root: Path) -> Ledger:
    ledger = load_units(root)
    if ledger.config is None:
        bad = [str(p) for p in ledger.problems if p.path == t.CONFIG_FILE]
        raise ShishiError(tr("shishi.yaml 有错误：", "shishi.yaml has errors: ") + "; ".join(bad))
    return ledger


def _unit_readable(ledger: Ledger, upath: str) -> None:
    """New IDs need the short codes of the unit and the units above it (else they would start X-)."""
    if not ledger.codes_known(upath):
        raise ShishiError(tr(f"单位 {upath or '区'} 或其上级的 unit.yaml 有错误，先运行 shishi check", f"unit.yaml of {upath or 'the root'} or a unit above it is broken; run shishi check"))


def _check_vocab(config: Config | None, category: str | None, source: str | None) -> None:
    if config is None:
        return
    if category and config.categories and category not in config.categories:
        raise ShishiError(tr(f"类别“{category}”不在 shishi.yaml 中，可选：{'、'.join(config.categories)}", f"category '{category}' is not in shishi.yaml; choose from: {', '.join(config.categories)}"))
    if source and config.sources and source not in config.sources:
        raise ShishiError(tr(f"来源“{source}”不在 shishi.yaml 中，可选：{'、'.join(config.sources)}", f"source '{source}' is not in shishi.yaml; choose from: {', '.join(config.sources)}"))


# ------------------------------------------------------------------ tree and units


def init(directory: Path, district: str, code: str | None = None, short: str = "QU") -> Path:
    """A new ledger tree: shishi.yaml, the district's unit.yaml and a .gitignore for the index."""
    directory = Path(directory)
    if (directory / t.CONFIG_FILE).exists():
        raise ShishiError(tr(f"{directory} 已经是台账库", f"{directory} is already a ledger tree"))
    try:
        Config(district=district, code=code)
        Unit(name=district, kind="district", short=short, code=code)
    except ValidationError as err:
        raise ShishiError("; ".join(e["msg"] for e in err.errors(include_url=False))) from None
    why = t.check_unit_name(district.strip())
    if why:
        raise ShishiError(why)
    directory.mkdir(parents=True, exist_ok=True)
    code_line = f"code: '{code}'\n" if code else ""
    atomic_write(
        directory / t.CONFIG_FILE,
        f"# shishi 台账库配置\ndistrict: {scalar(district)}\n{code_line}"
        "categories: [基础设施, 环境卫生, 社会保障, 文化体育, 教育医疗, 公共服务, 营商环境, 平安建设, 其他]\n"
        "sources: [走访, 热线, 文明实践站, 督查, 来信来访, 网络, 其他]\n"
        "time_limits:\n  default: 7\n  classes: {立刻办: 1, 限期办: 7, 分期办: 90}\n"
        "# 满意度等级：score 为分值，satisfied 为计入满意率的等级\n"
        "satisfaction:\n"
        "- {name: 很满意, score: 100, satisfied: true}\n"
        "- {name: 满意, score: 80, satisfied: true}\n"
        "- {name: 基本满意, score: 60, satisfied: true}\n"
        "- {name: 不太满意, score: 30}\n"
        "- {name: 不满意, score: 0}\n",
    )
    atomic_write(directory / t.UNIT_FILE, f"name: {scalar(district)}\nkind: district\nshort: {short}\n{code_line}")
    gi = directory / ".gitignore"
    if not gi.exists():
        atomic_write(gi, f"{t.STATE_DIR}/\n")
    return directory


def add_unit(root: Path, path: str, kind: str, code: str | None = None, short: str | None = None, clerk: str | None = None) -> str:
    """A new unit under an existing one; returns its path."""
    if kind not in UNIT_KINDS:
        raise ShishiError(tr(f"单位类型应为 {'/'.join(UNIT_KINDS)} 之一：{kind}", f"unit kind must be one of {'/'.join(UNIT_KINDS)}: {kind}"))
    path = path.strip().strip("/")
    parts = path.split("/")
    for p in parts:
        why = t.check_unit_name(p)
        if why:
            raise ShishiError(why)
    with write_lock(root):
        ledger = _units(root)
        parent = "/".join(parts[:-1])
        if parent not in ledger.units:
            try:
                parent = ledger.resolve_unit(parent) if parent else ""
            except ShishiError:
                raise ShishiError(tr(f"上级单位 {parent} 不存在，先添加它", f"parent unit {parent} does not exist; add it first")) from None
        new_path = f"{parent}/{parts[-1]}" if parent else parts[-1]
        if new_path in ledger.units or (ledger.units[parent].dir / parts[-1]).exists():
            raise ShishiError(tr(f"单位 {new_path} 已存在", f"unit {new_path} already exists"))
        taken = {ledger.prefix(u) for u in ledger.records}
        if short is None:
            n = 1
            while f"{ledger.prefix(parent) + '-' if parent else ''}U{n}" in taken:
                n += 1
            short = f"U{n}"
        try:
            Unit(name=parts[-1], kind=kind, short=short, code=code, clerk=clerk)
        except ValidationError as err:
            raise ShishiError("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in err.errors(include_url=False))) from None
        _printable(clerk)
        prefix = f"{ledger.prefix(parent)}-{short}" if parent else short
        if prefix in taken or prefix == ledger.prefix(""):
            raise ShishiError(tr(f"单位代码 {prefix} 已被使用，换一个 --short", f"unit code {prefix} is taken; choose another --short"))
        d = ledger.units[parent].dir / parts[-1]
        d.mkdir()
        lines = [f"name: {scalar(parts[-1])}", f"kind: {kind}", f"short: {short}"]
        if code:
            lines.append(f"code: '{code}'")
        if clerk:
            lines.append(f"clerk: {scalar(clerk)}")
        atomic_write(d / t.UNIT_FILE, "\n".join(lines) + "\n")
    return new_path


# ------------------------------------------------------------------ items


def add(
    root: Path,
    unit: str,
    title: str,
    *,
    kind: str = "demand",
    description: str | None = None,
    category: str | None = None,
    source: str | None = None,
    handling: str | None = None,
    due: str | date | None = None,
    opened: str | date | None = None,
    owner: str | None = None,
    lead: str | None = None,
    partners: Iterable[str] = (),
    budget: str | None = None,
    targets: Iterable[str] = (),
    milestones: Iterable[str] = (),
    reporter: str | None = None,
    phone: str | None = None,
    tags: Iterable[str] = (),
    source_key: str | None = None,
    supervision: dict | None = None,
    today: date | None = None,
) -> Item:
    """Register a new item in a unit's ledger for the year it was opened; returns it with its new ID."""
    if kind not in KINDS:
        raise ShishiError(tr(f"事项类型应为 {'/'.join(KINDS)} 之一：{kind}", f"kind must be one of {'/'.join(KINDS)}: {kind}"))
    opened_d = parse_date(opened, "--opened") or today or date.today()
    due_d = parse_date(due, "--due")
    tgs = []
    for spec in targets:
        name, qty, u = parse_target(spec)
        with _checked():
            tgs.append(Target(name=name, unit=u, planned=qty))
    mss = [parse_milestone(s) for s in milestones]
    data = {
        "id": "X-0000-000",
        "kind": kind,
        "title": title,
        "description": description,
        "category": category,
        "source": source,
        "handling": handling,
        "owner": owner,
        "lead": lead,
        "partners": list(partners),
        "opened": opened_d,
        "due": due_d,
        "status": "open",
        "budget": parse_money(budget, "--budget"),
        "milestones": mss,
        "targets": tgs,
        "supervision": supervision,
        "reporter": {"name": reporter, "phone": phone} if (reporter or phone) else None,
        "tags": list(tags),
        "source_key": source_key,
    }
    with write_lock(root):
        ledger = _units(root)
        upath = item_unit(ledger, unit)
        data = prepare(ledger, data)
        data["id"] = _next_id(ledger, upath, opened_d.year)
        item = _validate(data)
        path = ledger.ledger_path(upath, opened_d.year)
        text, bom = _append_text(ledger, upath, path, [item])
        _write_ledger(root, path, text, bom)
    return item


def item_unit(ledger: Ledger, unit: str) -> str:
    """The path of the unit new items go to; its unit.yaml must be sound."""
    upath = ledger.resolve_unit(unit)
    _unit_readable(ledger, upath)
    return upath


def prepare(ledger: Ledger, data: dict) -> dict:
    """A new item's data checked for everything but its ID, the default deadline filled in; raises ShishiError."""
    data = dict(data, id="X-0000-000")
    _check_vocab(ledger.config, data.get("category"), data.get("source"))
    if data.get("due") is None:
        data["due"] = default_due(ledger.config, data["opened"], data.get("category"), data.get("handling"))
    if data["due"] < data["opened"]:
        raise ShishiError(tr("完成时限早于登记日期", "--due is before the opening date"))
    _validate(data)
    return data


def source_keys(ledger: Ledger, unit: str) -> set[str]:
    """The source keys of the items a unit's own ledger files hold, broken items included."""
    keys = set()
    for _y, path in t.ledger_files(ledger.units[unit]):
        data, _ = parse_text(t.rel(ledger.root, path), _read_text(path)[0])
        for raw in data if isinstance(data, list) else ():
            if isinstance(raw, dict) and isinstance(raw.get("source_key"), str):
                keys.add(raw["source_key"])
    return keys


def add_many(root: Path, unit: str, rows: list[dict], *, dry_run: bool = False) -> tuple[list[Item], list[dict]]:
    """Register many items in one locked write per ledger file, checked as `add` checks one.

    A row whose `source_key` the unit already holds is not added again.
    Returns the items added (or, with dry_run, that would be) and the rows
    left out as already present. Any invalid row refuses the whole lot.
    """
    with write_lock(root):
        ledger = _units(root)
        upath = item_unit(ledger, unit)
        prepared = [prepare(ledger, d) for d in rows]
        have = source_keys(ledger, upath)
        added: list[Item] = []
        already: list[dict] = []
        numbers: dict[int, int] = {}  # year -> next sequence number
        for data in prepared:
            key = data.get("source_key")
            if key and key in have:
                already.append(data)
                continue
            if key:
                have.add(key)
            year = data["opened"].year
            if year not in numbers:
                numbers[year] = int(ID_RE.match(_next_id(ledger, upath, year)).group(2))
            data["id"] = f"{ledger.prefix(upath)}-{year}-{numbers[year]:03d}"
            numbers[year] += 1
            added.append(_validate(data))
        if not dry_run:
            for year in sorted({i.opened.year for i in added}):
                path = ledger.ledger_path(upath, year)
                text, bom = _append_text(ledger, upath, path, [i for i in added if i.opened.year == year])
                _write_ledger(root, path, text, bom)
    return added, already


def modify(root: Path, item_id: str, change: Callable[[Item, Ledger], Item]) -> Item:
    """Apply `change` to one item and write back only its block."""
    with write_lock(root):
        ledger = _units(root)
        loc = _locate(ledger, item_id)
        with _checked():
            new = change(loc.item.model_copy(deep=True), ledger)
        new = _validate(item_to_data(new))
        _write_ledger(root, loc.path, _replace_block(loc, new), loc.bom)
    return new


def _require(item: Item, allowed: tuple[str, ...], action_zh: str, action_en: str) -> None:
    if item.status not in allowed:
        raise ShishiError(
            tr(
                f"{item.id} 状态为{status_name(item.status)}，不能{action_zh}",
                f"{item.id} is {item.status}; cannot {action_en}",
            )
        )


def _resolution(item: Item) -> Resolution:
    """The resolution of a resolved item; a hand edit may have removed it."""
    if item.resolution is None:
        raise ShishiError(tr(f"{item.id} 状态为{status_name(item.status)}却没有 resolution，先改正（shishi check）", f"{item.id} is {item.status} but has no resolution; fix it first (see shishi check)"))
    return item.resolution


def _not_before(d: date, floor: date, what_zh: str, what_en: str) -> None:
    if d < floor:
        raise ShishiError(tr(f"日期 {d} 早于{what_zh} {floor}", f"date {d} is before the {what_en} {floor}"))


def progress(root: Path, item_id: str, note: str, *, when: str | date | None = None, milestone: str | None = None, done: bool = False, by: str | None = None, today: date | None = None) -> Item:
    """Append a progress entry (and mark a milestone done)."""
    d = parse_date(when, "--date") or today or date.today()

    def change(item: Item, _ledger: Ledger) -> Item:
        _require(item, ("open", "in_progress", "resolved"), "记进展（已销号、已上报、已撤销的事项要先重办）", "record progress")
        _not_before(d, item.opened, "登记日期", "opening date")
        if milestone is not None:
            ms = next((m for m in item.milestones if m.name == milestone), None)
            if ms is None:
                names = "、".join(m.name for m in item.milestones) or tr("无", "none")
                raise ShishiError(tr(f"{item.id} 没有节点“{milestone}”（已有：{names}）", f"{item.id} has no milestone '{milestone}' (has: {names})"))
            if done:
                if ms.done:
                    raise ShishiError(tr(f"节点“{milestone}”已于 {ms.done} 完成", f"milestone '{milestone}' was already done on {ms.done}"))
                ms.done = d
        elif done:
            raise ShishiError(tr("--done 需要同时给出 --milestone", "--done needs --milestone"))
        item.progress.append(Progress(date=d, note=note, milestone=milestone, by=by))
        if item.status == "open":
            item.status = "in_progress"
        return item

    return modify(root, item_id, change)


def close(
    root: Path,
    item_id: str,
    resolution: str,
    beneficiaries: int | str,
    *,
    spent: str | None = None,
    when: str | date | None = None,
    satisfaction: str | None = None,
    targets: Iterable[str] = (),
    today: date | None = None,
) -> Item:
    """Resolve an item (办结) with what was done and how many people it served."""
    d = parse_date(when, "--date") or today or date.today()
    n = _count(beneficiaries, "--beneficiaries")
    money = parse_money(spent, "--spent")
    actuals = [parse_target(s) for s in targets]

    def change(item: Item, ledger: Ledger) -> Item:
        _require(item, OPEN_STATES, "办结", "close it")
        _not_before(d, item.opened, "登记日期", "opening date")
        if satisfaction is not None and ledger.config is not None:
            levels = [lv.name for lv in ledger.config.satisfaction]
            if satisfaction not in levels:
                raise ShishiError(tr(f"满意度应为 {'、'.join(levels)} 之一：{satisfaction}", f"satisfaction must be one of {', '.join(levels)}: {satisfaction}"))
        for name, qty, _u in actuals:
            tg = next((x for x in item.targets if x.name == name), None)
            if tg is None:
                raise ShishiError(tr(f"{item.id} 没有指标“{name}”", f"{item.id} has no target '{name}'"))
            tg.actual = qty
        item.resolution = Resolution(date=d, text=resolution, beneficiaries=n, spent=money, satisfaction=satisfaction)
        item.status = "resolved"
        return item

    return modify(root, item_id, change)


def verify(root: Path, item_id: str, *, by: str | None = None, when: str | date | None = None, today: date | None = None) -> Item:
    """Strike off (销号) a resolved item."""
    d = parse_date(when, "--date") or today or date.today()

    def change(item: Item, _ledger: Ledger) -> Item:
        _require(item, ("resolved",), "销号（须先办结）", "verify it (close it first)")
        _not_before(d, _resolution(item).date, "办结日期", "resolution date")
        item.verification = Verification(date=d, by=by)
        item.status = "verified"
        return item

    return modify(root, item_id, change)


def reopen(root: Path, item_id: str, reason: str, *, when: str | date | None = None, returned: bool = False, today: date | None = None) -> Item:
    """重办: back to in progress; the earlier resolution is kept in the reopenings."""
    d = parse_date(when, "--date") or today or date.today()

    def change(item: Item, _ledger: Ledger) -> Item:
        _require(item, ("resolved", "verified"), "重办（只有已办结或已销号的事项可以重办）", "reopen it (only resolved or verified items)")
        _not_before(d, _resolution(item).date, "办结日期", "resolution date")
        item.reopenings.append(Reopening(date=d, reason=reason, returned=returned, resolution=item.resolution))
        item.resolution = None
        item.verification = None
        item.status = "in_progress"
        return item

    return modify(root, item_id, change)


def cancel(root: Path, item_id: str, reason: str, *, duplicate_of: str | None = None, when: str | date | None = None, today: date | None = None) -> Item:
    """撤销 an open item, e.g. as a duplicate of another."""
    d = parse_date(when, "--date") or today or date.today()

    def change(item: Item, ledger: Ledger) -> Item:
        _require(item, OPEN_STATES, "撤销", "cancel it")
        _not_before(d, item.opened, "登记日期", "opening date")
        if duplicate_of:
            if duplicate_of == item.id:
                raise ShishiError(tr("事项不能与自身重复", "an item cannot duplicate itself"))
            _locate(ledger, duplicate_of)
        item.cancellation = Cancellation(date=d, reason=reason, duplicate_of=duplicate_of)
        item.status = "cancelled"
        return item

    return modify(root, item_id, change)


def escalate(
    root: Path, item_id: str, to: str, reason: str, *, when: str | date | None = None, owner: str | None = None, due: str | date | None = None, today: date | None = None
) -> Item:
    """Hand an item up (or over) to another unit: a new item there continues it; both are linked.

    The new item keeps what describes the problem (title, category, reporter …);
    its owner, lead and deadline belong to the receiving unit.
    """
    due_d = parse_date(due, "--due")
    d = parse_date(when, "--date") or today or date.today()
    with write_lock(root):
        ledger = _units(root)
        loc = _locate(ledger, item_id)
        item = loc.item
        _require(item, OPEN_STATES, "上报", "escalate it")
        _not_before(d, item.opened, "登记日期", "opening date")
        target = ledger.resolve_unit(to)
        _unit_readable(ledger, target)
        if target == loc.unit:
            raise ShishiError(tr("不能上报给本单位", "cannot escalate to the item's own unit"))
        new_data = item_to_data(item)
        for k in ("progress", "extensions", "reopenings", "supervision", "resolution", "verification", "cancellation", "escalated_to", "source_key", "owner", "lead", "partners"):
            new_data.pop(k, None)
        if due_d is not None and due_d < d:
            raise ShishiError(tr("完成时限早于上报日期", "--due is before the escalation date"))
        new_data.update(
            id="X-0000-000",
            status="open",
            opened=d,
            escalated_from=item.id,
            owner=owner,
            due=due_d or default_due(ledger.config, d, item.category, item.handling),
        )
        new_data["id"] = _next_id(ledger, target, d.year)
        new_item = _validate(new_data)
        old = item.model_copy(deep=True)
        old.status = "escalated"
        old.escalated_to = new_item.id
        with _checked():
            old.progress.append(Progress(date=d, note=tr(f"上报至{ledger.unit_name(target)}：{reason}", f"escalated to {ledger.unit_name(target)}: {reason}")))
        old = _validate(item_to_data(old))
        tpath = ledger.ledger_path(target, d.year)
        new_text, new_bom = _append_text(ledger, target, tpath, [new_item])
        old_text = _replace_block(loc, old)
        # the new item first: a crash in between leaves a link `check` reports, never a lost problem
        _write_ledger(root, tpath, new_text, new_bom)
        _write_ledger(root, loc.path, old_text, loc.bom)
    return new_item


# ------------------------------------------------------------------ fmt


def fmt(root: Path, check_only: bool = False) -> list[str]:
    """Put ledger files into the canonical layout; returns the files that were (or would be) changed."""
    changed = []
    with write_lock(root):
        ledger = _units(root)
        for upath, ud in ledger.units.items():
            for _y, path in t.ledger_files(ud):
                rp = t.rel(root, path)
                text, bom = _read_text(path)
                new = canonical_text(rp, upath, text)
                if new != text:
                    changed.append(rp)
                    if not check_only:
                        _write_ledger(root, path, new, bom)
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
            raise _block_error(rp, b.start, e.item.id, err) from None
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

    from shishi.store.yamlio import _rt_yaml, rt_load

    y = _rt_yaml()
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


def get(root: Path, item_id: str) -> tuple[Item, str]:
    """One item and its unit path, read from its own file only."""
    loc = _locate(_units(root), item_id)
    return loc.item, loc.unit
