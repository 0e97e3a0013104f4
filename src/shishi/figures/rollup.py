"""The tier roll-up (汇总): figures of each unit and everything below it.

One cut-off date governs a roll-up: the as-of date, or the end of the period
when that is earlier. Flows count events dated in the period up to the
cut-off; stocks are the state at the cut-off. Counting rules (DESIGN.md):

- registered: where the problem was first recorded, by opening date. The
  item an escalation creates continues the original: it is `received`, not a
  new registration. Items cancelled by the cut-off are `cancelled` instead.
- resolution rate: of the items opened in the period that this unit had to
  solve (registered + received - escalated: its caseload), the share
  resolved by the cut-off; so it never exceeds 100%.
- resolved (+ beneficiaries, spent, on-time, callback satisfaction): where it
  was resolved, by resolution date; so an escalated problem counts once at
  every level. verified: by verification date.
- escalated: handed on from this unit, by opening date.
- open / overdue: in hand at the cut-off (not resolved, cancelled or handed
  on by then), opened by then; overdue when its working deadline (after any
  extension) has passed. on-time: resolved by `schedule.judged_due`.
- budget and targets: on the item that carries the work (not one handed on,
  not cancelled), by opening date.
- A node's additive figures are exactly its own items' plus its children's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from shishi.figures.schedule import judged_due
from shishi.store.ledger import Entry, Ledger, in_unit
from shishi.store.model import DEFAULT_SCALE
from shishi.values import Period, parse_period

ADDITIVE = (
    "registered",
    "received",
    "resolved",
    "settled",
    "verified",
    "open",
    "overdue",
    "escalated",
    "cancelled",
    "beneficiaries",
    "on_time",
    "with_due",
    "spent",
    "budget",
    "survey_sample",
    "survey_satisfied",
    "survey_score",
    "callback_answers",
    "callback_satisfied",
)


@dataclass
class Figures:
    registered: int = 0
    received: int = 0  # continuations of problems escalated to this unit
    resolved: int = 0
    settled: int = 0  # of the period's caseload, resolved by the cut-off
    verified: int = 0
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    cancelled: int = 0
    beneficiaries: int = 0
    on_time: int = 0  # resolved by the judged deadline
    with_due: int = 0  # resolved ones that had a deadline, and those still in hand past it
    spent: Decimal = Decimal(0)
    budget: Decimal = Decimal(0)
    survey_sample: int = 0
    survey_satisfied: int = 0
    survey_score: Decimal = Decimal(0)
    callback_answers: int = 0
    callback_satisfied: int = 0
    targets: dict[tuple[str, str], list[Decimal]] = field(default_factory=dict)  # (name, unit) -> [planned, actual]

    def add(self, other: Figures) -> None:
        for k in ADDITIVE:
            setattr(self, k, getattr(self, k) + getattr(other, k))
        for key, (planned, actual) in other.targets.items():
            mine = self.targets.setdefault(key, [Decimal(0), Decimal(0)])
            mine[0] += planned
            mine[1] += actual

    # rates: None when there is nothing to divide by (no figure, not zero)
    @property
    def caseload(self) -> int:
        """承办: problems this unit had to solve itself — registered and received, less those handed on."""
        return self.registered + self.received - self.escalated

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.with_due)

    @property
    def resolution_rate(self) -> float | None:
        """办结率: of the period's caseload, the share resolved by the cut-off (never above 100%)."""
        return _rate(self.settled, self.caseload)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.survey_satisfied, self.survey_sample)

    @property
    def mean_score(self) -> float | None:
        return None if not self.survey_sample else round(float(self.survey_score / self.survey_sample), 2)

    @property
    def callback_satisfaction_rate(self) -> float | None:
        return _rate(self.callback_satisfied, self.callback_answers)

    @property
    def spending_rate(self) -> float | None:
        """资金执行率: spent / budget."""
        return None if not self.budget else round(float(self.spent / self.budget), 4)


