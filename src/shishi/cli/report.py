"""Commands `rollup` and `report`: the tier roll-up and the printed summary report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import errors, out, root_of
from shishi.errors import ShishiError
from shishi.i18n import tr

app = typer.Typer()

ROLLUP_FORMATS = ("table", "text", "md", "csv", "json")
REPORT_FORMATS = ("terminal", "text", "md", "html", "docx", "xlsx", "json", "pdf")


def _choice(value: Optional[str], allowed: tuple[str, ...], option: str) -> Optional[str]:
    if value is not None and value not in allowed:
        raise typer.BadParameter(tr(f"应为 {'|'.join(allowed)}", f"must be one of {'|'.join(allowed)}"), param_hint=option)
    return value


def _dates(period: Optional[str], as_of: Optional[str]):
    from shishi.values import parse_date, parse_period

    return (parse_period(period) if period else None), (parse_date(as_of, "--as-of") if as_of else None)


def _warn_problems(ledger) -> None:
    if ledger.problems:
        typer.echo(
            tr(
                f"注意：台账有 {len(ledger.problems)} 处无法读取的问题（运行 shishi check 查看），未计入统计",
                f"note: {len(ledger.problems)} problems kept parts of the ledger from being read (see shishi check); they are not counted",
            ),
            err=True,
        )


def _console():
    """Rich on stdout when it is a terminal (its width, colours); None when piped: plain text then."""
    from rich.console import Console

    console = Console(highlight=False)
    return console if console.is_terminal else None


@app.command()
def rollup(
    ctx: typer.Context,
    unit: Optional[str] = typer.Argument(None, metavar="[UNIT]", help="单位路径或名称，默认全区 (unit path or name; default the whole tree)."),
    depth: Optional[int] = typer.Option(None, "--depth", min=0, help="显示几层下级单位（下级的事项总是计入）(levels of units shown; all levels are counted)."),
    period: Optional[str] = typer.Option(None, "--period", help="统计期间 2021、2021Q3、2021-09、A..B：登记按登记日期，办结按办结日期 (period)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="只计 demand|project|rectification (only items of this kind)."),
    category: Optional[str] = typer.Option(None, "--category", help="只计该类别 (only items of this category)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="截至日期，默认今天；给了期间时不晚于期末 (as-of date; default today, at most the period's end)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table|text|md|csv|json."),
) -> None:
    """三级汇总：单位及其下级的登记、办结、逾期、惠及人次等 (the tier roll-up)."""
    _choice(fmt, ROLLUP_FORMATS, "--format")
    from shishi.store.model import KINDS

    _choice(kind, KINDS, "--kind")
    from shishi.figures.report import cn_date, rollup_table, targets_table
    from shishi.figures.rollup import Filters, cutoff, node_json
    from shishi.figures.rollup import rollup as do_rollup
    from shishi.i18n import kind_name
    from shishi.render.report import render_rollup
    from shishi.store.load import load

    with errors():
        p, when = _dates(period, as_of)
        ledger = load(root_of(ctx))
        upath = ledger.resolve_unit(unit) if unit else ""
        f = Filters(period=p, kind=kind, category=category, as_of=when)
        node = do_rollup(ledger, upath, f, depth)
        end = cutoff(f)
        scope = "，".join(x for x in (p.label if p else None, kind_name(kind) if kind else None, category) if x)
        heading = tr(
            f"{node.name}汇总（{scope + '，' if scope else ''}截至{cn_date(end)}）",
            f"Roll-up of {node.name} ({scope + ', ' if scope else ''}as of {end.isoformat()})",
        )
        console = _console() if fmt == "table" else None
        rendered = render_rollup(rollup_table(node, heading), targets_table(node), node_json(node), heading, fmt, rich=console is not None, page=console.width if console else 120)
    _warn_problems(ledger)
    if console is not None:
        for part in rendered:
            console.print(part)
    else:
        sys.stdout.write(rendered)


@app.command()
def report(
    ctx: typer.Context,
    unit: Optional[str] = typer.Argument(None, metavar="[UNIT]", help="单位路径或名称，默认全区 (unit path or name; default the whole tree)."),
    period: Optional[str] = typer.Option(None, "--period", help="统计期间 2021、2021Q3、2021-09、A..B (period)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="截至日期，默认今天；给了期间时取期末与今天中较早者 (as-of date; default today, or the period's end when earlier)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="terminal|text|md|html|docx|xlsx|json|pdf；默认按 -o 的后缀，否则 terminal (default: from the -o suffix, else terminal)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="写入文件，如 报告.docx（公文格式）、报告.html、报告.xlsx、报告.pdf (write to this file)."),
    issuer: Optional[str] = typer.Option(None, "--issuer", help="docx 落款的发文机关，默认取 shishi.yaml 的 issuer，否则单位名称 (issuing office signing a docx)."),
    no_photos: bool = typer.Option(False, "--no-photos", help="不含项目照片 (leave the projects' photos out)."),
) -> None:
    """汇总报告：上报摘要、项目进展、分单位排名、督办、指标、资金、满意度 (the printed summary report)."""
    from shishi.render.report import SUFFIXES, format_for

    _choice(fmt, REPORT_FORMATS, "--format")
    if output is not None and fmt is None and output.suffix.lower() not in SUFFIXES:
        raise typer.BadParameter(
            tr(f"从后缀 {output.suffix or '（无）'} 看不出格式，请加 --format", f"cannot tell the format from the suffix {output.suffix or '(none)'}; add --format"),
            param_hint="--output",
        )
    fmt = format_for(str(output) if output else None, fmt, "terminal")
    if fmt == "csv":
        raise typer.BadParameter(tr("报告没有 csv 格式（rollup 有）", "a report has no csv format (rollup has)"), param_hint="--output")
    if fmt in ("docx", "xlsx", "pdf") and output is None and sys.stdout.isatty():
        typer.echo(
            tr(f"错误：{fmt} 是二进制文件，不能输出到终端；请用 -o 报告.{fmt} 写入文件", f"error: {fmt} is binary and will not be written to a terminal; use -o report.{fmt}"),
            err=True,
        )
        raise typer.Exit(1)
    from shishi.figures.report import build_report
    from shishi.render.report import render_report, terminal_renderables
    from shishi.store.load import load

    with errors():
        p, when = _dates(period, as_of)
        ledger = load(root_of(ctx))
        upath = ledger.resolve_unit(unit) if unit else ""
        doc = build_report(ledger, upath, p, when, photos=not no_photos)
        if fmt == "docx":
            from shishi.render.docx import render_docx

            rendered = render_docx(doc, issuer)
        elif output is not None or fmt != "terminal":
            rendered = render_report(doc, fmt)
        if output is not None:
            if output.is_dir():
                raise ShishiError(tr(f"{output} 是目录", f"{output} is a directory"))
            if isinstance(rendered, bytes):
                output.write_bytes(rendered)
            else:
                output.write_text(rendered, encoding="utf-8")
    _warn_problems(ledger)
    if output is not None:
        typer.echo(tr(f"已写入 {output}", f"wrote {output}"), err=True)
    elif fmt == "terminal" and (console := _console()) is not None:
        for part in terminal_renderables(doc, console.width):
            console.print(part)
    elif fmt == "terminal":
        out(render_report(doc, "terminal"))
    elif isinstance(rendered, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(rendered)
    else:
        out(rendered)
