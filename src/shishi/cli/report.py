"""Commands `rollup` and `report`: the tier roll-up and the printed summary report."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import errors, load_selected
from shishi.cli.options import allow_incomplete_option, as_of_option, format_option, kind_option, optional_format_option, output_option, period_option
from shishi.i18n import tr
from shishi.values import Period

app = typer.Typer()

REPORT_FORMATS = ("terminal", "text", "md", "html", "docx", "xlsx", "json", "pdf")


@app.command()
def rollup(
    ctx: typer.Context,
    unit: Optional[str] = typer.Argument(None, metavar="[单位]", help="单位路径或名称，默认全区 (unit path or name; default the whole tree)."),
    depth: Optional[int] = typer.Option(None, "--depth", min=0, help="显示几层下级单位（下级的事项总是计入）(levels of units shown; all levels are counted)."),
    period: Optional[Period] = period_option("统计期间：登记按登记日期，办结按办结日期", "period"),
    kind: Optional[str] = kind_option(help_zh="只计该类型", help_en="only items of this kind"),
    category: Optional[str] = typer.Option(None, "--category", help="只计该类别 (only items of this category)."),
    as_of: Optional[date] = as_of_option("截至日期，默认今天；给了期间时不晚于期末", "default today, at most the period's end"),
    fmt: str = format_option("table", "text", "md", "csv", "json"),
    output: Optional[Path] = output_option("写入文件（csv 带 BOM，Excel 可直接打开）", "write to this file (CSV with a BOM for Excel)"),
    allow_incomplete: bool = allow_incomplete_option(),
) -> None:
    """三级汇总：单位及其下级的登记、办结、逾期、惠及人次等 (the tier roll-up)."""
    from shishi.figures.report import rollup_document
    from shishi.figures.rollup import Filters

    with errors():
        ledger, upath, incomplete = load_selected(ctx, unit, allow_incomplete, entries=False)  # figures by SQL over the index
        doc = rollup_document(ledger, upath, Filters(period=period, kind=kind, category=category, as_of=as_of), depth, incomplete)
    if doc.incomplete and fmt == "csv":  # a CSV stays rows; the banner goes beside it
        typer.echo(doc.incomplete, err=True)
    with errors():
        if fmt == "json" and output is None:  # render_rollup's JSON, without importing the table renderers (a tenth of a warm run)
            from shishi.render.json import to_json

            sys.stdout.write(to_json(doc.data) + "\n")
            return
        from shishi.render.report import print_rollup

        print_rollup(doc, fmt, output)


@app.command()
def report(
    ctx: typer.Context,
    unit: Optional[str] = typer.Argument(None, metavar="[单位]", help="单位路径或名称，默认全区 (unit path or name; default the whole tree)."),
    period: Optional[Period] = period_option(),
    as_of: Optional[date] = as_of_option("截至日期，默认今天；给了期间时取期末与今天中较早者", "default today, or the period's end when earlier"),
    fmt: Optional[str] = optional_format_option(*REPORT_FORMATS, help_zh="默认按 -o 的后缀，否则在终端显示", help_en="default: from the -o suffix, else terminal"),
    output: Optional[Path] = output_option("写入文件，如 报告.docx（公文格式）、报告.html、报告.xlsx、报告.pdf", "write to this file"),
    issuer: Optional[str] = typer.Option(None, "--issuer", help="docx 落款的发文机关，默认取 shishi.yaml 的 issuer，否则单位名称 (issuing office signing a docx)."),
    no_photos: bool = typer.Option(False, "--no-photos", help="不含项目照片 (leave the projects' photos out)."),
    allow_incomplete: bool = allow_incomplete_option(),
    full: bool = typer.Option(False, "--full", help="完整清单，不截取最紧迫的 20 件（xlsx 总是完整）(complete lists; the xlsx always has them)."),
    depth: int = typer.Option(1, "--depth", min=1, help="红黑榜排名的单位层级，默认下一级 (levels of units ranked; default one level down)."),
) -> None:
    """汇总报告：上报摘要、项目进展、分单位排名、督办、指标、资金、满意度 (the printed summary report)."""
    from shishi.figures.report import build_report
    from shishi.render.report import print_report, write_report

    fmt = _report_format(fmt, output)
    with errors():
        ledger, upath, incomplete = load_selected(ctx, unit, allow_incomplete, entries=False)  # the lists' items only (report_entries)
        doc = build_report(ledger, upath, period, as_of, not no_photos, issuer, incomplete, full or fmt == "xlsx", depth)
        if output is not None:
            write_report(doc, fmt, output)
    if output is not None:
        typer.echo(tr(f"已写入 {output}", f"wrote {output}"), err=True)
    else:
        with errors():  # a pdf needs a browser: no traceback without one
            print_report(doc, fmt)


def _report_format(fmt: Optional[str], output: Optional[Path]) -> str:
    """The format asked for, else the one -o's suffix names, else terminal; usage errors exit 2."""
    from shishi.render.report import SUFFIXES, format_for

    if output is not None and fmt is None and output.suffix.lower() not in SUFFIXES:
        raise typer.BadParameter(
            tr(f"从后缀 {output.suffix or '（无）'} 看不出格式，请加 --format", f"cannot tell the format from the suffix {output.suffix or '(none)'}; add --format"),
            param_hint="--output",
        )
    fmt = format_for(str(output) if output else None, fmt, "terminal")
    if fmt == "csv":
        raise typer.BadParameter(tr("报告没有 csv 格式（rollup 有）", "a report has no csv format (rollup has)"), param_hint="--output")
    if fmt in ("docx", "xlsx", "pdf") and output is None and sys.stdout.isatty():
        typer.echo(tr(f"错误：{fmt} 是二进制文件，不能输出到终端；请用 -o 报告.{fmt} 写入文件", f"error: {fmt} is binary and will not be written to a terminal; use -o report.{fmt}"), err=True)
        raise typer.Exit(1)
    return fmt
