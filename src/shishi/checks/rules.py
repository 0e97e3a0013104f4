"""Checks over a whole ledger tree: a list of small functions, each returning problems."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from operator import itemgetter

from shishi.checks import privacy
from shishi.errors import Problem, ShishiError
from shishi.i18n import tr
from shishi.store.ledger import Entry, Ledger, field_position
from shishi.store.model import ID_RE
from shishi.store.tree import CONFIG_FILE, UNIT_FILE, attachment_path, check_unit_name, leftover_temps, read_bytes, rel

Check = Callable[[Ledger], Iterator[Problem]]


def _at(e: Entry, *keys: str, msg: str, severity: str = "error") -> Problem:
    line, col = field_position(e, *keys)
    return Problem(e.file, line, col, msg, severity)


def unique_ids(ledger: Ledger) -> Iterator[Problem]:
    seen: set[str] = set()
    twice: set[str] = set()  # the IDs of more than one place: only their places are sorted (a list of every place is ~10 MB per 100k)
    ids = [e.item.id for e in ledger.entries]
    ids += [b[0] for b in ledger.broken_ids]
    for item_id in ids:
        if item_id in seen:
            twice.add(item_id)
        else:
            seen.add(item_id)
    del seen, ids
    if not twice:
        return
    places = [(e.item.id, e.file, *field_position(e, "id")) for e in ledger.entries if e.item.id in twice] + [b for b in ledger.broken_ids if b[0] in twice]
    places.sort(key=itemgetter(1, 2))  # by file and line
    first_at: dict[str, tuple[str, str, int, int]] = {}
    for place in places:
        item_id, file, line, col = place
        first = first_at.setdefault(item_id, place)
        if first is not place:
            yield Problem(file, line, col, tr(f"事项编号 {item_id} 重复（首见于 {first[1]}:{first[2]}）", f"duplicate item ID {item_id} (first at {first[1]}:{first[2]})"))


def ids_match_units(ledger: Ledger) -> Iterator[Problem]:
    file, file_year, want, former = None, 0, None, ()
    match = ID_RE.match
    for e in ledger.entries:
        if e.file != file:  # a file's items share its unit and year
            file = e.file
            file_year = int(file.rpartition("/")[2][:4])
            # a broken unit.yaml is reported once, not per item; IDs issued under a former code stay valid
            want = ledger.prefix(e.unit) if ledger.codes_known(e.unit) else None
            former = ledger.records[e.unit].former if want is not None else ()
        item_id = e.item.id
        m = match(item_id)
        prefix = item_id[: m.start(1) - 1]
        if want is not None and prefix != want and prefix not in former:
            yield _at(
                e,
                "id",
                msg=tr(
                    f"编号 {item_id} 的单位代码应为 {want}（若是单位代码改过，在该单位的 unit.yaml 里写 former: [{prefix}]；以后改代码请用 shishi unit edit --short）",
                    f"ID {item_id} should start with this unit's code {want} (if the unit's code was changed, add former: [{prefix}] to its unit.yaml; use shishi unit edit --short to change codes)",
                ),
            )
        opened_year = e.item.opened.year
        if opened_year != file_year:
            yield _at(e, "opened", msg=tr(f"登记日期不在 {file_year} 年（应记入 {opened_year}.yaml）", f"opened outside {file_year} (belongs in {opened_year}.yaml)"), severity="warning")
        else:
            year = int(m.group(1))
            if year != file_year:
                yield _at(e, "id", msg=tr(f"编号年份 {year} 与台账年份 {file_year} 不符", f"ID year {year} differs from the ledger's year {file_year}"), severity="warning")


RELINK_ZH = "（事项已改号：运行 shishi git relink 修复）"
RELINK_EN = " (it was renumbered: run shishi git relink)"


def escalation_links(ledger: Ledger) -> Iterator[Problem]:
    by_id = {e.item.id: e for e in ledger.entries}
    heirs: dict[str, list[str]] = {}
    for e in ledger.entries:
        if e.item.escalated_from:
            heirs.setdefault(e.item.escalated_from, []).append(e.item.id)
    for e in ledger.entries:
        it = e.item
        if it.escalated_to:
            other = by_id.get(it.escalated_to)
            # one item continues it under another number: what a merge, rebase or cherry-pick renumbering leaves, and relink repairs
            hint = tr(RELINK_ZH, RELINK_EN) if len(heirs.get(it.id, ())) == 1 and heirs[it.id][0] != it.escalated_to else ""
            if other is None:
                yield _at(e, "escalated_to", msg=tr(f"上报去向 {it.escalated_to} 不存在", f"escalated_to {it.escalated_to} does not exist") + hint)
            elif other.item.escalated_from != it.id:
                yield _at(e, "escalated_to", msg=tr(f"{it.escalated_to} 没有记 escalated_from: {it.id}", f"{it.escalated_to} does not link back with escalated_from: {it.id}") + hint)
        if it.escalated_from:
            other = by_id.get(it.escalated_from)
            if other is None:
                yield _at(e, "escalated_from", msg=tr(f"上报来源 {it.escalated_from} 不存在", f"escalated_from {it.escalated_from} does not exist"))
            elif other.item.escalated_to != it.id:
                yield _at(e, "escalated_from", msg=tr(f"{it.escalated_from} 没有记 escalated_to: {it.id}", f"{it.escalated_from} does not link forward with escalated_to: {it.id}"))
        if it.cancellation and it.cancellation.duplicate_of and it.cancellation.duplicate_of not in by_id:
            yield _at(e, "cancellation", "duplicate_of", msg=tr(f"重复项 {it.cancellation.duplicate_of} 不存在", f"duplicate_of {it.cancellation.duplicate_of} does not exist"))


def dates_in_order(ledger: Ledger) -> Iterator[Problem]:
    for e in ledger.entries:
        yield from item_dates_in_order(e)


def item_dates_in_order(e: Entry) -> Iterator[Problem]:
    it = e.item
    if it.resolution and it.resolution.date < it.opened:
        yield _at(e, "resolution", "date", msg=tr("办结日期早于登记日期", "resolved before it was opened"))
    if it.verification:
        if it.resolution and it.verification.date < it.resolution.date:
            yield _at(e, "verification", "date", msg=tr("销号日期早于办结日期", "verified before it was resolved"))
        elif it.verification.date < it.opened:
            yield _at(e, "verification", "date", msg=tr("销号日期早于登记日期", "verified before it was opened"))
    if it.due and it.due < it.opened:
        yield _at(e, "due", msg=tr("完成时限早于登记日期", "due before it was opened"), severity="warning")
    for i, p in enumerate(it.progress):
        if p.date < it.opened:
            yield _at(e, "progress", msg=tr(f"第 {i + 1} 条进展早于登记日期", f"progress entry {i + 1} is dated before the item was opened"), severity="warning")
    if it.cancellation and it.cancellation.date < it.opened:
        yield _at(e, "cancellation", "date", msg=tr("撤销日期早于登记日期", "cancelled before it was opened"))


def status_consistent(ledger: Ledger) -> Iterator[Problem]:
    for e in ledger.entries:
        yield from item_status_consistent(e)


def item_status_consistent(e: Entry) -> Iterator[Problem]:
    it, s = e.item, e.item.status
    if s in ("resolved", "verified") and it.resolution is None:
        yield _at(e, "status", msg=tr("已办结事项须有 resolution（办理结果、惠及人次）", "a resolved item needs a resolution (text, beneficiaries)"))
    if s == "verified" and it.verification is None:
        yield _at(e, "status", msg=tr("已销号事项须有 verification", "a verified item needs a verification"))
    if s not in ("resolved", "verified") and it.resolution is not None:
        yield _at(e, "resolution", msg=tr(f"状态为 {s} 却有办理结果", f"status {s} but it has a resolution"))
    if s != "verified" and it.verification is not None:
        yield _at(e, "verification", msg=tr(f"状态为 {s} 却有销号记录", f"status {s} but it has a verification"))
    if s == "escalated" and not it.escalated_to:
        yield _at(e, "status", msg=tr("已上报事项须有 escalated_to", "an escalated item needs escalated_to"))
    if it.escalated_to and s != "escalated":
        yield _at(e, "status", msg=tr("有 escalated_to 的事项状态应为 escalated", "an item with escalated_to must have status escalated"))
    if s == "cancelled" and it.cancellation is None:
        yield _at(e, "status", msg=tr("已撤销事项须有 cancellation（原因）", "a cancelled item needs a cancellation (reason)"))
    names = [m.name for m in it.milestones]
    for p in it.progress:
        if p.milestone and p.milestone not in names:
            yield _at(e, "progress", msg=tr(f"进展引用了不存在的节点 {p.milestone}", f"progress names an unknown milestone {p.milestone}"))


def vocabularies(ledger: Ledger) -> Iterator[Problem]:
    cfg = ledger.config
    if cfg is None:
        return
    levels = {lv.name for lv in cfg.satisfaction}
    for e in ledger.entries:
        it = e.item
        if cfg.categories and it.category and it.category not in cfg.categories:
            yield _at(e, "category", msg=tr(f"类别“{it.category}”不在 shishi.yaml 的 categories 中", f"category '{it.category}' is not in shishi.yaml categories"))
        if cfg.sources and it.source and it.source not in cfg.sources:
            yield _at(e, "source", msg=tr(f"来源“{it.source}”不在 shishi.yaml 的 sources 中", f"source '{it.source}' is not in shishi.yaml sources"))
        if it.resolution and it.resolution.satisfaction and it.resolution.satisfaction not in levels:
            yield _at(e, "resolution", "satisfaction", msg=tr(f"满意度“{it.resolution.satisfaction}”不在满意度等级中", f"satisfaction '{it.resolution.satisfaction}' is not a level of the scale"))
    for s, rp, line in ledger.surveys:
        try:
            ledger.resolve_unit(s.unit)
        except ShishiError as e:
            yield Problem(rp, line, 3, e.message)
        for name in s.counts:
            if name not in levels:
                yield Problem(rp, line, 3, tr(f"满意度等级“{name}”不在 shishi.yaml 中", f"satisfaction level '{name}' is not in shishi.yaml"))


def _significant(code: str) -> str:
    for n in (2, 4, 6, 9):
        if code[n:].strip("0") == "":
            return code[:n]
    return code


def nests(code: str, parent_code: str | None) -> bool:
    """True when a region code lies under its parent's (or there is nothing to compare)."""
    if not code or not parent_code:
        return True
    return code.startswith(_significant(parent_code)) and code != parent_code


