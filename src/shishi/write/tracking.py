"""The tracking mechanism's write operations and the 督办台账.

Deadline extensions (延期), supervision (督查督办: findings, flags, feedback,
退回) and quarterly third-party surveys (满意度调查). Item changes go through
`ops.add` / `ops.modify`, so they touch only their item's block under the
tree's lock; a survey is appended as a new block to `surveys/<quarter>.yaml`
under the same lock with an atomic write. Every check runs before any file is
touched: a refused operation raises ShishiError and changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from shishi.errors import ShishiError
from shishi.figures.schedule import LEVEL_ORDER
from shishi.i18n import tr
from shishi.store import tree as t
from shishi.store.ledger import Ledger, in_unit, load_units, parse_text, validate_record
from shishi.store.model import SUPERVISION_LEVELS, Extension, Feedback, Item, Reopening, Supervision, SurveyEntry
from shishi.store.yamlio import atomic_write, dump_items, newline_of
from shishi.write import items as ops
from shishi.write.lock import write_lock

QUARTER_RE = re.compile(r"^(\d{4})[Qq]([1-4])$")

# ------------------------------------------------------------------ arguments


def parse_level(text: str) -> str:
    """A supervision level: 一般, 重要, 紧急 or 挂牌 ('挂牌督办' accepted for 挂牌)."""
    s = text.strip()
    s = s[:-2] if s.endswith("督办") and s != "督办" else s
    if s not in SUPERVISION_LEVELS:
        raise ShishiError(tr(f"督办级别应为 {'、'.join(SUPERVISION_LEVELS)} 之一：{text}", f"supervision level must be one of {', '.join(SUPERVISION_LEVELS)}: {text}"))
    return s


def parse_quarter(text: str) -> str:
    """'2021Q3' (or '2021q3') -> '2021Q3'; refuses 2021Q5 and other forms."""
    m = QUARTER_RE.match(str(text).strip())
    if not m:
        raise ShishiError(tr(f"季度应写成 2021Q3（第 1–4 季度）：{text}", f"a quarter is written 2021Q3 (quarters 1-4): {text}"))
    return f"{m.group(1)}Q{m.group(2)}"


def parse_counts(text: str) -> dict[str, int]:
    """'很满意=120,满意=60' (，、; also separate) -> {'很满意': 120, '满意': 60}; counts are whole numbers ≥ 0."""
    counts: dict[str, int] = {}
    for part in re.split(r"[,，、;；]", text):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ShishiError(tr(f"人数应写成 等级=人数，如 很满意=120：{part.strip()}", f"counts are written LEVEL=N, e.g. 很满意=120: {part.strip()}"))
        name = name.strip()
        if name in counts:
            raise ShishiError(tr(f"等级“{name}”写了两次", f"level '{name}' is given twice"))
        counts[name] = _count(value, name)
    return counts


def _count(value: object, level: str) -> int:
    s = str(value).strip()
    if not re.fullmatch(r"[+-]?\d+", s):
        raise ShishiError(tr(f"“{level}”的人数应为整数：{s}", f"the count of '{level}' must be a whole number: {s}"))
    n = int(s)
    if n < 0:
        raise ShishiError(tr(f"“{level}”的人数不能为负：{n}", f"the count of '{level}' cannot be negative: {n}"))
    if n > 1_000_000_000:
        raise ShishiError(tr(f"“{level}”的人数过大：{n}", f"the count of '{level}' is too large: {n}"))
    return n


def _day(when, today: date | None, what: str = "--date") -> date:
    return ops.parse_date(when, what) or today or date.today()


def _in_hand(item: Item, action_zh: str, action_en: str) -> None:
    ops._require(item, ops.OPEN_STATES, action_zh, action_en)


def _supervised(item: Item) -> Supervision:
    if item.supervision is None:
        raise ShishiError(tr(f"{item.id} 未列入督办（先用 shishi supervise flag）", f"{item.id} is not under supervision (use shishi supervise flag first)"))
    return item.supervision


# ------------------------------------------------------------------ deadlines


def extend(
    root: Path,
    item_id: str,
    to: str | date,
    reason: str,
    *,
    approved_by: str | None = None,
    milestone: str | None = None,
    late: bool = False,
    when: str | date | None = None,
    today: date | None = None,
) -> Item:
    """延期: move an item's due date (or a milestone's) to `to`, keeping the original on record.

    Only before the date passes; afterwards only with `late`, and the item then
    counts as late (`schedule.judged_due`). `late` on a date not yet passed is
    refused, so the flag always means what it says. Moving the due date of a
    supervised item moves its rectification deadline along when they were the same.
    """
    d = _day(when, today)
    new = ops.parse_date(to, "--to")
    if not reason.strip():
        raise ShishiError(tr("延期须写明原因 --reason", "an extension needs a --reason"))

    def change(item: Item, _ledger: Ledger) -> Item:
        _in_hand(item, "延期（只有未办结的事项可以延期）", "extend it (only items in hand)")
        ops._not_before(d, item.opened, "登记日期", "opening date")
        if milestone is not None:
            ms = next((m for m in item.milestones if m.name == milestone), None)
            if ms is None:
                names = "、".join(m.name for m in item.milestones) or tr("无", "none")
                raise ShishiError(tr(f"{item.id} 没有节点“{milestone}”（已有：{names}）", f"{item.id} has no milestone '{milestone}' (has: {names})"))
            if ms.done is not None:
                raise ShishiError(tr(f"节点“{milestone}”已于 {ms.done} 完成，无需延期", f"milestone '{milestone}' was done on {ms.done}; nothing to extend"))
            current = ms.due
        else:
            if item.due is None:
                raise ShishiError(tr(f"{item.id} 没有完成时限，无从延期", f"{item.id} has no due date to extend"))
            current = item.due
        what_zh = f"节点“{milestone}”" if milestone else "完成时限"
        what_en = f"milestone '{milestone}'" if milestone else "the due date"
        if new <= current:
            raise ShishiError(tr(f"延期后的日期 {new} 应晚于现在的{what_zh} {current}", f"the new date {new} must be after {what_en} {current}"))
        if new < d:
            raise ShishiError(tr(f"延期后的日期 {new} 早于延期日期 {d}", f"the new date {new} is before the date of the extension {d}"))
        passed = current < d
        if passed and not late:
            raise ShishiError(
                tr(
                    f"{what_zh} {current} 已过，延期应在到期前申请；确需补记请加 --late（计为逾期）",
                    f"{what_en} {current} has passed; an extension must be asked before it; to record it anyway add --late (counted as late)",
                )
            )
        if late and not passed:
            raise ShishiError(tr(f"{what_zh} {current} 尚未过期，不能记为逾期延期（去掉 --late）", f"{what_en} {current} has not passed; drop --late"))
        item.extensions.append(Extension(date=d, milestone=milestone, original=current, to=new, reason=reason, approved_by=approved_by, late=late))
        if milestone is not None:
            ms.due = new
        else:
            sup = item.supervision
            if sup is not None and sup.deadline == item.due:
                sup.deadline = new
            item.due = new
        return item

    return ops.modify(root, item_id, change)


# ------------------------------------------------------------------ supervision


def supervise_add(
    root: Path,
    unit: str,
    finding: str,
    deadline: str | date,
    *,
    level: str = "一般",
    by: str | None = None,
    notice: str | None = None,
    category: str | None = None,
    owner: str | None = None,
    description: str | None = None,
    when: str | date | None = None,
    today: date | None = None,
) -> Item:
    """督查发现: a new rectification item in `unit`'s ledger, under supervision with its deadline.

    The finding date (`when`, default today) is its opening date; the deadline
    is both the item's due date and the supervision's rectification deadline,
    and may not be before the finding.
    """
    d = _day(when, today)
    lv = parse_level(level)
    dl = ops.parse_date(deadline, "--deadline")
    if dl < d:
        raise ShishiError(tr(f"整改时限 {dl} 早于督查发现日期 {d}", f"the deadline {dl} is before the date of the finding {d}"))
    config = load_units(root).config
    # 督查 as the source when the tree's vocabulary has it (or has none)
    source = "督查" if config is None or not config.sources or "督查" in config.sources else None
    sup = {"level": lv, "date": d, "by": by, "notice": notice, "deadline": dl}
    return ops.add(
        root, unit, finding, kind="rectification", description=description, category=category, source=source,
        due=dl, opened=d, owner=owner, supervision=sup,
    )


def supervise_flag(
    root: Path,
    item_id: str,
    level: str,
    *,
    deadline: str | date | None = None,
    by: str | None = None,
    notice: str | None = None,
    when: str | date | None = None,
    today: date | None = None,
) -> Item:
    """列入督办 / 挂牌督办: put an item in hand under supervision, or change the level of one already under it.

    Without `deadline` a new supervision takes the item's due date; a given
    deadline may not be before the flag's date. The deadline of an item
    already under supervision is moved with `extend`, which keeps the original.
    """
    d = _day(when, today)
    lv = parse_level(level)
    dl = ops.parse_date(deadline, "--deadline")
    if dl is not None and dl < d:
        raise ShishiError(tr(f"整改时限 {dl} 早于督办日期 {d}", f"the deadline {dl} is before the date of supervision {d}"))

    def change(item: Item, _ledger: Ledger) -> Item:
        _in_hand(item, "列入督办（只有未办结的事项可以督办）", "put it under supervision (only items in hand)")
        ops._not_before(d, item.opened, "登记日期", "opening date")
        sup = item.supervision
        if sup is None:
            item.supervision = Supervision(level=lv, date=d, by=by, notice=notice, deadline=dl or item.due)
            return item
        if dl is not None and dl != sup.deadline:
            # a moved deadline goes on record as an extension, never overwritten here
            raise ShishiError(tr(f"{item.id} 已在督办中，整改时限的变更请用 shishi extend", f"{item.id} is already under supervision; move its deadline with shishi extend"))
        if sup.level == lv and by is None and notice is None:
            raise ShishiError(tr(f"{item.id} 已是{lv}督办", f"{item.id} is already under {lv} supervision"))
        sup.level = lv
        sup.by = by or sup.by
        sup.notice = notice or sup.notice
        return item

    return ops.modify(root, item_id, change)


def supervise_feedback(root: Path, item_id: str, note: str, *, when: str | date | None = None, today: date | None = None) -> Item:
    """反馈: the unit's reply to a supervised item (an open item moves to in progress)."""
    d = _day(when, today)
    if not note.strip():
        raise ShishiError(tr("反馈内容不能为空", "the feedback note is empty"))

    def change(item: Item, _ledger: Ledger) -> Item:
        sup = _supervised(item)
        ops._require(item, ("open", "in_progress", "resolved"), "反馈（已销号、已上报、已撤销）", "record feedback")
        ops._not_before(d, sup.date, "督办日期", "date of supervision")
        sup.feedback.append(Feedback(date=d, note=note))
        if item.status == "open":
            item.status = "in_progress"
        return item

    return ops.modify(root, item_id, change)


