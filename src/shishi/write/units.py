"""New ledger trees and units."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from pydantic import ValidationError

from shishi.errors import ShishiError
from shishi.git.repo import TEMP_PATTERN
from shishi.i18n import tr
from shishi.store import tree as t
from shishi.store.model import (
    UNIT_KINDS,
    Config,
    Unit,
)
from shishi.store.yamlio import (
    atomic_write,
    scalar,
)
from shishi.write.files import printable, tree_units
from shishi.write.lock import write_lock

# ------------------------------------------------------------------ tree and units

IGNORE = f"{t.STATE_DIR}/\n{TEMP_PATTERN}\n"  # the index and lock; a killed writer's temporary files


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
        parent = "/".join(parts[:-1])
        if parent not in ledger.units:
            try:
                parent = ledger.resolve_unit(parent) if parent else ""
            except ShishiError:
                raise ShishiError(tr(f"上级单位 {parent} 不存在，先添加它", f"parent unit {parent} does not exist; add it first")) from None
        new_path = f"{parent}/{parts[-1]}" if parent else parts[-1]
        pdir = ledger.units[parent].dir
        if new_path in ledger.units or os.path.lexists(pdir / parts[-1]):
            raise ShishiError(tr(f"单位 {new_path} 已存在", f"unit {new_path} already exists"))
        twin = t.twin_of(parts[-1], os.listdir(pdir))
        if twin is not None:
            raise ShishiError(tr(f"单位名称 {parts[-1]} 与已有的 {twin} 看起来相同（Unicode 写法不同），换一个名称", f"unit name {parts[-1]} looks the same as the existing {twin} (another Unicode spelling); choose another"))
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
        printable(clerk)
        prefix = f"{ledger.prefix(parent)}-{short}" if parent else short
        if prefix in taken or prefix == ledger.prefix(""):
            raise ShishiError(tr(f"单位代码 {prefix} 已被使用，换一个 --short", f"unit code {prefix} is taken; choose another --short"))
        d = pdir / parts[-1]  # made by the transaction, with its unit.yaml or not at all
        lines = [f"name: {scalar(parts[-1])}", f"kind: {kind}", f"short: {short}"]
        if code:
            lines.append(f"code: '{code}'")
        if clerk:
            lines.append(f"clerk: {scalar(clerk)}")
        atomic_write(d / t.UNIT_FILE, "\n".join(lines) + "\n")
    return new_path
