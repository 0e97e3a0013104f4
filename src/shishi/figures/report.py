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
from functools import cached_property
from pathlib import Path

from shishi.checks.privacy import mask
from shishi.figures import schedule
from shishi.figures.rollup import Figures, Filters, Node, breakdown, cutoff, kind_category_breakdown, rollup, scale, surveys_in
from shishi.figures.table import Column, Table
from shishi.i18n import TIER_ZH, get_lang, own_ledger, schedule_name, status_name, tr
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
    issuer: str | None = None  # 发文机关署名 (shishi.yaml `issuer` or --issuer); the 落款 of .docx and HTML
    incomplete: str | None = None  # the banner when printed with --allow-incomplete (figures.complete.Incomplete)
    incomplete_data: dict | None = None

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


def build_report(ledger: Ledger, unit: str = "", period: Period | None = None, as_of: date | None = None, photos: bool = True,
                 issuer: str | None = None, incomplete=None, full: bool = False, depth: int = 1) -> Report:
    """The summary report of `unit` and everything below it for `period`, as of `as_of` (see `report_as_of`);
    `photos`: the projects' evidence photos, in a section after the projects'; `issuer`: the 落款 (default
    shishi.yaml's); `incomplete`: a figures.complete.Incomplete, said at the top of every format.

    A summary stays a summary: item lists show the most urgent LISTED, then say how many more; struck-off
    findings are counted, not listed; the 三率 rank the units `depth` levels down. `full`: complete lists
    (the xlsx always has them)."""
    when = report_as_of(period, as_of)
    f = Filters(period=period, as_of=when)
    end = cutoff(f)
    every_level = rollup(ledger, unit, f)  # once: the tables show one level down, the scores need every unit's own figures
    tree = to_depth(every_level, 1)
    groups = kind_category_breakdown(ledger, unit, f)  # once: by kind and by category are its sums
    name = ledger.unit_name(unit)
    listable, late = report_entries(ledger, unit, end, depth, full)
    entries = [e for e in listable if in_unit(e.unit, unit)]
    due_soon = ledger.config.time_limits.due_soon_days if ledger.config else 3

    def in_scope(item) -> bool:
        """Opened by the cut-off and, with a period, touched in it: opened, resolved, or still in hand."""
        if item.opened > end:
            return False
        if period is None or item.opened in period:
            return True
        s = state_at(item, end)
        # resolved without a resolution (check reports it): no date to count it by in the period
        return s in ("open", "in_progress") or (s in ("resolved", "verified") and item.resolution is not None and item.resolution.date in period)

    projects = [e for e in entries if e.item.kind == "project" and in_scope(e.item) and state_at(e.item, end) != "cancelled"]
    by_kind, by_category = regroup(groups, 0), regroup(groups, 1)
    summary = headline(ledger, unit, f, tree, projects, entries, end, by_kind)
    sections = [
        Section("headline", tr("上报摘要", "Summary"), [summary]),
        _projects(ledger, unit, projects, end, due_soon, full),
        *([p] if photos and (p := _photos(ledger, unit, projects, end)) else []),
        *([_units(tree)] if tree.children else []),  # a village has no units to rank
        _kinds(ledger, unit, f, entries, end, by_kind),
        _categories(ledger, unit, f, by_category),
        _supervision(ledger, unit, [e for e in entries if in_scope(e.item) and (late is None or e.item.supervision is not None or (e.file, e.line) in late.listed)],
                     period, end, full, late.rest if late else 0),
        *([_scores(ledger, unit, period, end, depth, every_level, listable)] if tree.children else []),
        _targets(tree, full),
        _funds(tree, rollup(ledger, unit, Filters(period=period, kind="project", as_of=when), depth=1)),  # its `spent` only: the projects
    ]
    sat = _satisfaction(ledger, unit, f, full)
    if sat is not None:
        sections.append(sat)
    _number(sections)
    title = tr(f"{name}“我为群众办实事”台账汇总报告", f"{name}: livelihood work ledger summary report")
    notes = [
        tr(
            "说明：登记按登记日期、办结按办结日期、撤销按撤销日期计入统计期间，结转为期初在办、在办为截至统计日在办；上报或转办的问题只在首次登记的单位计登记，"
            "在办结的单位计办结，各级只计一次，单位内部的上报不计接收、上报；办结率 = 办结 ÷ 应办（应办 = 办结 + 在办）；本报告不含反映人姓名、电话等个人信息。",
            "Notes: registrations count by opening date, resolutions by resolution date, cancellations by cancellation date; carried in = in hand at the period's start, "
            "in hand = at the as-of date; an escalated problem is registered where first recorded and resolved where resolved, once at every level, and a move inside "
            "a unit is neither received nor escalated by it; resolution rate = resolved ÷ caseload (resolved + in hand); no reporter names or phone numbers are printed.",
        )
    ]
    label = (period.label if get_lang() == "zh" else f"{period.start.isoformat()}..{period.end.isoformat()}") if period else None
    issuer = issuer or (ledger.config.issuer if ledger.config else None)
    return Report(title, unit, name, label, end, summary, sections, notes, issuer,
                  incomplete.banner() if incomplete else None, incomplete.data() if incomplete else None)


