"""Commands for spreadsheets in and out: import and export."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import commit_option, committing, errors, out, root_of
from shishi.cli.options import format_option, kind_option, output_option, period_option, unit_option
from shishi.errors import ShishiError
from shishi.i18n import tr
from shishi.values import Period

app = typer.Typer()


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="要导入的 .xlsx 或 .csv 文件（UTF-8 或 GB18030）(spreadsheet to import)."),
    unit: str = unit_option("导入到哪个单位", "the unit the items go to", required=True),
    mapping: list[str] = typer.Option([], "--map", help="列名=字段，如 问题描述=title；字段为 - 则不导入该列 (COLUMN=FIELD, repeatable)."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="只导入这张工作表 (only this sheet of the workbook)."),
    kind: str = kind_option("demand", "表中没有事项类型列时的类型", "kind when the sheet has none"),
    opened: Optional[str] = typer.Option(None, "--opened", help="表中没有登记日期时用的日期，默认今天 (opened date for rows without one)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="只显示将导入什么，不写入 (show what would be added)."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="跳过有错的行，导入其余的 (import the good rows, skip the bad)."),
    commit: bool = commit_option(),
) -> None:
    """从 Excel/CSV 台账导入事项，重复导入不会重复添加 (import items from a spreadsheet)."""
    from shishi.render.items import import_report
    from shishi.write import importer

    with errors(), committing(ctx, commit and not dry_run, lambda: f"import {file.name}: {len(res.added)} items into {unit}"):
        res = importer.import_file(root_of(ctx), file, unit, mapping=mapping, sheet=sheet, kind=kind, opened=opened, dry_run=dry_run, skip_bad=skip_bad)
    said, shown, refused = import_report(res, dry_run, skip_bad)
    for line in said:
        typer.echo(line, err=True)
    if refused:
        raise typer.Exit(1)
    for line in shown:
        out(line)


@app.command("export")
def export_(
    ctx: typer.Context,
    unit: Optional[str] = unit_option("该单位及其下级，默认全部", "this unit and the units below; default all"),
    period: Optional[Period] = period_option("登记期间", "opened in this period"),
    fmt: str = format_option("csv", "xlsx", "json", "open311"),
    output: Optional[Path] = output_option("写入文件，默认输出到屏幕；xlsx 必须指定", "file to write; required for xlsx"),
    reveal: bool = typer.Option(False, "--reveal", help="包含反映人姓名和完整电话、身份证号 (include personal data unmasked)."),
) -> None:
    """导出事项的全部字段：csv、xlsx、json 或 Open311 (export items with every field)."""
    from shishi.render import export as ex

    with errors():
        if fmt == "xlsx" and output is None:
            raise ShishiError(tr("xlsx 格式要用 -o 指定输出文件", "--format xlsx needs -o FILE"))
        ex.export_out(root_of(ctx), output, unit=unit, period=period, fmt=fmt, reveal=reveal)
    if output is None:
        return
    typer.echo(tr(f"已导出到 {output}", f"exported to {output}"), err=True)