def _rate(n: int, d: int) -> float | None:
    return None if d <= 0 else round(n / d, 4)


@dataclass
class Node:
    unit: str  # path, '' for the root
    name: str
    tier: str  # unit kind
    own: Figures
    total: Figures
    children: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    period: Period | None = None
    kind: str | None = None
    category: str | None = None
    as_of: date | None = None


def cutoff(f: Filters, today: date | None = None) -> date:
    """The one date a roll-up is as of: --as-of (default today), or the period's end when earlier."""
    d = f.as_of or today or date.today()
    return min(d, f.period.end) if f.period else d


def contribute(item, fig: Figures, f: Filters, satisfied_levels: frozenset[str], today: date) -> None:
    """Add one item's share to its unit's own figures; `today` is the cut-off (see `cutoff`).

    Reads only these attributes, so lightweight rows can stand in for Items:
    status, opened, due, escalated_from, budget, resolution (date,
    beneficiaries, spent, satisfaction), verification (date), cancellation
    (date), extensions (milestone, original, approved_by, late), targets (name,
    unit, planned, actual).
    """
    start = f.period.start if f.period else date.min
    end = min(today, f.period.end) if f.period else today

    def within(d: date | None) -> bool:
        return d is not None and start <= d <= end

    s = item.status
    res, ver, can = item.resolution, item.verification, item.cancellation
    resolved = s in ("resolved", "verified") and res is not None and res.date <= end
    cancelled = s == "cancelled" and (can is None or can.date <= end)
    opened = within(item.opened)

    if opened:
        if cancelled:
            fig.cancelled += 1
        elif item.escalated_from is None:
            fig.registered += 1
        else:
            fig.received += 1
        if s == "escalated":
            fig.escalated += 1
        elif not cancelled:  # the work, its money and its targets stay with the item that carries it
            if item.budget is not None:
                fig.budget += item.budget
            for t in item.targets:
                slot = fig.targets.setdefault((t.name, t.unit), [Decimal(0), Decimal(0)])
                slot[0] += t.planned
                if t.actual is not None and (resolved or res is None):
                    slot[1] += t.actual

    if resolved and within(res.date):
        fig.resolved += 1
        fig.beneficiaries += res.beneficiaries
        if res.spent is not None:
            fig.spent += res.spent
        due = judged_due(item)
        if due is not None:
            fig.with_due += 1
            fig.on_time += res.date <= due
        if res.satisfaction:
            fig.callback_answers += 1
            fig.callback_satisfied += res.satisfaction in satisfied_levels
    if resolved and opened:
        fig.settled += 1
    if s == "verified" and resolved and ver is not None and within(ver.date):
        fig.verified += 1
    if not resolved and not cancelled and s != "escalated" and item.opened <= end:
        fig.open += 1
        fig.overdue += item.due is not None and item.due < end  # the working deadline, as `due` and `list --overdue` judge
        due = judged_due(item)
        if due is not None and due < end:  # past its deadline unresolved: late, as `scores` counts it
            fig.with_due += 1


def _matches(item, f: Filters) -> bool:
    return (f.kind is None or item.kind == f.kind) and (f.category is None or item.category == f.category)


def scale(ledger: Ledger) -> list:
    """The satisfaction scale of shishi.yaml (the default five levels without one)."""
    return list(ledger.config.satisfaction) if ledger.config else list(DEFAULT_SCALE)


def satisfied_levels(ledger: Ledger) -> frozenset[str]:
    return frozenset(lv.name for lv in scale(ledger) if lv.satisfied)


def surveys_in(ledger: Ledger, unit: str, f: Filters, today: date | None = None):
    """(unit path, survey) of the surveys of units at or below `unit` whose quarter overlaps the period up to the cut-off."""
    end = cutoff(f, today)
    for survey, _rp, _line in ledger.surveys:
        try:
            upath = ledger.resolve_unit(survey.unit)
        except Exception:
            continue  # reported by check
        q = parse_period(survey.quarter)
        if not in_unit(upath, unit) or upath not in ledger.units or q.start > end:
            continue
        if f.period and not (q.start <= f.period.end and f.period.start <= q.end):
            continue
        yield upath, survey