# The items a report can list or read one by one, as a condition on the index's `items` rows: the projects (of the
# whole tree: their spending is counted over them), the supervised items, the own items of the units scored
# (`scores.scored_units`), and those of the items in hand past their due date on the cut-off (LATE_SQL) that are listed.
LISTABLE_SQL = """kind = 'project' OR supervision IS NOT NULL OR unit IN (SELECT value FROM json_each(:scored))
OR rowid IN (SELECT value FROM json_each(:late))"""

# The unsupervised items `_supervision` lists as late, exactly: in the unit, opened by the cut-off, past their due date
# and in hand on it (`state_at`: a resolution, strike-off or cancellation dated after it undoes the status; none
# recorded, none undone). An item with a supervision record is read whole (LISTABLE_SQL) and judged item by item.
LATE_SQL = """SELECT rowid, file, line, seq, due, id FROM items
WHERE supervision IS NULL AND opened <= :end AND due < :end {scope}
  AND (status IN ('open', 'in_progress') OR (status = 'resolved' AND resolved > :end) OR (status = 'cancelled' AND cancelled > :end)
       OR (status = 'verified' AND verified > :end AND resolved > :end))"""


LATE_WINDOW = 8  # late rows fetched past the listed ones: a duplicate ID tied across the window has all of them read


@dataclass
class Late:
    """The unsupervised items in hand past their due date that a report read without entries lists: `listed`, their
    (file, line); `rest`, how many more there are (not made into entries: the printed list stops before them)."""

    listed: set
    rest: int


def report_entries(ledger: Ledger, unit: str, end: date, depth: int, full: bool = False) -> tuple[list, Late | None]:
    """(the entries the report of `unit` reads one by one, Late or None) for cut-off `end`, units scored `depth`
    levels down, `full` lists. A ledger's entries as loaded, and None: every list filters them itself. Of one read
    through the index without them, only those `LISTABLE_SQL` picks, and its surveys (both from the load's snapshot),
    so that the cost follows the lists, not the tree: of the late unsupervised items (LATE_SQL) only the LISTED first
    in `_supervision`'s order (all with `full`), and the count of the others. The other lists filter the entries
    further exactly as they filter all entries (each reads only items the condition picks)."""
    from shishi.store.ledger import NOT_READ

    if ledger.entries is not NOT_READ:
        return ledger.entries, None
    import json

    from shishi.figures.scores import scored_units
    from shishi.store.index import entries_where, read_surveys

    if ledger.surveys is NOT_READ:
        read_surveys(ledger)
    source = ledger.index
    args = {"end": end.isoformat(), "scope": unit, "under": unit + "/", "n": len(unit) + 1}
    scope = "AND (unit = :scope OR substr(unit, 1, :n) = :under)" if unit else ""
    sql = LATE_SQL.replace("{scope}", scope)
    if full:
        listed, rest = source.con.execute(sql, args).fetchall(), 0
    else:  # `_supervision`'s order among them: the longest overdue (earliest due) first, then by ID, then load order
        k = LISTED + LATE_WINDOW
        rows = source.con.execute(f"SELECT *, count(*) OVER () FROM ({sql}) ORDER BY due, id LIMIT {k}", args).fetchall()  # noqa: S608 - ours
        count = rows[0][-1] if rows else 0  # all of them, counted in the same pass
        rows = [r[:-1] for r in rows]
        if len(rows) == k and rows[LISTED - 1 if LISTED else 0][4:6] == rows[-1][4:6]:  # a tie (a duplicate ID) past the window
            rows = source.con.execute(sql, args).fetchall()
        order = {p: i for i, p in enumerate(source.files)}
        rows.sort(key=lambda r: (r[4], r[5], order.get(r[1], len(order)), r[3]))
        listed = rows[:LISTED]
        rest = count - len(listed)
    late = Late({(r[1], r[2]) for r in listed}, rest)
    scored = json.dumps(sorted(scored_units(ledger, unit, depth)), ensure_ascii=False)
    picked = entries_where(source, LISTABLE_SQL, {"scored": scored, "late": json.dumps([r[0] for r in listed])})
    return picked, late