def units_consistent(ledger: Ledger) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    data = ledger.unit_data.get  # a unit's, taken only for a problem's place (decoding thousands of them costs)
    for path in ledger.units:
        rec = ledger.records.get(path)
        if rec is None:
            continue
        rp = f"{path}/{UNIT_FILE}" if path else UNIT_FILE
        prefix = ledger.prefix(path)
        if prefix in seen:
            line, col = _key(data(path), "short")
            yield Problem(rp, line, col, tr(f"单位代码 {prefix} 与 {seen[prefix] or '区'} 重复", f"unit code {prefix} is also used by {seen[prefix] or 'the root'}"))
        else:
            seen[prefix] = path
        parent = path.rpartition("/")[0] if path else None
        if parent is None:
            pcode = ledger.config.code if ledger.config else None
        else:
            pcode = ledger.records[parent].code if parent in ledger.records else None
        if rec.code and pcode and path:
            sig = _significant(pcode)
            if not nests(rec.code, pcode):
                line, col = _key(data(path), "code")
                yield Problem(rp, line, col, tr(f"区划代码 {rec.code} 不在上级 {pcode} 之下（应以 {sig} 开头）", f"region code {rec.code} does not nest under the parent's {pcode} (should start with {sig})"))
        name = path.rpartition("/")[2]
        why = check_unit_name(rec.name)
        if why:  # names end up in paths, file names and printed reports
            line, col = _key(data(path), "name")
            yield Problem(rp, line, col, why)
        elif path and rec.name != name:
            line, col = _key(data(path), "name")
            yield Problem(rp, line, col, tr(f"单位名称“{rec.name}”与目录名“{name}”不一致", f"unit name '{rec.name}' differs from its directory '{name}'"), "warning")
    if ledger.config and ledger.config.code and "" in ledger.records and ledger.records[""].code not in (None, ledger.config.code):
        line, col = _key(ledger.unit_data.get(""), "code")
        yield Problem(UNIT_FILE, line, col, tr(f"区划代码与 {CONFIG_FILE} 的不一致", f"region code differs from {CONFIG_FILE}"))


