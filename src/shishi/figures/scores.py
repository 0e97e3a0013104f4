"""Scores of units (三率, 按期办结率, 重办率, composite, 红黑榜) and the satisfaction table (满意度表).

Rates are floats in [0, 1] rounded to 4 places, or None when there is nothing
to divide by: a unit with no survey has no 满意率, never 0. Satisfaction
figures combine surveys by sample size (sum of satisfied answers over the sum
of valid answers), never by averaging rates. Answers in a level outside
shishi.yaml's scale are not part of the valid sample (`check` reports them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shishi.errors import ShishiError
from shishi.figures.schedule import judged_due
from shishi.figures.table import Column, Table
from shishi.i18n import tr
from shishi.store.ledger import Ledger, in_unit
from shishi.store.model import Config, Item
from shishi.values import Period, parse_period

# ------------------------------------------------------------------ satisfaction


@dataclass
class Tally:
    """Answers of one or more surveys on one scale."""

    sample: int = 0
    satisfied: int = 0
    score: Decimal = Decimal(0)  # sum of score × answers

    def add_counts(self, counts: dict[str, int], config: Config) -> None:
        for lv in config.satisfaction:
            n = counts.get(lv.name, 0)
            self.sample += n
            self.score += lv.score * n
            if lv.satisfied:
                self.satisfied += n

    def add(self, other: Tally) -> None:
        self.sample += other.sample
        self.satisfied += other.satisfied
        self.score += other.score

    @property
    def rate(self) -> float | None:
        return _rate(self.satisfied, self.sample)

    @property
    def mean_score(self) -> float | None:
        return None if not self.sample else round(float(self.score / self.sample), 2)

    def as_dict(self) -> dict:
        return {"sample": self.sample, "satisfied": self.satisfied, "rate": self.rate, "mean_score": self.mean_score}


def _rate(n: int, d: int) -> float | None:
    return None if d == 0 else round(n / d, 4)


def _exact(n: int, d: int) -> float | None:
    return None if d == 0 else n / d


def _quarter_in(quarter: str, period: Period | None) -> bool:
    if period is None:
        return True
    q = parse_period(quarter)
    return q.start <= period.end and period.start <= q.end


def _surveys(ledger: Ledger, unit: str, period: Period | None):
    """(unit path, survey) of surveys in scope; surveys of unknown units are left to `check`."""
    for s, _rp, _line in ledger.surveys:
        try:
            upath = ledger.resolve_unit(s.unit)
        except ShishiError:
            continue
        if in_unit(upath, unit) and _quarter_in(s.quarter, period):
            yield upath, s


def survey_table(ledger: Ledger, unit: str = "", period: Period | None = None) -> dict:
    """满意度表 of `unit` and below, for surveys whose quarter overlaps `period`.

    Returns {"levels": [{"name", "score", "satisfied"}], "rows": [...],
    "quarters": [...], "total": {...}}. A row per survey, by quarter then
    tree order: unit (path), name, quarter, agency, date, counts {level: n}
    in scale order, and sample, satisfied, rate, mean_score of its valid
    answers. "quarters": one entry per quarter {quarter, units, sample,
    satisfied, rate, mean_score} combining its surveys by sample size;
    "total" likewise over all rows. No surveys: rows empty, rates None.
    """
    cfg = ledger.config
    if cfg is None:
        raise ShishiError(tr("shishi.yaml 有错误，先运行 shishi check", "shishi.yaml has errors; run shishi check"))
    rows, by_q, total = [], {}, Tally()
    order = {u: i for i, u in enumerate(sorted(ledger.units, key=lambda p: p.split("/")))}
    found = sorted(_surveys(ledger, unit, period), key=lambda us: (us[1].quarter, order.get(us[0], 0), us[1].agency or ""))
    for upath, s in found:
        tally = Tally()
        tally.add_counts(s.counts, cfg)
        total.add(tally)
        q = by_q.setdefault(s.quarter, (Tally(), set()))
        q[0].add(tally)
        q[1].add(upath)
        counts = {lv.name: s.counts.get(lv.name, 0) for lv in cfg.satisfaction}
        rows.append({"unit": upath, "name": ledger.unit_name(upath), "quarter": s.quarter, "agency": s.agency, "date": s.date, "counts": counts, **tally.as_dict()})
    quarters = [{"quarter": q, "units": len(us), **tl.as_dict()} for q, (tl, us) in sorted(by_q.items())]
    levels = [{"name": lv.name, "score": lv.score, "satisfied": lv.satisfied} for lv in cfg.satisfaction]
    return {"levels": levels, "rows": rows, "quarters": quarters, "total": total.as_dict()}


def satisfaction_of(ledger: Ledger, unit: str, period: Period | None = None, below: bool = False) -> Tally:
    """The surveys of one unit (with `below`, of its subtree too) combined by sample size."""
    tally = Tally()
    for upath, s in _surveys(ledger, unit, period):
        if below or upath == unit:
            tally.add_counts(s.counts, ledger.config)
    return tally


# ------------------------------------------------------------------ unit scores


def _first_response(item: Item, as_of: date) -> date | None:
    """The unit's first sign of handling: a progress entry, a supervision feedback or a resolution, by `as_of`."""
    dates = [p.date for p in item.progress]
    if item.supervision:
        dates += [f.date for f in item.supervision.feedback]
    dates += [r.resolution.date for r in item.reopenings if r.resolution]
    if item.resolution:
        dates.append(item.resolution.date)
    dates = [d for d in dates if d <= as_of]
    return min(dates) if dates else None


