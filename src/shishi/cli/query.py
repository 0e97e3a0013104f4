"""The index from the command line: `shishi query`, read-only SQL like beancount's bean-query."""

from __future__ import annotations

import sys

import typer

from shishi.cli.common import errors, out, root_of
from shishi.errors import ShishiError
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
    fmt: str = typer.Option("table", "--format", "-f", help="table|csv|json."),
    reveal: bool = typer.Option(False, "--reveal", help="显示完整电话、身份证号 (show personal data unmasked)."),
) -> None:
    """只读 SQL 查询索引 (read-only SQL over the index of the ledger tree)."""
    from shishi.checks.privacy import mask
    from shishi.render.items import csv_text, table
    from shishi.render.json import to_json
    from shishi.store.index import query as run_query

    with errors():
        if fmt not in ("table", "csv", "json"):
            raise ShishiError(tr("--format 应为 table、csv 或 json", "--format must be table, csv or json"))
        cols, rows = run_query(root_of(ctx), sql)

    def cell(v):
        if isinstance(v, bytes):
            return f"<{len(v)} bytes>"  # the index's own blobs
        return v if reveal or not isinstance(v, str) else mask(v)

    rows = [tuple(cell(v) for v in r) for r in rows]
    if fmt == "json":
        out(to_json([dict(zip(cols, r, strict=True)) for r in rows]))
    elif fmt == "csv":
        sys.stdout.write(csv_text([list(r) for r in rows], cols))
    elif rows:
        out(table([["" if v is None else v for v in r] for r in rows], cols))
        typer.echo(tr(f"共 {len(rows)} 行", f"{len(rows)} rows"), err=True)
    else:
        typer.echo(tr("没有结果", "no rows"), err=True)
