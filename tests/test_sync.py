"""`shishi sync` for clerks who do not know git: a bare repository and two clones, no git command typed by the clerks."""

from __future__ import annotations

from pathlib import Path

from conftest import snapshot
from shishi.checks.rules import check
from shishi.store.load import load
from test_git import commit_all, git, gitenv, identity, new_repo  # noqa: F401 - gitenv: the isolated git of test_git, autouse here too


def clones(tmp_path: Path, cli) -> tuple[Path, Path]:
    """An office pushes the tree to a bare repository; two clerks clone it (without running git setup: sync does)."""
    bare = tmp_path / "服务器 repo.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    root0 = new_repo(tmp_path, "区 办公室")
    cli("add", "-u", "三居社区", "-t", "楼道声控灯不亮", "--opened", "2021-09-01", ledger=root0)
    commit_all(root0.parent, "台账库")
    git(root0.parent, "remote", "add", "origin", str(bare))
    git(root0.parent, "push", "-q", "-u", "origin", "main")
    roots = []
    for name in ("张三", "李四"):
        top = tmp_path / f"{name} 的电脑"
        git(tmp_path, "clone", "-q", str(bare), str(top))
        identity(top, name)
        roots.append(top / "台账 ledgers")
    return roots[0], roots[1]


def items(root: Path) -> dict[str, tuple]:
    return {e.item.id: (e.item.title, e.item.status, e.item.escalated_to) for e in load(root).entries}


def test_two_clones_sync_to_the_same_items(tmp_path: Path, cli):
    a, b = clones(tmp_path, cli)
    # both register in the same file at once, A closes the shared item, B escalates
    for t in ("A1 路面", "A2 井盖"):
        assert cli("add", "-u", "三居社区", "-t", t, "--opened", "2021-09-02", ledger=a).exit_code == 0
    assert cli("close", "GS-SJ-2021-001", "-r", "更换声控灯", "-b", "36", "--date", "2021-09-03", ledger=a).exit_code == 0
    assert cli("add", "-u", "三居社区", "-t", "B1 垃圾", "--opened", "2021-09-02", ledger=b).exit_code == 0
    assert cli("add", "-u", "云品村", "-t", "B2 产业路", "--opened", "2021-09-02", ledger=b).exit_code == 0
    assert cli("escalate", "GS-YP-2021-001", "--to", "赶水镇", "--reason", "需镇里出资", "--date", "2021-09-03", ledger=b).exit_code == 0
    r = cli("sync", ledger=a)
    assert r.exit_code == 0, r.output
    assert "已提交本机改动" in r.stdout and "没有收到新的变化" in r.stdout and "已推送到 origin/main" in r.stdout
    r = cli("sync", ledger=b)
    assert r.exit_code == 0, r.output
    assert "收到 2 件新增、1 件办结，惠及群众36人次。" in r.stdout
    r = cli("sync", ledger=a)
    assert r.exit_code == 0, r.output
    assert "收到 " in r.stdout and "件新增" in r.stdout and "件上报" in r.stdout
    assert items(a) == items(b) and len(items(a)) == 6
    assert sorted(t for t, _s, _e in items(a).values()) == sorted(["楼道声控灯不亮", "A1 路面", "A2 井盖", "B1 垃圾", "B2 产业路", "B2 产业路"])
    for root in (a, b):
        assert check(load(root)) == []
        assert git(root.parent, "status", "--porcelain") == ""
    assert git(a.parent, "rev-parse", "HEAD") == git(b.parent, "rev-parse", "HEAD")
    # nothing to do: still clean, still one state
    r = cli("sync", ledger=b)
    assert r.exit_code == 0 and "没有收到新的变化" in r.stdout


def test_sync_stops_at_a_true_conflict_and_names_the_item(tmp_path: Path, cli):
    a, b = clones(tmp_path, cli)
    assert cli("close", "GS-SJ-2021-001", "-r", "更换声控灯", "-b", "36", "--date", "2021-09-03", ledger=a).exit_code == 0
    assert cli("sync", ledger=a).exit_code == 0
    assert cli("close", "GS-SJ-2021-001", "-r", "更换声控灯", "-b", "40", "--date", "2021-09-03", ledger=b).exit_code == 0
    r = cli("sync", ledger=b)
    assert r.exit_code == 1
    assert "赶水镇/三居社区/2021.yaml（GS-SJ-2021-001）" in r.stderr and "shishi check" in r.stderr
    assert (b.parent / ".git" / "MERGE_HEAD").exists()  # left as git leaves it
    again = snapshot(b)
    assert cli("sync", ledger=b).exit_code == 1 and snapshot(b) == again  # not resolved yet: still stopped, nothing touched
    p = b / "赶水镇/三居社区/2021.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("<<<<<<< ours\n    beneficiaries: 40\n=======\n", "").replace(">>>>>>> theirs\n", ""), encoding="utf-8")
    r = cli("sync", ledger=b)
    assert r.exit_code == 0, r.output
    assert cli("sync", ledger=a).exit_code == 0
    assert items(a) == items(b) and load(a).entries[0].item.resolution.beneficiaries == 36
    assert check(load(a)) == [] and check(load(b)) == []


def test_sync_without_upstream_commits_only(tmp_path: Path, cli):
    root = new_repo(tmp_path)
    assert cli("add", "-u", "三居社区", "-t", "路灯", "--opened", "2021-09-01", ledger=root).exit_code == 0
    r = cli("sync", ledger=root)
    assert r.exit_code == 0, r.output
    assert "没有上游" in r.stderr and git(root.parent, "status", "--porcelain") == ""
    r = cli("sync", ledger=tmp_path)
    assert r.exit_code == 1
