"""Commands for the tree and its units: init, unit add, unit list."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import commit_option, committing, errors, out, root_of
from shishi.cli.options import format_option, unit_kind_option
from shishi.i18n import tr

app = typer.Typer()
unit_app = typer.Typer(help="单位：添加与列出 (units: add and list).", no_args_is_help=True)
app.add_typer(unit_app, name="unit")


@app.command()
def init(
    directory: Path = typer.Argument(..., help="新台账库的目录 (directory of the new ledger tree)."),
    district: str = typer.Option(..., "--district", help="区名，如 綦江区 (district name)."),
    code: Optional[str] = typer.Option(None, "--code", help="12 位统计用区划代码 (12-digit region code)."),
    short: str = typer.Option("QU", "--short", help="区级事项编号前缀，如 QJ (ID prefix of the district's own items)."),
) -> None:
    """新建台账库 (create a new ledger tree)."""
    from shishi.write import units

    with errors():
        d = units.init(directory, district, code, short)
    out(tr(f"已新建台账库 {d}（区级编号前缀 {short}）", f"created ledger tree {d} (district ID prefix {short})"))


@unit_app.command("add")
def unit_add(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="单位路径，如 赶水镇/三居社区 (unit path from the district)."),
    kind: str = unit_kind_option(),
    code: Optional[str] = typer.Option(None, "--code", help="12 位区划代码 (12-digit region code)."),
    short: Optional[str] = typer.Option(None, "--short", help="编号用的单位简码，如 SJ (short code for IDs)."),
    clerk: Optional[str] = typer.Option(None, "--clerk", help="台账员 (the clerk keeping this ledger)."),
    commit: bool = commit_option(),
) -> None:
    """添加单位 (add a unit under an existing one)."""
    from shishi.write import units

    with errors(), committing(ctx, commit, lambda: f"unit add {p}"):
        p = units.add_unit(root_of(ctx), path, kind, code, short, clerk)
    out(tr(f"已添加单位 {p}", f"added unit {p}"))


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
