"""Typer's own words in the run's language: usage errors, the usage line and the help pages.

Typer 0.29 vendors click as `typer._click`, whose messages are plain English
f-strings (no gettext), so they are translated where they surface: the root
group's `main` catches the usage error and prints it itself (from the
exception's own fields, not by parsing its text), and help pages get their
fixed words (panel titles, the help option, type labels, the usage prefix)
and our bilingual help strings ("中文 (English)") in one language.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Sequence

import typer
from typer import _click as click
from typer._click import exceptions as cx
from typer.core import TyperArgument, TyperGroup, TyperOption

from shishi.i18n import get_lang, set_lang, tr

HELP_FLAGS = ("-h", "--help")


def lang_from_args(args: Sequence[str]) -> None:
    """--lang before the command, read ahead: errors of the root's own parsing come before its callback runs."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--lang" and i + 1 < len(args):
            set_lang(args[i + 1])
            i += 2
        elif a.startswith("--lang="):
            set_lang(a.partition("=")[2])
            i += 1
        elif a in ("--ledger", "-L"):
            i += 2
        elif a.startswith("-"):
            i += 1
        else:
            break


class ShishiGroup(TyperGroup):
    """The root group: usage errors printed in the run's language, help pages in one language."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True, **extra):
        argv = list(sys.argv[1:] if args is None else args)
        lang_from_args(argv)
        localize_help(self)
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        while True:
            try:
                rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
                break
            except cx.NoArgsIsHelpError as e:
                e.show()
                sys.exit(e.exit_code)
            except cx.MissingParameter as e:
                answer = ask(e, argv)
                if answer is None:
                    show_usage_error(e)
                    sys.exit(e.exit_code)
                argv += answer
            except cx.UsageError as e:
                show_usage_error(e)
                sys.exit(e.exit_code)
            except cx.ClickException as e:
                typer.echo(tr("错误：", "error: ") + e.format_message(), err=True)
                sys.exit(e.exit_code)
            except typer.Abort:
                typer.echo(tr("已中止", "Aborted!"), err=True)
                sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


# ------------------------------------------------------------------ asking instead of failing

ASKING = ("shishi add", "shishi progress", "shishi close", "shishi escalate", "shishi supervise add")


def interactive() -> bool:
    """A clerk at a terminal (stdin and stdout); tests set this."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def ask(e: cx.MissingParameter, argv: list[str]) -> list[str] | None:
    """The words to add to the command line for a missing required value, asked in the run's language; None: do not ask."""
    ctx, param = e.ctx, e.param
    if ctx is None or param is None or "--no-input" in argv or not interactive():
        return None
    if ctx.command_path not in ASKING:
        return None
    label = split_help(_SHOWN.get(id(param), (param, param.help))[1] or "", get_lang()) or _names(param)
    label = label.split("：")[0].split(": ")[0].rstrip("。.")
    hint = ""
    if "--unit" in getattr(param, "opts", ()) or "--to" in getattr(param, "opts", ()):
        hint = tr("（如 赶水镇/三居社区；shishi unit list 查看全部）", " (e.g. 赶水镇/三居社区; see shishi unit list)")
    try:
        value = typer.prompt(f"{label}{hint}", default="", show_default=False, err=True, prompt_suffix=tr("：", ": ")).strip()
    except typer.Abort:
        return None
    if not value:
        return None
    return [value] if isinstance(param, TyperArgument) else [param.opts[0], value]


# ------------------------------------------------------------------ shell completion


def complete_values(param, ctx, incomplete: str):
    """Unit paths or item IDs starting with what is typed; None for a parameter of another kind."""
    from typer._click.shell_completion import CompletionItem

    opts = getattr(param, "opts", ())
    is_unit = "--unit" in opts or "--to" in opts or (isinstance(param, TyperArgument) and param.name in ("path", "unit"))
    is_id = isinstance(param, TyperArgument) and (param.metavar == "ID" or param.name == "item_id")
    if not (is_unit or is_id):
        return None
    try:
        from shishi.store.load import load, load_units
        from shishi.store.tree import find_root

        root_ctx = ctx.find_root()
        root = find_root(root_ctx.params.get("ledger"))
        if is_unit:
            names = [u for u in load_units(root).units if u]
        else:
            names = [e.item.id for e in load(root).entries]
    except Exception:  # completion never fails the shell: nothing offered
        return []
    typed = incomplete.upper() if is_id else incomplete
    return [CompletionItem(n) for n in sorted(names) if n.startswith(typed) or (is_unit and n.rpartition("/")[2].startswith(typed))]


