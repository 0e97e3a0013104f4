"""Commands for items: add, progress, close, verify, reopen, cancel, escalate, show, list, check, fmt."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

from shishi.checks.privacy import mask
from shishi.cli.common import commit_option, committing, errors, load_selected, out, root_of, subject
from shishi.cli.options import as_of_option, format_option, kind_option, output_option, period_option, status_option, unit_option
from shishi.i18n import tr
from shishi.values import Period

app = typer.Typer()


@app.command()
def add(
    ctx: typer.Context,
    unit: str = typer.Option(..., "--unit", "-u", help="单位路径或名称 (unit path or unique name)."),
    title: str = typer.Option(..., "--title", "-t", help="事项名称 (title)."),
    kind: str = kind_option("demand"),
    description: Optional[str] = typer.Option(None, "--description", help="情况描述 (description)."),
    category: Optional[str] = typer.Option(None, "--category", help="类别/领域 (from shishi.yaml)."),
    source: Optional[str] = typer.Option(None, "--source", help="来源 (from shishi.yaml)."),
    handling: Optional[str] = typer.Option(None, "--handling", help="办理类别 立刻办|限期办|分期办 (sets the default deadline)."),
    due: Optional[str] = typer.Option(None, "--due", help="完成时限 YYYY-MM-DD (default from shishi.yaml time limits)."),
    opened: Optional[str] = typer.Option(None, "--opened", help="登记日期 (default today)."),
    owner: Optional[str] = typer.Option(None, "--owner", help="责任人 (responsible person)."),
    lead: Optional[str] = typer.Option(None, "--lead", help="牵头领导 (leading official)."),
    partner: list[str] = typer.Option([], "--partner", help="配合单位 (repeatable)."),
    budget: Optional[str] = typer.Option(None, "--budget", help="预算/投资，单位元，可写 50万 (budget in yuan; e.g. 500000)."),
    target: list[str] = typer.Option([], "--target", help="目标指标 NAME=QTY[UNIT], e.g. 人行便道=3000米 (repeatable)."),
    milestone: list[str] = typer.Option([], "--milestone", help="时间节点 NAME=DATE, e.g. 一期竣工=2021-10-31 (repeatable)."),
    reporter: Optional[str] = typer.Option(None, "--reporter", help="反映人 (personal data)."),
    phone: Optional[str] = typer.Option(None, "--phone", help="联系电话 (personal data, masked in output)."),
    tag: list[str] = typer.Option([], "--tag", help="标签 (repeatable)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="只输出编号 (print the ID alone)."),
    commit: bool = commit_option(),
) -> None:
    """登记新事项，输出其编号 (register a new item; prints its ID)."""
    from shishi.write import items as ops

    with errors(), committing(ctx, commit, lambda: f"add {item.id}: {subject(item.title)}"):
        item = ops.add(root_of(ctx), unit, title, kind=kind, description=description, category=category, source=source, handling=handling, due=due, opened=opened,
                       owner=owner, lead=lead, partners=partner, budget=budget, targets=target, milestones=milestone, reporter=reporter, phone=phone, tags=tag)
    out(item.id if quiet else tr(f"已登记 {item.id}：{mask(item.title)}（时限 {item.due}）", f"added {item.id}: {mask(item.title)} (due {item.due})"))


@app.command()
def progress(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    note: str = typer.Option(..., "--note", "-n", help="进展情况 (progress note)."),
    when: Optional[str] = typer.Option(None, "--date", help="日期 (default today)."),
    milestone: Optional[str] = typer.Option(None, "--milestone", help="相关节点名称 (the milestone it concerns)."),
    done: bool = typer.Option(False, "--done", help="该节点已完成 (with --milestone)."),
    by: Optional[str] = typer.Option(None, "--by", help="记录人 (recorded by)."),
    commit: bool = commit_option(),
) -> None:
    """记录进展或节点完成 (append a progress entry, or mark a milestone done)."""
    from shishi.write import items as ops

    with errors(), committing(ctx, commit, lambda: f"progress {item.id}: {subject(note)}"):
        item = ops.progress(root_of(ctx), item_id, note, when=when, milestone=milestone, done=done, by=by)
    out(tr(f"已记录 {item.id} 进展（共 {len(item.progress)} 条）", f"recorded progress on {item.id} ({len(item.progress)} entries)"))


@app.command()
def close(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    resolution: str = typer.Option(..., "--resolution", "-r", help="办理结果 (resolution)."),
    beneficiaries: str = typer.Option(..., "--beneficiaries", "-b", help="惠及人次 (beneficiaries)."),
    spent: Optional[str] = typer.Option(None, "--spent", help="实际支出 (yuan)."),
    when: Optional[str] = typer.Option(None, "--date", help="办结日期 (default today)."),
    satisfaction: Optional[str] = typer.Option(None, "--satisfaction", help="回访满意度，如 满意 (a level of the scale)."),
    target: list[str] = typer.Option([], "--target", help="指标完成量 NAME=ACTUAL (repeatable)."),
    commit: bool = commit_option(),
) -> None:
    """办结事项 (resolve an item)."""
    from shishi.write import items as ops

    with errors(), committing(ctx, commit, lambda: f"close {item.id}: {subject(item.title)} (惠及{item.resolution.beneficiaries}人次)"):
        item = ops.close(root_of(ctx), item_id, resolution, beneficiaries, spent=spent, when=when, satisfaction=satisfaction, targets=target)
    title = mask(item.title)
    out(tr(f"已办结 {item.id}：{title}（惠及{item.resolution.beneficiaries}人次）", f"resolved {item.id}: {title} (served {item.resolution.beneficiaries})"))


@app.command()
def verify(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    by: Optional[str] = typer.Option(None, "--by", help="销号人或单位 (verified by: person or unit)."),
    when: Optional[str] = typer.Option(None, "--date", help="销号日期 (default today)."),
    commit: bool = commit_option(),
) -> None:
    """销号：核验已办结事项 (strike off a resolved item)."""
    from shishi.write import items as ops

    with errors(), committing(ctx, commit, lambda: f"verify {item.id}: {subject(item.title)}"):
        item = ops.verify(root_of(ctx), item_id, by=by, when=when)
    out(tr(f"已销号 {item.id}", f"verified {item.id}"))


@app.command()
def reopen(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    reason: str = typer.Option(..., "--reason", help="重办原因 (why it is reopened)."),
    when: Optional[str] = typer.Option(None, "--date", help="日期 (default today)."),
    commit: bool = commit_option(),
) -> None:
    """重办：已办结或已销号事项重新办理 (reopen a resolved item)."""
    from shishi.write import items as ops

    with errors(), committing(ctx, commit, lambda: f"reopen {item.id}: {subject(item.title)} ({subject(reason, 40)})"):
        item = ops.reopen(root_of(ctx), item_id, reason, when=when)
    out(tr(f"已重办 {item.id}", f"reopened {item.id}"))


@app.command()
def cancel(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    reason: str = typer.Option(..., "--reason", help="撤销原因 (why it is cancelled)."),
    duplicate_of: Optional[str] = typer.Option(None, "--duplicate-of", help="与之重复的事项编号 (ID of the item it duplicates)."),
    when: Optional[str] = typer.Option(None, "--date", help="日期 (default today)."),
    commit: bool = commit_option(),
) -> None:
    """撤销事项 (cancel an open item, e.g. a duplicate)."""
    from shishi.write import items as ops

    with errors(), committing(ctx, commit, lambda: f"cancel {item.id}: {subject(item.title)} ({subject(reason, 40)})"):
        item = ops.cancel(root_of(ctx), item_id, reason, duplicate_of=duplicate_of, when=when)
    out(tr(f"已撤销 {item.id}", f"cancelled {item.id}"))


@app.command()
def escalate(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    to: str = typer.Option(..., "--to", help="上报/转办给哪个单位 (the unit it goes to)."),
    reason: str = typer.Option(..., "--reason", help="上报原因 (why it is escalated)."),
    when: Optional[str] = typer.Option(None, "--date", help="日期 (default today)."),
    owner: Optional[str] = typer.Option(None, "--owner", help="接收单位的责任人 (owner in the receiving unit)."),
    due: Optional[str] = typer.Option(None, "--due", help="新的完成时限 (default from shishi.yaml time limits)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="只输出新编号 (print the new ID alone)."),
    commit: bool = commit_option(),
) -> None:
    """上报或转办：在目标单位新建延续事项，输出新编号 (escalate; prints the new ID)."""
    from shishi.write import items as ops

    with errors(), committing(ctx, commit, lambda: f"escalate {item_id} → {item.id}: {subject(item.title)}"):
        item = ops.escalate(root_of(ctx), item_id, to, reason, when=when, owner=owner, due=due)
    out(item.id if quiet else tr(f"已上报 {item.escalated_from} → {item.id}", f"escalated {item.escalated_from} -> {item.id}"))


@app.command()
def edit(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    title: Optional[str] = typer.Option(None, "--title", "-t", help="事项名称 (title)."),
    description: Optional[str] = typer.Option(None, "--description", help="情况描述；空字符串清除 (\"\" clears)."),
    category: Optional[str] = typer.Option(None, "--category", help="类别 (from shishi.yaml)."),
    source: Optional[str] = typer.Option(None, "--source", help="来源 (from shishi.yaml)."),
    owner: Optional[str] = typer.Option(None, "--owner", help="责任人 (responsible person)."),
    lead: Optional[str] = typer.Option(None, "--lead", help="牵头领导 (leading official)."),
    partner: Optional[list[str]] = typer.Option(None, "--partner", help="配合单位，给出即整体替换 (repeatable; replaces the list)."),
    opened: Optional[str] = typer.Option(None, "--opened", help="登记日期，同一年内 (opening date, within its year)."),
    budget: Optional[str] = typer.Option(None, "--budget", help="预算/投资，单位元，可写 50万 (budget in yuan; e.g. 500000)."),
    tag: Optional[list[str]] = typer.Option(None, "--tag", help="标签，给出即整体替换 (repeatable; replaces the list)."),
    reason: Optional[str] = typer.Option(None, "--reason", help="更正原因 (why)."),
    commit: bool = commit_option(),
) -> None:
    """更正事项的描述性内容，原值与原因记入事项（时限用 extend，状态用办结、销号等命令）(correct an item; the old values are kept)."""
    from shishi.write.corrections import edit as do_edit

    with errors(), committing(ctx, commit, lambda: f"edit {item.id}: {', '.join(corr.changed)}" + (f" ({subject(reason, 40)})" if reason else "")):
        item, corr = do_edit(
            root_of(ctx), item_id, title=title, description=description, category=category, source=source, owner=owner, lead=lead,
            partners=partner, opened=opened, budget=budget, tags=tag, reason=reason,
        )
    from shishi.i18n import field_label

    out(tr(f"已更正 {item.id}：{'、'.join(field_label(f) for f in corr.changed)}（原值已记入更正记录）", f"corrected {item.id}: {', '.join(corr.changed)} (old values kept in its corrections)"))


@app.command()
def remove(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
) -> None:
    """删除误登记且从未提交到 git 的事项；已提交的请用 cancel 撤销 (remove an item never committed; otherwise use cancel)."""
    from shishi.write.corrections import remove as do_remove

    with errors():
        item = do_remove(root_of(ctx), item_id)
    out(tr(f"已删除 {item.id}：{mask(item.title)}", f"removed {item.id}: {mask(item.title)}"))


# ------------------------------------------------------------------ looking


@app.command()
def show(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    fmt: str = format_option("text", "json"),
    reveal: bool = typer.Option(False, "--reveal", help="显示完整电话、身份证号 (show personal data unmasked)."),
) -> None:
    """查看一个事项及其全部进展 (show one item with its whole log)."""
    from shishi.render.items import item_text, item_view
    from shishi.render.json import to_json
    from shishi.store.load import load_units
    from shishi.write import files

    with errors():
        root = root_of(ctx)
        item, unit = files.get(root, item_id)
        view = item_view(item, unit, reveal)
        text = to_json(view) if fmt == "json" else item_text(view, load_units(root).unit_name(unit))
    out(text)


@app.command("list")
def list_items(
    ctx: typer.Context,
    unit: Optional[str] = unit_option(),
    status: Optional[tuple] = status_option(),
    kind: Optional[str] = kind_option(),
    overdue: bool = typer.Option(False, "--overdue", help="只看逾期未办结的 (only items in hand past their deadline)."),
    period: Optional[Period] = period_option("登记期间", "opened in this period"),
    as_of: Optional[date] = as_of_option("按此日期判断逾期，默认今天", "judge overdue on this date; default today"),
    fmt: str = format_option("table", "csv", "json"),
    output: Optional[Path] = output_option("写入文件（csv 带 BOM，Excel 可直接打开）", "write to this file (CSV with a BOM for Excel)"),
    reveal: bool = typer.Option(False, "--reveal", help="显示完整个人信息 (show personal data unmasked)."),
) -> None:
    """列出事项 (list items)."""
    from shishi.figures.listing import item_table
    from shishi.i18n import own_ledger
    from shishi.render.items import item_view
    from shishi.render.table import emit
    from shishi.store.load import select

    if fmt == "json" and output is None:  # streamed; into a file it is written whole
        return _list_json(ctx, dict(unit=unit, status=status, kind=kind, overdue=overdue, period=period, as_of=as_of), reveal)
    with errors():
        ledger, upath, _ = load_selected(ctx, unit)
        entries = select(ledger, unit=upath or None, status=status, kind=kind, overdue=overdue, period=period, as_of=as_of)
        views = [item_view(e.item, e.unit, reveal) for e in entries]
        emit(item_table(views, own_ledger(ledger.tier(""))), fmt, views, tr("没有符合条件的事项", "no matching items"), output)


def _list_json(ctx: typer.Context, filters: dict, reveal: bool) -> None:
    """`list --format json`, streamed from the index a ledger file at a time: the same items as `item_view` makes them."""
    import sys

    from shishi.checks.privacy import MIN_DIGITS, might_hold
    from shishi.cli.common import judge_complete
    from shishi.render.json import write_lists
    from shishi.store.load import stream_views

    with errors():
        ledger, files = stream_views(root_of(ctx), None if reveal else (mask, MIN_DIGITS, might_hold), **filters)  # every text masked as item_view does
        judge_complete(ledger, filters["unit"])  # the note `list` gives of what could not be read
        sys.stdout.flush()
        write_lists(sys.stdout.buffer, files)
        sys.stdout.buffer.flush()


@app.command()
def check(
    ctx: typer.Context,
    strict: bool = typer.Option(False, "--strict", help="警告也算错误 (warnings count as errors)."),
) -> None:
    """检查整个台账库，列出全部问题（文件:行:列）(validate the whole tree; every problem as path:line:col)."""
    from shishi.checks.rules import check as run_checks
    from shishi.checks.rules import item_problems
    from shishi.store.load import load

    with errors():
        ledger = load(root_of(ctx), findings=item_problems)  # the one-item checks run as each file is read, kept with it
        problems = run_checks(ledger, strict)
    for p in problems:
        out(str(p))
    n_err = sum(1 for p in problems if p.severity == "error")
    n_warn = len(problems) - n_err
    if problems:
        typer.echo(tr(f"{n_err} 个错误，{n_warn} 个警告", f"{n_err} errors, {n_warn} warnings"), err=True)
    else:
        typer.echo(tr(f"台账无误：{len(ledger.units)} 个单位，{len(ledger.entries)} 件事项", f"clean: {len(ledger.units)} units, {len(ledger.entries)} items"), err=True)
    if n_err:
        raise typer.Exit(1)


@app.command()
def fmt(
    ctx: typer.Context,
    check_only: bool = typer.Option(False, "--check", help="只报告不合规范的文件，不改动 (report only)."),
    commit: bool = commit_option(),
) -> None:
    """整理台账文件为规范格式 (put ledger files into the canonical layout)."""
    from shishi.write.fmt import fmt as write_fmt

    with errors(), committing(ctx, commit, lambda: "fmt " + ", ".join(changed[:3]) + (f" (+{len(changed) - 3})" if len(changed) > 3 else "")):
        changed = write_fmt(root_of(ctx), check_only)
    for rp in changed:
        out(rp)
    if check_only and changed:
        typer.echo(tr(f"{len(changed)} 个文件格式不规范（运行 shishi fmt 整理）", f"{len(changed)} files not in canonical layout (run shishi fmt)"), err=True)
        raise typer.Exit(1)
    if not check_only:
        typer.echo(tr(f"已整理 {len(changed)} 个文件", f"formatted {len(changed)} files"), err=True)
