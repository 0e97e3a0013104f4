"""Commands for the tree and its units: init, unit add, unit list."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import commit_option, committing, errors, out, root_of
from shishi.i18n import tr

app = typer.Typer()
unit_app = typer.Typer(help="单位：添加与列出 (units: add and list).", no_args_is_help=True)
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
    kind: str = typer.Option(..., "--kind", help="district|department|town|street|village|community|city."),
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
        rec, prefix = ledger.records[p], ledger.prefix(p)
    year = date.today().year
    out(tr(f"已添加单位 {p}（代码 {rec.short}，编号如 {prefix}-{year}-001）", f"added unit {p} (code {rec.short}, IDs like {prefix}-{year}-001)"))


@unit_app.command("list")
def unit_list(ctx: typer.Context) -> None:
    """列出单位树 (show the units as a tree)."""
    from shishi.render.items import unit_tree
    from shishi.store.load import load_units

    with errors():
        ledger = load_units(root_of(ctx))
    out(unit_tree(ledger))


# ------------------------------------------------------------------ items
