"""Pydantic v2 records of the ledger tree: shishi.yaml, unit.yaml, ledger items, surveys.

No I/O here. Unknown keys are errors (extra="forbid"); money is Decimal.
The canonical key order of a record is its field order.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from shishi.i18n import STATUS_ZH, field_label, get_lang, tr

Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=4)]
Count = Annotated[int, Field(ge=0, le=1_000_000_000)]
Text = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=20_000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]

KINDS = ("demand", "project", "rectification")
STATUSES = ("open", "in_progress", "resolved", "verified", "escalated", "cancelled")
UNIT_KINDS = ("city", "district", "department", "town", "street", "village", "community")
SUPERVISION_LEVELS = ("一般", "重要", "紧急", "挂牌")
LEVEL_ORDER = {"挂牌": 0, "紧急": 1, "重要": 2, "一般": 3}  # most urgent first

Kind = Literal["demand", "project", "rectification"]
Status = Literal["open", "in_progress", "resolved", "verified", "escalated", "cancelled"]
UnitKind = Literal["city", "district", "department", "town", "street", "village", "community"]

ID_RE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*-(\d{4})-(\d{3,9})$")
SHORT_RE = re.compile(r"^[A-Z0-9]{1,8}$")
PREFIX_RE = re.compile(r"^[A-Z0-9]{1,8}(?:-[A-Z0-9]{1,8})*$")


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True, defer_build=True)


# ---------------------------------------------------------------- shishi.yaml


class Level(Record):
    name: Name
    score: Annotated[Decimal, Field(ge=0, le=100)]
    satisfied: bool = False


DEFAULT_SCALE = [
    Level(name="很满意", score=Decimal(100), satisfied=True),
    Level(name="满意", score=Decimal(80), satisfied=True),
    Level(name="基本满意", score=Decimal(60), satisfied=True),
    Level(name="不太满意", score=Decimal(30), satisfied=False),
    Level(name="不满意", score=Decimal(0), satisfied=False),
]


class TimeLimits(Record):
    """Default days from opening to due date: by category first, then handling class, then default."""

    default: Annotated[int, Field(ge=1, le=3650)] = 7
    classes: dict[Name, Annotated[int, Field(ge=0, le=3650)]] = Field(
        default_factory=lambda: {"立刻办": 1, "限期办": 7, "分期办": 90}
    )
    categories: dict[Name, Annotated[int, Field(ge=0, le=3650)]] = Field(default_factory=dict)
    due_soon_days: Annotated[int, Field(ge=0, le=365)] = 3
    response_days: Annotated[int, Field(ge=0, le=365)] = 2


class Weights(Record):
    response: Annotated[Decimal, Field(ge=0)] = Decimal(30)
    resolution: Annotated[Decimal, Field(ge=0)] = Decimal(35)
    satisfaction: Annotated[Decimal, Field(ge=0)] = Decimal(35)


class GitSettings(Record):
    auto_commit: bool = False


class Config(Record):
    """shishi.yaml at the ledger root."""

    district: Name
    code: str | None = None
    categories: list[Name] = Field(default_factory=list)
    sources: list[Name] = Field(default_factory=list)
    time_limits: TimeLimits = Field(default_factory=TimeLimits)
    satisfaction: list[Level] = Field(default_factory=lambda: list(DEFAULT_SCALE))
    weights: Weights = Field(default_factory=Weights)
    git: GitSettings = Field(default_factory=GitSettings)
    issuer: Name | None = None  # 发文机关署名 of a .docx report (落款); `report --issuer` overrides

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: object) -> str | None:
        return _region_code(None if v is None else str(v), "district")


# 统计用区划代码 by tier: a county 6 digits (500110), a town 9 (500110105), a village 12; the 12-digit form of any tier too
CODE_DIGITS = {"city": (6, 12), "district": (6, 12), "department": (6, 9, 12), "town": (9, 12), "street": (9, 12), "village": (12,), "community": (12,)}


def _region_code(v: str | None, kind: str | None = None) -> str | None:
    if v is None:
        return v
    allowed = CODE_DIGITS.get(kind or "", (6, 9, 12))
    if not (v.isascii() and v.isdigit() and len(v) in allowed):
        forms = "、".join(f"{n} 位" for n in allowed)
        raise ValueError(tr(f"区划代码应为 {forms}数字（统计用区划代码）：{v}", f"a region code here is {' or '.join(map(str, allowed))} digits: {v}"))
    return v


# ---------------------------------------------------------------- unit.yaml


class Unit(Record):
    """unit.yaml in each unit's directory; `former`: the ID prefixes it had before a move or a new short code (its old IDs stay valid)."""

    name: Name
    kind: UnitKind
    short: str
    code: str | None = None
    clerk: Name | None = None
    former: list[str] = Field(default_factory=list)

    @field_validator("former")
    @classmethod
    def _former(cls, v: list[str]) -> list[str]:
        for p in v:
            if not PREFIX_RE.match(p):
                raise ValueError(tr(f"不是编号前缀（应如 GS-SJ）：{p}", f"not an ID prefix like GS-SJ: {p}"))
        return v

    @field_validator("short")
    @classmethod
    def _short(cls, v: str) -> str:
        if not SHORT_RE.match(v):
            raise ValueError(tr("单位简码应为 1–8 位大写字母或数字，如 SJ", "short code must be 1-8 capital letters or digits, e.g. SJ"))
        return v

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: object, info: ValidationInfo) -> str | None:
        return _region_code(None if v is None else str(v), info.data.get("kind"))


