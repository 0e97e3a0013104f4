"""The tier roll-up (汇总): figures of each unit and everything below it.

One cut-off date governs a roll-up: the as-of date, or the end of the period
when that is earlier. Every item is in a unit's hand from its opening date
until it leaves: resolved (resolution date), cancelled (cancellation date) or
escalated (the opening date of the item that continues it). For a node (a unit
with its subtree) and a period, one flow holds (DESIGN.md):

    carried_in + registered + received − escalated − resolved − cancelled = in_hand

- carried_in: in hand on the day before the period starts; in_hand: at the cut-off.
- registered: opened in the period where the problem was first recorded (an
  item an escalation creates continues the original: not a registration).
- received / escalated: continuations opened in the node, originals handed on
  from it — only across the node's boundary: a village's escalation to its own
  town is internal to the town's subtree and counts in neither.
- resolved, cancelled: by the dated record, in the period. A reopened item
  counts only by its current resolution (重办 voids the earlier one).
- 办结率 is a flow rate: resolved ÷ caseload (应办 = resolved + in_hand = carried_in
  + registered + received − escalated − cancelled), never above 100%.
- 按期率: on_time ÷ with_due (resolved in the period that had a deadline, and
  those in hand at the cut-off past it); on time: by `schedule.judged_due`.
- 满意率: satisfied answers ÷ sample of the third-party surveys.
- beneficiaries, spent, callback: on the resolutions counted; verified: by
  verification date; budget and targets: on the item that carries the work
  (not one handed on, not cancelled), by opening date.
- open (= in_hand) and overdue (in hand past its working deadline) at the cut-off.
- A node's additive figures are exactly its own items' plus its children's;
  received and escalated are its units' less the escalations inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from operator import add, attrgetter

from shishi.figures.schedule import judged_due
from shishi.store.dates import closed_on
from shishi.store.ledger import Entry, Ledger, in_unit
from shishi.values import Period, parse_period

ADDITIVE = (
    "carried_in",
    "registered",
    "transfers_in",
    "transfers_out",
    "internal",
    "resolved",
    "cancelled",
    "in_hand",
    "verified",
    "overdue",
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
    carried_in: int = 0  # in hand the day before the period starts
    registered: int = 0
    transfers_in: int = 0  # continuations of escalated problems opened here, from anywhere
    transfers_out: int = 0  # problems handed on from here, to anywhere
    internal: int = 0  # escalations with both ends inside the node (a node's totals only)
    resolved: int = 0
    cancelled: int = 0
    in_hand: int = 0  # at the cut-off
    verified: int = 0
    overdue: int = 0
    beneficiaries: int = 0
    on_time: int = 0  # resolved in the period by the judged deadline
    with_due: int = 0  # resolved in the period with a deadline, and those in hand past it
    spent: Decimal = Decimal(0)
    budget: Decimal = Decimal(0)
    survey_sample: int = 0
    survey_satisfied: int = 0
    survey_score: Decimal = Decimal(0)
    callback_answers: int = 0
    callback_satisfied: int = 0
    targets: dict[tuple[str, str], list[Decimal]] = field(default_factory=dict)  # (name, unit) -> [planned, actual]

    def add(self, other: Figures) -> None:
        mine, theirs = self.__dict__, other.__dict__  # the fields themselves: a node's totals add thousands of these
        for k in ADDITIVE:
            mine[k] += theirs[k]
        for key, (planned, actual) in other.targets.items():
            mine = self.targets.setdefault(key, [Decimal(0), Decimal(0)])
            mine[0] += planned
            mine[1] += actual

    @property
    def received(self) -> int:
        """接收: escalated problems that came in across the boundary."""
        return self.transfers_in - self.internal

    @property
    def escalated(self) -> int:
        """上报: problems handed on across the boundary."""
        return self.transfers_out - self.internal

    @property
    def open(self) -> int:
        return self.in_hand

    @property
    def caseload(self) -> int:
        """应办: carried in + registered + received − escalated − cancelled (= resolved + in hand)."""
        return self.carried_in + self.registered + self.received - self.escalated - self.cancelled

    # rates: None when there is nothing to divide by (no figure, not zero)
    @property
    def resolution_rate(self) -> float | None:
        """办结率 = 办结 ÷ 应办."""
        return _rate(self.resolved, self.caseload)

    @property
    def on_time_rate(self) -> float | None:
        """按期率 = 按期 ÷ 应按期."""
        return _rate(self.on_time, self.with_due)

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


_ZERO = {k: v for k, v in Figures().__dict__.items() if k != "targets"}


def _zero() -> Figures:
    """Figures() for ten thousand units: the fields copied at once rather than set one by one."""
    fig = Figures.__new__(Figures)
    fig.__dict__.update(_ZERO)
    fig.targets = {}
    return fig


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


class Links:
    """The two ends of every escalation of the tree, found from the continuations' `escalated_from`."""

    def __init__(self, entries: Iterable[Entry]):
        self.unit: dict[str, str] = {}  # item ID -> unit path
        self.onward: dict[str, tuple[str, date, object]] = {}  # original's ID -> (unit, opening, item) of its continuation
        for e in entries:
            it = e.item
            self.unit[it.id] = e.unit
            if it.escalated_from:
                had = self.onward.get(it.escalated_from)
                if had is None or it.opened < had[1]:
                    self.onward[it.escalated_from] = (e.unit, it.opened, it)

    def handed_on(self, item) -> date | None:
        """The day an escalated item left its unit: its continuation's opening (its own, when the link is broken)."""
        if item.status != "escalated":
            return None
        nxt = self.onward.get(item.id)
        return item.opened if nxt is None or nxt[1] < item.opened else nxt[1]

    def origin(self, item) -> str | None:
        """The unit an escalation came from (None: not a continuation, or a broken link)."""
        return self.unit.get(item.escalated_from) if item.escalated_from else None

    def onward_of(self, item) -> tuple[str, date, object] | None:
        """(unit, opening, item) of the continuation of an escalated item, None when there is none."""
        return self.onward.get(item.id) if item.status == "escalated" else None


