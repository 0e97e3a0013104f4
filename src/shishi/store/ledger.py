"""Reading a whole ledger tree into validated records, with every problem located."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from shishi.errors import Problem, ShishiError
from shishi.i18n import field_label, initials, suggest, tr
from shishi.store import tree as t
from shishi.store.yamlio import CONFLICT_RE, Map, Seq, YamlError, conflict_markers, decode, find_blocks, key_position, locate, parse, split_lines

if TYPE_CHECKING:  # the models (Pydantic) are imported where records are validated: a ledger read through the index needs none
    from pydantic import BaseModel, ValidationError

    from shishi.store.model import Config, Item, SurveyEntry, Unit


class Entry:
    """An item as read, with where it stands.

    `data` is the item's parsed YAML: its keys with their positions. An entry
    loaded through the index gets an `ItemRecord` as its item and reads `data`
    (positions only, values left out) from the index when first asked.
    """

    __slots__ = ("item", "unit", "file", "line", "_data", "_source", "_id_pos")

    def __init__(self, item: Item, unit: str, file: str, line: int, data: Map | None = None):
        self.item, self.unit, self.file, self.line = item, unit, file, line
        self._data, self._source, self._id_pos = data, None, None

    @property
    def data(self) -> Map | None:
        if self._data is None and self._source is not None:
            self._data = self._source.data(self)
        return self._data

    @data.setter
    def data(self, value: Map | None) -> None:
        self._data = value

    def __eq__(self, other) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return (self.item, self.unit, self.file, self.line) == (other.item, other.unit, other.file, other.line)

    __hash__ = None

    def __repr__(self) -> str:
        return f"Entry({self.item.id!r}, unit={self.unit!r}, file={self.file!r}, line={self.line})"


class _NotRead(list):
    """The entries (and surveys) of a ledger read without them (store.load(..., entries=False)): any use is a mistake, never an empty ledger."""

    def _refuse(self, *a, **k):
        raise RuntimeError("this ledger was read without its entries (for figures by SQL over the index): load it with entries")

    __iter__ = __len__ = __bool__ = __getitem__ = __contains__ = append = extend = insert = __iadd__ = _refuse


NOT_READ: list = _NotRead()


@dataclass
class Ledger:
    root: Path
    config: Config | None
    units: dict[str, t.UnitDir]
    records: dict[str, Unit] = field(default_factory=dict)  # unit path -> unit.yaml
    entries: list[Entry] = field(default_factory=list)
    surveys: list[tuple[SurveyEntry, str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unit_data: dict[str, Map] = field(default_factory=dict)
    broken_ids: list[tuple[str, str, int, int]] = field(default_factory=list)  # (id, file, line, col) of invalid items
    reread: list[str] | None = None  # files parsed by this load when it went through the index (None: read directly)
    findings: list[Problem] | None = None  # what the one-item checks found, stored by the index as it read each file (None: not read with them)
    index: object = field(default=None, repr=False, compare=False)  # the index snapshot it was read from (store.index.Source): figures by SQL
    _prefixes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    # -------------------------------------------------------------- units

    def prefix(self, unit: str) -> str:
        """ID prefix of a unit: the short codes below the root (GS-SJ); the root's own short code."""
        known = self._prefixes.get(unit)  # asked for every item by `check`: remembered (records do not change once loaded)
        if known is not None:
            return known
        if not unit:
            return self.records[""].short if "" in self.records else "X"
        parts, path = [], unit
        while path:
            rec = self.records.get(path)
            parts.append(rec.short if rec else "X")
            path = path.rpartition("/")[0]
        self._prefixes[unit] = p = "-".join(reversed(parts))
        return p

    def codes_known(self, unit: str) -> bool:
        """True when every unit.yaml the unit's ID prefix is made of was read."""
        if not unit:
            return "" in self.records
        while unit:
            if unit not in self.records:
                return False
            unit = unit.rpartition("/")[0]
        return True

    def unit_name(self, unit: str) -> str:
        rec = self.records.get(unit)
        return rec.name if rec else (unit.rpartition("/")[2] or (self.config.district if self.config else ""))

    def resolve_unit(self, name: str) -> str:
        """A unit path from a path ('赶水镇/三居社区') or a unique name ('三居社区')."""
        name = name.strip().strip("/")
        if name in self.units:
            return name
        if self.config and name in (self.config.district, "/", "."):
            return ""
        hits = [p for p in self.units if p.rpartition("/")[2] == name or (self.records.get(p) and self.records[p].name == name)]
        if not hits and name.isascii() and name.replace("/", "").isalnum():
            # pinyin initials typed for a name: sjsq → 三居社区, gs/sjsq → 赶水镇/三居社区
            want = name.lower()
            hits = [p for p in self.units if p and (initials(p.rpartition("/")[2]) == want or "/".join(initials(x) for x in p.split("/")) == want)]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            names = [p for p in self.units if p]
            near = suggest(name, names) or suggest(name, [p.rpartition("/")[2] for p in names])
            raise ShishiError(tr(f"没有单位“{name}”{near or '（shishi unit list 查看全部单位）'}", f"no unit '{name}'{near or ' (see shishi unit list)'}"))
        raise ShishiError(
            tr(f"单位名“{name}”不唯一，请写路径：{'、'.join(hits)}", f"unit name '{name}' is ambiguous, give its path: {', '.join(hits)}")
        )

    def unit_of_prefix(self, prefix: str) -> str | None:
        """The unit whose items' IDs start with `prefix`: its code now, else one it had before a move or recode."""
        for path in self.units:
            if path in self.records and self.prefix(path) == prefix:
                return path
        for path in self.units:
            if path in self.records and prefix in self.records[path].former:
                return path
        return None

    def tier(self, unit: str) -> str:
        rec = self.records.get(unit)
        return rec.kind if rec else "unit"

    def ledger_path(self, unit: str, year: int) -> Path:
        return self.units[unit].dir / f"{year}.yaml"


