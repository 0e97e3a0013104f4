"""New ledger trees and units."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from pydantic import ValidationError

from shishi.checks.rules import nests
from shishi.errors import ShishiError
from shishi.git.repo import TEMP_PATTERN
from shishi.i18n import initials, tr
from shishi.store import tree as t
from shishi.store.ledger import in_unit
from shishi.store.model import (
    UNIT_KINDS,
    Config,
    Unit,
    error_text,
)
from shishi.store.yamlio import (
    YamlError,
    atomic_write,
    edit_mapping,
    move_dir,
    scalar,
)
from shishi.write.files import printable, tree_units
from shishi.write.lock import write_lock

# ------------------------------------------------------------------ tree and units

IGNORE = f"{t.STATE_DIR}/\n{TEMP_PATTERN}\n"  # the index and lock; a killed writer's temporary files


def init(directory: Path, district: str, code: str | None = None, short: str | None = None) -> Path:
    """A new ledger tree: shishi.yaml, the district's unit.yaml and a .gitignore for the index."""
    directory = Path(directory)
    short = short or name_code(district, "district")
    if (directory / t.CONFIG_FILE).exists():
        raise ShishiError(tr(f"{directory} 已经是台账库", f"{directory} is already a ledger tree"))
    try:
        Config(district=district, code=code)
        Unit(name=district, kind="district", short=short, code=code)
    except ValidationError as err:
        raise ShishiError(validation_message(err)) from None
    why = t.check_unit_name(district.strip())
    if why:
        raise ShishiError(why)
    directory.mkdir(parents=True, exist_ok=True)
    with write_lock(directory):  # one transaction: a killed init leaves no half a tree
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
            atomic_write(gi, IGNORE)
    return directory


def add_unit(root: Path, path: str, kind: str, code: str | None = None, short: str | None = None, clerk: str | None = None) -> str:
    """A new unit under an existing one; returns its path."""
    if kind not in UNIT_KINDS:
        raise ShishiError(tr(f"单位类型应为 {'/'.join(UNIT_KINDS)} 之一：{kind}", f"unit kind must be one of {'/'.join(UNIT_KINDS)}: {kind}"))
    path = unicodedata.normalize("NFC", path.strip().strip("/"))  # one spelling on disk: macOS hands out NFD
    parts = path.split("/")
    for p in parts:
        why = t.check_unit_name(p)
        if why:
            raise ShishiError(why)
    with write_lock(root):
        ledger = tree_units(root)
        parent, new_path = parent_and_path(ledger, parts)
        pdir = ledger.units[parent].dir
        if new_path in ledger.units or os.path.lexists(pdir / parts[-1]):
            raise ShishiError(tr(f"单位 {new_path} 已存在", f"unit {new_path} already exists"))
        twin = t.twin_of(parts[-1], os.listdir(pdir))
        if twin is not None:
            raise ShishiError(tr(f"单位名称 {parts[-1]} 与已有的 {twin} 看起来相同（Unicode 写法不同），换一个名称", f"unit name {parts[-1]} looks the same as the existing {twin} (another Unicode spelling); choose another"))
        taken = {ledger.prefix(u) for u in ledger.records} | {f for r in ledger.records.values() for f in r.former}
        if short is None:
            short = free_code(name_code(parts[-1], kind), lambda s: (f"{ledger.prefix(parent)}-{s}" if parent else s) in taken or (not parent and s == ledger.prefix("")))
        try:
            Unit(name=parts[-1], kind=kind, short=short, code=code, clerk=clerk)
        except ValidationError as err:
            raise ShishiError(validation_message(err)) from None
        printable(clerk)
        prefix = f"{ledger.prefix(parent)}-{short}" if parent else short
        if prefix in taken or prefix == ledger.prefix(""):
            raise ShishiError(tr(f"单位代码 {prefix} 已被使用，换一个 --short", f"unit code {prefix} is taken; choose another --short"))
        d = pdir / parts[-1]  # made by the transaction, with its unit.yaml or not at all
        atomic_write(d / t.UNIT_FILE, unit_text(Unit(name=parts[-1], kind=kind, short=short, code=code, clerk=clerk)))
    return new_path


def unit_text(rec: Unit) -> str:
    """unit.yaml of a unit record, keys in canonical order."""
    lines = [f"name: {scalar(rec.name)}", f"kind: {rec.kind}", f"short: {scalar(rec.short)}"]  # a short code NULL or TRUE must stay text
    if rec.code:
        lines.append(f"code: '{rec.code}'")
    if rec.clerk:
        lines.append(f"clerk: {scalar(rec.clerk)}")
    if rec.former:
        lines.append(f"former: [{', '.join(scalar(f) for f in rec.former)}]  # 原编号前缀：这些编号仍然有效")
    return "\n".join(lines) + "\n"


UNIT_KEYS = ("name", "kind", "short", "code", "clerk", "former")


def _unit_data(rec: Unit) -> dict:
    data = rec.model_dump(include=set(UNIT_KEYS), exclude_none=True)
    if not data.get("former"):
        data.pop("former", None)
    return data