def exit_of(item, handed_on: date | None) -> tuple[str | None, date | None]:
    """How and when an item left its unit's hand: resolved, cancelled, escalated, or (None, None) while in hand."""
    s = item.status
    if s == "escalated":
        return "escalated", max(handed_on or item.opened, item.opened)
    d = closed_on(item)  # a record dated before the opening leaves on the opening day (check reports it)
    if d is None:
        return None, None
    return ("cancelled" if s == "cancelled" else "resolved"), d


def contribute(item, fig: Figures, f: Filters, satisfied_levels: frozenset[str], today: date, handed_on: date | None = None,
               received: bool = True, escalated: bool = True) -> None:
    """Add one item's share to a unit's figures; `today` is the cut-off (see `cutoff`).

    `handed_on`: for an escalated item, the day it left (`Links.handed_on`).
    `received` / `escalated` False: the other end of the escalation is inside
    the figures' scope, so the move is no event of it (the pair's flow holds:
    the problem stays in hand). Reads only these attributes, so lightweight
    rows can stand in for Items: status, opened, due, escalated_from, budget,
    resolution (date, beneficiaries, spent, satisfaction), verification (date),
    cancellation (date), extensions (milestone, original, approved_by, late),
    targets (name, unit, planned, actual).
    """
    end = min(today, f.period.end) if f.period else today
    start = min(f.period.start, end + timedelta(days=1)) if f.period else date.min  # a cut-off before the period: nothing happened in it yet
    o = item.opened
    if o > end:
        return
    how, left = exit_of(item, handed_on)
    gone = how is not None and left <= end  # left by the cut-off
    if o < start:
        if how is None or left >= start:
            fig.carried_in += 1
    elif item.escalated_from is None:
        fig.registered += 1
    elif received:
        fig.transfers_in += 1
    if not gone:
        fig.in_hand += 1
        fig.overdue += item.due is not None and item.due < end  # the working deadline, as `due` and `list --overdue` judge
        due = judged_due(item)
        if due is not None and due < end:  # past its deadline unresolved: late, as `scores` counts it
            fig.with_due += 1
    elif left >= start:
        if how == "escalated":
            fig.transfers_out += escalated
        elif how == "cancelled":
            fig.cancelled += 1
        else:
            res = item.resolution
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
    ver = item.verification
    if item.status == "verified" and how == "resolved" and ver is not None and start <= ver.date <= end:
        fig.verified += 1
    if start <= o and how not in ("escalated", "cancelled"):  # the work, its money and its targets stay with the item that carries it
        if item.budget is not None:
            fig.budget += item.budget
        resolved = how == "resolved" and gone
        for t in item.targets:
            slot = fig.targets.setdefault((t.name, t.unit), [Decimal(0), Decimal(0)])
            slot[0] += t.planned
            if t.actual is not None and (resolved or item.resolution is None):
                slot[1] += t.actual