# ---------------------------------------------------------------- items


class Milestone(Record):
    name: Name
    due: dt.date
    done: dt.date | None = None


class Target(Record):
    name: Name
    unit: Annotated[str, StringConstraints(max_length=20)] = ""
    planned: Quantity
    actual: Quantity | None = None


class Progress(Record):
    date: dt.date
    note: Text
    milestone: Name | None = None
    by: Name | None = None


class Resolution(Record):
    date: dt.date
    text: Text
    beneficiaries: Count
    spent: Money | None = None
    satisfaction: Name | None = None


class Verification(Record):
    date: dt.date
    by: Name | None = None


class Reopening(Record):
    """重办: the earlier resolution is kept here, never overwritten."""

    date: dt.date
    reason: Text
    returned: bool = False  # 退回 by supervision
    resolution: Resolution | None = None


class Cancellation(Record):
    date: dt.date
    reason: Text
    duplicate_of: str | None = None


class Correction(Record):
    """A correction of descriptive fields (shishi edit): what was there before, and why it changed."""

    date: dt.date
    changed: Annotated[list[Name], Field(min_length=1)]  # the fields corrected
    old: dict[Name, Text | list[Name]] = Field(default_factory=dict)  # the former values as text; a field absent here was empty
    reason: Text | None = None


class Extension(Record):
    """A moved deadline: the original date stays on record."""

    date: dt.date
    milestone: Name | None = None  # None: the item's due date
    original: dt.date
    to: dt.date
    reason: Text
    approved_by: Name | None = None
    late: bool = False


class Feedback(Record):
    date: dt.date
    note: Text


class Supervision(Record):
    """督查督办 of an item: level, issuing office, notice number, replies."""

    level: Literal["一般", "重要", "紧急", "挂牌"] = "一般"
    date: dt.date
    by: Name | None = None
    notice: Name | None = None
    deadline: dt.date | None = None
    feedback: list[Feedback] = Field(default_factory=list)


STAGES = ("改造前", "过程", "改造后")


class Attachment(Record):
    """An evidence photo kept in the tree: `file` relative to the unit's directory, its content hash,
    and, once detached, when and why (the record stays: numbers are never reused)."""

    file: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    caption: Text | None = None
    stage: Literal["改造前", "过程", "改造后"] | None = None
    date: dt.date | None = None  # when the picture was taken (its EXIF date, or --date)
    added: dt.date
    removed: dt.date | None = None
    reason: Text | None = None  # why it was detached


class Reporter(Record):
    """Personal data: masked in output unless --reveal."""

    name: Name | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    id_card: Annotated[str, StringConstraints(max_length=40)] | None = None


class Item(Record):
    id: str
    kind: Kind = "demand"
    title: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    description: Text | None = None
    category: Name | None = None
    source: Name | None = None
    handling: Name | None = None
    owner: Name | None = None
    lead: Name | None = None
    partners: list[Name] = Field(default_factory=list)
    opened: dt.date
    due: dt.date | None = None
    status: Status = "open"
    budget: Money | None = None
    milestones: list[Milestone] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    supervision: Supervision | None = None
    escalated_from: str | None = None
    escalated_to: str | None = None
    progress: list[Progress] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list)
    resolution: Resolution | None = None
    verification: Verification | None = None
    reopenings: list[Reopening] = Field(default_factory=list)
    cancellation: Cancellation | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    corrections: list[Correction] = Field(default_factory=list)
    reporter: Reporter | None = None
    tags: list[Name] = Field(default_factory=list)
    source_key: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError(tr("事项编号应如 GS-SJ-2021-042（单位代码-年份-序号）", "item ID must look like GS-SJ-2021-042 (unit code, year, number)"))
        return v