def item_counts(items: list[Item], as_of: date, response_days: int, satisfied_levels: frozenset[str]) -> dict:
    """The counts behind the rates of one unit's items (already filtered to its cohort).

    - response: demands and rectifications whose first response (progress,
      feedback, resolution) came within `response_days` of opening, over those
      whose window has closed by `as_of` or that were answered (an item still
      inside its window with no answer yet is not counted either way).
      Projects are planned work, not requests awaiting an answer: left out.
    - resolved, handled, on time (cohort counts; `unit_scores` replaces the
      first and the third by the roll-up's flow: 办结 ÷ 应办, 按期 ÷ 应按期).
    - reopen: items reopened or returned by `as_of` over items ever resolved;
      returned counts the times sent back by supervision (退回).
    - callback: 回访 answers of resolved items, satisfied over answered.
    """
    c = dict(cohort=0, responded=0, response_base=0, handled=0, resolved=0, on_time=0, on_time_base=0,
             reopened=0, ever_resolved=0, returned=0, callback_answers=0, callback_satisfied=0)
    limit = timedelta(days=response_days)
    for it in items:
        c["cohort"] += 1
        first = _first_response(it, as_of) if it.kind != "project" else None
        if first is not None and first - it.opened <= limit:
            c["responded"] += 1
            c["response_base"] += 1
        elif it.kind != "project" and as_of - it.opened > limit:
            c["response_base"] += 1
        if it.status == "escalated":
            continue
        c["handled"] += 1
        res = it.resolution if it.status in ("resolved", "verified") else None
        done = res is not None and res.date <= as_of
        c["resolved"] += done
        due = judged_due(it)
        if due is not None and (done or due < as_of):
            c["on_time_base"] += 1
            c["on_time"] += done and res.date <= due
        reopenings = [r for r in it.reopenings if r.date <= as_of]
        if done or reopenings:
            c["ever_resolved"] += 1
            c["reopened"] += bool(reopenings)
            c["returned"] += sum(1 for r in reopenings if r.returned)
        if done and res.satisfaction:
            c["callback_answers"] += 1
            c["callback_satisfied"] += res.satisfaction in satisfied_levels
    return c


def composite(response: float | None, resolution: float | None, satisfaction: float | None, config: Config) -> float | None:
    """Weighted composite 0-100 of 响应率, 解决率, 满意率 with shishi.yaml's weights; None when one of them is None."""
    w = config.weights
    parts = [(w.response, response), (w.resolution, resolution), (w.satisfaction, satisfaction)]
    total = sum(weight for weight, _ in parts)
    if any(r is None for _, r in parts) or total == 0:
        return None
    return round(float(sum(weight * Decimal(r) for weight, r in parts) / total * 100), 2)


def scored_units(ledger: Ledger, unit: str = "", depth: int | None = None) -> list[str]:
    """`unit` and the units below it, at most `depth` levels down (None: all), in the ledger's order: the units `unit_scores` scores."""
    base = unit.count("/") + 1 if unit else 0
    return [u for u in ledger.units if in_unit(u, unit) and (depth is None or (u.count("/") + 1 if u else 0) - base <= depth)]