# ------------------------------------------------------------------ reading one file


def _pydantic_problems(path: str, data: object, err: ValidationError, base: tuple = ()) -> list[Problem]:
    from shishi.store.model import error_text

    out = []
    item = err.title == "Item"  # the other records' keys have no Chinese labels
    for e in err.errors(include_url=False):
        loc = base + tuple(e["loc"])
        line, col = locate(data, loc)
        where = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            msg = tr(f"未知字段 {e['loc'][-1]}", f"unknown key '{e['loc'][-1]}'")
            line, col = key_position(_node_at(data, loc[:-1]), loc[-1])
        elif e["type"] == "missing":
            msg = tr(f"缺少字段 {where}（{field_label(where)}）" if item else f"缺少字段 {where}", f"missing key '{where}'")
        elif e["type"].startswith("date_") and isinstance(e["input"], str) and not _ISO_DATE.fullmatch(e["input"]):
            # pydantic reads 20210903 as a timestamp and says "Datetimes provided to dates should have zero time"
            msg = tr(f"{where}（{field_label(where)}）：日期应写成 2021-09-01 这样（年-月-日）：{e['input']}" if item else f"{where}：日期应写成 2021-09-01 这样（年-月-日）：{e['input']}", f"{where}: a date is written YYYY-MM-DD, e.g. 2021-09-01: {e['input']}")
        else:
            msg = error_text(e, with_key=True, labels=item)
        out.append(Problem(path, line, col, msg))
    return out


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _node_at(data: object, loc: tuple) -> object:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            break
    return data


def read_yaml(root: Path, path: Path, raw: bytes | None = None) -> tuple[object, list[Problem]]:
    """Plain data of a YAML file (its bytes given or read), or None with the problems that stopped it."""
    rp = t.rel(root, path)
    try:
        text = decode(t.read_bytes(path) if raw is None else raw)
    except YamlError as e:
        return None, [Problem(rp, e.line, e.col, e.message)]
    except OSError as e:
        return None, [Problem(rp, 0, 0, getattr(e, "strerror", None) or str(e))]
    return parse_text(rp, text)


def parse_text(rp: str, text: str) -> tuple[object, list[Problem]]:
    from shishi.store import fastyaml  # a parser: a ledger read through the index needs none

    conflicts = conflict_regions(text)
    if conflicts:
        return None, [Problem(rp, a, 1, _conflict_message(a, b, conflict_item_of(text, a, b))) for a, b in conflicts]
    try:
        data, dups = fastyaml.parse(text) or parse(text)
    except YamlError as e:
        return None, [Problem(rp, e.line, e.col, e.message)]
    return data, [Problem(rp, line, col, msg) for line, col, msg in dups]


