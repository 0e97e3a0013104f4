"""One writer at a time per ledger tree, each write one transaction.

An OS advisory lock (flock) on .shishi/lock: the kernel drops it when the
holder dies, so a killed process never leaves a stale lock behind. Whoever
takes the lock first finishes or undoes what a killed writer left (its intent
record) and sweeps stray temporary files.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from shishi.errors import ShishiError
from shishi.i18n import tr
from shishi.store import tree as t
from shishi.write import journal


class Busy(ShishiError):
    """Another shishi command holds the lock."""


_held: ContextVar[str | None] = ContextVar("shishi_lock_held", default=None)


@contextmanager
def write_lock(root: Path, timeout: float = 60.0):
    """Hold the tree's lock for the block, which is one transaction (a write lock taken inside joins it)."""
    import fcntl

    key = str(Path(root).resolve())
    if _held.get() == key:
        with journal.transaction(root) as tx:
            yield tx
        return
    fd = t.open_state(root, "lock", os.O_RDWR | os.O_CREAT)
    token = _held.set(key)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(
                        tr(f"台账库正被另一个 shishi 命令写入，{timeout:.0f} 秒后仍未释放", f"another shishi command is writing this ledger tree; still busy after {timeout:.0f} s")
                    ) from None
                time.sleep(0.01)
        journal.recover(root)  # stray temporary files are swept once the write has loaded the units (write.files.tree_units)
        with journal.transaction(root) as tx:
            yield tx
    finally:
        _held.reset(token)
        os.close(fd)


def settle(root: Path) -> None:
    """What every command does first: refuse a .shishi link; finish a killed writer's transaction under the lock."""
    t.state_dir(root, create=False)
    if journal.pending(root):
        try:
            with write_lock(root, timeout=0):
                pass
        except Busy:
            pass  # a live writer: its record is its own, and it renames its files in one go at its end


@contextmanager
def committing(root: Path, flag: bool, message=None):
    """With --commit (or git.auto_commit), the block and its git commit are one transaction under the lock.

    Checks that a commit can follow before the block writes anything. `message`
    is a string, a function called after the block, or set on the yielded
    Committer. The commit holds exactly the files the block wrote; if git
    refuses it, no file is changed.
    """
    from shishi.git.repo import Committer, repo_of, require_committable, wants_commit

    c = Committer()
    if not wants_commit(root, flag):
        yield c
        return
    c.repo = repo_of(root)
    require_committable(c.repo)
    with write_lock(root) as tx:
        tx.git = c
        yield c
        if c.message is None:
            c.message = message() if callable(message) else message
