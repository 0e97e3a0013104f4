"""Commands for the tree and its units: init, unit add, unit list."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import commit_option, committing, errors, out, root_of
from shishi.cli.options import format_option, unit_kind_option
from shishi.i18n import tr

app = typer.Typer()
unit_app = typer.Typer(help="单位：添加、修改、移动与列出 (units: add, edit, move, list).", no_args_is_help=True)
app.add_typer(unit_app, name="unit")


@app.command()
def init(
    directory: Path = typer.Argument(..., help="新台账库的目录 (directory of the new ledger tree)."),
    district: str = typer.Option(..., "--district", help="区名，如 綦江区 (district name)."),
    code: Optional[str] = typer.Option(None, "--code", help="12 位统计用区划代码 (12-digit region code)."),
    short: Optional[str] = typer.Option(None, "--short", help="区级事项编号前缀，默认取区名拼音首字母，如 綦江区 → QJ (ID prefix of the district's own items; default: pinyin initials)."),
) -> None:
    """新建台账库 (create a new ledger tree)."""
    from datetime import date

    from shishi.store.load import load_units
    from shishi.write import units

    with errors():
        d = units.init(directory, district, code, short)
        prefix = load_units(d).prefix("")
    out(tr(f"已新建台账库 {d}（区级编号前缀 {prefix}，编号如 {prefix}-{date.today().year}-001）", f"created ledger tree {d} (district ID prefix {prefix}, IDs like {prefix}-{date.today().year}-001)"))


@unit_app.command("add")
def unit_add(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="单位路径，如 赶水镇/三居社区 (unit path from the district)."),
    kind: str = unit_kind_option(),
    code: Optional[str] = typer.Option(None, "--code", help="12 位区划代码 (12-digit region code)."),
    short: Optional[str] = typer.Option(None, "--short", help="编号用的单位简码，默认取名称拼音首字母，如 三居社区 → SJ (short code for IDs; default: pinyin initials of the name)."),
    clerk: Optional[str] = typer.Option(None, "--clerk", help="台账员 (the clerk keeping this ledger)."),
    commit: bool = commit_option(),
) -> None:
    """添加单位 (add a unit under an existing one)."""
    from datetime import date

    from shishi.store.load import load_units
    from shishi.write import units

    with errors(), committing(ctx, commit, lambda: f"unit add {p}"):
        p = units.add_unit(root_of(ctx), path, kind, code, short, clerk)
    with errors():
        ledger = load_units(root_of(ctx))
    short, prefix, year = p.rpartition("/")[2], ledger.prefix(p), date.today().year
    if p in ledger.records:
        short = ledger.records[p].short
    out(tr(f"已添加单位 {p}（代码 {short}，编号如 {prefix}-{year}-001）", f"added unit {p} (code {short}, IDs like {prefix}-{year}-001)"))


@unit_app.command("edit")
def unit_edit(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="单位路径或名称 (unit path or unique name)."),
    name: Optional[str] = typer.Option(None, "--name", help="新名称，目录随之改名 (new name; its directory is renamed)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="单位类型：区|部门|镇|街道|村|社区|市 或 district|department|town|street|village|community|city (unit kind)."),
    code: Optional[str] = typer.Option(None, "--code", help="区划代码 (region code)."),
    short: Optional[str] = typer.Option(None, "--short", help="新的单位简码；已有编号不变，仍然有效 (new short code; existing IDs stay valid)."),
    clerk: Optional[str] = typer.Option(None, "--clerk", help="台账员 (the clerk keeping this ledger)."),
    commit: bool = commit_option(),
) -> None:
    """修改单位信息；事项编号不变 (correct a unit; item IDs never change)."""
    from shishi.write import units

    with errors(), committing(ctx, commit, lambda: f"unit edit {p}"):
        p = units.edit_unit(root_of(ctx), path, name=name, kind=kind, code=code, short=short, clerk=clerk)
    out(tr(f"已修改单位 {p or '区'}（{_codes(ctx, p)}）", f"changed unit {p or 'the district'} ({_codes(ctx, p)})"))


@unit_app.command("move")
def unit_move(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="单位路径或名称 (unit path or unique name)."),
    new_path: str = typer.Argument(..., metavar="NEWPATH", help="新路径，如 文龙街道/三居社区 (new path from the district)."),
    short: Optional[str] = typer.Option(None, "--short", help="新的单位简码 (a new short code, when the old one is taken there)."),
    code: Optional[str] = typer.Option(None, "--code", help="新上级之下的区划代码；'' 去掉 (region code under the new parent; '' drops it)."),
    commit: bool = commit_option(),
) -> None:
    """单位改名或改隶属（连同下级单位和台账）；事项编号不变 (rename or re-parent a unit; item IDs never change)."""
    from shishi.write import units

    with errors(), committing(ctx, commit, lambda: f"unit move {path} → {p}"):
        p = units.move_unit(root_of(ctx), path, new_path, short=short, code=code)
    out(tr(f"已移动单位 → {p}（{_codes(ctx, p)}）", f"moved unit to {p} ({_codes(ctx, p)})"))


def _codes(ctx: typer.Context, path: str) -> str:
    """'新编号如 WL-SJ-2021-001，原编号 GS-SJ-… 仍有效' for a unit."""
    from datetime import date

    from shishi.store.load import load_units

    ledger = load_units(root_of(ctx))
    prefix, rec = ledger.prefix(path), ledger.records.get(path)
    former = "、".join(f"{f}-…" for f in rec.former) if rec and rec.former else ""
    year = date.today().year
    text = tr(f"新编号如 {prefix}-{year}-001", f"new IDs like {prefix}-{year}-001")
    if former:
        text += tr(f"；原编号 {former} 仍然有效", f"; former IDs {former.replace('、', ', ')} stay valid")
    return text


@unit_app.command("list")
def unit_list(ctx: typer.Context, fmt: str = format_option("table", "csv", "json")) -> None:
    """列出单位树：类型、编号代码、区划代码 (show the units as a tree, with kinds and codes)."""
    from shishi.figures.listing import unit_table
    from shishi.render.table import emit
    from shishi.store.load import load_units

    with errors():
        ledger = load_units(root_of(ctx))
    emit(unit_table(ledger), fmt, [{"path": p, "name": ledger.unit_name(p), "kind": ledger.tier(p), "prefix": ledger.prefix(p), "code": getattr(ledger.records.get(p), "code", None)} for p in ledger.units])


# ------------------------------------------------------------------ items