def salvage(text: str) -> str | None:
    """The text with every item block that does not parse alone (or holds a conflict marker) blanked line for line; None if none is left.

    Line numbers stay those of the file, so the good items read as they stand.
    """
    from shishi.store import fastyaml  # a parser: a ledger read through the index needs none

    lines = split_lines(text)
    blocks = find_blocks(lines)
    if not blocks:
        return None
    keep = [False] * len(lines)
    for i, line in enumerate(lines):
        keep[i] = not line.strip() or line.lstrip().startswith("#")
    regions = conflict_regions(text)
    inside = set()  # blocks a conflict of their fields follows: cut short by its markers
    for first, last in regions:
        inner = [ln for ln in lines[first : last - 1] if ln.strip() and not CONFLICT_RE.match(ln)]
        before = [b for b in blocks if b.start < first - 1]
        if before and inner and all(ln[:1] in (" ", "\t") for ln in inner):
            inside.add(before[-1].start)
    for b in blocks:
        block = "".join(lines[b.start : b.end])
        if b.start in inside or any(first - 1 < b.end and b.start < last for first, last in regions):
            ok = False  # either side of a conflict: neither is the item yet
        else:
            try:
                ok = isinstance((fastyaml.parse(block) or parse(block))[0], list)
            except YamlError:
                ok = False
        for i in range(b.start, b.end):
            keep[i] = ok and not CONFLICT_RE.match(lines[i])
    if not any(keep[b.start] for b in blocks):
        return None
    return "".join(line if k else "\n" for line, k in zip(lines, keep, strict=True))


def conflict_regions(text: str) -> list[tuple[int, int]]:
    """(first, last) line of each git conflict: from <<<<<<< to its >>>>>>>."""
    regions, start = [], None
    if not any(m in text for m in ("<<<<<<<", "=======", ">>>>>>>", "|||||||")):
        return regions
    lines = text.splitlines()
    for n in conflict_markers(text):
        marker = lines[n - 1][:7]
        if marker == "<" * 7:
            start = n
        elif marker == ">" * 7:
            regions.append((start or n, n))
            start = None
    if start is not None:
        regions.append((start, start))
    return regions


def conflict_item_of(text: str, first: int, last: int) -> str | None:
    """The item a conflict region holds, or sits inside (its lines are an item's fields); None otherwise."""
    lines = text.splitlines()
    start = re.compile(r"^- (?:id:[ \t]*['\"]?([^'\"\s#]+))?")
    inner = [ln for ln in lines[first : last - 1] if ln.strip() and not CONFLICT_RE.match(ln)]
    for ln in inner:
        m = start.match(ln)
        if m:
            return m.group(1)
    if inner and all(ln[:1] in (" ", "\t") for ln in inner):
        for ln in reversed(lines[: first - 1]):
            m = start.match(ln)
            if m:
                return m.group(1)
            if ln.strip() and ln[:1] not in (" ", "\t"):
                break
    return None


def _conflict_message(first: int, last: int, item: str | None = None) -> str:
    where_zh = f"，事项 {item}" if item else ""
    where_en = f", item {item}" if item else ""
    return tr(
        f"git 合并冲突（第 {first}–{last} 行{where_zh}）：<<<<<<< 与 ======= 之间是本地的版本，======= 与 >>>>>>> 之间是合并进来的版本；"
        "保留正确的内容（或两者都留，各成一项），删去三行标记，再运行 shishi check",
        f"git merge conflict (lines {first}-{last}{where_en}): between <<<<<<< and ======= is your version, between ======= and >>>>>>> "
        "the incoming one; keep what is right (or both, as separate items), delete the three marker lines, run shishi check",
    )


def validate_record(rp: str, data: object, model: type[BaseModel]) -> tuple[BaseModel | None, list[Problem]]:
    from pydantic import ValidationError

    if not isinstance(data, Map):
        return None, [Problem(rp, getattr(data, "line", 1), 1, tr("应为键值映射", "expected a mapping of keys to values"))]
    try:
        return model.model_validate(data), []
    except ValidationError as err:
        return None, _pydantic_problems(rp, data, err)


