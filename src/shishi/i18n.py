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


UNIT_KIND_ZH = {"city": "市", "district": "区", "department": "部门", "town": "镇", "street": "街道", "village": "村", "community": "社区"}
LEVELS = ("一般", "重要", "紧急", "挂牌")
LEVEL_EN = {"一般": "general", "重要": "important", "紧急": "urgent", "挂牌": "listed"}

# Every way a vocabulary value is typed -> its code: the code itself, the Chinese word `list` and reports
# print, and the short forms clerks use.
VOCABULARIES: dict[str, dict[str, str]] = {
    "kind": {**{k: k for k in KIND_ZH}, **{v: k for k, v in KIND_ZH.items()}, "诉求": "demand", "项目": "project", "实事项目": "project", "整改": "rectification"},
    "status": {
        **{k: k for k in STATUS_ZH},
        **{v: k for k, v in STATUS_ZH.items()},
        "登记": "open", "未启动": "open", "办结": "resolved", "已完成": "resolved", "销号": "verified",
        "上报": "escalated", "转办": "escalated", "已转办": "escalated", "撤销": "cancelled",
    },
    "unit_kind": {
        **{k: k for k in UNIT_KIND_ZH},
        **{v: k for k, v in UNIT_KIND_ZH.items()},
        "区县": "district", "县": "district", "区级部门": "department", "乡": "town", "乡镇": "town",
    },
    "level": {**{lv: lv for lv in LEVELS}, **{f"{lv}督办": lv for lv in LEVELS}, **{v: k for k, v in LEVEL_EN.items()}},
}
VOCABULARY_NAMES = {"kind": ("事项类型", "item kind"), "status": ("状态", "status"), "unit_kind": ("单位类型", "unit kind"), "level": ("督办级别", "supervision level")}


def vocabulary_code(vocabulary: str, text: str) -> str:
    """The code of a vocabulary value typed in Chinese or English (`项目` = `project`); ValueError listing the choices."""
    words = VOCABULARIES[vocabulary]
    code = words.get(text.strip()) or words.get(text.strip().lower())
    if code is None:
        raise ValueError(tr(f"{VOCABULARY_NAMES[vocabulary][0]}应为 {choices(vocabulary)} 之一：{text}", f"{VOCABULARY_NAMES[vocabulary][1]} must be one of {choices(vocabulary)}: {text}"))
    return code


def choices(vocabulary: str) -> str:
    """The values of a vocabulary as the run's language writes them: 群众诉求|民生实事项目|督查整改, or demand|project|rectification."""
    codes = dict.fromkeys(VOCABULARIES[vocabulary].values())
    if vocabulary == "level":
        return "|".join(codes if _lang == "zh" else (LEVEL_EN[c] for c in codes))
    names = {"kind": KIND_ZH, "status": STATUS_ZH, "unit_kind": UNIT_KIND_ZH}[vocabulary]
    return "|".join(names[c] if _lang == "zh" else c for c in codes)


def status_name(status: str) -> str:
    return STATUS_ZH.get(status, status) if _lang == "zh" else status


def kind_name(kind: str) -> str:
    return KIND_ZH.get(kind, kind) if _lang == "zh" else kind


def schedule_name(state: str | None) -> str:
    if not state:
        return ""
    return SCHEDULE_ZH.get(state, state) if _lang == "zh" else state


