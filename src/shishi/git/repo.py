"""Every call to git, in one place.

Git is always run as a list of arguments (never through a shell), with
`core.quotepath=false` and literal pathspecs, so unit directories with Chinese
names, spaces or brackets pass through untouched. Paths handed to git are
relative to the work tree's top, where git runs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shishi.errors import ShishiError
from shishi.i18n import tr

GIT = ("git", "-c", "core.quotepath=false", "--literal-pathspecs")
ATTRIBUTES = ".gitattributes"
ATTRIBUTE_LINES = (
    "# shishi: ledger files merge item by item (shishi git setup)",
    "[0-9][0-9][0-9][0-9].yaml merge=shishi",
)
TEMP_PATTERN = ".*.tmp"
HOOK_ENV = "SHISHI_GIT_HOOK"  # set by the hooks `setup` installs
HOOK_MARK = "# shishi: relink escalations renumbered by a merge (shishi git setup)"  # kept as first written: it marks hooks shishi may update


class GitError(ShishiError):
    """git failed or is missing: its own message, for the clerk."""


def git(args: Iterable[str], cwd: Path, *, input: bytes | None = None, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run git with a list of arguments in `cwd`; bytes in, bytes out."""
    argv = [*GIT, *args]
    try:
        proc = subprocess.run(argv, cwd=cwd, input=input, capture_output=True, env=env)
    except FileNotFoundError:
        raise GitError(tr("找不到 git 命令，请先安装 git", "git is not installed (no git command found)")) from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip() or proc.stdout.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args[:2])}: {msg}")
    return proc


def text(args: Iterable[str], cwd: Path, **kw) -> str:
    return git(args, cwd, **kw).stdout.decode("utf-8", "replace")


# ------------------------------------------------------------------ the work tree


@dataclass(frozen=True)
class Repo:
    """The git work tree holding a ledger root; `prefix` is the root relative to the top ('' or 'ledgers/')."""

    top: Path
    root: Path

    @property
    def prefix(self) -> str:
        rel = self.rel(self.root)
        return "" if rel == "." else rel + "/"

    def rel(self, path: Path) -> str:
        """A path as git names it: relative to the top, with forward slashes."""
        return Path(os.path.relpath(Path(path).resolve(), self.top)).as_posix()

    def git_path(self, name: str) -> Path:
        """A file inside the git directory (hooks/post-merge, MERGE_HEAD), as git resolves it."""
        p = Path(text(["rev-parse", "--git-path", name], self.top).strip())
        return p if p.is_absolute() else self.top / p


def repo_of(root: Path) -> Repo:
    """The work tree holding `root`; a clear error when there is none."""
    root = Path(root).resolve()
    proc = git(["rev-parse", "--show-toplevel"], root, check=False)
    if proc.returncode != 0:
        raise GitError(
            tr(
                f"{root} 不在 git 工作区里（先 git init 或 git clone，再运行 shishi git setup）",
                f"{root} is not inside a git work tree (git init or git clone it, then shishi git setup)",
            )
        )
    return Repo(Path(proc.stdout.decode("utf-8").strip()).resolve(), root)