def edited_unit_text(path: Path, old: Unit, new: Unit) -> str:
    """unit.yaml changed from `old` to `new` in place: the clerk's comments and untouched lines kept (written whole when it cannot be edited)."""
    try:
        text = path.read_text(encoding="utf-8")
        out = edit_mapping(text, _unit_data(old), _unit_data(new), UNIT_KEYS)
    except (OSError, UnicodeDecodeError, YamlError):
        return unit_text(new)
    return out if out.endswith("\n") else out + "\n"


# ------------------------------------------------------------------ unit edit and move


def edit_unit(
    root: Path, path: str, *, name: str | None = None, kind: str | None = None, code: str | None = None, short: str | None = None, clerk: str | None = None
) -> str:
    """Correct a unit's unit.yaml; a new name renames its directory. Item IDs never change: a changed code is remembered in `former`. Returns its path."""
    if name is not None and "/" in name.strip().strip("/"):
        raise ShishiError(tr("--name 只改名称；换上级单位请用 shishi unit move", "--name renames only; use shishi unit move to change the parent"))
    with write_lock(root):
        ledger = tree_units(root)
        upath = ledger.resolve_unit(path)
        rec = _record(ledger, upath)
        changes = {k: v for k, v in (("kind", kind), ("code", code), ("short", short), ("clerk", clerk)) if v is not None}
        if "code" in changes or "clerk" in changes:
            changes = {k: (v.strip() or None) if k in ("code", "clerk") else v for k, v in changes.items()}
        if "short" in changes:
            changes["short"] = changes["short"].strip().upper()
        new_name = name.strip() if name is not None else None
        if new_name is not None and not upath:
            raise ShishiError(tr("区名在 shishi.yaml 的 district 中，请直接修改该文件", "the district's name is district: in shishi.yaml; edit that file"))
        if not changes and (new_name is None or new_name == rec.name):
            raise ShishiError(tr("没有要修改的内容（可用 --name、--kind、--code、--short、--clerk）", "nothing to change (give --name, --kind, --code, --short or --clerk)"))
        try:
            new_rec = Unit.model_validate({**rec.model_dump(), **changes, **({"name": new_name} if new_name else {})})
        except ValidationError as err:
            raise ShishiError(validation_message(err)) from None
        printable(new_rec.clerk)
        parent = upath.rpartition("/")[0]
        new_path = upath
        if new_name is not None and new_name != upath.rpartition("/")[2]:
            new_path = f"{parent}/{new_name}" if parent else new_name
        return _relocate(root, ledger, upath, new_path, new_rec)


def move_unit(root: Path, path: str, new_path: str, short: str | None = None, code: str | None = None) -> str:
    """Rename a unit or give it another parent, with everything below it; item IDs never change. Returns its new path."""
    new_path = new_path.strip().strip("/")
    with write_lock(root):
        ledger = tree_units(root)
        upath = ledger.resolve_unit(path)
        if not upath:
            raise ShishiError(tr("区（台账库根）不能移动", "the district (the tree's root) cannot be moved"))
        parts = new_path.split("/")
        for part in parts:
            why = t.check_unit_name(part)
            if why:
                raise ShishiError(why)
        parent, target = parent_and_path(ledger, parts)
        if in_unit(parent, upath):
            raise ShishiError(tr(f"不能把 {upath} 移到它自己的下级里", f"cannot move {upath} below itself"))
        if target == upath:
            raise ShishiError(tr(f"{upath} 已经在这里", f"{upath} is already there"))
        rec = _record(ledger, upath)
        changes: dict = {"name": parts[-1]} if parts[-1] != upath.rpartition("/")[2] and rec.name == upath.rpartition("/")[2] else {}
        if short:
            changes["short"] = short.strip().upper()
        if code is not None:
            changes["code"] = code.strip() or None
        try:
            new_rec = Unit.model_validate({**rec.model_dump(), **changes})
        except ValidationError as err:
            raise ShishiError(validation_message(err)) from None
        pcode = ledger.records[parent].code if parent else (ledger.config.code if ledger.config else None)
        if new_rec.code and not nests(new_rec.code, pcode):
            raise ShishiError(
                tr(
                    f"区划代码 {new_rec.code} 不在新上级 {parent or '区'}（{pcode}）之下：用 --code 给出新的区划代码，或 --code '' 去掉",
                    f"region code {new_rec.code} does not nest under the new parent {parent or 'the district'} ({pcode}): give the new one with --code, or --code '' to drop it",
                )
            )
        return _relocate(root, ledger, upath, target, new_rec)


def _record(ledger, upath: str) -> Unit:
    rec = ledger.records.get(upath)
    if rec is None:
        raise ShishiError(tr(f"单位 {upath or '区'} 的 unit.yaml 有错误，先运行 shishi check", f"unit.yaml of {upath or 'the root'} is broken; run shishi check"))
    return rec


