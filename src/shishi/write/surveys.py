"""Quarterly third-party satisfaction surveys (满意度调查): appended to surveys/<quarter>.yaml under the lock, one atomic write; a bad row refuses the whole file."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from shishi import values
from shishi.errors import ShishiError
from shishi.i18n import tr
from shishi.store import tree as t
from shishi.store.ledger import Ledger, parse_text, validate_record
from shishi.store.load import load_units
from shishi.store.model import SurveyEntry
from shishi.store.yamlio import atomic_write, dump_items, newline_of
from shishi.write import files, journal
from shishi.write.lock import write_lock

QUARTER_RE = re.compile(r"^(\d{4})[Qq]([1-4])$")

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
        journal.sweep(root, ledger.units)
        if ledger.config is None:
            raise ShishiError(tr("shishi.yaml 有错误，先运行 shishi check", "shishi.yaml has errors; run shishi check"))
        levels = [lv.name for lv in ledger.config.satisfaction]
        new: list[SurveyEntry] = []
        problems: list[str] = []  # every bad row, as import lists them
        first: dict[tuple, str] = {}
        for i, raw in enumerate(surveys):
            where = raw.get("_where") or (f"{source}:{i + 1}" if source else "")
            try:
                if raw.get("_error"):
                    raise ShishiError(raw["_error"])
                survey = _survey(ledger, raw, levels)
            except ShishiError as e:
                problems.append(f"{where}: {e.message}" if where else e.message)
                continue
            key = (survey.unit, survey.quarter, survey.agency)
            if key in first:
                problems.append(tr(f"{where}: 与 {first[key]} 是同一单位、季度、机构的调查", f"{where}: the same unit, quarter and agency as {first[key]}") if where else tr("同一单位、季度、机构的调查重复", "the same unit, quarter and agency appear twice"))
                continue
            first[key] = where or str(i + 1)
            new.append(survey)
        if problems:
            if len(surveys) > 1:
                problems.append(tr(f"{len(problems)} 份调查有错，未登记任何调查", f"{len(problems)} bad surveys; none recorded"))
            raise ShishiError("\n".join(problems))
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
    when = values.parse_date(raw.get("date"), "--date")
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
    text, bom = files.read_text(path)
    files.refuse_conflicts(rp, text)
    old, problems = parse_text(rp, text)
    if problems or (old is not None and not isinstance(old, list)):
        where = str(problems[0]) if problems else rp
        raise ShishiError(tr(f"{rp} 有错误，先改正：{where}", f"{rp} has errors; fix it first: {where}"))
    twice = []
    for raw in old or []:
        rec, _ = validate_record(rp, raw, SurveyEntry)
        if rec is None:
            continue
        for s in batch:
            same_unit = _same_unit(ledger, rec.unit, s.unit)
            if same_unit and rec.quarter == s.quarter and rec.agency == s.agency:
                twice.append(tr(f"{rp}: {s.unit} {s.quarter} 的调查（{s.agency or '未注明机构'}）已登记", f"{rp}: the {s.quarter} survey of {s.unit} ({s.agency or 'no agency'}) is already recorded"))
    if twice:
        raise ShishiError("\n".join(twice))
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
        where = f"{path.name}:{line}"
        if not isinstance(item, dict):
            out.append({"_where": where, "_error": tr("每项调查应为键值映射", "each survey must be a mapping")})
            continue
        extra = set(item) - {"unit", "quarter", "agency", "date", "counts"}
        if extra:
            out.append({"_where": where, "_error": tr(f"未知字段 {', '.join(sorted(extra))}", f"unknown key {', '.join(sorted(extra))}")})
            continue
        out.append(dict(item, _where=where))
    return out


def _read_csv(name: str, text: str, levels: list[str]) -> list[dict]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ShishiError(tr(f"{name} 是空文件", f"{name} is empty"))
    header = [h.strip() for h in rows[0]]
    unknown = [h for h in header if h not in SURVEY_COLUMNS and h not in levels]
    if unknown:
        zh, en = "”“".join(unknown), "', '".join(unknown)
        raise ShishiError(tr(f"{name}:1: 未知列“{zh}”（可用：单位、季度、调查机构、日期和满意度等级 {'、'.join(levels)}）", f"{name}:1: unknown column '{en}' (use unit, quarter, agency, date and the levels {', '.join(levels)})"))
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(header):
            out.append({"_where": f"{name}:{n}", "_error": tr("列数多于表头", "more cells than the header has columns")})
            continue
        rec: dict = {"counts": {}, "_where": f"{name}:{n}"}
        for h, cell in zip(header, row, strict=False):
            cell = cell.strip()
            if h in SURVEY_COLUMNS:
                rec[SURVEY_COLUMNS[h]] = cell or None
            elif cell:
                rec["counts"][h] = cell
        out.append(rec)
    return out
