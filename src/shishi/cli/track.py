"""Tracking commands: due, extend, supervise …, survey …, scores."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

from shishi.checks.privacy import mask, mask_data
from shishi.cli.common import commit_option, committing, errors, load_selected, out, root_of, subject
from shishi.cli.options import allow_incomplete_option, as_of_option, format_option, level_option, output_option, period_option, unit_option
from shishi.errors import ShishiError
from shishi.i18n import tr
from shishi.values import Period

app = typer.Typer()

supervise_app = typer.Typer(help="督查督办：发现问题、挂牌、反馈、退回、督办台账 (supervision: findings, flags, feedback, returns, the ledger).", no_args_is_help=True)
survey_app = typer.Typer(help="满意度调查：登记与汇总 (quarterly satisfaction surveys: record and list).", no_args_is_help=True)
app.add_typer(supervise_app, name="supervise")
app.add_typer(survey_app, name="survey")

def _today(as_of: Optional[date]) -> date:
    return as_of or date.today()


def _unit(ledger, unit: Optional[str]) -> str:
    return ledger.resolve_unit(unit) if unit else ""


# ------------------------------------------------------------------ due, extend


@app.command()
def due(
    ctx: typer.Context,
    within: Optional[int] = typer.Option(None, "--within", min=0, help="列出多少天内到期的 (days ahead; default time_limits.due_soon_days)."),
    unit: Optional[str] = unit_option(),
    as_of: Optional[date] = as_of_option("按此日期计算，默认今天", "judge on this date; default today"),
    fmt: str = format_option("table", "csv", "json"),
    output: Optional[Path] = output_option("写入文件（csv 带 BOM，Excel 可直接打开）", "write to this file (CSV with a BOM for Excel)"),
) -> None:
    """到期提醒：已逾期和即将到期的时限与节点，最紧急的在前 (deadlines passed or coming, most urgent first)."""
    from shishi.figures.schedule import due_rows, due_table
    from shishi.render.table import emit

    with errors():
        ledger, upath, _ = load_selected(ctx, unit)
        rows = due_rows(ledger, _today(as_of), within, upath)
        emit(due_table(rows, _root()), fmt, mask_data([r.as_dict() for r in rows]), tr("没有逾期或临期的事项", "nothing overdue or due soon"), output)


@app.command()
def extend(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    to: str = typer.Option(..., "--to", help="新的时限 YYYY-MM-DD (the new date)."),
    reason: str = typer.Option(..., "--reason", help="延期原因 (why)."),
    approved_by: Optional[str] = typer.Option(None, "--approved-by", help="批准人或单位；批准的延期才按新时限考核 (who approved; only approved extensions count for on-time)."),
    milestone: Optional[str] = typer.Option(None, "--milestone", help="延期的节点名称，不写则为完成时限 (the milestone to move; default the due date)."),
    late: bool = typer.Option(False, "--late", help="时限已过仍补记延期，计为逾期 (record an extension after the date passed; counted late)."),
    when: Optional[str] = typer.Option(None, "--date", help="延期日期 (date of the extension; default today)."),
    commit: bool = commit_option(),
) -> None:
    """延期：推迟完成时限或节点，原时限留档 (move a deadline or milestone; the original stays on record)."""
    from shishi.write.tracking import extend as do_extend

    with errors(), committing(ctx, commit, lambda: f"extend {item.id}: {subject(item.title)}"):
        item = do_extend(root_of(ctx), item_id, to, reason, approved_by=approved_by, milestone=milestone, late=late, when=when)
    x = item.extensions[-1]
    what = x.milestone or tr("完成时限", "due date")
    out(tr(f"已延期 {item.id}：{what} {x.original} → {x.to}", f"extended {item.id}: {what} {x.original} -> {x.to}"))


# ------------------------------------------------------------------ supervise


@supervise_app.command("add")
def supervise_add(
    ctx: typer.Context,
    unit: str = unit_option("整改责任单位", "the unit that must fix it", required=True),
    finding: str = typer.Option(..., "--finding", help="督查发现的问题 (what was found)."),
    deadline: str = typer.Option(..., "--deadline", help="整改时限 YYYY-MM-DD (rectification deadline)."),
    level: str = level_option("一般"),
    by: Optional[str] = typer.Option(None, "--by", help="督查单位 (the supervising office)."),
    notice: Optional[str] = typer.Option(None, "--notice", help="督查通知单编号 (notice number)."),
    category: Optional[str] = typer.Option(None, "--category", help="类别/领域 (from shishi.yaml)."),
    owner: Optional[str] = typer.Option(None, "--owner", help="责任人 (person responsible)."),
    when: Optional[str] = typer.Option(None, "--date", help="发现日期 (date of the finding; default today)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="只输出编号 (print the ID alone)."),
    commit: bool = commit_option(),
) -> None:
    """督查发现问题：在责任单位台账新建整改事项 (a finding: a new rectification item in the unit's ledger)."""
    from shishi.write.tracking import supervise_add as do_add

    with errors(), committing(ctx, commit, lambda: f"supervise add {item.id}: {subject(item.title)}"):
        item = do_add(root_of(ctx), unit, finding, deadline, level=level, by=by, notice=notice, category=category, owner=owner, when=when)
    title = mask(item.title)
    out(item.id if quiet else tr(f"已交办 {item.id}：{title}（{item.supervision.level}督办，整改时限 {item.due}）", f"added finding {item.id}: {title} ({item.supervision.level}, deadline {item.due})"))


@supervise_app.command("flag")
def supervise_flag(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    level: str = level_option(required=True),
    deadline: Optional[str] = typer.Option(None, "--deadline", help="整改时限，默认为完成时限 (deadline; default the due date)."),
    by: Optional[str] = typer.Option(None, "--by", help="督查单位 (the supervising office)."),
    notice: Optional[str] = typer.Option(None, "--notice", help="督查通知单编号 (notice number)."),
    when: Optional[str] = typer.Option(None, "--date", help="督办日期 (default today)."),
    commit: bool = commit_option(),
) -> None:
    """列入督办或调整级别，如挂牌督办滞后事项 (put an item under supervision, or change its level)."""
    from shishi.write.tracking import supervise_flag as do_flag

    with errors(), committing(ctx, commit, lambda: f"supervise flag {item.id}: {subject(item.title)} ({item.supervision.level})"):
        item = do_flag(root_of(ctx), item_id, level, deadline=deadline, by=by, notice=notice, when=when)
    sup = item.supervision
    out(tr(f"{item.id} 已列入{sup.level}督办（整改时限 {sup.deadline or '—'}）", f"{item.id} is under {sup.level} supervision (deadline {sup.deadline or '-'})"))


@supervise_app.command("feedback")
def supervise_feedback(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    note: str = typer.Option(..., "--note", "-n", help="反馈内容 (the unit's reply)."),
    when: Optional[str] = typer.Option(None, "--date", help="反馈日期 (default today)."),
    commit: bool = commit_option(),
) -> None:
    """记录责任单位的整改反馈 (record the unit's feedback on a supervised item)."""
    from shishi.write.tracking import supervise_feedback as do_feedback

    with errors(), committing(ctx, commit, lambda: f"supervise feedback {item.id}: {subject(item.title)}"):
        item = do_feedback(root_of(ctx), item_id, note, when=when)
    out(tr(f"已记录 {item.id} 反馈（共 {len(item.supervision.feedback)} 次）", f"recorded feedback on {item.id} ({len(item.supervision.feedback)} in all)"))


@supervise_app.command("return")
def supervise_return(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    reason: str = typer.Option(..., "--reason", help="退回原因 (why it is sent back)."),
    when: Optional[str] = typer.Option(None, "--date", help="退回日期 (default today)."),
    commit: bool = commit_option(),
) -> None:
    """退回：审核不通过，重新整改（计入退回次数） (send a resolution back; reopened and counted)."""
    from shishi.write.tracking import supervise_return as do_return

    with errors(), committing(ctx, commit, lambda: f"supervise return {item.id}: {subject(item.title)}"):
        item = do_return(root_of(ctx), item_id, reason, when=when)
    n = sum(1 for r in item.reopenings if r.returned)
    out(tr(f"已退回 {item.id}，重新整改（第 {n} 次退回）", f"returned {item.id} for rework (returned {n} times)"))


@supervise_app.command("list")
def supervise_list(
    ctx: typer.Context,
    unit: Optional[str] = unit_option(),
    as_of: Optional[date] = as_of_option("按此日期计算逾期天数，默认今天", "judge on this date; default today"),
    include_closed: bool = typer.Option(False, "--all", help="也列出已销号的 (struck-off findings too)."),
    fmt: str = format_option("table", "csv", "json"),
    output: Optional[Path] = output_option("写入文件（csv 带 BOM，Excel 可直接打开）", "write to this file (CSV with a BOM for Excel)"),
) -> None:
    """督办台账：未销号的督办事项、整改时限、逾期天数、最近反馈、级别 (the supervision ledger)."""
    from shishi.figures.supervision import supervision_ledger, supervision_table
    from shishi.render.table import emit

    with errors():
        ledger, upath, _ = load_selected(ctx, unit)
        data = mask_data(supervision_ledger(ledger, _today(as_of), upath, include_closed))
        emit(supervision_table(data, _root()), fmt, data, tr("没有未销号的督办事项", "no open findings"), output)


# ------------------------------------------------------------------ survey


@survey_app.command("add")
def survey_add(
    ctx: typer.Context,
    unit: Optional[str] = typer.Option(None, "--unit", "-u", help="被调查单位 (the unit surveyed)."),
    quarter: Optional[str] = typer.Option(None, "--quarter", help="季度，如 2021Q3 (quarter)."),
    agency: Optional[str] = typer.Option(None, "--agency", help="第三方调查机构 (the surveying agency)."),
    count: list[str] = typer.Option([], "--count", help="各等级人数 很满意=120,满意=60,… (answers per level; repeatable)."),
    when: Optional[str] = typer.Option(None, "--date", help="调查日期 (date of the survey)."),
    file: Optional[Path] = typer.Option(None, "--file", help="从 YAML 或 CSV 文件登记多份调查 (record surveys from a YAML or CSV file)."),
    commit: bool = commit_option(),
) -> None:
    """登记季度第三方满意度调查 (record a quarterly third-party satisfaction survey)."""
    from shishi.store.load import load_units
    from shishi.write.surveys import read_survey_file, survey_add_many

    with errors(), committing(ctx, commit, lambda: "survey add: " + "、".join(sorted({x.quarter for x in added}))):
        root = root_of(ctx)
        if file is not None:
            if unit or quarter or agency or count or when:
                raise ShishiError(tr("--file 不能与 --unit/--quarter/--agency/--count/--date 同用", "--file cannot be combined with --unit/--quarter/--agency/--count/--date"))
            cfg = load_units(root).config
            levels = [lv.name for lv in cfg.satisfaction] if cfg else []
            surveys = read_survey_file(file, levels)
        else:
            missing = [o for o, v in (("--unit", unit), ("--quarter", quarter), ("--agency", agency), ("--count", count)) if not v]
            if missing:
                raise ShishiError(tr(f"缺少 {'、'.join(missing)}（或用 --file）", f"missing {', '.join(missing)} (or use --file)"))
            surveys = [{"unit": unit, "quarter": quarter, "agency": agency, "date": when, "counts": ",".join(count)}]
        added = survey_add_many(root, surveys)
    for s in added:
        out(tr(f"已登记 {s.unit} {s.quarter} 满意度调查（样本 {sum(s.counts.values())}）", f"recorded the {s.quarter} survey of {s.unit} (sample {sum(s.counts.values())})"))


@survey_app.command("list")
def survey_list(
    ctx: typer.Context,
    unit: Optional[str] = unit_option(),
    period: Optional[Period] = period_option("期间（与之重叠的季度）", "quarters overlapping it"),
    fmt: str = format_option("table", "csv", "json"),
    output: Optional[Path] = output_option("写入文件（csv 带 BOM，Excel 可直接打开）", "write to this file (CSV with a BOM for Excel)"),
) -> None:
    """满意度表：各单位各季度样本、分布、满意率、平均分 (the satisfaction table per unit and quarter)."""
    from shishi.figures.scores import survey_list_table, survey_table
    from shishi.render.table import emit
    from shishi.store.load import load

    with errors():
        ledger = load(root_of(ctx))
        data = survey_table(ledger, _unit(ledger, unit), period)
        emit(survey_list_table(data, _root()), fmt, data, tr("没有满意度调查", "no surveys"), output)


# ------------------------------------------------------------------ scores


@app.command()
def scores(
    ctx: typer.Context,
    unit: Optional[str] = unit_option("该单位及其下级各自的得分", "this unit and each unit below"),
    period: Optional[Period] = period_option("登记期间", "items opened, surveys of quarters in it"),
    top: int = typer.Option(5, "--top", min=1, help="红黑榜各列几名 (how many units on each list)."),
    as_of: Optional[date] = as_of_option("按此日期计算，默认今天，给了期间时不晚于期末（与报告相同）", "judge on this date; default today, at most the period's end (as the report)"),
    fmt: str = format_option("table", "csv", "json"),
    output: Optional[Path] = output_option("写入文件（csv 带 BOM，Excel 可直接打开）", "write to this file (CSV with a BOM for Excel)"),
    allow_incomplete: bool = allow_incomplete_option(),
    depth: Optional[int] = typer.Option(1, "--depth", min=0, help="评分排名的单位层级，默认下一级，与报告的红黑榜相同 (levels of units scored and ranked; default one level down, as the report)."),
) -> None:
    """考核得分：响应率、解决率、满意率、按期办结率、重办率、综合得分与红黑榜 (unit scores and the red and black lists)."""
    from shishi.figures.report import report_as_of
    from shishi.figures.scores import ranking, red_black_lines, scores_table, unit_scores
    from shishi.render.table import emit

    with errors():
        ledger, upath, incomplete = load_selected(ctx, unit, allow_incomplete)
        rows = unit_scores(ledger, report_as_of(period, as_of), period, upath, depth)
        lists = ranking(rows, top)
    data = {"units": rows, "red": [r["unit"] for r in lists["red"]], "black": [r["unit"] for r in lists["black"]], "incomplete": incomplete.data() if incomplete else None}
    if incomplete:
        typer.echo(incomplete.banner(), err=fmt != "table" or output is not None)
    with errors():
        emit(scores_table(rows, _root()), fmt, data, tr("没有单位", "no units"), output)
    if fmt == "table" and output is None:
        out("\n".join(red_black_lines(lists, top)))


def _root() -> str:
    """How the district's own ledger is labelled in tables (i18n.own_ledger: the same in list, due, scores and the report)."""
    from shishi.i18n import own_ledger

    return own_ledger()