def _matches(item, f: Filters) -> bool:
    return (f.kind is None or item.kind == f.kind) and (f.category is None or item.category == f.category)


def scale(ledger: Ledger) -> list:
    """The satisfaction scale of shishi.yaml (the default five levels without one)."""
    if ledger.config:
        return list(ledger.config.satisfaction)
    from shishi.store.model import DEFAULT_SCALE

    return list(DEFAULT_SCALE)


def satisfied_levels(ledger: Ledger) -> frozenset[str]:
    return frozenset(lv.name for lv in scale(ledger) if lv.satisfied)


def surveys_in(ledger: Ledger, unit: str, f: Filters, today: date | None = None):
    """(unit path, survey) of the surveys of units at or below `unit` whose quarter overlaps the period up to the cut-off."""
    end = cutoff(f, today)
    for survey, _rp, _line in ledger.surveys:
        upath = _survey_unit(ledger, survey.unit, survey.quarter, unit, f, end)
        if upath is not None:
            yield upath, survey


def _survey_unit(ledger: Ledger, name: str, quarter: str, unit: str, f: Filters, end: date) -> str | None:
    """The unit path of a survey when it counts in the roll-up of `unit` (see `surveys_in`), else None."""
    try:
        upath = ledger.resolve_unit(name)
    except Exception:
        return None  # reported by check
    q = parse_period(quarter)
    if not in_unit(upath, unit) or upath not in ledger.units or q.start > end:
        return None
    if f.period and not (q.start <= f.period.end and f.period.start <= q.end):
        return None
    return upath


def _common(a: str, b: str) -> str:
    """The lowest unit holding both paths."""
    if a.startswith(b + "/") or not b:  # an escalation to a unit above (most are)
        return b
    pa, pb = a.split("/") if a else [], b.split("/") if b else []
    n = 0
    while n < min(len(pa), len(pb)) and pa[n] == pb[n]:
        n += 1
    return "/".join(pa[:n])


def rollup(ledger: Ledger, unit: str = "", f: Filters | None = None, depth: int | None = None, entries: Iterable[Entry] | None = None) -> Node:
    """The roll-up tree from `unit` down (depth levels shown, all levels counted).

    A ledger read through the index is counted by SQL over it (`_sql_figures`);
    otherwise, or for `entries` given, item by item here: the reference.
    """
    f = f or Filters()
    source = indexed(ledger) if entries is None else None
    if source is not None:
        own, internal = _sql_figures(ledger, source, unit, f)
        return _build(ledger, unit, own, internal, depth)
    end = cutoff(f)
    levels = satisfied_levels(ledger)
    entries = list(entries if entries is not None else ledger.entries)
    links = Links(entries)
    start = min(f.period.start, end + timedelta(days=1)) if f.period else date.min
    own: dict[str, Figures] = {u: Figures() for u in ledger.units if in_unit(u, unit)}
    internal: dict[str, Figures] = {}
    for e in entries:
        it = e.item
        if e.unit not in own or not _matches(it, f):
            continue
        handed = links.handed_on(it)
        contribute(it, own[e.unit], f, levels, end, handed)
        nxt = links.onward_of(it)
        if nxt is not None and nxt[0] in own and _matches(nxt[2], f) and start <= handed <= end:
            # a move inside the roll-up, on the day its continuation opened: internal to every node holding both ends
            internal.setdefault(_common(e.unit, nxt[0]), Figures()).internal += 1
    _add_surveys(ledger, unit, f, own)
    return _build(ledger, unit, own, internal, depth)