def supervise_return(root: Path, item_id: str, reason: str, *, when: str | date | None = None, today: date | None = None) -> Item:
    """退回: the reviewer sends a resolved finding back; it is reopened (counted as returned), the resolution kept."""
    d = _day(when, today)
    if not reason.strip():
        raise ShishiError(tr("退回须写明原因 --reason", "a return needs a --reason"))

    def change(item: Item, _ledger: Ledger) -> Item:
        _supervised(item)
        ops._require(item, ("resolved",), "退回（只有已办结、未销号的事项可以退回；已销号的用 shishi reopen）", "return it (only resolved, not yet verified; use shishi reopen)")
        ops._not_before(d, ops._resolution(item).date, "办结日期", "resolution date")
        # as ops.reopen, marked returned
        item.reopenings.append(Reopening(date=d, reason=reason, returned=True, resolution=item.resolution))
        item.resolution = None
        item.status = "in_progress"
        return item

    return ops.modify(root, item_id, change)


def supervision_ledger(ledger: Ledger, as_of: date, unit: str = "", include_closed: bool = False) -> dict:
    """督办台账 of `unit` and below on `as_of`: {"rows": [...], "counts": {...}}.

    A row per supervised item opened by `as_of`: id, unit, title, level, by,
    notice, date (of supervision), deadline (the supervision's, else the due
    date), status, days_overdue (in hand: days past the deadline on `as_of`;
    resolved: days it was resolved late; 0 when not late), feedback (number),
    last_feedback ({date, note} or None), returned (times sent back),
    resolved and verified (dates or None). Rows list the open findings (in
    hand, or resolved awaiting 销号) by deadline, most pressing first; with
    `include_closed` the struck-off, escalated and cancelled ones follow.
    counts (over every supervised item in scope, listed or not): findings =
    in_hand + resolved + verified + escalated + cancelled; overdue (in hand
    and past the deadline); returned (times); by_level {level: n}.
    """
    rows, closed = [], []
    counts = {"findings": 0, "in_hand": 0, "resolved": 0, "verified": 0, "escalated": 0, "cancelled": 0, "overdue": 0, "returned": 0, "by_level": {}}
    for e in ledger.entries:
        it, sup = e.item, e.item.supervision
        if sup is None or not in_unit(e.unit, unit) or sup.date > as_of:
            continue
        deadline = sup.deadline or it.due
        res = it.resolution
        if it.status in ops.OPEN_STATES:
            end = as_of
        elif it.status in ("resolved", "verified") and res is not None:
            end = res.date
        else:
            end = None
        late = max(0, (end - deadline).days) if end and deadline else 0
        last = sup.feedback[-1] if sup.feedback else None
        row = {
            "id": it.id,
            "unit": e.unit,
            "title": it.title,
            "level": sup.level,
            "by": sup.by,
            "notice": sup.notice,
            "date": sup.date,
            "deadline": deadline,
            "status": it.status,
            "days_overdue": late,
            "feedback": len(sup.feedback),
            "last_feedback": {"date": last.date, "note": last.note} if last else None,
            "returned": sum(1 for r in it.reopenings if r.returned),
            "resolved": res.date if res else None,
            "verified": it.verification.date if it.verification else None,
        }
        counts["findings"] += 1
        counts["returned"] += row["returned"]
        counts["by_level"][sup.level] = counts["by_level"].get(sup.level, 0) + 1
        if it.status in ops.OPEN_STATES:
            counts["in_hand"] += 1
            counts["overdue"] += late > 0
        else:
            counts[it.status] += 1
        (rows if it.status in ("open", "in_progress", "resolved") else closed).append(row)
    far = date.max

    def key(r: dict) -> tuple:
        return (r["status"] == "resolved", r["deadline"] or far, LEVEL_ORDER.get(r["level"], 9), r["id"])

    rows.sort(key=key)
    closed.sort(key=key)
    return {"rows": rows + (closed if include_closed else []), "counts": counts}