def to_depth(node: Node, depth: int, level: int = 0) -> Node:
    """The roll-up tree `node` as `rollup(..., depth=depth)` gives it: the same figures, units below `depth` levels not shown."""
    children = [] if level >= depth else [to_depth(c, depth, level + 1) for c in node.children]
    return Node(node.unit, node.name, node.tier, node.own, node.total, children)


def regroup(groups: dict, part: int) -> dict:
    """The figures of `breakdown` by a tuple key summed by one part of it (by (kind, category) -> by kind: part 0)."""
    out: dict = {}
    for key, fig in groups.items():
        out.setdefault(key[part], Figures()).add(fig)
    return out


def _number(sections: list[Section]) -> None:
    """一、二、三… before the titles of the sections after the headline."""
    nums = "一二三四五六七八九十"
    if get_lang() != "zh":
        return
    for i, s in enumerate(sections[1:]):
        s.title = f"{nums[i]}、{s.title}"


def headline(ledger: Ledger, unit: str, f: Filters, tree: Node, projects: list, entries: list, end: date, by_kind: dict | None = None) -> str:
    """上报摘要: the paragraph a clerk pastes into the upward report; `by_kind`: `breakdown` by kind, when made already."""
    if by_kind is None:
        by_kind = breakdown(ledger, unit, f, lambda item: item.kind)
    kinds = {"project": by_kind.get("project", Figures()), "problem": Figures()}
    for k, fig in by_kind.items():
        if k != "project":
            kinds["problem"].add(fig)
    prob = kinds["problem"]
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
        proj = kinds.get("project", Figures())
        money = tr(f"，民生实事项目完成投资{official_money(proj.spent)}", f", {proj.spent:,} yuan spent on them") if proj.spent else ""
        parts.append(tr(f"{len(projects)}项民生实事项目中，{project_states(projects, end)}{money}", f"of {len(projects)} livelihood projects, {project_states(projects, end)}{money}"))
    total = tree.total
    supervised = listed_in_hand(entries, end)
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


def project_states(projects: list, end: date) -> str:
    """已完成7项、正在推进5项、尚未启动1项: the projects by their state on `end` (in the headline and the projects table's 合计 row)."""
    states = [state_at(e.item, end) for e in projects]
    done = sum(s in ("resolved", "verified") for s in states)
    going = sum(s == "in_progress" for s in states)
    waiting = sum(s == "open" for s in states)
    handed = len(states) - done - going - waiting
    bits = [tr(f"已完成{done}项", f"{done} completed")] if done else []
    bits += [tr(f"正在推进{going}项", f"{going} under way")] if going else []
    bits += [tr(f"尚未启动{waiting}项", f"{waiting} not started")] if waiting else []
    bits += [tr(f"上报转办{handed}项", f"{handed} handed on")] if handed else []
    return tr("、".join(bits), ", ".join(bits))


def listed_in_hand(entries: list, end: date) -> int:
    """挂牌督办未销号: items under 挂牌 supervision still in hand on `end`."""
    return sum(1 for e in entries if e.item.supervision and e.item.supervision.level == "挂牌" and state_at(e.item, end) in ("open", "in_progress"))


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _tier(ledger: Ledger, path: str) -> str:
    k = ledger.tier(path)
    return TIER_ZH.get(k, k) if get_lang() == "zh" else k


def unit_label(ledger: Ledger, root: str, path: str) -> str:
    """A unit named as officials write it, from below the report's unit down: 赶水镇三居社区."""
    if path == root:
        return own_ledger(ledger.tier(path)) if path == "" else ledger.unit_name(path)
    rest = path[len(root) + 1 :] if root else path
    parts = rest.split("/")
    base = f"{root}/" if root else ""
    return "".join(ledger.unit_name(base + "/".join(parts[: i + 1])) for i in range(len(parts)))


def _responsible(ledger: Ledger, unit: str, e) -> str:
    """责任单位: the unit whose ledger holds the item (the partners are 配合单位, a column of their own)."""
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


LISTED = 20  # rows of an item list in a printed report; the rest are counted ("另有 N 件，详见附表")
URGENCY = {"overdue": 0, "behind": 1, "due_soon": 2, "on_time": 3, "ahead": 4}