def _add_surveys(ledger: Ledger, unit: str, f: Filters, own: dict[str, Figures], surveys=None) -> None:
    """Add the surveys' answers to the units' figures; `surveys`: (unit as written, quarter, [(level, count) …]) of
    each survey, default those of `ledger.surveys`."""
    levels = {lv.name: lv for lv in scale(ledger)}
    end = cutoff(f)
    if surveys is None:
        surveys = ((s.unit, s.quarter, s.counts.items()) for s, _rp, _line in ledger.surveys)
    for name, quarter, counts in surveys:
        upath = _survey_unit(ledger, name, quarter, unit, f, end)
        if upath is None:
            continue
        fig = own[upath]
        for level, n in counts:
            lv = levels.get(level)
            if lv is None:
                continue  # a level outside the scale: reported by check, not guessed at
            fig.survey_sample += n
            fig.survey_score += lv.score * n
            if lv.satisfied:
                fig.survey_satisfied += n


def indexed(ledger: Ledger):
    """The index snapshot a ledger's entries were read from (store.index.Source), or None: then count item by item."""
    source = getattr(ledger, "index", None)
    return source if source is not None and source.entries is ledger.entries else None


def _sql_figures(ledger: Ledger, source, unit: str, f: Filters) -> tuple[dict[str, Figures], dict[str, Figures]]:
    """(own figures per unit, internal moves per node) by SQL: what `rollup`'s loop over the entries gives.

    The items not escalated are summed by unit in SQL; the escalated ones (a few in a hundred) are counted
    here from their rows, by `contribute`'s rules, with their continuations paired as `Links` pairs them.
    """
    from itertools import groupby

    from shishi.store.sums import MAIN_COLUMNS, dsum, rollup_rows, survey_rows

    end_d = cutoff(f)
    start_d = min(f.period.start, end_d + timedelta(days=1)) if f.period else date.min
    start, end = start_d.isoformat(), end_d.isoformat()  # ISO dates compare as the dates do
    own: dict[str, Figures] = {u: _zero() for u in ledger.units if not unit or in_unit(u, unit)}
    internal: dict[str, Figures] = {}
    main, moves, targets = rollup_rows(source, start, end, f.kind, f.category, sorted(satisfied_levels(ledger)), f.period is not None)
    n = len(MAIN_COLUMNS)
    seen: set[str] = set()
    for row in main:
        u = row[0]
        fig = own.get(u)
        if fig is None:
            continue
        d = fig.__dict__
        if u in seen:  # a unit's second row (its files' partial sums, then its other files' items)
            for k, v in zip(MAIN_COLUMNS, row[1 : 1 + n], strict=True):
                if v:
                    d[k] += v
        else:  # the fields are still 0: set at once (ten thousand units)
            seen.add(u)
            d.update(zip(MAIN_COLUMNS, [v or 0 for v in row[1 : 1 + n]], strict=True))
        if row[1 + n] is not None:
            fig.spent += dsum(row[1 + n])
        if row[2 + n] is not None:
            fig.budget += dsum(row[2 + n])
    onward = _onward(moves, {p: i for i, p in enumerate(source.files)})
    wanted = lambda kind, cat: (f.kind is None or kind == f.kind) and (f.category is None or cat == f.category)  # noqa: E731
    for came, status, iid, u, o, due, judged, kind, cat, _file, _seq in moves:
        fig = own.get(u)
        if status != "escalated" or fig is None or o > end or not wanted(kind, cat):
            continue
        nxt = onward.get(iid)
        if _escalated_share(fig, o, nxt, came, True, due, judged, start, end):
            fig.transfers_out += 1
            if nxt is not None and nxt[1] in own and wanted(nxt[3], nxt[4]):  # a move inside the roll-up: internal to every node holding both ends
                internal.setdefault(_common(u, nxt[1]), Figures()).internal += 1
    for u, name, measure, planned, actual in targets:
        if u in own:
            slot = own[u].targets.get((name, measure))
            if slot is None:
                own[u].targets[(name, measure)] = [dsum(planned), dsum(actual)]
            else:  # its files' partial sums, then its other files' items
                slot[0] += dsum(planned)
                slot[1] += dsum(actual)
    rows = survey_rows(source)
    surveys = ((g[0][2], g[0][3], [(r[4], r[5]) for r in g]) for g in (list(grp) for _k, grp in groupby(rows, key=lambda r: (r[0], r[1]))))
    _add_surveys(ledger, unit, f, own, surveys)
    return own, internal