# ------------------------------------------------------------------ surveys


def survey_add(
    root: Path,
    unit: str,
    quarter: str,
    counts: dict[str, int] | str,
    *,
    agency: str | None = None,
    when: str | date | None = None,
) -> list[SurveyEntry]:
    """Record one quarterly third-party survey of a unit (appended to surveys/<quarter>.yaml)."""
    return survey_add_many(root, [{"unit": unit, "quarter": quarter, "agency": agency, "date": when, "counts": counts}])


def survey_add_many(root: Path, surveys: list[dict], source: str = "") -> list[SurveyEntry]:
    """Record surveys (dicts with unit, quarter, counts, optional agency and date), all checked before any is written.

    Units may be paths or unique names (stored as paths, the district by its
    name); levels must be those of shishi.yaml's scale; counts whole numbers ≥ 0
    with a sample above zero; a survey of the same unit, quarter and agency
    already on file is refused. `source` prefixes messages (e.g. 'file.csv:3').
    """
    if not surveys:
        raise ShishiError(tr("没有要登记的调查", "no surveys to record"))
    with write_lock(root):
        ledger = load_units(root)
        if ledger.config is None:
            raise ShishiError(tr("shishi.yaml 有错误，先运行 shishi check", "shishi.yaml has errors; run shishi check"))
        levels = [lv.name for lv in ledger.config.satisfaction]
        new: list[SurveyEntry] = []
        for i, raw in enumerate(surveys):
            where = raw.get("_where") or (f"{source}:{i + 1}" if source else "")
            try:
                new.append(_survey(ledger, raw, levels))
            except ShishiError as e:
                raise ShishiError(f"{where}: {e.message}" if where else e.message) from None
        keys = [(s.unit, s.quarter, s.agency) for s in new]
        if len(set(keys)) != len(keys):
            raise ShishiError(tr("同一单位、季度、机构的调查重复", "the same unit, quarter and agency appear twice"))
        writes = []
        for quarter in sorted({s.quarter for s in new}):
            path = root / t.SURVEY_DIR / f"{quarter}.yaml"
            batch = [s for s in new if s.quarter == quarter]
            writes.append((path, *_survey_text(ledger, path, quarter, batch)))
        for path, text, bom in writes:
            atomic_write(path, text, bom)
    return new