def _more(rest: int, what: str = "件") -> str:
    return tr(f"另有 {rest} {what}，详见附表。", f"{rest} more, listed in the annex.")


def _projects(ledger: Ledger, unit: str, projects: list, end: date, due_soon: int, full: bool = False) -> Section:
    cols = [
        Column("no", tr("序号", "No."), "int"),
        Column("title", tr("项目名称", "project")),
        Column("unit", tr("责任单位", "responsible unit")),
        Column("partners", tr("配合单位", "partners")),
        Column("due", tr("完成时限", "due"), "date"),
        Column("status", tr("状态", "status")),
        Column("schedule", tr("序时", "schedule")),
        Column("latest", tr("最新进展", "latest progress")),
    ]
    rows = []
    order = _tree_order(ledger)
    picked = sorted(projects, key=lambda e: (order.get(e.unit, 0), e.item.id))
    note = None
    if not full and len(picked) > LISTED:  # the most urgent: by schedule, then the earliest deadline
        states = {id(e): schedule_state(e.item, end, due_soon) for e in picked}
        urgent = sorted(picked, key=lambda e: (state_at(e.item, end) not in ("open", "in_progress"), URGENCY.get(states[id(e)], 5) if states[id(e)] else 9, e.item.due or date.max, e.item.id))[:LISTED]
        keep = {id(e) for e in urgent}
        picked = [e for e in picked if id(e) in keep]
        note = tr(f"列出最紧迫的 {LISTED} 项（在办的逾期、慢序时、临期在前）；", f"the {LISTED} most urgent are listed; ") + _more(len(projects) - LISTED, "项")
    from shishi.store.index import read_whole

    read_whole([e.item for e in picked])  # the titles and logs of the rows only, not of their files' every item
    for i, e in enumerate(picked, 1):
        it = e.item
        rows.append(
            [i, mask(it.title), _responsible(ledger, unit, e), "、".join(it.partners), it.due, status_name(state_at(it, end)), schedule_name(schedule_state(it, end, due_soon)), latest_note(it, end)]
        )
    rows_total = [len(projects), tr(f"合计{len(projects)}项", f"total {len(projects)}"), "", "", None, project_states(projects, end), "", ""]
    return Section(
        "projects",
        tr("民生实事项目进展", "Livelihood projects"),
        table=Table("projects", tr("民生实事项目进展表", "Progress of livelihood projects"), cols, rows, rows_total if rows else None, note),
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
    shown_of = []
    for e in sorted(projects, key=lambda e: (order.get(e.unit, 0), e.item.id)):
        kept = [a for a in e.item.attachments if a.removed is None and (a.date is None or a.date <= end)]
        kept.sort(key=lambda a: (STAGE_ORDER.get(a.stage, 1), a.date or a.added))
        if kept:
            shown_of.append((e, kept))
    from shishi.store.index import read_whole

    read_whole([e.item for e, _kept in shown_of])  # the titles of the projects with photos only
    for e, kept in shown_of:
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
    return [getattr(fig, k) for k, *_ in FIGURE_COLUMNS]


FIGURE_COLUMNS = [
    ("carried_in", "结转", "carried in", "int"),
    ("registered", "登记", "registered", "int"),
    ("cancelled", "撤销", "cancelled", "int"),
    ("resolved", "办结", "resolved", "int"),
    ("in_hand", "在办", "in hand", "int"),
    ("caseload", "应办", "caseload", "int"),
    ("resolution_rate", "办结率", "resolution rate", "rate"),
    ("overdue", "逾期", "overdue", "int"),
    ("beneficiaries", "惠及人次", "people served", "int"),
]

FIGURE_NOTE = (
    "办结率 = 办结 ÷ 应办；应办 = 办结 + 在办 = 结转 + 登记 + 接收上报 − 上报转出 − 撤销。",
    "resolution rate = resolved ÷ caseload; caseload = resolved + in hand = carried in + registered + received − escalated − cancelled.",
)


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
    """The report unit's own ledger: 区本级 for the district (as in list, due and scores), 赶水镇本级 for a town's report."""
    return own_ledger(tree.tier) if tree.unit == "" else tr(f"{tree.name}本级", f"{tree.name} (own items)")


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
        table=Table("units", tr("分单位汇总表（含下级单位）", "Figures by unit (units below included)"), cols, rows, [None, tr("合计", "total")] + _figure_row(tree.total), tr(*FIGURE_NOTE)),
        chart=chart if tree.children else None,
    )