def breakdown(ledger: Ledger, unit: str, f: Filters, key: Callable[[object], str | None]) -> dict[str | None, Figures]:
    """Figures of the items at or below `unit`, grouped by key(item) (e.g. category), by the same rules.

    An escalation inside `unit` is no move of the whole: the continuation is
    not received, the original not escalated; each group's flow holds when
    both ends share the group (a continuation keeps kind and category).
    """
    end = cutoff(f)
    levels = satisfied_levels(ledger)
    links = Links(ledger.entries)
    out: dict[str | None, Figures] = {}
    for e in ledger.entries:
        it = e.item
        if in_unit(e.unit, unit) and _matches(it, f):
            came, nxt = links.origin(it), links.onward_of(it)
            contribute(it, out.setdefault(key(it), Figures()), f, levels, end, links.handed_on(it),
                       received=not (came is not None and in_unit(came, unit)), escalated=not (nxt is not None and in_unit(nxt[0], unit)))
    return out


def kind_category_breakdown(ledger: Ledger, unit: str, f: Filters) -> dict[tuple[str, str | None], Figures]:
    """`breakdown(ledger, unit, f, lambda item: (item.kind, item.category))`: by SQL over the index when the ledger
    was read through it (`indexed`), item by item otherwise (the reference)."""
    source = indexed(ledger)
    if source is None:
        return breakdown(ledger, unit, f, lambda item: (item.kind, item.category))
    from shishi.store.sums import MAIN_COLUMNS, breakdown_rows, dsum

    end_d = cutoff(f)
    start_d = min(f.period.start, end_d + timedelta(days=1)) if f.period else date.min
    start, end = start_d.isoformat(), end_d.isoformat()
    main, moves, targets, origins, later = breakdown_rows(source, unit, start, end, f.kind, f.category, sorted(satisfied_levels(ledger)),
                                                          f.period is not None)
    out: dict = {(k, c): Figures() for k, c in later}
    n = len(MAIN_COLUMNS)
    for row in main:
        fig = out.setdefault((row[0], row[1]), Figures())
        for k, v in zip(MAIN_COLUMNS, row[2 : 2 + n], strict=True):
            if v:
                setattr(fig, k, getattr(fig, k) + v)
        fig.spent += dsum(row[2 + n])
        fig.budget += dsum(row[3 + n])
    order = {p: i for i, p in enumerate(source.files)}
    where: dict[str, tuple] = {}  # ID -> (file order, place), unit: the last item read with it, as `Links.unit` keeps
    for iid, u, file, seq in origins:
        key = (order.get(file, len(order)), seq)
        if iid not in where or key > where[iid][0]:
            where[iid] = (key, u)
    onward = _onward(moves, order)
    inside = lambda iid: iid in where and in_unit(where[iid][1], unit)  # noqa: E731  an escalation's other end inside the unit: no move
    for came, status, iid, u, o, due, judged, kind, cat, _file, _seq in moves:
        if not in_unit(u, unit) or not ((f.kind is None or kind == f.kind) and (f.category is None or cat == f.category)):
            continue
        fig = out.setdefault((kind, cat), Figures())
        if o > end:
            continue
        if status != "escalated":  # the main query counted it received: not when it came from inside
            fig.transfers_in -= o >= start and came is not None and inside(came)
            continue
        nxt = onward.get(iid)
        if _escalated_share(fig, o, nxt, came, not inside(came), due, judged, start, end):
            fig.transfers_out += not (nxt is not None and in_unit(nxt[1], unit))
    for kind, cat, name, measure, planned, actual in targets:
        slot = out.setdefault((kind, cat), Figures()).targets.setdefault((name, measure), [Decimal(0), Decimal(0)])
        slot[0] += dsum(planned)  # the covered files' partial sums, then the other files' items
        slot[1] += dsum(actual)
    return out


