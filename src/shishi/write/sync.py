"""`shishi sync`: commit what is not committed, pull with the item-by-item merge, relink, push — for clerks who do not know git."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shishi.errors import ShishiError
from shishi.git import repo as gitio
from shishi.i18n import tr
from shishi.store.ledger import conflict_regions


@dataclass
class Synced:
    before: str | None  # what came in is the upstream's work from `before` (where the histories met) to `after`
    after: str | None
    committed: str | None = None  # the commit of local changes, if any
    relinked: list[tuple[str, str, str]] = field(default_factory=list)
    pushed: bool = False
    remote: str | None = None
    notes: list[str] = field(default_factory=list)


def sync(root: Path) -> Synced:
    """Bring this clone and its upstream to the same items; stops at a true conflict, naming its items and leaving git's state."""
    from shishi.write.relink import relink

    repo = gitio.repo_of(root)
    notes = []
    if gitio.merging(repo):  # a conflict of the last sync, resolved by hand since?
        left = gitio.unmerged(repo)
        still = [p for p in left if (repo.top / p).is_file() and conflict_regions((repo.top / p).read_text(encoding="utf-8", errors="replace"))]
        if still:
            raise ShishiError(conflict_message(repo, still))
        done = gitio.finish_merge(repo, left)
        notes.append(tr(f"已完成上次的合并 {done}", f"finished the last merge {done}"))
    gitio.require_committable(repo)
    if not gitio.is_set_up(repo):
        done, more = gitio.setup(root)
        notes += [tr(f"已配置 {d}", f"set up {d}") for d in done] + more
    local = gitio.changed_under(repo, repo.prefix)
    committed = gitio.commit_paths(repo, [repo.top / p for p in local], tr(f"sync：本机改动（{len(local)} 个文件）", f"sync: local changes ({len(local)} files)")) if local else None
    remote = gitio.upstream(repo)
    before = gitio.head(repo)
    if remote is None:
        notes.append(tr("这个库没有上游（git remote / git push -u），只提交了本机改动", "this clone has no upstream (git remote, git push -u): only the local changes were committed"))
        return Synced(before, before, committed, [], False, None, notes)
    pulled = gitio.pull(repo)
    if not pulled.ok:
        raise ShishiError(conflict_message(repo, pulled.conflicted))
    theirs = gitio.rev(repo, "@{upstream}")
    base = gitio.merge_base(repo, before, theirs) if before and theirs else None
    fixes = relink(root)  # the post-merge hook does this too; here it also runs where hooks are off
    if fixes:
        paths = [repo.top / p for p in gitio.changed_under(repo, repo.prefix)]
        gitio.commit_paths(repo, paths, "relink " + ", ".join(f"{s} → {n}" for s, _o, n in fixes))
    pushed, out = gitio.push(repo)
    if not pushed:  # someone pushed in between: once more
        pulled = gitio.pull(repo)
        if not pulled.ok:
            raise ShishiError(conflict_message(repo, pulled.conflicted))
        relink(root)
        theirs = gitio.rev(repo, "@{upstream}")
        pushed, out = gitio.push(repo)
        if not pushed:
            raise ShishiError(tr(f"推送失败（本机已合并，稍后再运行 shishi sync）：{out.strip()}", f"push failed (merged here; run shishi sync again later): {out.strip()}"))
    return Synced(base or theirs, theirs, committed, fixes, pushed, remote, notes)


def conflict_message(repo: gitio.Repo, conflicted: list[str]) -> str:
    """What a true conflict holds, item by item, and what to do; git's state is left as it is."""
    from shishi.store.ledger import conflict_item_of

    where = []
    for rel in conflicted:
        path = repo.top / rel
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            where.append(rel)
            continue
        ids = [conflict_item_of(text, a, b) for a, b in conflict_regions(text)]
        named = [i for i in dict.fromkeys(ids) if i]
        shown = rel[len(repo.prefix) :] if rel.startswith(repo.prefix) else rel
        where.append(f"{shown}（{'、'.join(named)}）" if named else shown)
    listed = "；".join(where)
    return tr(
        f"合并时有真正的冲突，已停下（git 的合并状态保持原样）：{listed}。运行 shishi check 查看冲突所在的行，改好后再运行 shishi sync",
        f"a true conflict stopped the merge (git's merge state is left as it is): {listed}. Run shishi check to see the lines; fix them, then run shishi sync again",
    )
