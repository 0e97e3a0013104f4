"""Commands for collaboration through git: git setup / relink, log, changes, merge-driver."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import commit_option, committing, errors, load_selected, out, root_of
from shishi.cli.options import allow_incomplete_option, format_option, unit_option
from shishi.i18n import tr

app = typer.Typer()

git_app = typer.Typer(help="git 协作：配置与合并后修复 (collaboration through git: setup, relink).", no_args_is_help=True)
app.add_typer(git_app, name="git")


@git_app.command("setup")
def git_setup(ctx: typer.Context, commit: bool = commit_option()) -> None:
    """在 git 工作区里配置逐项合并：.gitattributes、合并驱动、忽略 .shishi/，可重复运行 (set up the merge driver; idempotent)."""
    from shishi.git import repo as gitio

    with errors(), committing(ctx, commit, "git setup: merge ledger files with shishi"):
        done, notes = gitio.setup(root_of(ctx))
    for line in done:
        out(tr(f"已配置 {line}", f"set up {line}"))
    for note in notes:
        typer.echo(note, err=True)
    if not done:
        typer.echo(tr("git 协作已配置好，无需改动", "already set up; nothing changed"), err=True)


@git_app.command("relink")
def git_relink(ctx: typer.Context, commit: bool = commit_option()) -> None:
    """合并改号后修复上报链接 escalated_to（git setup 装的 post-merge 钩子会自动运行）(fix escalation links after a merge renumbered an item)."""
    from shishi.write.relink import relink

    with errors(), committing(ctx, commit, lambda: "relink " + ", ".join(f"{s} → {n}" for s, _o, n in fixes)):
        fixes = relink(root_of(ctx))
    for source, old, new in fixes:
        out(tr(f"{source}：escalated_to {old} → {new}", f"{source}: escalated_to {old} -> {new}"))


@app.command("sync")
def sync(ctx: typer.Context) -> None:
    """同步：提交本机改动，拉取并逐项合并，修复上报链接，推送，并列出收到的工作动态 (commit, pull with the merge driver, relink, push; prints what came in)."""
    from shishi.figures.changes import incoming, tree_changes
    from shishi.write.sync import sync as do_sync

    with errors():
        root = root_of(ctx)
        s = do_sync(root)
        ch = tree_changes(root, s.before, s.after) if s.before and s.after and s.before != s.after else None
    for note in s.notes:
        typer.echo(note, err=True)
    if s.committed:
        out(tr(f"已提交本机改动 {s.committed}", f"committed local changes {s.committed}"))
    for source, old, new in s.relinked:
        out(tr(f"{source}：escalated_to {old} → {new}", f"{source}: escalated_to {old} -> {new}"))
    if s.remote:
        out(incoming(ch) if ch is not None else tr("没有收到新的变化。", "nothing new came in."))
        if s.pushed:
            out(tr(f"已推送到 {s.remote}", f"pushed to {s.remote}"))


@app.command("log")
def log(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    fmt: str = format_option("text", "json"),
) -> None:
    """一件事项在 git 里的历史：何时、何人、哪些字段从何改为何 (the history of one item from git)."""
    from shishi.figures.changes import history_json, history_text, item_history
    from shishi.render.json import to_json

    with errors():
        h = item_history(root_of(ctx), item_id)
    out(to_json(history_json(h)) if fmt == "json" else history_text(h))


@app.command("changes")
def changes(
    ctx: typer.Context,
    since: str = typer.Option(..., "--since", help="起点：git 版本或日期 (REV or DATE: the last commit before that day)."),
    until: Optional[str] = typer.Option(None, "--until", help="终点：git 版本或日期（含当天）；默认为工作区 (REV or DATE, inclusive; default the work tree)."),
    unit: Optional[str] = unit_option(),
    fmt: str = format_option("text", "md", "json"),
    allow_incomplete: bool = allow_incomplete_option(),
) -> None:
    """两个时点之间的变化：新增、推进、办结、销号、上报、重办、修改 (what changed between two states, as a weekly work bulletin)."""
    from shishi.figures.changes import changes_json, changes_md, changes_text, tree_changes
    from shishi.render.json import to_json

    with errors():
        root = root_of(ctx)
        if until is None and (incomplete := load_selected(ctx, unit, allow_incomplete)[2]) is not None:  # the work tree is one end
            typer.echo(incomplete.banner(), err=True)
        ch = tree_changes(root, since, until, unit)
        text = to_json(changes_json(ch)) if fmt == "json" else changes_md(ch, root) if fmt == "md" else changes_text(ch, root)
    out(text)


@app.command("merge-driver")
def merge_driver(
    base: Path = typer.Argument(..., help="%O：共同祖先版本 (the common ancestor's version)."),
    ours: Path = typer.Argument(..., help="%A：本地版本，合并结果写回此文件 (ours; the result is written here)."),
    theirs: Path = typer.Argument(..., help="%B：合并进来的版本 (theirs)."),
    name: str = typer.Argument("", help="%P：文件在库中的路径 (the file's path in the repository)."),
) -> None:
    """git 合并驱动：按事项编号三方合并台账文件（由 git setup 配置）(git's merge driver for ledger files)."""
    from shishi.git.merge import run_driver

    code = run_driver(base, ours, theirs, name or str(ours))
    sys.stdout.flush()
    raise typer.Exit(code)
