"""Items as people read them: `show`'s text, the masked view of an item, what `import` says."""

from __future__ import annotations

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
    if view.get("attachments"):
        lines.append(f"  {tr('附件：', 'attachments:')}")
        for i, a in enumerate(view["attachments"], 1):
            lines.append(f"    {i}. {attachment_line(a)}")
    if view.get("corrections"):
        from shishi.figures.changes import correction_line

        lines.append(f"  {tr('更正记录：', 'corrections:')}")
        lines += [f"    {correction_line(c)}" for c in view["corrections"]]
    return "\n".join(lines) + "\n"


def attachment_line(a: dict) -> str:
    """One attachment as `show` lists it: stage, caption, date taken, file; a detached one says when and why."""
    stage = f"[{a['stage']}] " if a.get("stage") else ""
    taken = f" {tr('拍摄', 'taken')} {a['date']}" if a.get("date") else ""
    line = f"{stage}{a.get('caption') or tr('（无说明）', '(no caption)')}{taken}  {a['file']}"
    if a.get("removed"):
        why = f"{tr('：', ': ')}{a['reason']}" if a.get("reason") else ""
        line += f"  {tr('已删除', 'detached')} {a['removed']}{why}"
    return line


def COMMA() -> str:
    return tr("，", ", ")


def import_report(res, dry_run: bool, skip_bad: bool) -> tuple[list[str], list[str], bool]:
    """What `import` says: (lines for stderr, lines for stdout, refused). Refused when a row is bad and --skip-bad was not given;
    then the stderr lines end with why nothing was written and stdout gets nothing."""
    from shishi.checks.privacy import mask
    from shishi.write.importer import suggest

    said = []
    for s in res.sheets:
        left = tr("、".join(f"{u}（{suggest(u)}）" for u in s.unmapped), ", ".join(f"{u} ({suggest(u)})" for u in s.unmapped))
        extra = tr(f"；未导入的列：{left}", f"; columns not imported: {left}") if s.unmapped else ""
        said.append(tr(f"[{s.name}] 表头在第 {s.header_row} 行{extra}", f"[{s.name}] header on row {s.header_row}{extra}"))
    said += [str(p) for p in res.problems]
    bad = len({(p.sheet, p.row) for p in res.errors})
    if bad and not skip_bad:
        said.append(tr(f"{bad} 行有错，未写入任何事项（改正后重新导入，或加 --skip-bad 跳过这些行）", f"{bad} bad rows; nothing written (fix them and import again, or add --skip-bad)"))
        return said, [], True
    verb = tr("将导入", "would add") if dry_run else tr("导入", "added")
    shown = [f"[{row.sheet}] {tr(f'第{row.row}行', f'row {row.row}')} {verb} {row.item.id}  {mask(row.item.title)}" for row in res.added]
    summary = tr(
        f"{'将导入' if dry_run else '已导入'} {len(res.added)} 件；已导入过 {len(res.already)} 件；跳过有错的 {bad} 行、空行 {res.blank} 行、合计行 {res.totals} 行、注释行 {res.notes} 行",
        f"{'would add' if dry_run else 'added'} {len(res.added)}; already imported {len(res.already)}; skipped {bad} bad, {res.blank} blank, {res.totals} total and {res.notes} note rows",
    )
    said += res.assumptions()  # which dates the sheet left out and import assumed
    said.append(summary + (tr("（未写入）", " (nothing written)") if dry_run else ""))
    return said, shown, False
