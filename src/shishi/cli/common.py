"""What every command shares: the ledger root, errors mapped to exit codes, output, --commit."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from shishi.checks.privacy import mask
from shishi.errors import ShishiError
from shishi.i18n import tr


class State:
    def __init__(self, ledger: Optional[Path]):
        self.ledger = ledger



def root_of(ctx: typer.Context) -> Path:
    """The ledger root; first of all, a killed writer's transaction is finished (or undone) and a .shishi link refused."""
    from shishi.store.tree import find_root
    from shishi.write.lock import settle

    root = find_root(ctx.obj.ledger if ctx.obj else None)
    if ctx.obj is not None and getattr(ctx.obj, "settled", None) == root:
        return root
    settle(root)
    if ctx.obj is not None:
        ctx.obj.settled = root
    return root


@contextmanager
def errors():
    """A domain failure: its message on stderr, exit code 1, never a traceback."""
    try:
        yield
    except ShishiError as e:  # a message may echo what the clerk typed: no phone or ID-card number in it
        typer.echo(tr("错误：", "error: ") + mask(e.message), err=True)
        for p in e.problems[1:20]:
            typer.echo(f"  {mask(str(p))}", err=True)
        raise typer.Exit(1) from None
    except BrokenPipeError:
        # the reader of a pipe went away (`shishi list | head`): it has what it wanted, nothing failed — a quiet exit 0,
        # stdout pointed at /dev/null so that Python's last flush of it finds no closed pipe either
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # no file behind stdout (a test's runner)
            pass
        raise typer.Exit(0) from None
    except OSError as e:
        typer.echo(tr("错误：", "error: ") + f"{getattr(e, 'filename', '') or ''} {e.strerror or e}".strip(), err=True)
        raise typer.Exit(1) from None
    except MemoryError:
        typer.echo(tr("错误：内存不足，命令未完成，没有写入任何内容", "error: out of memory; the command did not finish and nothing was written"), err=True)
        raise typer.Exit(1) from None


def load_selected(ctx: typer.Context, unit: Optional[str] = None, allow_incomplete: Optional[bool] = None, entries: bool = True):
    """(ledger, unit path, Incomplete or None): the tree read, `unit` resolved, and what of it could not be read.

    entries=False: through the index, without entries (for figures by SQL: `rollup`).

    allow_incomplete None (list, due, supervise list): say on stderr how many
    problems kept items from being read and where, and go on. False: refuse —
    every problem as path:line:col, exit 1. True: go on; the caller prints the
    returned Incomplete's banner in the document. Use inside errors().
    """
    from shishi.store.load import load

    ledger = load(root_of(ctx), entries=entries)
    return (ledger, *judge_complete(ledger, unit, allow_incomplete))


def judge_complete(ledger, unit: Optional[str] = None, allow_incomplete: Optional[bool] = None):
    """(unit path, Incomplete or None) of a ledger already read (loaded or streamed), as `load_selected` judges it."""
    from shishi.figures.complete import Incomplete, unread

    upath = ledger.resolve_unit(unit) if unit else ""
    problems = unread(ledger, upath)
    if not problems:
        return upath, None
    if allow_incomplete is None:
        typer.echo(tr(f"注意：有 {len(problems)} 处无法读取，其中的事项未列出（shishi check 可查）：", f"note: {len(problems)} problems kept items from being read; they are not listed (see shishi check):"), err=True)
    elif not allow_incomplete:
        typer.echo(tr(f"错误：所选单位的台账有 {len(problems)} 处无法读取，数字不完整，不予输出：", f"error: {len(problems)} problems keep parts of the selected units' ledgers from being read; refusing incomplete figures:"), err=True)
    for p in problems[:50]:
        typer.echo(f"  {p}", err=True)
    if len(problems) > 50:
        typer.echo(tr(f"  另有 {len(problems) - 50} 处", f"  and {len(problems) - 50} more"), err=True)
    if allow_incomplete is False:
        typer.echo(tr("修正后重试，或加 --allow-incomplete 照样输出（这些事项不计入，并在输出上注明）。", "fix them, or add --allow-incomplete to print anyway (those items uncounted, and said so in the output)."), err=True)
        raise typer.Exit(1)
    return upath, Incomplete(problems) if allow_incomplete else None


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def commit_option():
    """The --commit option of a write command (pair it with `committing`)."""
    return typer.Option(
        False, "--commit", help="提交到 git，只提交本命令改动的文件 (git commit exactly the files this command changed; also git.auto_commit in shishi.yaml)."
    )


@contextmanager
def committing(ctx: typer.Context, commit: bool, message=None):
    """Wrap a write command's body: with --commit or git.auto_commit, check git first; the body's files and their commit are one transaction.

    Use inside errors(): `with errors(), committing(ctx, commit, lambda: f"close {item.id}: …"):`.
    The message may also be set on the yielded object (`c.message = …`).
    """
    from shishi.write.lock import committing as tx_committing

    with tx_committing(root_of(ctx), commit, message) as c:
        yield c
    if c.commit:
        typer.echo(tr(f"已提交 {c.commit}", f"committed {c.commit}"), err=True)


def subject(text: str, width: int = 60) -> str:
    """One line of a clerk's text for a commit message."""
    line = " ".join(mask(text).split())  # commit messages travel further than the files: no phone numbers in them
    return line if len(line) <= width else line[: width - 1] + "…"


# ------------------------------------------------------------------ tree and units
