"""Options many commands share, declared once: --format, --unit, --period, --as-of, --kind, --status, --level, -o.

Each parses its value when the command line is read, so a bad value is a
usage error (exit 2) in every command, with a message in the run's language
listing what is accepted. Vocabulary values are taken in Chinese and English
alike, as `list` prints them (`--kind 项目` = `project`, `--status 推进中`).
"""

from __future__ import annotations

import typer

from shishi.errors import ShishiError
from shishi.i18n import choices, tr, vocabulary_code


def _bad(message: str):
    return typer.BadParameter(message)


def _choice(allowed: tuple[str, ...]):
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise _bad(tr(f"应为 {'|'.join(allowed)} 之一：{text}", f"must be one of {'|'.join(allowed)}: {text}"))
        return value

    return parse


def format_option(*allowed: str, default: str | None = None, help_zh: str = "输出格式", help_en: str = "output format"):
    """--format/-f with the formats a command has; the first is the default unless `default` says otherwise."""
    first = allowed[0] if default is None else default
    return typer.Option(first, "--format", "-f", parser=_choice(allowed), metavar="|".join(allowed), help=f"{help_zh}：{'|'.join(allowed)} ({help_en}).")


def optional_format_option(*allowed: str, help_zh: str, help_en: str):
    """--format/-f without a default (the command infers it, e.g. from -o's suffix)."""
    return typer.Option(None, "--format", "-f", parser=_choice(allowed), metavar="|".join(allowed), help=f"{help_zh}：{'|'.join(allowed)} ({help_en}).")


def unit_option(help_zh: str = "只看该单位及其下级", help_en: str = "this unit and those below", required: bool = False):
    """--unit/-u: a unit by path (赶水镇/三居社区) or unique name (三居社区)."""
    return typer.Option(... if required else None, "--unit", "-u", metavar="单位", help=f"{help_zh}：单位路径或名称 ({help_en}; a unit path or unique name).")


def _period(text: str):
    from shishi.values import parse_period

    try:
        return parse_period(text)
    except ShishiError as e:
        raise _bad(e.message) from None


def period_option(help_zh: str = "统计期间", help_en: str = "period"):
    """--period: 2021, 2021Q3, 2021-09 or 2021-01-01..2021-11-30, parsed to a Period."""
    return typer.Option(None, "--period", parser=_period, metavar="期间", help=f"{help_zh}：2021、2021Q3、2021-09、2021-01-01..2021-11-30 ({help_en}).")


def _date(text: str):
    from shishi.values import parse_date

    try:
        return parse_date(text, "--as-of")
    except ShishiError as e:
        raise _bad(e.message) from None


def as_of_option(help_zh: str = "截至日期，默认今天", help_en: str = "as-of date; default today"):
    """--as-of: the date figures are judged on, parsed to a date."""
    return typer.Option(None, "--as-of", parser=_date, metavar="日期", help=f"{help_zh} ({help_en}).")


def _vocabulary(name: str):
    def parse(text: str) -> str:
        try:
            return vocabulary_code(name, text)
        except ValueError as e:
            raise _bad(str(e)) from None

    return parse


def kind_option(default: str | None = None, help_zh: str = "事项类型", help_en: str = "item kind"):
    """--kind of an item: 群众诉求|民生实事项目|督查整改 or demand|project|rectification."""
    return typer.Option(default, "--kind", parser=_vocabulary("kind"), metavar="类型", help=f"{help_zh}：{_both('kind')} ({help_en}).")


def unit_kind_option():
    """--kind of a unit: 区|镇|街道|部门|村|社区|市 or district|town|street|department|village|community|city."""
    return typer.Option(..., "--kind", parser=_vocabulary("unit_kind"), metavar="类型", help=f"单位类型：{_both('unit_kind')} (unit kind).")


def _statuses(text: str) -> tuple[str, ...]:
    try:
        return tuple(dict.fromkeys(vocabulary_code("status", s) for s in text.replace("，", ",").split(",") if s.strip()))
    except ValueError as e:
        raise _bad(str(e)) from None


def status_option():
    """--status: one or more statuses, comma-separated, in Chinese or English."""
    return typer.Option(None, "--status", parser=_statuses, metavar="状态", help=f"状态，可用逗号分隔多个：{_both('status')} (statuses, comma-separated).")


def level_option(default: str | None = None, required: bool = False):
    """--level of supervision: 一般|重要|紧急|挂牌 (挂牌督办, listed … accepted)."""
    return typer.Option(... if required else default, "--level", parser=_vocabulary("level"), metavar="级别", help="督办级别：一般|重要|紧急|挂牌 (supervision level).")


def output_option(help_zh: str = "写入文件", help_en: str = "file to write"):
    """-o/--output FILE."""
    return typer.Option(None, "--output", "-o", metavar="文件", help=f"{help_zh} ({help_en}).")


def _both(vocabulary: str) -> str:
    from shishi.i18n import get_lang, set_lang

    lang = get_lang()
    try:
        set_lang("zh")
        zh = choices(vocabulary)
        set_lang("en")
        en = choices(vocabulary)
    finally:
        set_lang(lang)
    return zh if zh == en else f"{zh} 或 {en}"