# Typer adds these two options with English help and an English "installed" message
COMPLETION_HELP = {
    "install_completion": "为当前 shell 安装命令补全（单位路径、事项编号可按 Tab 补全）(install completion for the current shell).",
    "show_completion": "显示当前 shell 的补全脚本，可复制或自行安装 (show completion for the current shell, to copy it or customize the installation).",
}


def _completion_installed(ctx, param, value):
    """--install-completion: install as Typer does, and say so in the run's language."""
    from typer._completion_shared import install

    if not value or ctx.resilient_parsing:
        return value
    shell, path = install(shell=value) if isinstance(value, str) else install()
    typer.echo(tr(f"已为 {shell} 安装命令补全：{path}\n重新打开终端后生效", f"{shell} completion installed in {path}\nCompletion will take effect once you restart the terminal"))
    sys.exit(0)


# ------------------------------------------------------------------ usage errors


def show_usage_error(e: cx.UsageError) -> None:
    ctx = e.ctx
    if ctx is not None:
        typer.echo(ctx.get_usage(), err=True)
        if ctx.command.get_help_option(ctx) is not None:
            cmd, flag = ctx.command_path, ctx.help_option_names[0]
            typer.echo(tr(f"运行 {cmd} {flag} 查看帮助。", f"Try '{cmd} {flag}' for help."), err=True)
    typer.echo(tr("错误：", "Error: ") + usage_message(e), err=True)


def _names(param) -> str:
    if param is None:
        return ""
    if isinstance(param, TyperArgument):
        return param.display_name_raw.upper() if param.metavar is None else param.metavar
    return " / ".join(param.opts)


def usage_message(e: cx.UsageError) -> str:
    """The message of a usage error in the run's language, made from the exception's fields."""
    if get_lang() == "en":
        return e.format_message()
    if isinstance(e, cx.MissingParameter):
        what = "参数" if isinstance(e.param, TyperArgument) or e.param_type == "argument" else "选项"
        return f"缺少{what} {_names(e.param) or e.param_hint or ''}".rstrip()
    if isinstance(e, cx.NoSuchOption):
        near = sorted(e.possibilities or ())
        return f"没有选项 {e.option_name}" + (f"（您是不是要找：{'、'.join(near)}）" if near else "")
    if isinstance(e, cx.BadOptionUsage):
        if "requires" in e.message:
            return f"选项 {e.option_name} 后面要跟一个值"
        if "does not take a value" in e.message:
            return f"选项 {e.option_name} 不带值"
        return f"选项 {e.option_name} 用法不对"
    if isinstance(e, cx.BadParameter):
        where = _names(e.param) if e.param is not None else (e.param_hint if isinstance(e.param_hint, str) else " / ".join(e.param_hint or ()))
        return f"{where} 的值不对：{_value_message(e.message)}" if where else f"取值不对：{_value_message(e.message)}"
    m = re.match(r"No such command '(.*?)'", e.message)
    if m:
        cmds = list(getattr(e.ctx.command, "commands", {}) or {}) if e.ctx else []
        near = difflib.get_close_matches(m.group(1), cmds)
        where = e.ctx.command_path if e.ctx else "shishi"
        return f"没有命令 {m.group(1)}" + (f"（您是不是要找：{'、'.join(near)}）" if near else f"（{where} -h 查看全部命令）")
    if e.message.startswith("Missing command"):
        return "缺少命令"
    m = re.match(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)", e.message)
    if m:
        return f"多余的参数：{m.group(1)}"
    m = re.match(r"Argument '(.*?)' takes (\d+) values", e.message)
    if m:
        return f"参数 {m.group(1)} 要 {m.group(2)} 个值"
    return e.message if re.search(r"[\u4e00-\u9fff]", e.message) else "命令用法不对"


def _value_message(msg: str) -> str:
    """A parameter type's complaint (English in click) in Chinese; our own (already Chinese) as it is."""
    if re.search(r"[\u4e00-\u9fff]", msg):
        return msg
    m = re.search(r"(?:Value )?'?(.*?)'? is not a valid (\w+)", msg)
    if m:
        kind = {"integer": "整数", "int": "整数", "float": "数字", "boolean": "是/否", "bool": "是/否"}.get(m.group(2), "有效的值")
        return f"{m.group(1)} 不是{kind}"
    m = re.search(r"'?(.*?)'? is not one of (.*)\.", msg)
    if m:
        choices = "、".join(re.findall(r"'([^']*)'", m.group(2)))
        return f"{m.group(1)} 应为 {choices} 之一"
    m = re.search(r"(?:File|Path|Directory) '?(.*?)'? does not exist", msg)
    if m:
        return f"{m.group(1)} 不存在"
    return "取值无效"