def attachments(ledger: Ledger) -> Iterator[Problem]:
    """Every photo an item keeps is in the tree, is the picture recorded (its hash), and is a picture."""
    import hashlib

    for e in ledger.entries:
        for i, a in enumerate(e.item.attachments):
            if a.removed is not None:
                continue
            ud = ledger.units.get(e.unit)
            path = attachment_path(ledger.root, ud.dir, a.file) if ud is not None else None
            line, col = field_position(e, "attachments", i)
            if path is None:
                yield Problem(e.file, line, col, tr(f"附件 {a.file} 不在台账库内，不予读取", f"attachment {a.file} lies outside the ledger tree; not read"))
                continue
            try:
                raw = read_bytes(path)
            except OSError as err:
                why = tr("文件不存在", "no such file") if not path.exists() and not path.is_symlink() else (err.strerror or str(err))
                yield Problem(e.file, line, col, tr(f"附件 {a.file}：{why}", f"attachment {a.file}: {why}"))
                continue
            if hashlib.sha256(raw).hexdigest() != a.sha256:
                yield Problem(e.file, line, col, tr(f"附件 {a.file} 的内容与记录的 sha256 不符（文件被改动或替换）", f"attachment {a.file} does not match its recorded sha256 (the file was changed or replaced)"))
            elif not _is_picture(raw):
                yield Problem(e.file, line, col, tr(f"附件 {a.file} 不是图片", f"attachment {a.file} is not a picture"))