def _survey(ledger: Ledger, raw: dict, levels: list[str]) -> SurveyEntry:
    unit = str(raw.get("unit") or "").strip()
    if not unit:
        raise ShishiError(tr("缺少单位", "the unit is missing"))
    upath = ledger.resolve_unit(unit)
    quarter = parse_quarter(str(raw.get("quarter") or ""))
    counts = raw.get("counts")
    counts = parse_counts(counts) if isinstance(counts, str) else {str(k).strip(): _count(v, str(k)) for k, v in (counts or {}).items()}
    unknown = [k for k in counts if k not in levels]
    if unknown:
        raise ShishiError(tr(f"满意度等级“{'、'.join(unknown)}”不在 shishi.yaml 中，可选：{'、'.join(levels)}", f"level {', '.join(unknown)} is not in shishi.yaml; choose from: {', '.join(levels)}"))
    if sum(counts.values()) == 0:
        raise ShishiError(tr("样本为零：至少要有一个等级的人数", "the sample is empty: give the count of at least one level"))
    when = ops.parse_date(raw.get("date"), "--date")
    agency = (raw.get("agency") or "").strip() or None
    # canonical: levels in the order of the scale
    ordered = {k: counts[k] for k in levels if k in counts}
    name = upath or ledger.config.district
    return SurveyEntry(unit=name, quarter=quarter, agency=agency, counts=ordered, date=when)


