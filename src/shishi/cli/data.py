"""Commands for spreadsheets in and out: import and export."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import commit_option, committing, errors, load_selected, out, root_of
from shishi.cli.options import allow_incomplete_option, format_option, kind_option, output_option, period_option, unit_option
from shishi.errors import ShishiError
from shishi.i18n import tr
from shishi.values import Period

app = typer.Typer()


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="要导入的 .xlsx 或 .csv 文件（UTF-8 或 GB18030）(spreadsheet to import)."),
    unit: Optional[str] = unit_option("导入到哪个单位，默认表头写的填报单位", "the unit the items go to; default the unit named in the sheet's heading"),
    mapping: list[str] = typer.Option([], "--map", help="列名=字段，如 问题描述=title；字段为 - 则不导入该列 (COLUMN=FIELD, repeatable)."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="只导入这张工作表 (only this sheet of the workbook)."),
    kind: Optional[str] = kind_option(None, "表中没有事项类型列时的类型，默认按标题（民生实事项目台账、督查整改台账），再默认群众诉求", "kind when the sheet has no column for it; default what its title says, else demand"),
    opened: Optional[str] = typer.Option(None, "--opened", help="表中没有登记日期时的登记日期，默认表中年份的第一天，再默认今天 (opened date for rows without one)."),
    resolved_on: Optional[str] = typer.Option(None, "--resolved-on", help="标记已完成却没有办结日期的行按此日期办结，默认填报日期，再默认完成时限 (resolution date for done rows without one)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="只显示将导入什么，不写入 (show what would be added)."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="跳过有错的行，导入其余的 (import the good rows, skip the bad)."),
    commit: bool = commit_option(),
) -> None:
    """从 Excel/CSV 台账导入事项，重复导入不会重复添加 (import items from a spreadsheet)."""
    from shishi.render.items import import_report
    from shishi.write import importer

    with errors(), committing(ctx, commit and not dry_run, lambda: f"import {file.name}: {len(res.added)} items into {unit or res.unit or '/'}"):
        res = importer.import_file(root_of(ctx), file, unit, mapping=mapping, sheet=sheet, kind=kind, opened=opened, resolved_on=resolved_on, dry_run=dry_run, skip_bad=skip_bad)
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
    all_fields: bool = typer.Option(False, "--all-fields", help="csv/xlsx 含全部字段（记录为 JSON、含来源行键），可原样导回 (every field, logs as JSON: imports back the same)."),
    allow_incomplete: bool = allow_incomplete_option(),
) -> None:
    """导出事项：csv、xlsx 便于阅读（进展一行一条），json 或 Open311 (export items)."""
    from shishi.cli.common import judge_complete
    from shishi.render import export as ex
    from shishi.store.load import stream

    with errors():
        if fmt == "xlsx" and output is None:
            raise ShishiError(tr("xlsx 格式要用 -o 指定输出文件", "--format xlsx needs -o FILE"))
        streamed = ledger = None
        if fmt in ex.STREAMED:  # the tree read once: the streamed ledger knows what could not be read
            streamed = stream(root_of(ctx))
            incomplete = judge_complete(streamed[0], unit, allow_incomplete)[1]
        else:
            ledger, _, incomplete = load_selected(ctx, unit, allow_incomplete)
        if incomplete is not None:
            typer.echo(incomplete.banner(), err=True)
        ex.export_out(root_of(ctx), output, streamed=streamed, ledger=ledger, unit=unit, period=period, fmt=fmt, reveal=reveal, all_fields=all_fields)
    if output is None:
        return
    typer.echo(tr(f"已导出到 {output}", f"exported to {output}"), err=True)


@app.command("template")
def template(
    ctx: typer.Context,
    output: Path = typer.Option(Path("台账模板.xlsx"), "--output", "-o", metavar="文件", help="写入的 .xlsx 文件，默认 台账模板.xlsx (workbook to write)."),
    unit: Optional[str] = unit_option("填报单位，写在表头", "the unit named in the title rows"),
    kind: str = kind_option("demand", "台账的事项类型，决定列", "kind of items, which decides the columns"),
    year: Optional[int] = typer.Option(None, "--year", min=1900, max=2999, help="标题中的年份，默认今年 (the year in the title; default this year)."),
) -> None:
    """生成空白台账模板：下拉选项、日期格式、填写说明，填好后直接 import (a blank ledger workbook with drop-downs and notes that imports back)."""
    from shishi.render.export import write
    from shishi.render.template import template_xlsx
    from shishi.store.load import load_units

    with errors():
        if output.suffix.lower() != ".xlsx":
            raise ShishiError(tr(f"模板是 .xlsx 文件：{output.name}", f"the template is an .xlsx file: {output.name}"))
        if output.exists():  # it may be a filled-in ledger
            raise ShishiError(tr(f"{output} 已存在，不覆盖；用 -o 指定另一个文件名", f"{output} exists and is not overwritten; give another name with -o"))
        ledger = load_units(root_of(ctx))
        name = None
        if unit is not None:
            upath = ledger.resolve_unit(unit)
            name = ledger.unit_name(upath)
            try:
                unique = ledger.resolve_unit(name) == upath
            except ShishiError:
                unique = False
            name = name if unique else upath  # import finds the unit by what 填报单位 says
        write(output, template_xlsx(ledger.config, unit=name, kind=kind, year=year))
    typer.echo(tr(f"已生成 {output}：填好后运行 shishi import {output.name}", f"wrote {output}: fill it in, then run shishi import {output.name}"), err=True)