def _kinds(ledger: Ledger, unit: str, f: Filters, entries: list, end: date, groups: dict | None = None) -> Section:
    """分类型统计: 群众诉求 and 督查整改 (together the headline's 群众急难愁盼问题), 民生实事项目, and the total, with the headline's figures."""
    from shishi.i18n import KIND_ZH, kind_name

    if groups is None:
        groups = breakdown(ledger, unit, f, lambda item: item.kind)
    cols = [Column("kind", tr("类型", "kind"), "key")] + _figure_columns()
    cols += [Column("listed", tr("挂牌在办", "listed, in hand"), "int"), Column("spent", tr("支出（万元）", "spent (10k yuan)"), "money")]

    listed: dict[str, int] = {}  # 挂牌在办 by kind, the entries gone through once
    for e in entries:
        sup = e.item.supervision
        if sup and sup.level == "挂牌" and state_at(e.item, end) in ("open", "in_progress"):
            listed[e.item.kind] = listed.get(e.item.kind, 0) + 1

    def row(label: str, fig: Figures, kinds: tuple[str, ...]) -> list:
        return [label, *_figure_row(fig), sum(listed.get(k, 0) for k in kinds), fig.spent / WAN]

    def merged(kinds: tuple[str, ...]) -> Figures:
        fig = Figures()
        for k in kinds:
            fig.add(groups.get(k, Figures()))
        return fig

    rows = [row(kind_name(k), groups.get(k, Figures()), (k,)) for k in ("demand", "rectification")]
    rows.append(row(tr("急难愁盼问题小计", "subtotal: problems of the people"), merged(("demand", "rectification")), ("demand", "rectification")))
    rows.append(row(kind_name("project"), groups.get("project", Figures()), ("project",)))
    every = tuple(KIND_ZH)
    return Section(
        "kinds",
        tr("分类型统计", "By kind"),
        table=Table("kinds", tr("分类型统计表", "Figures by kind"), cols, rows, row(tr("合计", "total"), merged(every), every),
                    tr("摘要中的问题件数、解决件数、惠及人次取“急难愁盼问题小计”行，完成投资取“民生实事项目”行；" + FIGURE_NOTE[0],
                       "The summary's problems, solved and people served are the subtotal row's, the investment the projects row's; " + FIGURE_NOTE[1])),
    )


def _categories(ledger: Ledger, unit: str, f: Filters, groups: dict | None = None) -> Section:
    if groups is None:
        groups = breakdown(ledger, unit, f, lambda item: item.category)
    vocab = list(ledger.config.categories) if ledger.config else []
    names = vocab + sorted(k for k in groups if k and k not in vocab)
    rows = []
    total = Figures()
    for k in names + [None]:
        fig = groups.get(k)
        if fig is None or not (fig.carried_in or fig.registered or fig.resolved or fig.in_hand):
            continue
        total.add(fig)
        rows.append([k or tr("未分类", "uncategorised")] + _figure_row(fig))
    cols = [Column("category", tr("类别", "category"))] + _figure_columns()
    return Section(
        "categories",
        tr("分类别统计", "By category"),
        table=Table("categories", tr("分类别统计表", "Figures by category"), cols, rows, [tr("合计", "total")] + _figure_row(total), tr(*FIGURE_NOTE)),
        empty=tr("本期没有事项。", "No items in this period."),
    )


def _supervision(ledger: Ledger, unit: str, entries: list, period: Period | None, end: date, full: bool = False, rest: int = 0) -> Section:
    """督办台账: items under supervision (still in hand, or supervised in the period) and items in hand past their deadline.

    Printed: the most urgent LISTED (supervised ones in hand first, then the longest overdue); findings already
    struck off (销号) are counted in the note, not listed; `full` lists every one. `rest`: unsupervised items in hand
    past their due date left out of `entries`, each after all of those in it (`report_entries`): counted only.
    """
    picked = []
    for e in entries:
        it = e.item
        if it.supervision is None and not _may_be_late(it, end):
            continue  # neither supervised nor in hand past its deadline on `end`: not listed (the rest of the tree, mostly)
        s = state_at(it, end)
        in_hand = s in ("open", "in_progress")
        sup = it.supervision if it.supervision and it.supervision.date <= end else None
        deadline = (sup.deadline if sup else None) or it.due  # as the 督办台账 of `supervise list` has it
        late = (end - deadline).days if in_hand and deadline and deadline < end else None
        if (sup and (in_hand or period is None or sup.date in period)) or late:
            picked.append((e, s, sup, deadline, late))
    picked.sort(key=lambda x: (x[1] not in ("open", "in_progress"), x[2] is None, -(x[4] or 0), x[0].item.id))
    notes = []
    if not full:
        struck = [x for x in picked if x[1] == "verified"]
        if struck:
            notes.append(tr(f"本期已销号的督办事项 {len(struck)} 件未列出。", f"{len(struck)} supervised items struck off in the period are counted, not listed."))
            picked = [x for x in picked if x[1] != "verified"]
        if len(picked) + rest > LISTED:
            notes.append(tr(f"列出最紧迫的 {LISTED} 件（在办的督办事项、逾期最久的在前）；", f"the {LISTED} most urgent are listed; ") + _more(len(picked) + rest - LISTED))
            picked = picked[:LISTED]
    note = "".join(notes) or None
    from shishi.store.index import read_whole

    read_whole([x[0].item for x in picked])  # titles and logs of the rows only, not of their files' every item
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


