"""The printed summary report (汇总报告) as plain data: title, headline paragraph, sections and tables.

No formatting here: cells hold ints, Decimals, fractions, dates and strings,
and each column says what it holds; `render_report` turns the document into
terminal, text, Markdown, HTML, xlsx or JSON. Reports never carry reporters'
names or phone numbers; free text is masked as in `show`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from shishi.checks.privacy import mask
from shishi.figures import schedule
from shishi.figures.rollup import Figures, Filters, Node, breakdown, cutoff, rollup, scale, surveys_in
from shishi.figures.table import Column, Table
from shishi.i18n import TIER_ZH, get_lang, schedule_name, status_name, tr
from shishi.store.ledger import Ledger, in_unit
from shishi.values import Period

# ------------------------------------------------------------------ the document


@dataclass
class BarChart:
    """Grouped bars: one group per label, one bar per series."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[int]]]


@dataclass
class Photo:
    """An evidence photo as the report shows it: where its file is (render reads the bytes), what it shows, when."""

    path: Path | None  # None: recorded outside the tree, never read
    file: str  # as recorded, relative to the unit's directory
    caption: str
    stage: str | None
    date: date | None


@dataclass
class PhotoSet:
    """The pictures shown for one project: a before and an after (or what there is)."""

    item: str
    title: str
    unit: str
    photos: list[Photo]


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    chart: BarChart | None = None
    empty: str | None = None  # said instead of an empty table
    photos: list[PhotoSet] = field(default_factory=list)


@dataclass
class Report:
    title: str
    unit: str
    unit_name: str
    period: str | None
    as_of: date
    headline: str
    sections: list[Section]
    notes: list[str] = field(default_factory=list)
    issuer: str | None = None  # 发文机关署名 (shishi.yaml `issuer`); the .docx 落款

    @property
    def subtitle(self) -> str:
        when = tr(f"截至{cn_date(self.as_of)}", f"as of {self.as_of.isoformat()}")
        return f"{tr('统计期间：', 'period: ')}{self.period}　{when}" if self.period else when

    def tables(self) -> list[Table]:
        return [s.table for s in self.sections if s.table is not None]


# ------------------------------------------------------------------ official numbers