# How sheets and exports name the fields of an item: (field, Chinese header); the English header is the field itself. Dotted fields are parts of a record.
FIELD_COLUMNS: list[tuple[str, str]] = [
    ("seq", "序号"),
    ("id", "编号"),
    ("unit", "所属单位"),
    ("kind", "事项类型"),
    ("status", "状态"),
    ("title", "项目名称"),
    ("description", "情况描述"),
    ("category", "类别"),
    ("source", "来源"),
    ("handling", "办理类别"),
    ("owner", "责任人"),
    ("lead", "牵头领导"),
    ("partners", "责任单位"),
    ("opened", "登记日期"),
    ("due", "完成时限"),
    ("budget", "投资(元)"),
    ("milestones", "时间节点"),
    ("targets", "目标指标"),
    ("supervision", "督查督办"),
    ("escalated_from", "上报自"),
    ("escalated_to", "上报至"),
    ("progress", "进展情况"),
    ("extensions", "延期记录"),
    ("resolution.date", "办结日期"),
    ("resolution.text", "办理结果"),
    ("resolution.beneficiaries", "惠及人次"),
    ("resolution.spent", "实际支出(元)"),
    ("resolution.satisfaction", "满意度"),
    ("verification.date", "销号日期"),
    ("verification.by", "销号单位"),
    ("reopenings", "重办记录"),
    ("cancellation.date", "撤销日期"),
    ("cancellation.reason", "撤销原因"),
    ("cancellation.duplicate_of", "重复事项"),
    ("reporter.name", "反映人"),
    ("reporter.phone", "联系电话"),
    ("reporter.id_card", "身份证号"),
    ("tags", "标签"),
    ("source_key", "来源行键"),
]

FIELD_ZH = {f: zh for f, zh in FIELD_COLUMNS if "." not in f} | {
    "progress": "进展",
    "resolution": "办结情况",
    "verification": "销号情况",
    "cancellation": "撤销情况",
    "reporter": "反映人信息",
    "corrections": "更正记录",
    "attachments": "附件",
}
FULL_ZH = dict(FIELD_COLUMNS) | {"verification.by": "销号人", "title": "事项名称", "progress": "进展", "partners": "配合单位"}
# the parts of records, as log and changes name them after their field: 时间节点[一期完工].完成日期
PART_ZH = {
    "name": "名称", "due": "时限", "done": "完成日期", "date": "日期", "note": "内容", "milestone": "节点", "by": "记录人",
    "text": "办理结果", "beneficiaries": "惠及人次", "spent": "实际支出", "satisfaction": "满意度", "reason": "原因",
    "duplicate_of": "重复事项", "level": "督办等级", "notice": "通知编号", "deadline": "整改期限", "feedback": "反馈",
    "planned": "计划量", "actual": "完成量", "unit": "计量单位", "original": "原时限", "to": "新时限", "approved_by": "批准人",
    "late": "逾期后延期", "returned": "退回", "resolution": "办结情况", "phone": "联系电话", "id_card": "身份证号",
    "changed": "更正字段", "old": "原值",
}


def field_label(dotted: str) -> str:
    """A field as the clerk reads it: milestones[一期完工].done → 时间节点[一期完工].完成日期 (the field itself in English)."""
    if _lang == "en":
        return dotted
    if dotted in FULL_ZH:
        return FULL_ZH[dotted]
    out: list[str] = []
    for i, part in enumerate(dotted.split(".")):
        if part.isdigit() and out:  # progress.0.date → 进展[1].日期
            out[-1] += f"[{int(part) + 1}]"
            continue
        name, bracket, rest = part.partition("[")
        label = (FIELD_ZH.get(name) or PART_ZH.get(name, name)) if i == 0 else (PART_ZH.get(name) or FIELD_ZH.get(name, name))
        out.append(label + (bracket + rest if bracket else ""))
    return ".".join(out)


def initials(text: str) -> str:
    """Lower-case pinyin initials of a name (三居社区 → sjsq); letters and digits in it kept as they are."""
    from pypinyin import Style, lazy_pinyin

    return "".join(w[:1] for w in lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: list(s))).lower()


def suggest(word: str, choices, n: int = 3) -> str:
    """'；您是不是要找：A、B' for the choices closest to a mistyped word ('' when none is close)."""
    import difflib

    choices = list(dict.fromkeys(choices))
    near = [c for c in choices if word and (word in c or c in word) and c != word]
    near += difflib.get_close_matches(word, choices, n=n, cutoff=0.6)
    near = list(dict.fromkeys(near))[:n]
    if not near:
        return ""
    return tr(f"；您是不是要找：{'、'.join(near)}", f"; did you mean: {', '.join(near)}")