# ------------------------------------------------------------------ help pages


def split_help(text: str | None, lang: str) -> str | None:
    """'中文说明 (English text).' → the half of the run's language; other texts as they are."""
    if not text:
        return text
    m = re.fullmatch(r"(?s)(.*[\u4e00-\u9fff].*?)\s*\(([^()\u4e00-\u9fff]*(?:\([^()\u4e00-\u9fff]*\)[^()\u4e00-\u9fff]*)*)\)\.?\s*", text)
    if not m:
        return text
    zh, en = m.group(1).strip(), m.group(2).strip()
    if lang == "en":
        return en[:1].upper() + en[1:] + ("" if en.endswith(".") else ".")
    return zh.rstrip("。.") + "。" if not zh.endswith(("）", ")")) else zh


_SHOWN: dict[int, tuple] = {}


def localize_help(root: click.core.Command) -> None:
    """Every help text of the command tree in the run's language (kept so a later run in the other language can switch back)."""
    lang = get_lang()

    def walk(cmd) -> None:
        for obj in (cmd, *cmd.params):
            if getattr(obj, "name", None) in COMPLETION_HELP and obj.callback is not _completion_installed:
                obj.help, obj.callback = COMPLETION_HELP[obj.name], (_completion_installed if obj.name == "install_completion" else obj.callback)
            orig = _SHOWN.setdefault(id(obj), (obj, getattr(obj, "help", None)))[1]
            if orig is not None:
                obj.help = split_help(orig, lang)
        for sub in (getattr(cmd, "commands", None) or {}).values():
            walk(sub)

    walk(root)


def _install() -> None:
    """Typer's fixed words, translated when they are shown (the lang is read then)."""
    from typer._click import decorators, formatting

    write_usage = formatting.HelpFormatter.write_usage

    def usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = re.sub(r"\{([^{}]+)\}", lambda m: m.group(1).upper(), args)
        if get_lang() == "zh":
            args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
            args = re.sub(r"\b[A-Z]{2,}\b", lambda m: METAVAR_ZH.get(m.group(), m.group()), args)
        write_usage(self, prog, args, prefix if prefix is not None else tr("用法：", "Usage: "))

    formatting.HelpFormatter.write_usage = usage

    help_option = decorators.help_option

    def localized_help_option(*names, **kw):
        deco = help_option(*names, **kw)

        def apply(f):
            out = deco(f)
            f.params[-1].help = tr("显示本帮助并退出", "Show this message and exit.")
            return out

        return apply

    decorators.help_option = localized_help_option

    make_metavar = TyperOption.make_metavar

    def metavar(self, ctx) -> str:
        shown = make_metavar(self, ctx)
        return re.sub(r"<(str|int|float|path|decimal)>", lambda m: TYPE_WORDS[m.group(1)](), shown)

    TyperOption.make_metavar = metavar

    # shell completion of unit paths (--unit, --to, unit PATH) and item IDs (every ID argument), read from the tree
    for cls in (TyperOption, TyperArgument):
        complete = cls.shell_complete

        def shell_complete(self, ctx, incomplete, _complete=complete):
            found = complete_values(self, ctx, incomplete)
            return _complete(self, ctx, incomplete) if found is None else found

        cls.shell_complete = shell_complete

    # typer.core's own gettext'd words (the help notes); the two error messages usage_message reads stay as they are
    import typer.core as tc

    def words(text: str) -> str:
        return CORE_ZH.get(text, text) if get_lang() == "zh" else text

    tc._ = words


TYPE_WORDS = {
    "str": lambda: tr("文本", "TEXT"),
    "int": lambda: tr("整数", "INT"),
    "float": lambda: tr("数字", "NUMBER"),
    "decimal": lambda: tr("数字", "NUMBER"),
    "path": lambda: tr("路径", "PATH"),
}

# argument placeholders of the usage line (ID stays: it is what the clerk reads on the ledger)
METAVAR_ZH = {"PATH": "路径", "NEWPATH": "新路径", "DIRECTORY": "目录", "FILE": "文件", "FILES": "文件", "UNIT": "单位", "SQL": "查询语句", "BASE": "祖先版本", "OURS": "本地版本", "THEIRS": "合并版本", "NAME": "名称"}

CORE_ZH = {
    "default: {default}": "默认：{default}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "env var: {var}": "环境变量：{var}",
    "Arguments": "参数",
    "Options": "选项",
    "Commands": "命令",
    "Aborted!": "已中止",
}


_install()