def official_number(n: int, unit: str = "") -> str:
    """A count in the style of official reports: below the figure, rounded down, 余 for a remainder.

    - under 1000: exact (7件, 36人次, 100件, 999件);
    - 1000 to 9999: whole hundreds, 余 when something is left (7312 -> 7300余件, 1000 -> 1000件);
    - from 10000: 万 (from 10^8: 亿) with one decimal, rounded down, no trailing .0
      (12000 -> 1.2万, 161234 -> 16.1万人次, 10000 -> 1万); when the decimal is 0
      and something is left, 余 (10500 -> 1万余, 100000001 -> 1亿余).
    """
    if n < 0:
        raise ValueError("a count is never negative")
    if n < 1000:
        return f"{n}{unit}"
    if n < 10_000:
        head = n // 100 * 100
        return f"{head}{'余' if n > head else ''}{unit}"
    size, word = (100_000_000, "亿") if n >= 100_000_000 else (10_000, "万")
    whole, tenth = divmod(n * 10 // size, 10)
    if tenth:
        return f"{whole}.{tenth}{word}{unit}"
    return f"{whole}{word}{'余' if n > whole * size else ''}{unit}"


def official_money(yuan: Decimal) -> str:
    """Money in the headline: whole yuan by the same rules (2540000 -> 254万元, 504321 -> 50.4万元)."""
    return official_number(int(yuan), "元")


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def report_as_of(period: Period | None, as_of: date | None, today: date | None = None) -> date:
    """--as-of, else today — but the end of the period when that is earlier."""
    if as_of is not None:
        return as_of
    today = today or date.today()
    return min(today, period.end) if period else today


# ------------------------------------------------------------------ one item as of a date


def state_at(item, as_of: date) -> str:
    """The status an item had on `as_of`, as far as its records tell (resolution, strike-off and cancellation are dated)."""
    s = item.status
    if s == "verified" and item.verification is not None and item.verification.date > as_of:
        s = "resolved"
    if (s == "resolved" and item.resolution is not None and item.resolution.date > as_of) or (
        s == "cancelled" and item.cancellation is not None and item.cancellation.date > as_of
    ):
        s = "in_progress" if any(p.date <= as_of for p in item.progress) else "open"
    return s


def schedule_state(item, as_of: date, due_soon_days: int = 3) -> str | None:
    """序时 of an item on `as_of` by the rules of `schedule.state`, applied to the item as it stood then.

    An item resolved (or cancelled) after `as_of` was still in hand on that day.
    """
    s = state_at(item, as_of)
    if s != item.status and s in ("open", "in_progress"):
        item = item.model_copy(update={"status": s, "resolution": None, "verification": None, "cancellation": None})
    return schedule.state(item, as_of, due_soon_days)


def latest_note(item, as_of: date) -> str:
    """最新进展: the latest dated progress, feedback, resolution or cancellation up to `as_of`, masked."""
    notes: list[tuple[date, str]] = [(p.date, p.note) for p in item.progress]
    if item.supervision:
        notes += [(f.date, tr("反馈：", "feedback: ") + f.note) for f in item.supervision.feedback]
    if item.resolution:
        notes.append((item.resolution.date, tr("办结：", "resolved: ") + item.resolution.text))
    if item.cancellation:
        notes.append((item.cancellation.date, tr("撤销：", "cancelled: ") + item.cancellation.reason))
    latest = None
    for n in notes:
        if n[0] <= as_of and (latest is None or n[0] >= latest[0]):  # of one day, the last written
            latest = n
    return f"{latest[0].isoformat()} {mask(latest[1])}" if latest else ""


# ------------------------------------------------------------------ building the report

SCOPE = {"city": "全市", "district": "全区", "town": "全镇", "street": "全街道", "village": "全村", "community": "全社区"}


def build_report(ledger: Ledger, unit: str = "", period: Period | None = None, as_of: date | None = None, photos: bool = True) -> Report:
    """The summary report of `unit` and everything below it for `period`, as of `as_of` (see `report_as_of`);
    `photos`: the projects' evidence photos, in a section after the projects'."""
    when = report_as_of(period, as_of)
    f = Filters(period=period, as_of=when)
    end = cutoff(f)
    tree = rollup(ledger, unit, f, depth=1)
    name = ledger.unit_name(unit)
    entries = [e for e in ledger.entries if in_unit(e.unit, unit)]
    due_soon = ledger.config.time_limits.due_soon_days if ledger.config else 3

    def in_scope(item) -> bool:
        """Opened by the cut-off and, with a period, touched in it: opened, resolved, or still in hand."""
        if item.opened > end:
            return False
        if period is None or item.opened in period:
            return True
        s = state_at(item, end)
        return s in ("open", "in_progress") or (s in ("resolved", "verified") and item.resolution.date in period)

    projects = [e for e in entries if e.item.kind == "project" and in_scope(e.item) and state_at(e.item, end) != "cancelled"]
    summary = headline(ledger, unit, f, tree, projects, entries, end)
    sections = [
        Section("headline", tr("上报摘要", "Summary"), [summary]),
        _projects(ledger, unit, projects, end, due_soon),
        *([p] if photos and (p := _photos(ledger, unit, projects, end)) else []),
        *([_units(tree)] if tree.children else []),  # a village has no units to rank
        _categories(ledger, unit, f),
        _supervision(ledger, unit, [e for e in entries if in_scope(e.item)], period, end),
        *([_scores(ledger, unit, period, end)] if tree.children else []),
        _targets(tree),
        _funds(tree),
    ]
    sat = _satisfaction(ledger, unit, f)
    if sat is not None:
        sections.append(sat)
    _number(sections)
    title = tr(f"{name}“我为群众办实事”台账汇总报告", f"{name}: livelihood work ledger summary report")
    notes = [
        tr(
            "说明：登记按登记日期、办结按办结日期计入统计期间；上报或转办的问题只在首次登记的单位计登记，在办结的单位计办结，各级只计一次；"
            "办结率 = 本期承办事项（登记 + 接收上报 − 上报转出）中截至统计日已办结的比例；本报告不含反映人姓名、电话等个人信息。",
            "Notes: registrations count by opening date, resolutions by resolution date; an escalated problem is registered where first recorded "
            "and resolved where resolved, once at every level; resolution rate = the share of the period's caseload (registered + received - escalated) resolved by the as-of date; "
            "no reporter names or phone numbers are printed.",
        )
    ]
    label = (period.label if get_lang() == "zh" else f"{period.start.isoformat()}..{period.end.isoformat()}") if period else None
    issuer = ledger.config.issuer if ledger.config else None
    return Report(title, unit, name, label, end, summary, sections, notes, issuer)


def _number(sections: list[Section]) -> None:
    """一、二、三… before the titles of the sections after the headline."""
    nums = "一二三四五六七八九十"
    if get_lang() != "zh":
        return
    for i, s in enumerate(sections[1:]):
        s.title = f"{nums[i]}、{s.title}"


def headline(ledger: Ledger, unit: str, f: Filters, tree: Node, projects: list, entries: list, end: date) -> str:
    """上报摘要: the paragraph a clerk pastes into the upward report."""
    kinds = breakdown(ledger, unit, f, lambda item: "project" if item.kind == "project" else "problem")
    prob = kinds.get("problem", Figures())
    tier = ledger.tier(unit)
    scope = SCOPE.get(tier, ledger.unit_name(unit))
    zh = get_lang() == "zh"

    def n(v: int, u: str, en: str) -> str:
        return official_number(v, u) if zh else f"{v:,} {en}"

    parts = [
        tr(
            f"截至{cn_date(end)}，{scope}共登记群众急难愁盼问题{n(prob.registered, '件', '')}，已解决{n(prob.resolved, '件', '')}，"
            f"惠及群众{n(prob.beneficiaries, '人次', '')}",
            f"As of {end.isoformat()}, {ledger.unit_name(unit)} registered {prob.registered:,} urgent problems of the people and solved "
            f"{prob.resolved:,}, serving {prob.beneficiaries:,} people",
        )
    ]
    if projects:
        states = [state_at(e.item, end) for e in projects]
        done = sum(s in ("resolved", "verified") for s in states)
        going = sum(s == "in_progress" for s in states)
        waiting = sum(s == "open" for s in states)
        handed = len(states) - done - going - waiting
        proj = kinds.get("project", Figures())
        bits = [tr(f"已完成{done}项", f"{done} completed")] if done else []
        bits += [tr(f"正在推进{going}项", f"{going} under way")] if going else []
        bits += [tr(f"尚未启动{waiting}项", f"{waiting} not started")] if waiting else []
        bits += [tr(f"上报转办{handed}项", f"{handed} handed on")] if handed else []
        money = tr(f"，完成投资{official_money(proj.spent)}", f", {proj.spent:,} yuan spent") if proj.spent else ""
        parts.append(tr(f"{len(projects)}项民生实事项目中，{'、'.join(bits)}{money}", f"of {len(projects)} livelihood projects, {', '.join(bits)}{money}"))
    total = tree.total
    supervised = sum(1 for e in entries if e.item.supervision and e.item.supervision.level == "挂牌" and state_at(e.item, end) in ("open", "in_progress"))
    if total.overdue or supervised:
        bits = [tr(f"逾期未办结{total.overdue}件", f"{total.overdue} overdue")] if total.overdue else []
        bits += [tr(f"挂牌督办未销号{supervised}件", f"{supervised} under listed supervision")] if supervised else []
        parts.append(tr("，".join(bits), ", ".join(bits)))
    if total.satisfaction_rate is not None:
        parts.append(
            tr(
                f"第三方调查样本{total.survey_sample}个，群众满意率{_pct(total.satisfaction_rate)}",
                f"third-party surveys of {total.survey_sample} residents found {_pct(total.satisfaction_rate)} satisfied",
            )
        )
    return tr("；".join(parts) + "。", "; ".join(parts) + ".")


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _tier(ledger: Ledger, path: str) -> str:
    k = ledger.tier(path)
    return TIER_ZH.get(k, k) if get_lang() == "zh" else k


def unit_label(ledger: Ledger, root: str, path: str) -> str:
    """A unit named as officials write it, from below the report's unit down: 赶水镇三居社区."""
    if path == root:
        return ledger.unit_name(path)
    rest = path[len(root) + 1 :] if root else path
    parts = rest.split("/")
    base = f"{root}/" if root else ""
    return "".join(ledger.unit_name(base + "/".join(parts[: i + 1])) for i in range(len(parts)))


def _responsible(ledger: Ledger, unit: str, e) -> str:
    """责任单位: the unit keeping the item; the root's own projects are carried out by the units named as partners."""
    if e.unit == unit and e.item.partners:
        return "、".join(e.item.partners)
    return unit_label(ledger, unit, e.unit)


def _tree_order(ledger: Ledger) -> dict[str, int]:
    """Unit paths in tree order: the root first, then its units depth first."""
    order: dict[str, int] = {}

    def visit(path: str) -> None:
        order[path] = len(order)
        for c in ledger.units[path].children:
            visit(c)

    if "" in ledger.units:
        visit("")
    return order


def _projects(ledger: Ledger, unit: str, projects: list, end: date, due_soon: int) -> Section:
    cols = [
        Column("no", tr("序号", "No."), "int"),
        Column("title", tr("项目名称", "project")),
        Column("unit", tr("责任单位", "responsible unit")),
        Column("due", tr("完成时限", "due"), "date"),
        Column("status", tr("状态", "status")),
        Column("schedule", tr("序时", "schedule")),
        Column("latest", tr("最新进展", "latest progress")),
    ]
    rows = []
    order = _tree_order(ledger)
    for i, e in enumerate(sorted(projects, key=lambda e: (order.get(e.unit, 0), e.item.id)), 1):
        it = e.item
        rows.append(
            [i, mask(it.title), _responsible(ledger, unit, e), it.due, status_name(state_at(it, end)), schedule_name(schedule_state(it, end, due_soon)), latest_note(it, end)]
        )
    return Section(
        "projects",
        tr("民生实事项目进展", "Livelihood projects"),
        table=Table("projects", tr("民生实事项目进展表", "Progress of livelihood projects"), cols, rows),
        empty=tr("本期没有民生实事项目。", "No livelihood projects in this period."),
    )


STAGE_ORDER = {"改造前": 0, "过程": 1, None: 1, "改造后": 2}


def photo_pair(photos: list) -> list:
    """The pictures a report shows of a project: the first before and the last after; without both, the first and the last."""
    before = [a for a in photos if a.stage == "改造前"]
    after = [a for a in photos if a.stage == "改造后"]
    if before and after:
        return [before[0], after[-1]]
    return photos[:1] + photos[-1:] if len(photos) > 1 else photos


def _photos(ledger: Ledger, unit: str, projects: list, end: date) -> Section | None:
    """项目照片: every picture of the report's projects not taken after the cut-off, listed; a pair of each shown."""
    from shishi.store.tree import attachment_path

    order = _tree_order(ledger)
    cols = [
        Column("item", tr("项目编号", "project ID"), "key"),
        Column("title", tr("项目名称", "project")),
        Column("stage", tr("阶段", "stage")),
        Column("caption", tr("照片说明", "caption")),
        Column("date", tr("拍摄日期", "taken"), "date"),
        Column("file", tr("文件", "file"), "key"),
    ]
    rows, sets = [], []
    for e in sorted(projects, key=lambda e: (order.get(e.unit, 0), e.item.id)):
        kept = [a for a in e.item.attachments if a.removed is None and (a.date is None or a.date <= end)]
        kept.sort(key=lambda a: (STAGE_ORDER.get(a.stage, 1), a.date or a.added))
        if not kept:
            continue
        title = mask(e.item.title)
        unit_dir = ledger.units[e.unit].dir if e.unit in ledger.units else ledger.root
        rows += [[e.item.id, title, a.stage or "", mask(a.caption or ""), a.date, a.file] for a in kept]
        shown = [Photo(attachment_path(ledger.root, unit_dir, a.file), a.file, mask(a.caption or ""), a.stage, a.date) for a in photo_pair(kept)]
        sets.append(PhotoSet(e.item.id, title, unit_label(ledger, unit, e.unit), shown))
    if not sets:
        return None
    return Section(
        "photos",
        tr("项目照片", "Project photos"),
        table=Table("photos", tr("项目照片清单", "Photos of the projects"), cols, rows, note=tr("每个项目显示改造前、改造后各一张；全部照片见上表。", "One before and one after picture of each project are shown; the table lists all.")),
        photos=sets,
    )


def _figure_row(fig: Figures) -> list:
    return [fig.registered, fig.resolved, fig.resolution_rate, fig.open, fig.overdue, fig.beneficiaries]


FIGURE_COLUMNS = [
    ("registered", "登记", "registered", "int"),
    ("resolved", "办结", "resolved", "int"),
    ("resolution_rate", "办结率", "resolution rate", "rate"),
    ("open", "在办", "in hand", "int"),
    ("overdue", "逾期", "overdue", "int"),
    ("beneficiaries", "惠及人次", "people served", "int"),
]


def _figure_columns() -> list[Column]:
    return [Column(k, tr(zh, en), t) for k, zh, en, t in FIGURE_COLUMNS]


def ranking(nodes: list[Node]) -> list[tuple[int | None, Node]]:
    """分单位排名: by resolution rate (high first), then fewer overdue, then more resolved; equal figures share a rank.

    Units with nothing to rate come last, unranked.
    """

    def key(n: Node) -> tuple:
        t = n.total
        return (-(t.resolution_rate or 0), t.overdue, -t.resolved)

    rated = sorted((n for n in nodes if n.total.resolution_rate is not None), key=key)
    out: list[tuple[int | None, Node]] = []
    for i, n in enumerate(rated):
        rank = out[-1][0] if out and key(out[-1][1]) == key(n) else i + 1
        out.append((rank, n))
    return out + [(None, n) for n in nodes if n.total.resolution_rate is None]


def _own_label(tree: Node) -> str:
    return tr(f"{tree.name}本级", f"{tree.name} (own items)")


def _units(tree: Node) -> Section:
    cols = [Column("rank", tr("排名", "rank"), "int"), Column("unit", tr("单位", "unit"))] + _figure_columns()
    ranked = ranking(tree.children)
    rows = [[rank, n.name] + _figure_row(n.total) for rank, n in ranked]
    rows.append([None, _own_label(tree)] + _figure_row(tree.own))
    chart = BarChart(
        tr("各单位登记与办结件数", "Registered and resolved by unit"),
        [n.name for _r, n in ranked],
        [(tr("登记", "registered"), [n.total.registered for _r, n in ranked]), (tr("办结", "resolved"), [n.total.resolved for _r, n in ranked])],
    )
    return Section(
        "units",
        tr("分单位汇总", "By unit"),
        table=Table("units", tr("分单位汇总表（含下级单位）", "Figures by unit (units below included)"), cols, rows, [None, tr("合计", "total")] + _figure_row(tree.total)),
        chart=chart if tree.children else None,
    )


def _categories(ledger: Ledger, unit: str, f: Filters) -> Section:
    groups = breakdown(ledger, unit, f, lambda item: item.category)
    vocab = list(ledger.config.categories) if ledger.config else []
    names = vocab + sorted(k for k in groups if k and k not in vocab)
    rows = []
    total = Figures()
    for k in names + [None]:
        fig = groups.get(k)
        if fig is None or not any(_figure_row(fig)[i] for i in (0, 1, 3)):
            continue
        total.add(fig)
        rows.append([k or tr("未分类", "uncategorised")] + _figure_row(fig))
    cols = [Column("category", tr("类别", "category"))] + _figure_columns()
    return Section(
        "categories",
        tr("分类别统计", "By category"),
        table=Table("categories", tr("分类别统计表", "Figures by category"), cols, rows, [tr("合计", "total")] + _figure_row(total)),
        empty=tr("本期没有事项。", "No items in this period."),
    )


OVERDUE_SHOWN = 50  # a printed report lists the longest overdue; `shishi due` lists them all


def _supervision(ledger: Ledger, unit: str, entries: list, period: Period | None, end: date) -> Section:
    """督办台账: items under supervision (still in hand, or supervised in the period) and items in hand past their deadline."""
    picked = []
    for e in entries:
        it = e.item
        s = state_at(it, end)
        in_hand = s in ("open", "in_progress")
        sup = it.supervision if it.supervision and it.supervision.date <= end else None
        deadline = (sup.deadline if sup else None) or it.due  # as the 督办台账 of `supervise list` has it
        late = (end - deadline).days if in_hand and deadline and deadline < end else None
        if (sup and (in_hand or period is None or sup.date in period)) or late:
            picked.append((e, s, sup, deadline, late))
    picked.sort(key=lambda x: (x[2] is None, -(x[4] or 0), x[0].item.id))
    shown = [x for x in picked if x[2] is not None] + [x for x in picked if x[2] is None][:OVERDUE_SHOWN]
    note = None
    if len(shown) < len(picked):
        rest = len(picked) - len(shown)
        note = tr(f"另有逾期事项 {rest} 件未列出（逾期最久的 {OVERDUE_SHOWN} 件已列），全部见 shishi due。", f"{rest} more overdue items not listed (the {OVERDUE_SHOWN} longest overdue are); see shishi due for all.")
    picked = shown
    cols = [
        Column("no", tr("序号", "No."), "int"),
        Column("id", tr("编号", "ID"), "key"),
        Column("title", tr("事项", "item")),
        Column("unit", tr("责任单位", "unit")),
        Column("level", tr("督办", "supervision")),
        Column("deadline", tr("时限", "deadline"), "date"),
        Column("days_overdue", tr("逾期天数", "days overdue"), "int"),
        Column("status", tr("状态", "status")),
        Column("latest", tr("最新进展", "latest")),
    ]
    rows = []
    for i, (e, s, sup, deadline, late) in enumerate(picked, 1):
        level = sup.level if sup else ""
        rows.append([i, e.item.id, mask(e.item.title), unit_label(ledger, unit, e.unit), level, deadline, late, status_name(s), latest_note(e.item, end)])
    return Section(
        "supervision",
        tr("督办及逾期事项", "Supervised and overdue items"),
        table=Table("supervision", tr("督办及逾期事项表", "Supervised and overdue items"), cols, rows, note=note),
        empty=tr("没有督办或逾期事项。", "No supervised or overdue items."),
    )


def _scores(ledger: Ledger, unit: str, period: Period | None, end: date) -> Section:
    """红黑榜: the units' 三率 and composite score (weights from shishi.yaml), best first, and the top and bottom five."""
    from shishi.figures.scores import ranking as red_black
    from shishi.figures.scores import unit_scores

    rows = [r for r in unit_scores(ledger, end, period, unit) if r["unit"] != unit]
    lists = red_black(rows, 5)
    ordered = sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit"]))
    cols = [
        Column("rank", tr("排名", "rank"), "int"),
        Column("unit", tr("单位", "unit")),
        Column("response_rate", tr("响应率", "response"), "rate"),
        Column("resolution_rate", tr("解决率", "resolution"), "rate"),
        Column("satisfaction_rate", tr("满意率", "satisfaction"), "rate"),
        Column("on_time_rate", tr("按期办结率", "on time"), "rate"),
        Column("composite", tr("综合得分", "composite"), "score"),
    ]
    table_rows = [
        [r["rank"], unit_label(ledger, unit, r["unit"]), r["response_rate"], r["resolution_rate"], r["satisfaction_rate"], r["on_time_rate"],
         None if r["composite"] is None else Decimal(str(r["composite"]))]
        for r in ordered
    ]
    paragraphs = []
    if lists["red"]:
        sep = tr("、", ", ")
        paragraphs.append(tr("红榜：", "Top: ") + sep.join(unit_label(ledger, unit, r["unit"]) for r in lists["red"]))
        paragraphs.append(tr("黑榜：", "Bottom: ") + sep.join(unit_label(ledger, unit, r["unit"]) for r in lists["black"]))
    paragraphs.append(
        tr(
            "综合得分按 shishi.yaml 的权重合成响应率、解决率、满意率（默认 30/35/35），三率齐全的单位参加排名；各单位只计本级台账。",
            "The composite weighs response, resolution and satisfaction rates by shishi.yaml (default 30/35/35); only units with all three are ranked; each unit on its own ledger.",
        )
    )
    return Section(
        "scores",
        tr("红黑榜", "Ranking of units"),
        paragraphs,
        table=Table("scores", tr("各单位三率及综合得分", "Rates and composite score by unit"), cols, table_rows),
    )


def _targets(tree: Node) -> Section:
    cols = [
        Column("unit", tr("单位", "unit")),
        Column("target", tr("指标", "target")),
        Column("measure", tr("计量单位", "measure")),
        Column("planned", tr("目标", "planned"), "qty"),
        Column("actual", tr("完成", "actual"), "qty"),
        Column("rate", tr("完成率", "completion"), "rate"),
    ]
    rows = []
    for label, fig in [(n.name, n.total) for n in tree.children] + [(_own_label(tree), tree.own)]:
        for (name, measure), (planned, actual) in sorted(fig.targets.items()):
            rows.append([label, name, measure, planned, actual, round(float(actual / planned), 4) if planned else None])
    return Section(
        "targets",
        tr("目标指标完成情况", "Targets"),
        table=Table("targets", tr("指标完成表", "Targets: planned and actual"), cols, rows),
        empty=tr("本期没有设定目标指标的事项。", "No items with targets in this period."),
    )


WAN = Decimal(10000)


def _funds(tree: Node) -> Section:
    cols = [
        Column("unit", tr("单位", "unit")),
        Column("budget", tr("计划投资（万元）", "budget (10k yuan)"), "money"),
        Column("spent", tr("已支出（万元）", "spent (10k yuan)"), "money"),
        Column("rate", tr("执行率", "spent share"), "rate"),
    ]

    def row(label: str, fig: Figures) -> list:
        return [label, fig.budget / WAN, fig.spent / WAN, fig.spending_rate]

    rows = [row(n.name, n.total) for n in tree.children if n.total.budget or n.total.spent]
    if tree.own.budget or tree.own.spent:
        rows.append(row(_own_label(tree), tree.own))
    return Section(
        "funds",
        tr("资金使用情况", "Funds"),
        table=Table(
            "funds",
            tr("资金表", "Budget and spending"),
            cols,
            rows,
            row(tr("合计", "total"), tree.total),
            tr("计划投资按登记计入，支出按办结时登记的实际支出计入。", "Budgets count when registered, spending as recorded at resolution."),
        ),
        empty=tr("本期没有预算或支出。", "No budgets or spending in this period."),
    )


def _satisfaction(ledger: Ledger, unit: str, f: Filters) -> Section | None:
    levels = scale(ledger)
    order = _tree_order(ledger)
    found = sorted(surveys_in(ledger, unit, f), key=lambda s: (s[1].quarter, order.get(s[0], 0)))
    if not found:
        return None
    cols = [Column("unit", tr("单位", "unit")), Column("quarter", tr("季度", "quarter"), "key"), Column("sample", tr("样本", "sample"), "int")]
    cols += [Column(f"level_{i}", lv.name, "int") for i, lv in enumerate(levels)]
    cols += [Column("satisfaction_rate", tr("满意率", "satisfied"), "rate"), Column("mean_score", tr("平均分", "mean score"), "score")]
    total = Figures()
    dist_total = [0] * len(levels)
    rows = []
    for upath, sv in found:
        fig = Figures()
        dist = [sv.counts.get(lv.name, 0) for lv in levels]
        fig.survey_sample = sum(dist)
        fig.survey_satisfied = sum(n for n, lv in zip(dist, levels, strict=True) if lv.satisfied)
        fig.survey_score = sum((lv.score * n for n, lv in zip(dist, levels, strict=True)), Decimal(0))
        total.add(fig)
        dist_total = [a + b for a, b in zip(dist_total, dist, strict=True)]
        rows.append([unit_label(ledger, unit, upath), sv.quarter, fig.survey_sample, *dist, fig.satisfaction_rate, _score(fig)])
    satisfied = "、".join(lv.name for lv in levels if lv.satisfied)
    return Section(
        "satisfaction",
        tr("群众满意度", "Satisfaction"),
        table=Table(
            "satisfaction",
            tr("满意度表", "Third-party satisfaction surveys"),
            cols,
            rows,
            [tr("合计", "total"), "", total.survey_sample, *dist_total, total.satisfaction_rate, _score(total)],
            tr(f"满意率 = （{satisfied}）/ 有效样本；平均分按 shishi.yaml 的分值计算。", f"satisfied = ({satisfied}) / sample; mean score by the scale in shishi.yaml."),
        ),
    )


def _score(fig: Figures) -> Decimal | None:
    return None if not fig.survey_sample else (fig.survey_score / fig.survey_sample).quantize(Decimal("0.01"))


# ------------------------------------------------------------------ the roll-up as a table


def rollup_table(node: Node, title: str) -> Table:
    """The roll-up tree as one table, units indented by depth, for `shishi rollup`."""
    cols = [
        Column("unit", tr("单位", "unit")),
        Column("tier", tr("层级", "tier")),
        Column("registered", tr("登记", "registered"), "int"),
        Column("resolved", tr("办结", "resolved"), "int"),
        Column("verified", tr("销号", "verified"), "int"),
        Column("open", tr("在办", "in hand"), "int"),
        Column("overdue", tr("逾期", "overdue"), "int"),
        Column("escalated", tr("上报", "escalated"), "int"),
        Column("beneficiaries", tr("惠及人次", "served"), "int"),
        Column("spent", tr("支出（万元）", "spent (10k)"), "money"),
        Column("resolution_rate", tr("办结率", "resolved %"), "rate"),
        Column("on_time_rate", tr("按期率", "on time %"), "rate"),
        Column("satisfaction_rate", tr("满意率", "satisfied %"), "rate"),
    ]
    cols[0].type = cols[1].type = "key"  # indented names and tiers never wrap
    rows = []

    def visit(n: Node, depth: int) -> None:
        t = n.total
        tier = TIER_ZH.get(n.tier, n.tier) if get_lang() == "zh" else n.tier
        rows.append(
            ["　" * depth + n.name, tier, t.registered, t.resolved, t.verified, t.open, t.overdue, t.escalated, t.beneficiaries, t.spent / WAN, t.resolution_rate, t.on_time_rate, t.satisfaction_rate]
        )
        for c in n.children:
            visit(c, depth + 1)

    visit(node, 0)
    return Table("rollup", title, cols, rows)


def targets_table(node: Node) -> Table | None:
    """The totals of targets by name and measure of a roll-up node (人行便道 3000 米)."""
    rows = [[name, measure, planned, actual, round(float(actual / planned), 4) if planned else None] for (name, measure), (planned, actual) in sorted(node.total.targets.items())]
    if not rows:
        return None
    cols = [
        Column("target", tr("指标", "target")),
        Column("measure", tr("计量单位", "measure")),
        Column("planned", tr("目标", "planned"), "qty"),
        Column("actual", tr("完成", "actual"), "qty"),
        Column("rate", tr("完成率", "completion"), "rate"),
    ]
    return Table("targets", tr("目标指标", "Targets"), cols, rows)


@dataclass
class RollupDoc:
    """`shishi rollup` as a document: its heading, the roll-up table, the totals of targets, and the JSON of the tree."""

    heading: str
    table: Table
    targets: Table | None
    data: dict


def rollup_document(ledger: Ledger, unit: str = "", f: Filters | None = None, depth: int | None = None) -> RollupDoc:
    """The roll-up of `unit` (default the whole tree) under the filters, `depth` levels shown."""
    from shishi.figures.rollup import node_json
    from shishi.i18n import kind_name

    f = f or Filters()
    node = rollup(ledger, unit, f, depth)
    end = cutoff(f)
    scope = "，".join(x for x in (f.period.label if f.period else None, kind_name(f.kind) if f.kind else None, f.category) if x)
    heading = tr(
        f"{node.name}汇总（{scope + '，' if scope else ''}截至{cn_date(end)}）",
        f"Roll-up of {node.name} ({scope + ', ' if scope else ''}as of {end.isoformat()})",
    )
    return RollupDoc(heading, rollup_table(node, heading), targets_table(node), node_json(node))