def _relocate(root: Path, ledger, upath: str, target: str, new_rec: Unit) -> str:
    """Write `new_rec` for the unit at `upath` and move it to `target`; every unit below whose ID prefix changes remembers the old one."""
    subtree = [u for u in ledger.units if in_unit(u, upath)]
    for u in subtree:
        _record(ledger, u)

    def short(old_path: str) -> str:
        return new_rec.short if old_path == upath else ledger.records[old_path].short

    def new_prefix(u: str) -> str:
        """The ID prefix of the unit now at `u` once it stands below `target`."""
        if not u:
            return new_rec.short if not upath else ledger.prefix("")
        moved = target + u[len(upath) :] if upath else u
        parts = moved.split("/")
        olds = []
        for i in range(len(parts)):
            np = "/".join(parts[: i + 1])
            olds.append(upath + np[len(target) :] if in_unit(np, target) and upath else np)
        return "-".join(short(o) for o in olds)

    old = {u: ledger.prefix(u) for u in subtree}
    new = {u: new_prefix(u) for u in subtree}
    outside = [u for u in ledger.records if u not in old]
    taken = {ledger.prefix(u) for u in outside} | {f for u in outside for f in ledger.records[u].former}
    if upath:
        taken.add(ledger.prefix(""))
    for u in subtree:
        if new[u] != old[u] and new[u] not in ledger.records[u].former and (new[u] in taken or list(new.values()).count(new[u]) > 1):
            raise ShishiError(tr(f"编号前缀 {new[u]} 已被使用，请用 --short 另给一个单位代码", f"ID prefix {new[u]} is taken; give another code with --short"))
    if target != upath:
        tdir = ledger.units[target.rpartition("/")[0]].dir / target.rpartition("/")[2]
        if target in ledger.units or os.path.lexists(tdir):
            raise ShishiError(tr(f"单位 {target} 已存在", f"unit {target} already exists"))
    # unit.yaml files first, in place, then the directory: one transaction, so a kill leaves all of it or none
    for u in subtree:
        rec = new_rec if u == upath else ledger.records[u]
        former = list(ledger.records[u].former)
        if new[u] != old[u] and old[u] not in former:
            former.append(old[u])
        former = [f for f in former if f != new[u]]
        rec = rec.model_copy(update={"former": former})
        if rec != ledger.records[u]:
            path = ledger.units[u].dir / t.UNIT_FILE
            atomic_write(path, edited_unit_text(path, ledger.records[u], rec))
    if target != upath:
        move_dir(ledger.units[upath].dir, tdir)  # in the transaction: after the unit.yaml files above are in place
    return target


UNIT_KEYS_ZH = {"name": "名称", "kind": "单位类型", "short": "单位简码", "code": "区划代码", "clerk": "台账员", "former": "原编号前缀", "district": "区名"}


def validation_message(err: ValidationError) -> str:
    """A refused unit.yaml or shishi.yaml value, its key named in the run's language."""
    out = []
    for e in err.errors(include_url=False):
        key = str(e["loc"][0]) if e["loc"] else ""
        text = error_text({**e, "loc": ()})
        out.append(f"{tr(UNIT_KEYS_ZH.get(key, key), key)}{tr('：', ': ')}{text}" if key and e["type"] != "value_error" else text)
    return tr("；", "; ").join(out)


# ------------------------------------------------------------------ short codes from names

# What names a unit's kind rather than the unit itself, longest first: 赶水镇 → 赶水, 三居社区 → 三居, 区交通局 → 交通.
KIND_SUFFIXES = (
    "街道办事处", "社区居委会", "村民委员会", "居民委员会", "委员会", "办事处", "办公室", "管委会", "居委会", "村委会",
    "街道", "社区", "中心", "镇", "乡", "村", "局", "委", "办", "区", "县", "市",
)
TIER_PREFIXES = ("区", "县", "市")  # 区交通局: the district's own department


def name_code(name: str, kind: str = "") -> str:
    """The short code a unit gets from its name: pinyin initials without the kind suffix (赶水镇 → GS)."""
    core = name.strip()
    for suffix in KIND_SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix):
            core = core[: -len(suffix)]
            break
    if kind == "department" and len(core) > 2 and core[0] in TIER_PREFIXES:
        core = core[1:]
    code = "".join(c for c in unicodedata.normalize("NFKD", initials(core).upper()) if c.isascii() and c.isalnum())
    return code[:6] or "U"


def free_code(base: str, taken) -> str:
    """`base`, or `base` and one more letter (A, B, …), or a number, whichever `taken` does not refuse."""
    if not taken(base):
        return base
    for extra in [*"ABCDEFGHJKLMNPQRSTUVWXYZ", *(str(n) for n in range(2, 100))]:
        if not taken(base + extra):
            return base + extra
    raise ShishiError(tr(f"单位代码 {base} 已被用尽，请用 --short 指定", f"unit codes from {base} are all taken; give --short"))


def parent_and_path(ledger, parts: list[str]) -> tuple[str, str]:
    """(parent path, the unit's path) of a unit path split into names; the parent must exist (by path or unique name)."""
    parent = "/".join(parts[:-1])
    if parent not in ledger.units:
        try:
            parent = ledger.resolve_unit(parent) if parent else ""
        except ShishiError:
            raise ShishiError(tr(f"上级单位 {parent} 不存在，先添加它", f"parent unit {parent} does not exist; add it first")) from None
    return parent, f"{parent}/{parts[-1]}" if parent else parts[-1]