def _may_be_late(item, end: date) -> bool:
    """False when `item` (unsupervised) certainly was not in hand past its due date on `end`: no due date or not
    yet past it, escalated, or resolved (struck off) or cancelled by then — what `state_at` would say of it."""
    if item.due is None or item.due >= end or item.status == "escalated":
        return False
    if item.status in ("resolved", "verified"):
        return item.resolution is None or item.resolution.date > end
    if item.status == "cancelled":
        return item.cancellation is None or item.cancellation.date > end
    return True


def _scores(ledger: Ledger, unit: str, period: Period | None, end: date, depth: int = 1, tree: Node | None = None, entries: list | None = None) -> Section:
    """红黑榜: the units' 三率 and composite score (weights from shishi.yaml), best first, and the top and bottom five;
    `tree`: the roll-up of every level below `unit` for the period up to `end`, when made already; `entries`: see `unit_scores`."""
    from shishi.figures.scores import SCORE_COLUMNS, unit_scores
    from shishi.figures.scores import ranking as red_black

    rows = [r for r in unit_scores(ledger, end, period, unit, depth, tree, entries) if r["unit"] != unit]
    lists = red_black(rows, 5)
    ordered = sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit"]))
    # the 三率 that rank, each after the two counts it divides (按期办结率 is in `shishi scores` and the roll-up)
    keep = ("responded", "response_base", "response_rate", "resolved", "caseload", "resolution_rate", "survey_satisfied", "survey_sample", "satisfaction_rate")
    picked = [c for c in SCORE_COLUMNS if c[0] in keep]
    cols = [Column("rank", tr("排名", "rank"), "int"), Column("unit", tr("单位", "unit"))]
    cols += [Column(k, tr(zh, en), ty) for k, zh, en, ty in picked] + [Column("composite", tr("综合得分", "composite"), "score")]
    table_rows = [
        [r["rank"], unit_label(ledger, unit, r["unit"]), *[r[k] for k, *_ in picked], None if r["composite"] is None else Decimal(str(r["composite"]))]
        for r in ordered
    ]
    paragraphs = []
    if lists["red"]:
        sep = tr("、", ", ")
        shown = len(lists["red"])
        few = tr(f"（可排名的单位 {lists['ranked']} 个，各列 {shown} 名）", f" ({lists['ranked']} units could be ranked, {shown} on each list)") if shown < 5 else ""
        paragraphs.append(tr(f"红榜{few}：", f"Top{few}: ") + sep.join(unit_label(ledger, unit, r["unit"]) for r in lists["red"]))
        paragraphs.append(tr(f"黑榜{few}：", f"Bottom{few}: ") + sep.join(unit_label(ledger, unit, r["unit"]) for r in lists["black"]))
    paragraphs.append(
        tr(
            "综合得分按考核权重合成响应率、解决率、满意率（默认 30/35/35），三率齐全的单位参加排名；各单位只计本级台账。",
            "The composite weighs response, resolution and satisfaction rates by the assessment weights (default 30/35/35); only units with all three are ranked; each unit on its own ledger.",
        )
    )
    return Section(
        "scores",
        tr("红黑榜", "Ranking of units"),
        paragraphs,
        table=Table("scores", tr("各单位三率及综合得分", "Rates and composite score by unit"), cols, table_rows,
                    note=tr("响应率 = 及时响应 ÷ 应响应；解决率 = 办结 ÷ 应办；满意率 = 满意 ÷ 样本。", "response = answered ÷ to answer; resolution = resolved ÷ caseload; satisfaction = satisfied ÷ sample.")),
    )