def require_committable(repo: Repo) -> None:
    """Refuse before any write when a commit could not follow: no identity, or a merge or rebase under way."""
    for what in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        if git(["var", what], repo.top, check=False).returncode != 0:
            raise GitError(
                tr(
                    "git 不知道提交人：先运行 git config user.name \"姓名\" 和 git config user.email 邮箱",
                    "git does not know who you are: run git config user.name \"Your Name\" and git config user.email you@example.org",
                )
            )
    busy = [n for n in ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply") if repo.git_path(n).exists()]
    if busy == ["MERGE_HEAD"] and _merge_committed(repo):
        busy = []  # a post-merge hook: the merge commit is made, git has not yet tidied up
    if os.environ.get(HOOK_ENV) == "post-rewrite" and set(busy) <= {"rebase-merge", "rebase-apply"} and git(["symbolic-ref", "-q", "HEAD"], repo.top, check=False).returncode == 0:
        busy = []  # the post-rewrite hook: the rebase has put the branch back, only its state is left to remove
    if busy:
        raise GitError(
            tr(
                "git 正在合并或变基，先完成它（解决冲突后 git commit），再用 --commit",
                "git is in the middle of a merge or rebase; finish it (resolve, git commit) before using --commit",
            )
        )


def _merge_committed(repo: Repo) -> bool:
    merging = repo.git_path("MERGE_HEAD").read_text(encoding="utf-8").split()
    parents = text(["rev-parse", "HEAD^@"], repo.top, check=False).split()
    return bool(merging) and set(merging) <= set(parents)


def prepare_commit(
    repo: Repo, files: list[tuple[Path, Path]], message: str, removed: Iterable[Path] = (), moved: Iterable[tuple[Path, Path]] = ()
) -> tuple[str, str | None] | None:
    """A commit of HEAD with each (target, source) file's content at the target's path; (new, old head), None when nothing changes.

    Only objects are written: the branch moves in `advance`. Built in a private
    index, so whatever else is staged stays staged and out of this commit; the
    author is git's (user.name / user.email, or GIT_AUTHOR_*).
    """
    import tempfile

    removed, moved = list(removed), list(moved)
    if not files and not removed and not moved:
        return None
    sources = dict(files)
    for old, new in moved:  # a unit's directory renamed: every file below it, at its new place, with its new content
        inside = [(target, src) for target, src in sources.items() if Path(target).is_relative_to(old)]
        for target, _src in inside:
            del sources[target]
        from shishi.store.yamlio import TEMP_RE

        under = [Path(d) / f for d, _dirs, fs in os.walk(old) for f in fs if not TEMP_RE.match(f)]
        staged = dict(inside)
        for f in under:
            sources[new / f.relative_to(old)] = staged.get(f, f)
        removed += under
    files = list(sources.items())
    head = git(["rev-parse", "--verify", "--quiet", "HEAD"], repo.top, check=False).stdout.decode().strip() or None
    fd, index = tempfile.mkstemp(prefix="shishi-index.", dir=repo.git_path("."))
    os.close(fd)
    env = dict(os.environ, GIT_INDEX_FILE=index)
    try:
        git(["read-tree", head] if head else ["read-tree", "--empty"], repo.top, env=env)
        for target, source in files:
            rel = repo.rel(target)
            blob = text(["hash-object", "-w", f"--path={rel}", "--", str(source)], repo.top).strip()
            mode = "100755" if os.stat(source).st_mode & 0o100 else "100644"
            git(["update-index", "--add", "--cacheinfo", f"{mode},{blob},{rel}"], repo.top, env=env)
        if removed:
            git(["update-index", "--force-remove", "--", *(repo.rel(p) for p in removed)], repo.top, env=env)
        tree = text(["write-tree"], repo.top, env=env).strip()
    finally:
        os.unlink(index)
    if head and tree == text(["rev-parse", f"{head}^{{tree}}"], repo.top).strip():
        return None
    new = text(["commit-tree", tree, *(["-p", head] if head else []), "-m", message], repo.top).strip()
    return new, head


def commit_paths(repo: Repo, paths: Iterable[Path], message: str) -> str | None:
    """Commit exactly these work-tree files (missing ones as deleted) on top of HEAD; the short hash, None when nothing changed.

    For what shishi did not write itself (`sync` committing the clerk's hand
    edits); its own writes commit inside their transaction (write.lock.committing).
    """
    paths = [Path(p) for p in paths]
    present = [(p, p) for p in paths if os.path.isfile(p)]
    made = prepare_commit(repo, present, message, [p for p in paths if not os.path.lexists(p)])
    if made is None:
        return None
    new, old = made
    advance(repo, new, old, message)
    sync_index(repo, paths)
    return new[:7]


def advance(repo: Repo, new: str, old: str | None, message: str) -> None:
    """Move HEAD's branch from `old` to `new`: the one step where git may refuse (a held ref lock, a moved branch)."""
    git(["update-ref", "-m", f"commit: {message.splitlines()[0]}", "HEAD", new, old or "0" * len(new)], repo.top)


def sync_index(repo: Repo, paths: list[Path]) -> None:
    """The real index agrees with the new commit for these files (best effort: the commit is made)."""
    present = sorted({repo.rel(p) for p in paths if os.path.lexists(p)})
    gone = sorted({repo.rel(p) for p in paths if not os.path.lexists(p)})
    if present:
        git(["add", "--", *present], repo.top, check=False)
    if gone:
        git(["rm", "-r", "--cached", "--ignore-unmatch", "-q", "--", *gone], repo.top, check=False)


@dataclass
class Committer:
    """What a write command hands to `committing`: set `message` once the command knows it."""

    message: str | None = None
    repo: Repo | None = None
    commit: str | None = None


def wants_commit(root: Path, flag: bool) -> bool:
    """--commit, or git.auto_commit: true in shishi.yaml."""
    if flag:
        return True
    from shishi.store.ledger import read_yaml
    from shishi.store.tree import CONFIG_FILE

    data, _ = read_yaml(root, Path(root) / CONFIG_FILE)
    git_cfg = data.get("git") if isinstance(data, dict) else None
    return isinstance(git_cfg, dict) and git_cfg.get("auto_commit") is True


# ------------------------------------------------------------------ reading history


def resolve_rev(repo: Repo, rev: str) -> str:
    proc = git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], repo.top, check=False)
    if proc.returncode != 0:
        raise GitError(tr(f"git 里没有版本 {rev}", f"no git revision {rev}"))
    return proc.stdout.decode().strip()