ITEM_KEYS = tuple(Item.model_fields)


class SurveyEntry(Record):
    unit: str
    quarter: Annotated[str, StringConstraints(pattern=r"^\d{4}Q[1-4]$")]
    agency: Name | None = None
    counts: dict[Name, Count]
    date: dt.date | None = None


def plain_validator(model: type[Record]):
    """validate(data) -> the model's validated fields as plain dicts (nested records too), defaults filled in:
    the model's own validation schema, typed dicts in place of its records (no model object built: a third of
    the cost of validating an item). Raises ValidationError exactly when model_validate does; its errors are
    model_validate's to word (the caller validates the model again for them)."""
    from pydantic_core import SchemaValidator

    model.model_rebuild()  # builds a deferred schema

    def plain(node):
        if isinstance(node, list):
            return [plain(x) for x in node]
        if not isinstance(node, dict):
            return node
        if node.get("type") != "model":
            return {k: v if k in ("cls", "function", "metadata", "config") else plain(v) for k, v in node.items()}
        inner = node["schema"]
        if inner.get("type") != "model-fields" or inner.get("computed_fields") or node.get("post_init") or node.get("custom_init"):
            raise TypeError(f"{node.get('cls')}: not a plain record")  # nothing of the kind here; refuse rather than differ
        fields = {}
        for name, f in inner["fields"].items():
            schema = plain(f["schema"])
            fields[name] = {"type": "typed-dict-field", "schema": schema, "required": schema.get("type") != "default"}
        config = node.get("config", {})
        out = {"type": "typed-dict", "fields": fields, "extra_behavior": config.get("extra_fields_behavior", "ignore"), "config": config}
        if "ref" in node:
            out["ref"] = node["ref"]
        return out

    return SchemaValidator(plain(model.__pydantic_core_schema__)).validate_python


def item_to_data(item: Item) -> dict:
    """Plain data in canonical key order; None, False and empty lists left out (all defaults)."""
    return _clean(item.model_dump(mode="python"))


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and v is not False and v != []}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


# ---------------------------------------------------------------- validation messages in the clerk's language


def error_text(e: dict, with_key: bool = False, labels: bool = True) -> str:
    """One Pydantic error as 'field: message', in Chinese by default (an item's field labels too), Pydantic's English with --lang en.

    with_key: name the key as the file has it too, 'opened（登记日期）', for a message about a file;
    labels: False for records other than items (unit.yaml, shishi.yaml), whose keys have no labels.
    """
    where = ".".join(str(p) for p in e.get("loc", ()))
    head = where
    if where and get_lang() == "zh" and labels:
        label = field_label(where)
        head = (f"{where}（{label}）" if label != where else where) if with_key else label
    msg = _message(e)
    return f"{head}{tr('：', ': ')}{msg}" if head else msg


def _message(e: dict) -> str:
    kind, ctx = e.get("type", ""), e.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        err = ctx.get("error")
        return str(err) if err is not None else e.get("msg", "")
    if get_lang() == "en":
        return e.get("msg", "")
    if kind == "missing":
        return "缺少此字段"
    if kind == "extra_forbidden":
        return "未知字段"
    if kind == "literal_error":
        words = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        shown = [f"{w}（{STATUS_ZH[w]}）" if w in STATUS_ZH else w for w in words]
        return "应为 " + "、".join(shown) + " 之一"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"过长（最多 {ctx.get('max_length')} 个字符）"
    if kind == "too_short":
        return f"至少要有 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {"greater_than_equal": "不能小于", "greater_than": "应大于", "less_than_equal": "不能大于", "less_than": "应小于"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"{word} {bound}"
    if kind == "decimal_max_places":
        return f"最多 {ctx.get('decimal_places')} 位小数"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return "数字过大"
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"):
        return "应为数字"
    if kind == "int_parsing_size":
        return "数字过大"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "应为整数"
    if kind in ("bool_parsing", "bool_type"):
        return "应为 true 或 false"
    if kind.startswith("date") or kind.startswith("datetime"):
        given = e.get("input")
        if isinstance(given, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", given):
            return f"没有这一天：{given}"
        return "日期应写成 2021-09-01 这样（年-月-日）"
    if kind == "string_type":
        return "应为文本"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "应为列表（每行以“- ”开头）"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return "应为键值映射"
    if kind == "string_pattern_mismatch":
        return "格式不对"
    if kind == "none_required":
        return "应为空"
    return "取值无效"
