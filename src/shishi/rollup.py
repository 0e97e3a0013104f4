"""The tier roll-up (汇总): figures of each unit and everything below it.

Counting rules (DESIGN.md):
- registered: an item counts where the problem was first recorded; the item an
  escalation creates continues the original and is not a new registration.
  Cancelled items are not registrations. By opening date within the period.
- resolved: where it was resolved (status resolved or verified), by resolution
  date within the period; so an escalated problem counts once at every level.
- verified: by verification date. open / overdue: still in hand (open or
  in progress), opened by the end of the period; overdue when its due date is
  before the as-of date. escalated: handed on from this unit, by opening date.
- A node's additive figures are exactly its own items' plus its children's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .ledger import Entry, Ledger, in_unit
from .model import Item
from .period import Period
from .schedule import judged_due

ADDITIVE = ("registered", "resolved", "verified", "open", "overdue", "escalated", "cancelled", "beneficiaries", "on_time", "with_due")


@dataclass
class Figures:
    registered: int = 0
    resolved: int = 0
    verified: int = 0
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    cancelled: int = 0
    beneficiaries: int = 0
    on_time: int = 0  # resolved by the due date (of the resolved ones that had one)
    with_due: int = 0  # resolved ones that had a due date
    spent: Decimal = Decimal(0)
    budget: Decimal = Decimal(0)
    survey_sample: int = 0
    survey_satisfied: int = 0
    survey_score: Decimal = Decimal(0)
    callback_answers: int = 0
    callback_satisfied: int = 0
    targets: dict[tuple[str, str], list[Decimal]] = field(default_factory=dict)  # (name, unit) -> [planned, actual]

    def add(self, other: Figures) -> None:
        for k in ADDITIVE + ("survey_sample", "survey_satisfied", "callback_answers", "callback_satisfied"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.spent += other.spent
        self.budget += other.budget
        self.survey_score += other.survey_score
        for key, (planned, actual) in other.targets.items():
            mine = self.targets.setdefault(key, [Decimal(0), Decimal(0)])
            mine[0] += planned
            mine[1] += actual

    # rates: None when there is nothing to divide by (no figure, not zero)
    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.with_due)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved, self.registered)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.survey_satisfied, self.survey_sample)

    @property
    def mean_score(self) -> float | None:
        return None if not self.survey_sample else round(float(self.survey_score / self.survey_sample), 2)

    @property
    def callback_satisfaction_rate(self) -> float | None:
        return _rate(self.callback_satisfied, self.callback_answers)


def _rate(n: int, d: int) -> float | None:
    return None if d == 0 else round(n / d, 4)


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


def contribute(item: Item, fig: Figures, f: Filters, satisfied_levels: frozenset[str], today: date) -> None:
    """Add one item's share to its unit's own figures."""
    p = f.period
    end = p.end if p else None
    s = item.status
    if s != "cancelled" and item.escalated_from is None and (p is None or item.opened in p):
        fig.registered += 1
        if item.budget is not None:
            fig.budget += item.budget
    if s == "cancelled" and (p is None or item.opened in p):
        fig.cancelled += 1
    if s == "escalated" and (p is None or item.opened in p):
        fig.escalated += 1
    res = item.resolution
    if s in ("resolved", "verified") and res is not None and (p is None or res.date in p):
        fig.resolved += 1
        fig.beneficiaries += res.beneficiaries
        if res.spent is not None:
            fig.spent += res.spent
        due = judged_due(item)
        if due is not None:
            fig.with_due += 1
            if res.date <= due:
                fig.on_time += 1
        if res.satisfaction:
            fig.callback_answers += 1
            if res.satisfaction in satisfied_levels:
                fig.callback_satisfied += 1
        for t in item.targets:
            slot = fig.targets.setdefault((t.name, t.unit), [Decimal(0), Decimal(0)])
            slot[0] += t.planned
            slot[1] += t.actual or Decimal(0)
    if s == "verified" and item.verification and (p is None or item.verification.date in p):
        fig.verified += 1
    if s in ("open", "in_progress") and (end is None or item.opened <= end):
        fig.open += 1
        as_of = min(today, end) if end else today
        if item.due is not None and item.due < as_of:
            fig.overdue += 1


def _matches(item: Item, f: Filters) -> bool:
    return (f.kind is None or item.kind == f.kind) and (f.category is None or item.category == f.category)


def rollup(ledger: Ledger, unit: str = "", f: Filters | None = None, depth: int | None = None, entries: Iterable[Entry] | None = None) -> Node:
    """The roll-up tree from `unit` down (depth levels shown, all levels counted)."""
    f = f or Filters()
    today = f.as_of or date.today()
    levels = frozenset(lv.name for lv in ledger.config.satisfaction) if ledger.config else frozenset()
    scores = {lv.name: lv.score for lv in ledger.config.satisfaction} if ledger.config else {}
    own: dict[str, Figures] = {u: Figures() for u in ledger.units if in_unit(u, unit)}
    for e in entries if entries is not None else ledger.entries:
        if e.unit in own and _matches(e.item, f):
            contribute(e.item, own[e.unit], f, levels, today)
    for survey, _rp, _line in ledger.surveys:
        try:
            upath = ledger.resolve_unit(survey.unit)
        except Exception:
            continue  # reported by check
        if upath not in own or (f.period and not _quarter_overlaps(survey.quarter, f.period)):
            continue
        fig = own[upath]
        for level, n in survey.counts.items():
            fig.survey_sample += n
            if level in levels:
                fig.survey_score += scores[level] * n
                if _satisfied(ledger, level):
                    fig.survey_satisfied += n
    return _build(ledger, unit, own, depth)


def _satisfied(ledger: Ledger, level: str) -> bool:
    return any(lv.name == level and lv.satisfied for lv in ledger.config.satisfaction)


def _quarter_overlaps(quarter: str, p: Period) -> bool:
    from .period import parse_period

    q = parse_period(quarter)
    return q.start <= p.end and p.start <= q.end


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


def node_json(node: Node) -> dict:
    """A node in the JSON shape of DESIGN.md (keys of the subtree's totals, `own` for the unit's own items)."""

    def figs(fig: Figures) -> dict:
        return {
            "registered": fig.registered,
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
            "targets": [
                {"name": name, "unit": u, "planned": planned, "actual": actual} for (name, u), (planned, actual) in sorted(fig.targets.items())
            ],
        }

    out = {"unit": node.unit, "name": node.name, "tier": node.tier}
    out.update(figs(node.total))
    out["own"] = figs(node.own)
    out["children"] = [node_json(c) for c in node.children]
    return out