def rollup(ledger: Ledger, unit: str = "", f: Filters | None = None, depth: int | None = None, entries: Iterable[Entry] | None = None) -> Node:
    """The roll-up tree from `unit` down (depth levels shown, all levels counted)."""
    f = f or Filters()
    end = cutoff(f)
    levels = satisfied_levels(ledger)
    own: dict[str, Figures] = {u: Figures() for u in ledger.units if in_unit(u, unit)}
    for e in entries if entries is not None else ledger.entries:
        if e.unit in own and _matches(e.item, f):
            contribute(e.item, own[e.unit], f, levels, end)
    _add_surveys(ledger, unit, f, own)
    return _build(ledger, unit, own, depth)


def _add_surveys(ledger: Ledger, unit: str, f: Filters, own: dict[str, Figures]) -> None:
    levels = {lv.name: lv for lv in scale(ledger)}
    for upath, survey in surveys_in(ledger, unit, f):
        fig = own[upath]
        for name, n in survey.counts.items():
            lv = levels.get(name)
            if lv is None:
                continue  # a level outside the scale: reported by check, not guessed at
            fig.survey_sample += n
            fig.survey_score += lv.score * n
            if lv.satisfied:
                fig.survey_satisfied += n


def breakdown(ledger: Ledger, unit: str, f: Filters, key: Callable[[object], str | None]) -> dict[str | None, Figures]:
    """Figures of the items at or below `unit`, grouped by key(item) (e.g. category), by the same rules."""
    end = cutoff(f)
    levels = satisfied_levels(ledger)
    out: dict[str | None, Figures] = {}
    for e in ledger.entries:
        if in_unit(e.unit, unit) and _matches(e.item, f):
            contribute(e.item, out.setdefault(key(e.item), Figures()), f, levels, end)
    return out


def _build(ledger: Ledger, unit: str, own: dict[str, Figures], depth: int | None) -> Node:
    def build(path: str, level: int) -> Node:
        total = Figures()
        total.add(own[path])
        children = [build(c, level + 1) for c in ledger.units[path].children if c in own]
        for c in children:
            total.add(c.total)
        node = Node(path, ledger.unit_name(path), ledger.tier(path), own[path], total, children)
        if depth is not None and level >= depth:
            node.children = []
        return node

    return build(unit, 0)


def figures_json(fig: Figures) -> dict:
    """The figures of DESIGN.md's JSON shape (money as Decimal, rates as fractions or None)."""
    return {
        "registered": fig.registered,
        "received": fig.received,
        "resolved": fig.resolved,
        "verified": fig.verified,
        "open": fig.open,
        "overdue": fig.overdue,
        "escalated": fig.escalated,
        "cancelled": fig.cancelled,
        "beneficiaries": fig.beneficiaries,
        "spent": fig.spent,
        "budget": fig.budget,
        "on_time_rate": fig.on_time_rate,
        "resolution_rate": fig.resolution_rate,
        "satisfaction_rate": fig.satisfaction_rate,
        "mean_score": fig.mean_score,
        "survey_sample": fig.survey_sample,
        "callback_satisfaction_rate": fig.callback_satisfaction_rate,
        "targets": [{"name": name, "unit": u, "planned": planned, "actual": actual} for (name, u), (planned, actual) in sorted(fig.targets.items())],
    }


def node_json(node: Node) -> dict:
    """A node in the JSON shape of DESIGN.md (keys of the subtree's totals, `own` for the unit's own items)."""
    out = {"unit": node.unit, "name": node.name, "tier": node.tier}
    out.update(figures_json(node.total))
    out["own"] = figures_json(node.own)
    out["children"] = [node_json(c) for c in node.children]
    return out