def read_items(rp: str, unit: str, text: str) -> tuple[list[Entry], list[Problem], list[tuple[str, int, int]]]:
    """Entries of one ledger file's text, its problems, and the (id, line, col) of items too broken to be entries.

    Pure, so the index can cache it by file. The IDs of broken items still take
    part in the duplicate check.
    """
    return _read_items(rp, text, lambda line, raw, item: Entry(item, unit, rp, line, raw))


def read_item_tuples(rp: str, text: str, to_tuple, plain=None) -> tuple[list[tuple], list[Problem], list[tuple[str, int, int]]]:
    """What `read_items` finds, for the index: per valid item (line, place of its ID or None when at
    the line's `- id:`, to_tuple(item)); no Entry is built.

    A file in the canonical layout whose every item is valid (nearly all) is read without positions
    (`fastyaml.items_plain`), and, with `plain` = (validate to plain dicts, their tuple), without
    building the Pydantic items; any other is read as `read_items` reads it, which places its problems.
    """
    from pydantic import ValidationError

    from shishi.store import fastyaml  # a parser: a ledger read through the index needs none
    from shishi.store.model import Item

    items = fastyaml.items_plain(text) if not conflict_regions(text) else None
    if items is not None:
        if plain is not None:
            validate, tuple_of = plain
        else:
            validate = Item.__pydantic_validator__.validate_python if Item.__pydantic_complete__ else Item.model_validate
            tuple_of = to_tuple
        try:
            return [(line, None, tuple_of(validate(raw))) for line, raw in items], [], []
        except ValidationError:
            pass  # read again below, with the positions its problems need

    def make(line, raw, item):
        kl, kc, _vl, _vc = raw.pos.get("id") or (raw.line, raw.col, 0, 0)
        return line, None if kl == line and kc == 3 else (kl, kc), to_tuple(item)

    return _read_items(rp, text, make)


def _read_items(rp: str, text: str, make) -> tuple[list, list[Problem], list[tuple[str, int, int]]]:
    """make(line, raw Map, validated Item) of each valid item of a ledger file's text, its problems, its broken IDs."""
    data, problems = parse_text(rp, text)
    broken: list[tuple[str, int, int]] = []
    if data is None:
        good = salvage(text)  # the items around a broken block or a merge conflict still count
        data = parse_text(rp, good)[0] if good is not None else None
        if data is None:
            return [], problems, broken
    if not isinstance(data, Seq):
        return [], problems + [
            Problem(rp, getattr(data, "line", 1), 1, tr("台账文件应为事项列表（每项以“- id:”开头）", "a ledger file is a list of items (each starting '- id:')"))
        ], broken
    from pydantic import ValidationError

    from shishi.store.model import Item

    out = []
    validate = Item.__pydantic_validator__.validate_python if Item.__pydantic_complete__ else Item.model_validate  # the first call builds it
    for (line, col), raw in zip(data.pos, data, strict=True):
        if type(raw) is not Map:
            problems.append(Problem(rp, line, col, tr("事项应为键值映射", "an item must be a mapping")))
            continue
        try:
            item = validate(raw)
        except ValidationError as err:
            problems.extend(_pydantic_problems(rp, raw, err))
            if isinstance(raw.get("id"), str):
                broken.append((raw["id"], *key_position(raw, "id")))
            continue
        out.append(make(line, raw, item))
    return out, problems, broken


# ------------------------------------------------------------------ the whole tree


def read_record(root: Path, path: Path, model: type[BaseModel], raw: bytes | None = None) -> tuple[BaseModel | None, object, list[Problem]]:
    """shishi.yaml or a unit.yaml: (record or None, its plain data, problems); an empty file is a problem."""
    rp = t.rel(root, path)
    data, problems = read_yaml(root, path, raw)
    if data is None:
        if not problems:
            need = "district" if model.__name__ == "Config" else tr("name、kind、short", "name, kind and short")
            problems.append(Problem(rp, 1, 1, tr(f"文件是空的（至少应写 {need}）", f"the file is empty ({need} are needed)")))
        return None, None, problems
    rec, ps = validate_record(rp, data, model)
    return rec, data, problems + ps


