"""The index from the command line: `shishi query`, read-only SQL like beancount's bean-query."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import errors, root_of
from shishi.cli.options import format_option, output_option
from shishi.i18n import tr

app = typer.Typer()


@app.command()
def query(
    ctx: typer.Context,
    sql: str = typer.Argument(
        ...,
        metavar="SQL",
        help='一条只读 SQL，如 "SELECT unit, count(*) FROM items GROUP BY unit"（表见 README「Speed」）(one read-only SQL statement; tables in README).',
    ),
    fmt: str = format_option("table", "csv", "json"),
    output: Optional[Path] = output_option("写入文件（csv 带 BOM，Excel 可直接打开）", "write to this file (CSV with a BOM for Excel)"),
    reveal: bool = typer.Option(False, "--reveal", help="显示完整电话、身份证号 (show personal data unmasked)."),
) -> None:
    """只读 SQL 查询索引 (read-only SQL over the index of the ledger tree)."""
    from shishi.checks.privacy import mask
    from shishi.figures.listing import query_table, query_value
    from shishi.render.table import emit
    from shishi.store.index import query_rows

    with errors():
        cols, rows = query_rows(root_of(ctx), sql)
        rows = (tuple(v if reveal or not isinstance(v, str) else mask(v) for v in r) for r in rows)
        if fmt == "json" and output is None:  # streamed: the others measure every row first
            return write_json_rows({c: query_value(v) for c, v in zip(cols, r, strict=True)} for r in rows)
        table = query_table(cols, list(rows))
        emit(table, fmt, [dict(zip(cols, r, strict=True)) for r in table.rows], tr("没有结果", "no rows"), output)


def write_json_rows(rows) -> None:
    import sys

    from shishi.render.json import write_array

    sys.stdout.flush()
    write_array(sys.stdout.buffer, rows)
    sys.stdout.buffer.flush()
