"""Pydantic v2 records of the ledger tree: shishi.yaml, unit.yaml, ledger items, surveys.

No I/O here. Unknown keys are errors (extra="forbid"); money is Decimal.
The canonical key order of a record is its field order.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

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

    @field_validator("code")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        return _region_code(v)


def _region_code(v: str | None) -> str | None:
    if v is None:
        return v
    v = str(v)
    if not re.fullmatch(r"\d{12}", v):
        raise ValueError("region code must be 12 digits (统计用区划代码)")
    return v


# ---------------------------------------------------------------- unit.yaml


class Unit(Record):
    """unit.yaml in each unit's directory."""

    name: Name
    kind: UnitKind
    short: str
    code: str | None = None
    clerk: Name | None = None

    @field_validator("short")
    @classmethod
    def _short(cls, v: str) -> str:
        if not SHORT_RE.match(v):
            raise ValueError("short code must be 1-8 capital letters or digits, e.g. SJ")
        return v

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: object) -> str | None:
        return _region_code(None if v is None else str(v))


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
    reporter: Reporter | None = None
    tags: list[Name] = Field(default_factory=list)
    source_key: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError("item ID must look like GS-SJ-2021-042 (unit code, year, number)")
        return v


ITEM_KEYS = tuple(Item.model_fields)


class SurveyEntry(Record):
    unit: str
    quarter: Annotated[str, StringConstraints(pattern=r"^\d{4}Q[1-4]$")]
    agency: Name | None = None
    counts: dict[Name, Count]
    date: dt.date | None = None


def item_to_data(item: Item) -> dict:
    """Plain data in canonical key order; None, False and empty lists left out (all defaults)."""
    return _clean(item.model_dump(mode="python"))


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and v is not False and v != []}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