def has_commits(repo: Repo) -> bool:
    return git(["rev-parse", "--verify", "--quiet", "HEAD"], repo.top, check=False).returncode == 0


def rev_before(repo: Repo, when: str) -> str | None:
    """The last commit of HEAD's history committed before `when` (git date syntax), None if none."""
    if not has_commits(repo):
        return None
    out = text(["rev-list", "-1", "--first-parent", f"--before={when}", "HEAD"], repo.top).strip()
    return out or None


def read_blobs(repo: Repo, specs: list[str]) -> list[bytes | None]:
    """Contents of 'REV:path' specs in one `git cat-file --batch`; None where there is no such file."""
    if not specs:
        return []
    data = git(["cat-file", "--batch"], repo.top, input="".join(s + "\n" for s in specs).encode("utf-8")).stdout
    out: list[bytes | None] = []
    pos = 0
    for _ in specs:
        nl = data.index(b"\n", pos)
        header = data[pos:nl].split()
        pos = nl + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            out.append(data[pos : pos + size])
            pos += size + 1
        else:
            out.append(None)
    return out


def refs_holding(root: Path, item_id: str) -> list[str]:
    """The branches (local and remote-tracking) whose ledger files name `item_id`: once there, others may have it. [] outside git."""
    try:
        repo = repo_of(root)
    except GitError:
        return []
    if not has_commits(repo):
        return []
    refs = text(["for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/remotes"], repo.top).split()
    refs = [r for r in refs if not r.endswith("/HEAD")] or ["HEAD"]
    spec = [repo.prefix] if repo.prefix else []
    proc = git(["grep", "-l", "-F", "-e", item_id, *refs, "--", *spec], repo.top, check=False)
    hits = proc.stdout.decode("utf-8", "replace").splitlines()
    return list(dict.fromkeys(h.partition(":")[0] for h in hits))


def ls_files(repo: Repo, rev: str | None, under: str) -> list[str]:
    """Files below `under` (a top-relative prefix) at a commit, or in the work tree (tracked and untracked) when rev is None."""
    spec = [under] if under else []
    if rev is None:
        raw = git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *spec], repo.top).stdout
    else:
        raw = git(["ls-tree", "-r", "-z", "--name-only", rev, "--", *spec], repo.top).stdout
    return sorted({p for p in raw.decode("utf-8").split("\0") if p})