def _onward(moves, order: dict[str, int]) -> dict[str, tuple]:
    """Original's ID -> ((opening, file order, place), unit, opening, kind, category) of its continuation, from
    MOVES_SQL's rows, as `Links` pairs them: the earliest opening, ties by load order."""
    onward: dict[str, tuple] = {}
    for came, _st, _id, u, o, _due, _judged, kind, cat, file, seq in moves:
        if came is not None:
            key = (o, order.get(file, len(order)), seq)
            had = onward.get(came)
            if had is None or key < had[0]:
                onward[came] = (key, u, o, kind, cat)
    return onward


def _escalated_share(fig: Figures, o, nxt, came, received: bool, due, judged, start, end) -> bool:
    """An escalated item's share, counted from its row by `contribute`'s rules; True when it was handed on in the
    period (the caller says whether that is a move out). `nxt`: its continuation from `_onward`, or None."""
    left = o if nxt is None or nxt[2] < o else nxt[2]  # handed on when its continuation opened (its own opening when the link is broken)
    if o < start:
        fig.carried_in += left >= start
    elif came is None:
        fig.registered += 1
    elif received:
        fig.transfers_in += 1
    if left > end:
        fig.in_hand += 1
        fig.overdue += due is not None and due < end
        fig.with_due += judged is not None and judged < end
        return False
    return left >= start


_VALUES = attrgetter(*ADDITIVE)


def _build(ledger: Ledger, unit: str, own: dict[str, Figures], internal: dict[str, Figures], depth: int | None) -> Node:
    """The tree of nodes from `unit` down to `depth`: each total its own figures, its internal moves and its
    children's totals (all levels counted: the additive fields as plain values, Figures made for the nodes shown)."""
    units, zero = ledger.units, _VALUES(Figures())

    def build(path: str, level: int) -> tuple[list, dict, Node | None]:
        mine = own[path]
        values = list(map(add, zero, _VALUES(mine)))  # from 0, as Figures().add(mine) sums (a Decimal's exponent too)
        targets = {key: [Decimal(0) + planned, Decimal(0) + actual] for key, (planned, actual) in mine.targets.items()}
        if path in internal:
            values = list(map(add, values, _VALUES(internal[path])))
        children = []
        for c in units[path].children:
            if c in own:
                v, t, node = build(c, level + 1)
                values = list(map(add, values, v))
                for key, (planned, actual) in t.items():
                    slot = targets.setdefault(key, [Decimal(0), Decimal(0)])
                    slot[0] += planned
                    slot[1] += actual
                if node is not None:
                    children.append(node)
        if depth is not None and level > depth:
            return values, targets, None
        total = Figures.__new__(Figures)
        total.__dict__.update(zip(ADDITIVE, values, strict=True))
        total.targets = targets
        return values, targets, Node(path, ledger.unit_name(path), ledger.tier(path), mine, total, children)

    return build(unit, 0)[2]


def figures_json(fig: Figures) -> dict:
    """The figures of DESIGN.md's JSON shape (money as Decimal, rates as fractions or None) with the counts each rate divides."""
    return {
        "carried_in": fig.carried_in,
        "registered": fig.registered,
        "received": fig.received,
        "escalated": fig.escalated,
        "resolved": fig.resolved,
        "cancelled": fig.cancelled,
        "in_hand": fig.in_hand,
        "caseload": fig.caseload,
        "verified": fig.verified,
        "open": fig.open,
        "overdue": fig.overdue,
        "beneficiaries": fig.beneficiaries,
        "spent": fig.spent,
        "budget": fig.budget,
        "on_time": fig.on_time,
        "with_due": fig.with_due,
        "on_time_rate": fig.on_time_rate,
        "resolution_rate": fig.resolution_rate,
        "survey_sample": fig.survey_sample,
        "survey_satisfied": fig.survey_satisfied,
        "satisfaction_rate": fig.satisfaction_rate,
        "mean_score": fig.mean_score,
        "callback_answers": fig.callback_answers,
        "callback_satisfied": fig.callback_satisfied,
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
