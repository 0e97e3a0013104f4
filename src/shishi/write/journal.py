"""Transactions: every file a command writes lands together, or none does.

Inside a transaction `atomic_write` only stages: each new file version is
written and fsynced beside its target under a temporary name. An intent
record under .shishi/ lists every directory made and every temporary file
before it is created (one fsynced line each). When the command's body has
finished, a `commit` line is appended (with --commit, after git has the
commit object ready), then git's branch is moved, then the temporary files
are renamed over their targets, then the record is removed.

A record found later (the writer was killed) is finished by the next shishi
command under the lock: with its `commit` line the renames are completed (with
--commit, only if the branch points at the commit), else every temporary file
and new directory is removed. So a kill at any step leaves the tree as before
or as after, never between.

SHISHI_CRASH_AT=<step> kills the process at that step, for the tests:
temp (the first new version written), staged (all written, no decision yet),
intent (the commit line written), commit (git's branch moved), rename (the
first file renamed), renamed (all renamed, the record still there).
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from shishi.i18n import tr
from shishi.store import tree as t
from shishi.store.yamlio import Stager, fsync_dir, staging, write_temp

INTENT = t.INTENT_FILE
STEPS = ("temp", "staged", "intent", "commit", "rename", "renamed")


def crash_point(step: str) -> None:
    """The test hook: SHISHI_CRASH_AT=<step> kills this process there, as a power cut would."""
    if os.environ.get("SHISHI_CRASH_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)


class Transaction(Stager):
    """The files and directories one command writes, applied together by `finish`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.temps: dict[Path, Path] = {}  # target -> its staged new version
        self.removed: list[Path] = []  # files the transaction deletes
        self.moved: list[tuple[Path, Path]] = []  # directories it renames, after its files are in place
        self.dirs: list[Path] = []
        self.fd: int | None = None  # the intent record, open for appending
        self.git = None  # a git.repo.Committer when the commit is part of the transaction
        self.after: list[Callable[[], None]] = []  # run once the files are in place (caches)

    def rel(self, path: Path) -> str:
        return t.rel(self.root, Path(path))

    # ---------------------------------------------------------------- the record

    def note(self, entry: dict) -> None:
        """Append one line to the intent record and fsync it (the record is made by the first line)."""
        if self.fd is None:
            self.fd = t.open_state(self.root, INTENT, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
            fsync_dir(self.root / t.STATE_DIR)
        os.write(self.fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        os.fsync(self.fd)

    def drop_record(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            (self.root / t.STATE_DIR / INTENT).unlink(missing_ok=True)
            fsync_dir(self.root / t.STATE_DIR)

    # ---------------------------------------------------------------- staging

    def stage(self, path: Path, data: bytes) -> None:
        path = Path(path)
        missing = []
        d = path.parent
        while not d.exists() and d != d.parent:
            missing.append(d)
            d = d.parent
        for d in reversed(missing):
            self.note({"dir": self.rel(d)})
            os.mkdir(d)
            self.dirs.append(d)
        old = self.temps.pop(path, None)
        if old is not None:
            old.unlink(missing_ok=True)
        tmp = write_temp_noted(self, path, data)
        self.temps[path] = tmp
        if len(self.temps) == 1:
            crash_point("temp")

    def staged(self, path: Path) -> Path | None:
        return self.temps.get(Path(path))

    def remove(self, path: Path) -> None:
        path = Path(path)
        old = self.temps.pop(path, None)
        if old is not None:
            old.unlink(missing_ok=True)
        if path not in self.removed:
            self.note({"rm": self.rel(path)})
            self.removed.append(path)

    def move_dir(self, old: Path, new: Path) -> None:
        self.note({"mvdir": self.rel(old), "into": self.rel(new)})
        self.moved.append((Path(old), Path(new)))

    # ---------------------------------------------------------------- the end

    def finish(self) -> None:
        """Apply every staged file (and the commit): the body of the command has succeeded."""
        if not self.temps and not self.removed and not self.moved:
            self.rollback()
            return
        crash_point("staged")
        git = self.git
        new = old = None
        try:
            if git is not None:
                from shishi.git.repo import prepare_commit

                made = prepare_commit(git.repo, [(target, tmp) for target, tmp in self.temps.items()], git.message or "shishi", self.removed, self.moved)
                if made is not None:
                    new, old = made
            self.note({"commit": True, "git": {"top": str(git.repo.top), "new": new, "old": old} if new else None})
        except BaseException:
            self.rollback()
            raise
        crash_point("intent")
        if new:
            from shishi.git.repo import GitError, advance

            try:
                advance(git.repo, new, old, git.message or "shishi")
            except GitError as e:
                self.rollback()
                raise GitError(
                    tr(f"git 拒绝提交，没有写入任何内容（{e.message}）", f"git refused the commit; nothing was written ({e.message})")
                ) from None
            git.commit = new[:7]
            crash_point("commit")
        apply(self.root, [(tmp, target) for target, tmp in self.temps.items()], self.removed, self.moved)
        crash_point("renamed")
        if new:
            from shishi.git.repo import sync_index

            sync_index(git.repo, [*self.temps, *self.removed, *(p for pair in self.moved for p in pair)])
        self.drop_record()
        for f in self.after:
            f()

    def rollback(self) -> None:
        for tmp in self.temps.values():
            tmp.unlink(missing_ok=True)
        for d in reversed(self.dirs):
            try:
                d.rmdir()
            except OSError:
                pass
        self.temps.clear()
        self.removed.clear()
        self.moved.clear()
        self.dirs.clear()
        self.drop_record()


def write_temp_noted(tx: Transaction, path: Path, data: bytes) -> Path:
    """The new version beside `path`, its name in the record before the file exists."""
    from shishi.store.yamlio import temp_name

    tmp = path.with_name(temp_name(path.name))
    tx.note({"tmp": tx.rel(tmp), "to": tx.rel(path)})
    return write_temp(path, data, tmp)


def apply(root: Path, moves: list[tuple[Path, Path]], removed: list[Path] = (), dirs: list[tuple[Path, Path]] = ()) -> None:
    """Rename each staged file over its target (those already renamed are gone), delete the removed, then fsync their directories."""
    for i, (tmp, target) in enumerate(moves):
        try:
            os.replace(tmp, target)
        except FileNotFoundError:
            pass  # renamed before a kill
        if i == 0:
            crash_point("rename")
    for path in removed:
        path.unlink(missing_ok=True)
    for old, new in dirs:
        if os.path.lexists(old) and not os.path.lexists(new):  # else moved before a kill
            os.rename(old, new)
    for d in {target.parent for _tmp, target in moves} | {p.parent for p in removed} | {p.parent for pair in dirs for p in pair}:
        fsync_dir(d)


# ------------------------------------------------------------------ recovery


def pending(root: Path) -> bool:
    """Whether a killed writer left an intent record."""
    return os.path.lexists(Path(root) / t.STATE_DIR / INTENT)


def recover(root: Path) -> str | None:
    """Finish or undo the transaction a killed writer left (call under the lock); 'done', 'undone' or None."""
    root = Path(root)
    path = root / t.STATE_DIR / INTENT
    if not os.path.lexists(path):
        return None
    fd = t.open_state(root, INTENT, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        raw = f.read()
    entries = []
    for line in raw.split(b"\n"):
        try:
            entries.append(json.loads(line))
        except ValueError:
            break  # a torn last line: never fsynced, so its step never happened
    moves = [(root / e["tmp"], root / e["to"]) for e in entries if "tmp" in e]
    dirs = [root / e["dir"] for e in entries if "dir" in e]
    removed = [root / e["rm"] for e in entries if "rm" in e]
    moved = [(root / e["mvdir"], root / e["into"]) for e in entries if "mvdir" in e]
    decided = next((e for e in entries if e.get("commit")), None)
    forward = decided is not None and (not decided.get("git") or _committed(decided["git"]))
    if forward:
        apply(root, moves, removed, moved)
        if decided.get("git"):
            from shishi.git.repo import repo_of, sync_index

            sync_index(repo_of(root), [target for _tmp, target in moves] + removed + [p for pair in moved for p in pair])
    else:
        for tmp, _target in moves:
            tmp.unlink(missing_ok=True)
        for d in reversed(dirs):
            try:
                d.rmdir()
            except OSError:
                pass
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return "done" if forward else "undone"


def _committed(g: dict) -> bool:
    """Whether git's branch took the transaction's commit before the kill."""
    from shishi.git.repo import git

    proc = git(["merge-base", "--is-ancestor", g["new"], "HEAD"], Path(g["top"]), check=False)
    return proc.returncode == 0


def sweep(root: Path, units: dict | None = None) -> None:
    """Delete temporary files no live record names: a killed writer's (under the lock; units as the write loaded them)."""
    for p in t.leftover_temps(root, units, state=True):
        p.unlink(missing_ok=True)


# ------------------------------------------------------------------ the door

_current: ContextVar[Transaction | None] = ContextVar("shishi_transaction", default=None)


def current() -> Transaction | None:
    return _current.get()


@contextmanager
def transaction(root: Path):
    """One transaction for the block (joined by any write inside it); the caller holds the lock."""
    tx = _current.get()
    if tx is not None:
        yield tx
        return
    tx = Transaction(root)
    token = _current.set(tx)
    try:
        with staging(tx):
            try:
                yield tx
            except BaseException:
                tx.rollback()
                raise
        tx.finish()
    finally:
        _current.reset(token)
        if tx.fd is not None:  # finish failed part-way: the record stays for the next command
            os.close(tx.fd)
            tx.fd = None