def _targets(tree: Node, full: bool = False) -> Section:
    """指标完成表: by unit one level down; when that is longer than a printed list, the totals by target (by unit in the annex)."""
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
    note = None
    if not full and len(rows) > LISTED:
        label = SCOPE.get(tree.tier, tree.name)
        rows = [[label, name, measure, planned, actual, round(float(actual / planned), 4) if planned else None] for (name, measure), (planned, actual) in sorted(tree.total.targets.items())]
        note = tr("按指标汇总，各单位的指标完成情况详见附表；", "totals by target, by unit in the annex; ")
    return Section(
        "targets",
        tr("目标指标完成情况", "Targets"),
        table=Table("targets", tr("指标完成表", "Targets: planned and actual"), cols, rows, note=(note or "") + tr("完成率 = 完成 ÷ 目标。", "completion = actual ÷ planned.")),
        empty=tr("本期没有设定目标指标的事项。", "No items with targets in this period."),
    )


WAN = Decimal(10000)


def _funds(tree: Node, projects: Node) -> Section:
    """资金表: budget and spending by unit, and of the spending that of the livelihood projects (the headline's 完成投资)."""
    cols = [
        Column("unit", tr("单位", "unit")),
        Column("budget", tr("计划投资（万元）", "budget (10k yuan)"), "money"),
        Column("spent", tr("已支出（万元）", "spent (10k yuan)"), "money"),
        Column("rate", tr("执行率", "spent share"), "rate"),
        Column("project_spent", tr("其中民生实事项目支出（万元）", "of which projects (10k yuan)"), "money"),
    ]
    of_projects = {n.unit: n.total.spent for n in projects.children}

    def row(label: str, fig: Figures, project_spent: Decimal) -> list:
        return [label, fig.budget / WAN, fig.spent / WAN, fig.spending_rate, project_spent / WAN]

    rows = [row(n.name, n.total, of_projects.get(n.unit, Decimal(0))) for n in tree.children if n.total.budget or n.total.spent]
    if tree.own.budget or tree.own.spent:
        rows.append(row(_own_label(tree), tree.own, projects.own.spent))
    return Section(
        "funds",
        tr("资金使用情况", "Funds"),
        table=Table(
            "funds",
            tr("资金表", "Budget and spending"),
            cols,
            rows,
            row(tr("合计", "total"), tree.total, projects.total.spent),
            tr("计划投资按登记计入，支出按办结时登记的实际支出计入；执行率 = 已支出 ÷ 计划投资；摘要中的完成投资为民生实事项目的支出。",
               "Budgets count when registered, spending as recorded at resolution; spent share = spent ÷ budget; the summary's investment is the projects' spending."),
        ),
        empty=tr("本期没有预算或支出。", "No budgets or spending in this period."),
    )


def _satisfaction(ledger: Ledger, unit: str, f: Filters, full: bool = False) -> Section | None:
    """满意度表: a row per survey; when more than a printed list holds, a row per quarter (per survey in the annex)."""
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
    note = ""
    if not full and len(rows) > LISTED:
        by_q: dict[str, list] = {}
        for r in rows:
            q = by_q.setdefault(r[1], [0, [0] * len(levels), set()])
            q[0] += r[2]
            q[1] = [a + b for a, b in zip(q[1], r[3 : 3 + len(levels)], strict=True)]
            q[2].add(r[0])
        rows = []
        for q, (sample, dist, units) in sorted(by_q.items()):
            fig = Figures(survey_sample=sample, survey_satisfied=sum(n for n, lv in zip(dist, levels, strict=True) if lv.satisfied),
                          survey_score=sum((lv.score * n for n, lv in zip(dist, levels, strict=True)), Decimal(0)))
            rows.append([tr(f"{len(units)} 个单位", f"{len(units)} units"), q, sample, *dist, fig.satisfaction_rate, _score(fig)])
        note = tr("按季度汇总，各单位的调查详见附表；", "by quarter, each unit's surveys in the annex; ")
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
            note + tr(f"满意率 = （{satisfied}）÷ 样本；平均分按各满意度等级的分值计算。", f"satisfied = ({satisfied}) ÷ sample; mean score by the scores of the levels."),
        ),
    )


def _score(fig: Figures) -> Decimal | None:
    return None if not fig.survey_sample else (fig.survey_score / fig.survey_sample).quantize(Decimal("0.01"))


# ------------------------------------------------------------------ the roll-up as a table