def read_units(root: Path) -> Ledger:
    """shishi.yaml and every unit.yaml read straight from the files."""
    from shishi.store.model import Config, Unit

    problems: list[Problem] = []
    config, _data, ps = read_record(root, root / t.CONFIG_FILE, Config)
    problems += ps
    units, ps = t.walk_units(root)
    problems += ps
    ledger = Ledger(root, config, units, problems=problems)
    for path, ud in units.items():
        upath = ud.dir / t.UNIT_FILE
        rp = t.rel(root, upath)
        if not upath.exists():
            problems.append(Problem(rp, 0, 0, tr("缺少 unit.yaml", "unit.yaml is missing")))
            continue
        rec, data, ps = read_record(root, upath, Unit)
        problems += ps
        if rec is not None:
            ledger.records[path] = rec
            ledger.unit_data[path] = data
    return ledger


def load_files(root: Path) -> Ledger:
    """The whole tree read straight from the files, without the index."""
    ledger = read_units(root)
    for path, ud in ledger.units.items():
        for _year, fpath in t.ledger_files(ud):
            rp = t.rel(root, fpath)
            try:
                text = decode(t.read_bytes(fpath))
            except YamlError as e:
                ledger.problems.append(Problem(rp, e.line, e.col, e.message))
                continue
            except OSError as e:
                ledger.problems.append(Problem(rp, 0, 0, getattr(e, "strerror", None) or str(e)))
                continue
            entries, ps, broken = read_items(rp, path, text)
            ledger.entries += entries
            ledger.problems += ps
            ledger.broken_ids += [(i, rp, line, col) for i, line, col in broken]
    for spath in t.survey_files(root):
        rp = t.rel(root, spath)
        data, ps = read_yaml(root, spath)
        ledger.problems += ps
        ledger.surveys += read_surveys(rp, data, ledger.problems)
    return ledger


def read_surveys(rp: str, data: object, problems: list[Problem]) -> list[tuple[SurveyEntry, str, int]]:
    """The surveys of one survey file's data; problems are appended."""
    from shishi.store.model import SurveyEntry

    if data is None:
        return []
    if not isinstance(data, Seq):
        problems.append(Problem(rp, getattr(data, "line", 1), 1, tr("调查文件应为列表", "a survey file is a list of surveys")))
        return []
    out = []
    for i, raw in enumerate(data):
        if not isinstance(raw, Map):  # a bare string or list has no place of its own: use the entry's
            problems.append(Problem(rp, *data.pos[i], tr("应为键值映射", "expected a mapping of keys to values")))
            continue
        rec, ps = validate_record(rp, raw, SurveyEntry)
        problems += ps
        if rec is not None:
            out.append((rec, rp, data.pos[i][0]))
    return out


def field_position(entry: Entry, *keys: str | int) -> tuple[int, int]:
    """Where a key of an item stands, or an entry of a list (an int key); the item's line when unknown."""
    if entry._source is not None and keys == ("id",):
        return entry._id_pos or (entry.line, 3)  # kept by the index: no need to read the item's positions
    node: object = entry.data
    line, col = entry.line, 3
    for k in keys:
        if isinstance(node, Map) and k in node.pos:
            line, col = key_position(node, k)
            node = node[k]
        elif isinstance(node, Seq) and isinstance(k, int) and 0 <= k < len(node):
            line, col = node.pos[k][:2]
            node = node[k]
        else:
            break
    return line, col


def in_unit(path: str, unit: str) -> bool:
    """True when `path` is `unit` or below it."""
    return not unit or path == unit or path.startswith(unit + "/")


def items_of(text: str | bytes | None, unit: str = "") -> dict[str, tuple[str, dict]]:
    """ID -> (unit, item data) of the items of a ledger file's text that validate; {} for no file."""
    from shishi.store.model import item_to_data

    if text is None:
        return {}
    try:
        text = decode(text) if isinstance(text, bytes) else text
    except YamlError:
        return {}
    out = {}
    lines = split_lines(text.replace("\r\n", "\n"))
    for b in find_blocks(lines):
        if b.id is None:
            continue
        entries, problems, _ = read_items("", unit, "".join(lines[b.start : b.end]))
        if len(entries) == 1 and not problems:
            out[entries[0].item.id] = (unit, item_to_data(entries[0].item))
    return out