def changed_files(repo: Repo, old: str | None, new: str | None, under: str) -> list[str]:
    """Files below `under` that differ between two commits (None: the empty tree / the work tree)."""
    spec = ["--", under] if under else ["--"]
    if old is None:
        return ls_files(repo, new, under)
    args = ["diff", "--no-renames", "-z", "--name-only", old] + ([new] if new else []) + spec
    names = set(git(args, repo.top).stdout.decode("utf-8").split("\0"))
    if new is None:
        names |= set(git(["ls-files", "-z", "--others", "--exclude-standard", *spec], repo.top).stdout.decode("utf-8").split("\0"))
    return sorted(n for n in names if n)


@dataclass(frozen=True)
class Commit:
    hash: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: str  # ISO 8601 with the author's offset
    subject: str


def former_names(repo: Repo, path: str) -> list[str]:
    """The names one file had in HEAD's history, newest first, `path` included: a unit moved or renamed takes its ledgers along."""
    if not has_commits(repo):
        return [path]
    raw = text(["log", "--follow", "--name-only", "-z", "--format=", "--", path], repo.top)
    return list(dict.fromkeys([path, *(n.strip("\n") for n in raw.split("\0") if n.strip("\n"))]))


def commits_touching(repo: Repo, path: str | list[str]) -> list[Commit]:
    """Commits that changed a file (under any of its names), oldest first (merges included); parents are the nearest ones that changed it too."""
    if not has_commits(repo):
        return []
    paths = [path] if isinstance(path, str) else path
    raw = text(["log", "--parents", "--reverse", "--topo-order", "-z", "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%s", "--", *paths], repo.top)
    out = []
    for rec in raw.split("\0"):
        if not rec.strip():
            continue
        h, parents, name, email, when, subject = rec.strip("\n").split("\x1f")
        out.append(Commit(h, tuple(parents.split()), name, email, when, subject))
    return out


# ------------------------------------------------------------------ shishi git setup


def driver_command() -> str:
    """The merge driver as git's shell runs it: this Python running shishi, so it works from any virtualenv."""
    return f"{shlex.quote(sys.executable)} -m shishi merge-driver %O %A %B %P"


def setup(root: Path) -> tuple[list[str], list[str]]:
    """Make a work tree merge ledger files with shishi; idempotent.

    Returns what was changed (empty: nothing to do) and notes for the clerk.
    """
    from shishi.store.tree import STATE_DIR
    from shishi.store.yamlio import atomic_write

    repo = repo_of(root)
    done: list[str] = []
    notes: list[str] = []

    attrs = repo.root / ATTRIBUTES
    old = attrs.read_text(encoding="utf-8") if attrs.exists() else ""
    missing = [line for line in ATTRIBUTE_LINES if line not in old.splitlines()]
    if missing:
        atomic_write(attrs, old + ("\n" if old and not old.endswith("\n") else "") + "\n".join(missing) + "\n")
        done.append(repo.rel(attrs))

    ignore = repo.root / ".gitignore"
    old = ignore.read_text(encoding="utf-8") if ignore.exists() else ""
    have = {line.strip() for line in old.splitlines()}
    want = [] if have & {STATE_DIR, STATE_DIR + "/", "/" + STATE_DIR, "/" + STATE_DIR + "/"} else [f"{STATE_DIR}/"]
    want += [] if TEMP_PATTERN in have else [TEMP_PATTERN]  # a killed writer's temporary files hold whole ledgers
    if want:
        atomic_write(ignore, old + ("\n" if old and not old.endswith("\n") else "") + "\n".join(want) + "\n")
        done.append(repo.rel(ignore))

    wanted = {"merge.shishi.name": "shishi: ledger items merged by ID", "merge.shishi.driver": driver_command()}
    for key, value in wanted.items():
        now = git(["config", "--local", "--get", key], repo.top, check=False).stdout.decode("utf-8").strip()
        if now != value:
            git(["config", "--local", key, value], repo.top)
            done.append(f"git config {key}")

    mine = f"--ledger {shlex.quote(repo.rel(repo.root))} git relink"
    # git may export a relative GIT_DIR to hooks; shishi finds the repository from the ledger root itself
    for name in ("post-merge", "post-rewrite"):  # after a merge, and after a rebase or amend (a cherry-pick has no hook)
        env = "" if name == "post-merge" else f"{HOOK_ENV}={name} "
        line = f"(unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE; {env}{shlex.quote(sys.executable)} -m shishi {mine} --commit) || true"
        hook = repo.git_path(f"hooks/{name}")
        old = hook.read_text(encoding="utf-8") if hook.exists() else ""
        if old and HOOK_MARK not in old:
            notes.append(tr(f"未改动已有的 {hook}：请在其中加入一行 {line}", f"left your own {hook} alone: add the line {line}"))
        elif line not in old.splitlines():
            # one line per ledger tree of the work tree; a line of this tree from another Python is replaced
            lines = [ln for ln in old.splitlines() if mine not in ln] if old else ["#!/bin/sh", HOOK_MARK]
            hook.parent.mkdir(parents=True, exist_ok=True)
            hook.write_text("\n".join([*lines, line]) + "\n", encoding="utf-8")
            hook.chmod(0o755)
            done.append(str(hook))
    return done, notes