ROLLUP_COLUMNS = [
    # key, 中文, English, type — the flow (结转 + 登记 + 接收 − 上报 − 撤销 = 应办 = 办结 + 在办), then each rate after the two columns it divides
    ("carried_in", "结转", "carried in", "int"),
    ("registered", "登记", "registered", "int"),
    ("received", "接收", "received", "int"),
    ("escalated", "上报", "escalated", "int"),
    ("cancelled", "撤销", "cancelled", "int"),
    ("resolved", "办结", "resolved", "int"),
    ("in_hand", "在办", "in hand", "int"),
    ("caseload", "应办", "caseload", "int"),
    ("resolution_rate", "办结率", "resolved %", "rate"),
    ("verified", "销号", "verified", "int"),
    ("overdue", "逾期", "overdue", "int"),
    ("on_time", "按期", "on time", "int"),
    ("with_due", "应按期", "due", "int"),
    ("on_time_rate", "按期率", "on time %", "rate"),
    ("survey_satisfied", "满意", "satisfied", "int"),
    ("survey_sample", "样本", "sample", "int"),
    ("satisfaction_rate", "满意率", "satisfied %", "rate"),
    ("beneficiaries", "惠及人次", "served", "int"),
    ("spent", "支出（万元）", "spent (10k)", "money"),
]

RATE_NOTE = (
    "结转 + 登记 + 接收 − 上报 − 撤销 = 应办 = 办结 + 在办；办结率 = 办结 ÷ 应办；按期率 = 按期 ÷ 应按期（本期办结且有时限的，加上截至统计日在办且已过时限的）；"
    "满意率 = 满意 ÷ 样本。接收、上报只计跨出本单位（含下级）范围的。",
    "carried in + registered + received − escalated − cancelled = caseload = resolved + in hand; resolved % = resolved ÷ caseload; "
    "on time % = on time ÷ due (resolved in the period with a deadline, plus in hand past it); satisfied % = satisfied ÷ sample. "
    "Received and escalated count only moves across the unit's (with its units') boundary.",
)


def rollup_row(t: Figures) -> list:
    return [t.spent / WAN if k == "spent" else getattr(t, k) for k, *_ in ROLLUP_COLUMNS]


def rollup_table(node: Node, title: str) -> Table:
    """The roll-up tree as one table, units indented by depth, for `shishi rollup`."""
    cols = [Column("unit", tr("单位", "unit"), "key"), Column("tier", tr("层级", "tier"), "key")]  # indented names and tiers never wrap
    cols += [Column(k, tr(zh, en), ty) for k, zh, en, ty in ROLLUP_COLUMNS]
    rows = []

    def visit(n: Node, depth: int) -> None:
        tier = TIER_ZH.get(n.tier, n.tier) if get_lang() == "zh" else n.tier
        rows.append(["　" * depth + n.name, tier, *rollup_row(n.total)])
        for c in n.children:
            visit(c, depth + 1)

    visit(node, 0)
    return Table("rollup", title, cols, rows, note=tr(*RATE_NOTE))


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
    node: Node
    incomplete: str | None = None  # the banner when printed with --allow-incomplete
    incomplete_data: dict | None = None  # and in the JSON

    @cached_property
    def data(self) -> dict:
        """The tree in the JSON shape of DESIGN.md (made when wanted: a text roll-up needs none)."""
        from shishi.figures.rollup import node_json

        data = node_json(self.node)
        if self.incomplete_data is not None:
            data["incomplete"] = self.incomplete_data
        return data

    @cached_property
    def table(self) -> Table:
        return rollup_table(self.node, self.heading)  # made when printed: JSON needs none (a city has ten thousand rows)

    @cached_property
    def targets(self) -> Table | None:
        return targets_table(self.node)


def rollup_document(ledger: Ledger, unit: str = "", f: Filters | None = None, depth: int | None = None, incomplete=None) -> RollupDoc:
    """The roll-up of `unit` (default the whole tree) under the filters, `depth` levels shown; `incomplete`: a figures.complete.Incomplete to say."""
    from shishi.i18n import kind_name

    f = f or Filters()
    node = rollup(ledger, unit, f, depth)
    end = cutoff(f)
    scope = "，".join(x for x in (f.period.label if f.period else None, kind_name(f.kind) if f.kind else None, f.category) if x)
    heading = tr(
        f"{node.name}汇总（{scope + '，' if scope else ''}截至{cn_date(end)}）",
        f"Roll-up of {node.name} ({scope + ', ' if scope else ''}as of {end.isoformat()})",
    )
    return RollupDoc(heading, node, incomplete.banner() if incomplete else None, incomplete.data() if incomplete else None)