def _survey_text(ledger: Ledger, path: Path, quarter: str, batch: list[SurveyEntry]) -> tuple[str, bool]:
    rp = t.rel(ledger.root, path)
    data = [s.model_dump(mode="python", exclude_none=True) for s in batch]
    block = dump_items(data)
    block = re.sub(r"\n(?=- )", "\n\n", block)
    if not path.exists():
        y, q = quarter.split("Q")
        return f"# {y}年第{q}季度群众满意度调查\n\n{block}", False
    text, bom = ops._read_text(path)
    ops._refuse_conflicts(rp, text)
    old, problems = parse_text(rp, text)
    if problems or (old is not None and not isinstance(old, list)):
        where = str(problems[0]) if problems else rp
        raise ShishiError(tr(f"{rp} 有错误，先改正：{where}", f"{rp} has errors; fix it first: {where}"))
    for raw in old or []:
        rec, _ = validate_record(rp, raw, SurveyEntry)
        if rec is None:
            continue
        for s in batch:
            same_unit = _same_unit(ledger, rec.unit, s.unit)
            if same_unit and rec.quarter == s.quarter and rec.agency == s.agency:
                raise ShishiError(tr(f"{rp}: {s.unit} {s.quarter} 的调查（{s.agency or '未注明机构'}）已登记", f"{rp}: the {s.quarter} survey of {s.unit} ({s.agency or 'no agency'}) is already recorded"))
    nl = newline_of(text)
    if text and not text.endswith("\n"):
        text += nl
    sep = nl if text.strip() else ""
    return text + sep + block.replace("\n", nl), bom