# ------------------------------------------------------------------ shishi sync


def is_set_up(repo: Repo) -> bool:
    """The merge driver configured for this clone (git setup ran here)."""
    return git(["config", "--local", "--get", "merge.shishi.driver"], repo.top, check=False).returncode == 0


def changed_under(repo: Repo, under: str) -> list[str]:
    """Top-relative paths below `under` that differ from HEAD or are new (ignored files left out)."""
    raw = git(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", under or "."], repo.top).stdout.decode("utf-8")
    out, parts, i = [], raw.split("\0"), 0
    while i < len(parts):
        rec = parts[i]
        i += 1
        if len(rec) < 4:
            continue
        out.append(rec[3:])
        if rec[0] in "RC":  # a rename names its source next
            out.append(parts[i])
            i += 1
    return sorted(set(out))


def upstream(repo: Repo) -> str | None:
    """The branch this one pulls from and pushes to (origin/main), None when there is none."""
    proc = git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"], repo.top, check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def head(repo: Repo) -> str | None:
    proc = git(["rev-parse", "--verify", "--quiet", "HEAD"], repo.top, check=False)
    return proc.stdout.decode().strip() or None


@dataclass
class Pulled:
    ok: bool
    output: str
    conflicted: list[str] = field(default_factory=list)  # top-relative paths git left with conflicts


def pull(repo: Repo) -> Pulled:
    """git pull --no-rebase: a merge, so ledger files go through the item-by-item driver."""
    proc = git(["pull", "--no-rebase", "--no-edit"], repo.top, check=False)
    output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if proc.returncode == 0:
        return Pulled(True, output)
    conflicted = unmerged(repo)
    if not conflicted:
        raise GitError(tr(f"git pull 失败：{output.strip()}", f"git pull failed: {output.strip()}"))
    return Pulled(False, output, conflicted)


def push(repo: Repo) -> tuple[bool, str]:
    proc = git(["push"], repo.top, check=False)
    return proc.returncode == 0, (proc.stdout + proc.stderr).decode("utf-8", "replace")


def merging(repo: Repo) -> bool:
    return repo.git_path("MERGE_HEAD").exists()


def unmerged(repo: Repo) -> list[str]:
    return [p for p in text(["diff", "--name-only", "-z", "--diff-filter=U"], repo.top).split("\0") if p]


def finish_merge(repo: Repo, paths: list[str]) -> str:
    """Conclude a merge whose conflicts the clerk resolved: stage the files, commit with git's message."""
    if paths:
        git(["add", "--", *paths], repo.top)
    git(["commit", "--no-edit", "-q"], repo.top)
    return text(["rev-parse", "--short", "HEAD"], repo.top).strip()


def merge_base(repo: Repo, a: str, b: str) -> str | None:
    proc = git(["merge-base", a, b], repo.top, check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def rev(repo: Repo, spec: str) -> str | None:
    proc = git(["rev-parse", "--verify", "--quiet", spec], repo.top, check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None