def unit_scores(ledger: Ledger, as_of: date, period: Period | None = None, unit: str = "", depth: int | None = None, tree=None,
                entries=None) -> list[dict]:
    """Scores of `unit` and every unit below it, each on its own ledger, in tree order.

    The cohort of a unit (for 响应率 and 重办率): its items opened in `period`
    (all when None) and by `as_of`, cancelled ones left out. 解决率 (= 办结率)
    and 按期办结率 are the roll-up's flow rates of the unit's own ledger
    (resolved ÷ caseload, on_time ÷ with_due). A row: unit (path), name, tier,
    the counts of `item_counts`, response_rate, resolution_rate, on_time_rate,
    reopen_rate, callback_rate, survey_sample, satisfaction_rate and
    mean_score (its own surveys with quarters overlapping `period`, combined by
    sample size; None without a survey), composite (see `composite`) and rank
    (1 = best composite, ties share a rank; None when unranked). `depth`: only
    `unit` and the units at most that many levels below it are scored and ranked. `tree`: the roll-up of `unit`
    (every level) for `period` as of `as_of`, when the caller has it already. `entries`: the ledger's entries, or
    any list (in their order) holding every one of the scored units' own items (default the ledger's).
    """
    cfg = ledger.config
    if cfg is None:
        raise ShishiError(tr("shishi.yaml 有错误，先运行 shishi check", "shishi.yaml has errors; run shishi check"))
    from shishi.figures.rollup import Filters, rollup

    levels = frozenset(lv.name for lv in cfg.satisfaction if lv.satisfied)
    items: dict[str, list[Item]] = {u: [] for u in scored_units(ledger, unit, depth)}
    for e in ledger.entries if entries is None else entries:
        it = e.item
        if e.unit in items and it.status != "cancelled" and it.opened <= as_of and (period is None or it.opened in period):
            items[e.unit].append(it)
    # 办结率 and 按期率 by the roll-up's flow, on each unit's own ledger: one rule for rollup, report and scores
    own = {}

    def collect(node) -> None:
        own.setdefault(node.unit, node.own)
        for c in node.children:
            collect(c)

    collect(tree if tree is not None else rollup(ledger, unit, Filters(period=period, as_of=as_of)))
    own_surveys: dict[str, Tally] = {u: Tally() for u in items}
    for upath, s in _surveys(ledger, unit, period):  # each survey's unit resolved once, not once per unit
        if upath in own_surveys:
            own_surveys[upath].add_counts(s.counts, cfg)
    rows = []
    for upath in sorted(items, key=lambda p: p.split("/")):
        c = item_counts(items[upath], as_of, cfg.time_limits.response_days, levels)
        fig = own[upath]
        c.update(resolved=fig.resolved, caseload=fig.caseload, on_time=fig.on_time, with_due=fig.with_due)
        sat = own_surveys[upath]
        row = {"unit": upath, "name": ledger.unit_name(upath), "tier": ledger.tier(upath), **c}
        row.update(
            response_rate=_rate(c["responded"], c["response_base"]),
            resolution_rate=fig.resolution_rate,
            on_time_rate=fig.on_time_rate,
            reopen_rate=_rate(c["reopened"], c["ever_resolved"]),
            callback_rate=_rate(c["callback_satisfied"], c["callback_answers"]),
            survey_sample=sat.sample,
            survey_satisfied=sat.satisfied,
            satisfaction_rate=sat.rate,
            mean_score=sat.mean_score,
        )
        # from the exact fractions, so rounding the shown rates never moves a rank
        row["composite"] = composite(_exact(c["responded"], c["response_base"]), _exact(fig.resolved, fig.caseload), _exact(sat.satisfied, sat.sample), cfg)
        rows.append(row)
    _rank(rows)
    return rows


def _rank(rows: list[dict]) -> None:
    ranked = sorted((r for r in rows if r["composite"] is not None), key=lambda r: -r["composite"])
    for i, r in enumerate(ranked):
        r["rank"] = ranked[i - 1]["rank"] if i and ranked[i - 1]["composite"] == r["composite"] else i + 1
    for r in rows:
        r.setdefault("rank", None)


