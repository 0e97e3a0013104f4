"""Chinese by default, English with `--lang en`: messages are written as tr(zh, en)."""

from __future__ import annotations

import os

_lang = os.environ.get("SHISHI_LANG", "zh")


def set_lang(lang: str) -> None:
    global _lang
    _lang = "en" if lang == "en" else "zh"


def get_lang() -> str:
    return _lang


def tr(zh: str, en: str) -> str:
    return en if _lang == "en" else zh


STATUS_ZH = {
    "open": "已登记",
    "in_progress": "推进中",
    "resolved": "已办结",
    "verified": "已销号",
    "escalated": "已上报",
    "cancelled": "已撤销",
}
KIND_ZH = {"demand": "群众诉求", "project": "民生实事项目", "rectification": "督查整改"}
SCHEDULE_ZH = {"ahead": "提前", "on_time": "按期", "due_soon": "临期", "overdue": "逾期", "behind": "慢序时"}
TIER_ZH = {
    "city": "市级",
    "district": "区级",
    "department": "区级部门",
    "town": "街镇级",
    "street": "街镇级",
    "village": "村社区级",
    "community": "村社区级",
}


def status_name(status: str) -> str:
    return STATUS_ZH.get(status, status) if _lang == "zh" else status


def kind_name(kind: str) -> str:
    return KIND_ZH.get(kind, kind) if _lang == "zh" else kind


def schedule_name(state: str | None) -> str:
    if not state:
        return ""
    return SCHEDULE_ZH.get(state, state) if _lang == "zh" else state
