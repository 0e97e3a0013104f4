"""Turning records into text: the one place that knows tabulate, JSON and CSV layout."""

from __future__ import annotations

import csv
import io

from shishi.checks.privacy import mask_data
from shishi.i18n import kind_name, status_name, tr


def item_view(item, unit: str, reveal: bool = False) -> dict:
    """An item as plain data for output: unit path added, personal data masked unless revealed."""
    from shishi.store.model import item_to_data

    data = item_to_data(item)
    out = {"id": data.pop("id"), "unit": unit}
    out.update(data)
    # every string, not only the reporter's: a number typed into a note must not print either
    return out if reveal else mask_data(out)


def table(rows: list[list], headers: list[str]) -> str:
    """A plain-text table whose Chinese columns align (tabulate measures with wcwidth)."""
    from tabulate import tabulate

    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def csv_text(rows: list[list], headers: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue()


LIST_KEYS = ["id", "unit", "kind", "status", "title", "opened", "due"]


def list_headers() -> list[str]:
    return [tr("编号", "ID"), tr("单位", "unit"), tr("类型", "kind"), tr("状态", "status"), tr("事项", "title"), tr("登记", "opened"), tr("时限", "due")]


def list_rows(views: list[dict], localize: bool, root_name: str = "/") -> list[list]:
    rows = []
    for v in views:
        rows.append(
            [
                v["id"],
                v["unit"] or root_name,
                kind_name(v["kind"]) if localize else v["kind"],
                status_name(v["status"]) if localize else v["status"],
                v["title"],
                v["opened"].isoformat(),
                v["due"].isoformat() if v.get("due") else "",
            ]
        )
    return rows


def item_text(view: dict, unit_name: str) -> str:
    """`show`: the item as a clerk reads it, with its whole progress log."""
    lines = [f"{view['id']}  {view['title']}", ""]

    def kv(zh: str, en: str, value) -> None:
        if value not in (None, "", []):
            lines.append(f"  {tr(zh, en)}{tr('：', ': ')}{value}")

    kv("单位", "unit", f"{unit_name} ({view['unit'] or '/'})")
    kv("类型", "kind", kind_name(view["kind"]))
    kv("状态", "status", status_name(view["status"]))
    for zh, en, key in (
        ("类别", "category", "category"),
        ("来源", "source", "source"),
        ("办理类别", "handling", "handling"),
        ("责任人", "owner", "owner"),
        ("牵头领导", "lead", "lead"),
        ("登记日期", "opened", "opened"),
        ("完成时限", "due", "due"),
        ("预算(元)", "budget (yuan)", "budget"),
        ("上报自", "escalated from", "escalated_from"),
        ("上报至", "escalated to", "escalated_to"),
        ("情况描述", "description", "description"),
    ):
        kv(zh, en, view.get(key))
    kv("配合单位", "partners", "、".join(view.get("partners", [])))
    kv("标签", "tags", "、".join(view.get("tags", [])))
    rep = view.get("reporter")
    if rep:
        kv("反映人", "reporter", " ".join(x for x in (rep.get("name"), rep.get("phone"), rep.get("id_card")) if x))
    sup = view.get("supervision")
    if sup:
        kv("督办", "supervision", f"{sup['level']} {sup.get('by') or ''} {sup.get('notice') or ''} {tr('整改时限', 'deadline')} {sup.get('deadline') or ''}".strip())
        for f in sup.get("feedback", []):
            lines.append(f"    {f['date']}  {tr('反馈：', 'feedback: ')}{f['note']}")
    for m in view.get("milestones", []):
        done = tr(f"已完成 {m['done']}", f"done {m['done']}") if m.get("done") else tr("未完成", "not done")
        kv("节点", "milestone", f"{m['name']} {tr('时限', 'due')} {m['due']}{COMMA()}{done}")
    for tg in view.get("targets", []):
        actual = tg.get("actual")
        kv("指标", "target", f"{tg['name']} {tr('计划', 'planned')} {tg['planned']}{tg.get('unit', '')}" + (f"{COMMA()}{tr('完成', 'actual')} {actual}{tg.get('unit', '')}" if actual is not None else ""))
    for x in view.get("extensions", []):
        what = x.get("milestone") or tr("完成时限", "due date")
        how = (tr(f"，{x['approved_by']}批准", f", approved by {x['approved_by']}") if x.get("approved_by") else tr("，未经批准", ", not approved")) + (tr("，逾期补记", ", recorded late") if x.get("late") else "")
        kv("延期", "extension", f"{x['date']} {what} {x['original']} → {x['to']} {tr('（', '(')}{x['reason']}{how}{tr('）', ')')}")
    if view.get("progress"):
        lines.append(f"  {tr('进展：', 'progress:')}")
        for p in view["progress"]:
            ms = f" [{p['milestone']}]" if p.get("milestone") else ""
            lines.append(f"    {p['date']}{ms}  {p['note']}")
    for r in view.get("reopenings", []):
        kv("重办" if not r.get("returned") else "退回", "reopened" if not r.get("returned") else "returned", f"{r['date']} {r['reason']}")
    res = view.get("resolution")
    if res:
        extra = f"{COMMA()}{tr('惠及', 'served')} {res['beneficiaries']} {tr('人次', 'people')}"
        if res.get("spent") is not None:
            extra += f"{COMMA()}{tr('支出', 'spent')} {res['spent']} {tr('元', 'yuan')}"
        if res.get("satisfaction"):
            extra += f"{COMMA()}{tr('满意度', 'satisfaction')} {res['satisfaction']}"
        kv("办结", "resolved", f"{res['date']} {res['text']}{extra}")
    ver = view.get("verification")
    if ver:
        kv("销号", "verified", f"{ver['date']} {ver.get('by') or ''}".strip())
    can = view.get("cancellation")
    if can:
        dup = tr(f"（与 {can['duplicate_of']} 重复）", f" (duplicate of {can['duplicate_of']})") if can.get("duplicate_of") else ""
        kv("撤销", "cancelled", f"{can['date']} {can['reason']}{dup}")
    if view.get("corrections"):
        from shishi.figures.changes import correction_line

        lines.append(f"  {tr('更正记录：', 'corrections:')}")
        lines += [f"    {correction_line(c)}" for c in view["corrections"]]
    return "\n".join(lines) + "\n"


def COMMA() -> str:
    return tr("，", ", ")


KIND_ORDER = {"city": 0, "district": 1, "town": 2, "street": 2, "department": 3, "village": 4, "community": 4}


def unit_tree(ledger) -> str:
    """`unit list`: the units as an indented tree (towns and streets before departments), with kind and codes."""
    lines = []

    def order(path: str) -> tuple:
        rec = ledger.records.get(path)
        return (KIND_ORDER.get(rec.kind, 9) if rec else 9, (rec.code or "") if rec else "", path)

    def walk(path: str) -> None:
        lines.append(_unit_line(ledger, path))
        for child in sorted(ledger.units[path].children, key=order):
            walk(child)

    if "" in ledger.units:
        walk("")
    return "\n".join(lines) + "\n"


def _unit_line(ledger, path: str) -> str:
    rec = ledger.records.get(path)
    depth = 0 if not path else path.count("/") + 1
    if rec is None:
        return f"{'  ' * depth}{path.rpartition('/')[2]}  [?] ?"
    region = f"  {rec.code}" if rec.code else ""
    return f"{'  ' * depth}{rec.name}  [{rec.kind}] {ledger.prefix(path)}{region}"