def ranking(rows: list[dict], top: int = 5) -> dict:
    """红黑榜: {"red": the best `top` ranked rows, best first; "black": the worst `top`, worst first; "unranked": the rest}.

    The two lists never share a unit: with fewer than 2×top ranked units each takes half.
    """
    if top < 1:
        raise ShishiError(tr("--top 至少为 1", "--top must be at least 1"))
    ranked = sorted((r for r in rows if r["rank"] is not None), key=lambda r: (r["rank"], r["unit"]))
    n = min(top, len(ranked) // 2)
    return {"red": ranked[:n], "black": ranked[::-1][:n], "unranked": [r for r in rows if r["rank"] is None], "ranked": len(ranked)}


def survey_list_table(data: dict, root_label: str) -> Table:
    """`survey list`: per unit and quarter the sample, answers per level, 满意率 and mean score; per quarter a total."""
    names = [lv["name"] for lv in data["levels"]]
    cols = [Column("quarter", tr("季度", "quarter"), "key"), Column("unit", tr("单位", "unit")), Column("agency", tr("调查机构", "agency")), Column("sample", tr("样本", "sample"), "int"),
            *[Column(f"level_{i}", n, "int") for i, n in enumerate(names)], Column("rate", tr("满意率", "satisfied"), "rate"), Column("mean_score", tr("平均分", "mean score"), "score")]
    rows = [[r["quarter"], r["unit"] or root_label, r["agency"] or "", r["sample"], *[r["counts"][n] for n in names], r["rate"], r["mean_score"]] for r in data["rows"]]
    for q in data["quarters"]:
        rows.append([q["quarter"], tr(f"合计（{q['units']} 个单位）", f"total ({q['units']} units)"), "", q["sample"], *[None] * len(names), q["rate"], q["mean_score"]])
    return Table("surveys", tr("满意度表", "Satisfaction surveys"), cols, rows)


SCORE_COLUMNS = [
    # key, 中文, English, type: each rate right after the two counts it divides
    ("cohort", "事项", "items", "int"),
    ("responded", "及时响应", "answered", "int"),
    ("response_base", "应响应", "to answer", "int"),
    ("response_rate", "响应率", "response", "rate"),
    ("resolved", "办结", "resolved", "int"),
    ("caseload", "应办", "caseload", "int"),
    ("resolution_rate", "解决率", "resolution", "rate"),
    ("survey_satisfied", "满意", "satisfied", "int"),
    ("survey_sample", "样本", "sample", "int"),
    ("satisfaction_rate", "满意率", "satisfaction", "rate"),
    ("on_time", "按期", "on time", "int"),
    ("with_due", "应按期", "due", "int"),
    ("on_time_rate", "按期办结率", "on time", "rate"),
    ("reopened", "重办", "reopened", "int"),
    ("ever_resolved", "曾办结", "ever resolved", "int"),
    ("reopen_rate", "重办率", "reopened", "rate"),
    ("returned", "退回", "returned", "int"),
]

SCORE_NOTE = (
    "响应率 = 及时响应 ÷ 应响应；解决率 = 办结 ÷ 应办（与汇总的办结率同一口径）；满意率 = 满意 ÷ 样本；按期办结率 = 按期 ÷ 应按期；重办率 = 重办 ÷ 曾办结。",
    "response = answered ÷ to answer; resolution = resolved ÷ caseload (the roll-up's resolution rate); satisfaction = satisfied ÷ sample; "
    "on time = on time ÷ due; reopened = reopened ÷ ever resolved.",
)


def scores_table(rows: list[dict], root_label: str) -> Table:
    """`scores`: each unit's rates with the counts each divides, composite and rank."""
    cols = [Column("unit", tr("单位", "unit"))] + [Column(k, tr(zh, en), ty) for k, zh, en, ty in SCORE_COLUMNS]
    cols += [Column("composite", tr("综合得分", "composite"), "qty"), Column("rank", tr("排名", "rank"), "int")]
    out = [[r["unit"] or root_label] + [r[k] for k, *_ in SCORE_COLUMNS] + [None if r["composite"] is None else Decimal(str(r["composite"])), r["rank"]] for r in rows]
    return Table("scores", tr("考核得分", "Scores"), cols, out, note=tr(*SCORE_NOTE))


def red_black_lines(lists: dict, top: int) -> list[str]:
    """红榜 and 黑榜 as two lines, each unit with its composite; fewer than `top` on a list says how many units could be ranked."""
    def names(rs):
        return "、".join(f"{r['name']}（{r['composite']}）" for r in rs) or "—"

    shown = len(lists["red"])
    if shown < top:
        n = lists.get("ranked", shown * 2)
        zh, en = f"；可排名的单位 {n} 个，各列 {shown} 名", f"; {n} units could be ranked, {shown} on each list"
    else:
        zh = en = ""
    return [tr(f"红榜（前 {top} 名{zh}）：{names(lists['red'])}", f"red list (top {top}{en}): {names(lists['red'])}"),
            tr(f"黑榜（后 {top} 名{zh}）：{names(lists['black'])}", f"black list (bottom {top}{en}): {names(lists['black'])}")]
