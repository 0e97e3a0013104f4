"""The shishi command line: the root Typer app, composed of one module per command group.

Commands parse, call one core function, render, and map errors to exit codes;
heavy modules are imported inside them so that `--help` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from typer._click import Context

from shishi.cli import data, git, items, photos, query, report, track, units
from shishi.cli.common import State
from shishi.cli.help import WideHelpFormatter
from shishi.cli.usage import ShishiGroup
from shishi.i18n import set_lang, tr

# plain help and usage errors (no Rich before the work), lined up by display width
Context.formatter_class = WideHelpFormatter

app = typer.Typer(
    cls=ShishiGroup,  # usage errors and help in the run's language
    name="shishi",
    help="实事 shishi：我为群众办实事台账工具；运行 shishi 命令 --help 查看各命令的说明 (ledgers of the people's livelihood work; run shishi COMMAND --help for a command's help).",
    no_args_is_help=True,
    add_completion=True,  # --install-completion; unit paths and IDs complete (cli/usage.py)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    ctx: typer.Context,
    ledger: Optional[Path] = typer.Option(None, "--ledger", "-L", help="台账库目录，默认 $SHISHI_LEDGER，再默认向上最近的 shishi.yaml 所在目录，再默认 ./ledgers (the ledger tree; else $SHISHI_LEDGER, the nearest shishi.yaml upward, or ./ledgers)."),
    lang: str = typer.Option("zh", "--lang", help="输出语言 zh|en (output language)."),
    no_input: bool = typer.Option(False, "--no-input", help="缺少必填项时不在终端上询问，直接报错 (never ask for a missing value on a terminal)."),
) -> None:
    """实事 shishi: ledgers of the people's livelihood work."""
    if lang not in ("zh", "en"):
        raise typer.BadParameter(tr(f"应为 zh 或 en：{lang}", f"zh or en, not {lang}"), param_hint="--lang")
    set_lang(lang)
    ctx.obj = State(ledger)



for group in (units, items, photos, query, report, track, git, data):
    app.add_typer(group.app)


def run() -> None:
    import gc

    # a short-lived process: reference counting frees what a command builds, and the cyclic
    # collector, walking every object again as a big tree loads, would only halve the speed
    gc.disable()
    try:
        app()
    except BrokenPipeError:
        # `shishi list | head`: the reader has all it wanted; quiet, and no second error when Python flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except MemoryError:
        from shishi.i18n import tr

        sys.stderr.write(tr("错误：内存不足，命令未完成，没有写入任何内容\n", "error: out of memory; the command did not finish and nothing was written\n"))
        sys.exit(1)