def _same_unit(ledger: Ledger, a: str, b: str) -> bool:
    try:
        return ledger.resolve_unit(a) == ledger.resolve_unit(b)
    except ShishiError:
        return a == b


SURVEY_COLUMNS = {"unit": "unit", "单位": "unit", "quarter": "quarter", "季度": "quarter", "agency": "agency", "调查机构": "agency", "机构": "agency", "date": "date", "日期": "date"}


def read_survey_file(path: Path, levels: list[str]) -> list[dict]:
    """Surveys from a clerk's file: YAML (a list like surveys/*.yaml, or one mapping) or CSV.

    A CSV has a header row: unit/单位, quarter/季度, agency/调查机构, date/日期,
    and one column per level of the scale (empty cells count 0). Each survey
    carries `_where` (file:line) for messages.
    """
    path = Path(path)
    try:
        raw = t.read_bytes(path)
    except OSError as e:
        raise ShishiError(f"{path}: {getattr(e, 'strerror', None) or e}") from None
    from shishi.store.yamlio import YamlError, decode

    try:
        text = decode(raw)
    except YamlError as e:
        raise ShishiError(f"{path.name}:{e.line}:{e.col}: {e.message}") from None
    if path.suffix.lower() == ".csv":
        return _read_csv(path.name, text, levels)
    data, problems = parse_text(path.name, text)
    if problems or data is None:
        raise ShishiError(str(problems[0]) if problems else tr(f"{path.name} 是空文件", f"{path.name} is empty"))
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ShishiError(tr(f"{path.name} 应为调查列表", f"{path.name} should be a list of surveys"))
    out = []
    for i, item in enumerate(items):
        line = data.pos[i][0] if isinstance(data, list) else data.line
        if not isinstance(item, dict):
            raise ShishiError(tr(f"{path.name}:{line}: 每项调查应为键值映射", f"{path.name}:{line}: each survey must be a mapping"))
        extra = set(item) - {"unit", "quarter", "agency", "date", "counts"}
        if extra:
            raise ShishiError(tr(f"{path.name}:{line}: 未知字段 {', '.join(sorted(extra))}", f"{path.name}:{line}: unknown key {', '.join(sorted(extra))}"))
        out.append(dict(item, _where=f"{path.name}:{line}"))
    return out


def _read_csv(name: str, text: str, levels: list[str]) -> list[dict]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ShishiError(tr(f"{name} 是空文件", f"{name} is empty"))
    header = [h.strip() for h in rows[0]]
    for h in header:
        if h not in SURVEY_COLUMNS and h not in levels:
            raise ShishiError(tr(f"{name}:1: 未知列“{h}”（可用：单位、季度、调查机构、日期和满意度等级 {'、'.join(levels)}）", f"{name}:1: unknown column '{h}' (use unit, quarter, agency, date and the levels {', '.join(levels)})"))
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(header):
            raise ShishiError(tr(f"{name}:{n}: 列数多于表头", f"{name}:{n}: more cells than the header has columns"))
        rec: dict = {"counts": {}, "_where": f"{name}:{n}"}
        for h, cell in zip(header, row, strict=False):
            cell = cell.strip()
            if h in SURVEY_COLUMNS:
                rec[SURVEY_COLUMNS[h]] = cell or None
            elif cell:
                rec["counts"][h] = cell
        out.append(rec)
    return out
