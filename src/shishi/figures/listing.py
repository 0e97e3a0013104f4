"""Tables of what is in the tree: items (`list`), units (`unit list`), and the rows of a `query`."""

from __future__ import annotations

from decimal import Decimal

from shishi.figures.table import Column, Table
from shishi.i18n import UNIT_KIND_ZH, get_lang, kind_name, status_name, tr

KIND_ORDER = {"city": 0, "district": 1, "town": 2, "street": 2, "department": 3, "village": 4, "community": 4}


def item_table(views: list[dict], root_label: str) -> Table:
    """`list`: one row per item (views as `render.items.item_view` makes them, masked unless revealed)."""
    cols = [
        Column("id", tr("编号", "ID"), "key"),
        Column("unit", tr("单位", "unit")),
        Column("kind", tr("类型", "kind"), "key"),
        Column("status", tr("状态", "status"), "key"),
        Column("title", tr("事项", "title")),
        Column("opened", tr("登记", "opened"), "date"),
        Column("due", tr("时限", "due"), "date"),
    ]
    rows = [[v["id"], v["unit"] or root_label, kind_name(v["kind"]), status_name(v["status"]), v["title"], v["opened"], v.get("due")] for v in views]
    return Table("items", tr("事项", "Items"), cols, rows, note=tr(f"共 {len(rows)} 件", f"{len(rows)} items") if rows else None)


def unit_table(ledger) -> Table:
    """`unit list`: the units as an indented tree (towns and streets before departments), with kind, ID code and region code."""
    rows: list[list] = []

    def order(path: str) -> tuple:
        rec = ledger.records.get(path)
        return (KIND_ORDER.get(rec.kind, 9) if rec else 9, (rec.code or "") if rec else "", path)

    def walk(path: str, depth: int) -> None:
        rec = ledger.records.get(path)
        name = rec.name if rec else path.rpartition("/")[2]
        kind = (tr(UNIT_KIND_ZH.get(rec.kind, rec.kind), rec.kind) if rec else "?")
        rows.append(["　" * depth + name, kind, ledger.prefix(path) if rec else "?", (rec.code or "") if rec else "", path or "/"])
        for child in sorted(ledger.units[path].children, key=order):
            walk(child, depth + 1)

    if "" in ledger.units:
        walk("", 0)
    cols = [Column("name", tr("单位", "unit"), "key"), Column("kind", tr("类型", "kind"), "key"), Column("prefix", tr("编号代码", "ID code"), "key"),
            Column("code", tr("区划代码", "region code"), "key"), Column("path", tr("路径", "path"))]
    return Table("units", tr("单位", "Units"), cols, rows, note=tr(f"共 {len(rows)} 个单位", f"{len(rows)} units"))



def query_value(v):
    """A value of a query's row as shown: the index's own blobs by their size, floats exactly as stored."""
    if isinstance(v, bytes):
        return f"<{len(v)} bytes>" if get_lang() == "en" else f"<{len(v)} 字节>"
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


def query_table(names: list[str], rows: list[tuple]) -> Table:
    """The rows of a `query`: numbers right-aligned, the index's own blobs shown by their size."""
    def kind(i: int) -> str:
        seen = [r[i] for r in rows if r[i] is not None]
        if seen and all(isinstance(v, int) and not isinstance(v, bool) for v in seen):
            return "int"
        if seen and all(isinstance(v, (int, float, Decimal)) for v in seen):
            return "qty"
        return "text"

    cols = [Column(n, n, kind(i)) for i, n in enumerate(names)]
    out = [[query_value(v) for v in r] for r in rows]
    return Table("query", tr("查询结果", "Query"), cols, out, note=tr(f"共 {len(out)} 行", f"{len(out)} rows") if out else None)