def _is_picture(raw: bytes) -> bool:
    """A JPEG as attach writes it, or any picture Pillow knows by its header (nothing decoded)."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as img:
            return img.width > 0 and img.height > 0
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False


def _key(data, key: str) -> tuple[int, int]:
    from shishi.store.yamlio import key_position

    return key_position(data, key) if data is not None else (1, 1)


def leftover_files(ledger: Ledger) -> Iterator[Problem]:
    """Temporary files a killed writer left: whole copies of ledgers (phone numbers too), outside the items."""
    for p in leftover_temps(ledger.root, ledger.units):
        yield Problem(
            rel(ledger.root, p), 0, 0,
            tr("写入中断留下的临时文件（下次写入时自动删除，也可手动删除）", "temporary file left by an interrupted write (removed by the next write, or delete it)"),
            "warning",
        )


CHECKS: list[Check] = [
    unique_ids,
    ids_match_units,
    escalation_links,
    dates_in_order,
    status_consistent,
    vocabularies,
    units_consistent,
    leftover_files,
    attachments,
    privacy.free_text,
]

# The checks above that look at one item at a time and at nothing else, as (the check, its rule for one entry):
# run where the index reads each file (its `findings`), not once more over the whole ledger.
ITEM_RULES: list[tuple[Check, Callable[[Entry], Iterator[Problem]]]] = [
    (dates_in_order, item_dates_in_order),
    (status_consistent, item_status_consistent),
    (privacy.free_text, privacy.item_free_text),
]


def item_problems(e: Entry) -> list[Problem]:
    """What the one-item rules find in one entry (the index runs them as it reads each file: `Ledger.findings`)."""
    return [p for _check, rule in ITEM_RULES for p in rule(e)]


def check(ledger: Ledger, strict: bool = False) -> list[Problem]:
    """Every problem of the tree, sorted by place; with strict, warnings count as errors. The one-item rules'
    problems are the ledger's findings when the index read it (stored with each file), else found here."""
    import gc

    # The checks fill in every record and build a tuple or two per item: with the collector running, it
    # walks the hundreds of thousands of loaded objects again and again (a third of a big tree's check).
    # They make no cycles worth collecting meanwhile.
    was = gc.isenabled()
    gc.disable()
    try:
        problems = list(ledger.problems)
        checks = CHECKS
        if ledger.findings is not None:
            problems += ledger.findings
            done = {c for c, _rule in ITEM_RULES}
            checks = [c for c in CHECKS if c not in done]
        for fn in checks:
            problems.extend(fn(ledger))
    finally:
        if was:
            gc.enable()
    if strict:
        problems = [Problem(p.path, p.line, p.col, p.message) for p in problems]
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.message))
