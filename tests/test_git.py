"""Collaboration through real git: setup, --commit, three clerks pulling and pushing, conflicts, log and changes.

No mocks: every test drives the git on this machine, in directories whose
names hold Chinese characters and spaces, with its own identities and a
global config of its own, so it passes on a fresh CI machine.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, make_tree, snapshot
from shishi.checks.rules import check
from shishi.figures.rollup import rollup
from shishi.store.load import load
from shishi.write import items as ops

IDENTITY = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "EMAIL")


@pytest.fixture(autouse=True)
def gitenv(tmp_path: Path, monkeypatch):
    """A git of our own: empty global config, no system config, China time, the merge driver running this source."""
    cfg = tmp_path / "gitconfig"
    cfg.write_text("[user]\n\tuseConfigOnly = true\n[advice]\n\tdetachedHead = false\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(cfg))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("TZ", "CST-8")
    for k in (*IDENTITY, "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))


def git(cwd: Path, *args: str, check_: bool = True) -> str:
    proc = subprocess.run(["git", "-c", "core.quotepath=false", *args], cwd=cwd, capture_output=True, text=True)
    if check_ and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stdout}{proc.stderr}")
    return proc.stdout + proc.stderr


def identity(repo: Path, name: str) -> None:
    git(repo, "config", "user.name", name)
    git(repo, "config", "user.email", f"{name}@example.org")


def new_repo(base: Path, name: str = "区 台账") -> Path:
    """A work tree holding a ledger tree at '台账 ledgers/' (綦江区 > 赶水镇 > 三居社区, 云品村; 文龙街道)."""
    top = base / name
    top.mkdir(parents=True)
    git(top, "init", "-q", "-b", "main")
    identity(top, "区办")
    return make_tree(top / "台账 ledgers")


def commit_all(top: Path, message: str) -> None:
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", message)


# ------------------------------------------------------------------ setup and --commit


def test_setup_is_idempotent_and_names_only_ledger_files(tmp_path: Path, cli):
    root = new_repo(tmp_path)
    top = root.parent
    r = cli("git", "setup", ledger=root)
    assert r.exit_code == 0, r.output
    assert "台账 ledgers/.gitattributes" in r.stdout
    attrs = git(top, "check-attr", "merge", "--", "台账 ledgers/2021.yaml", "台账 ledgers/赶水镇/三居社区/2021.yaml", "台账 ledgers/赶水镇/unit.yaml", "台账 ledgers/shishi.yaml", "台账 ledgers/surveys/2021Q3.yaml")
    assert attrs.splitlines() == [
        "台账 ledgers/2021.yaml: merge: shishi",
        "台账 ledgers/赶水镇/三居社区/2021.yaml: merge: shishi",
        "台账 ledgers/赶水镇/unit.yaml: merge: unspecified",
        "台账 ledgers/shishi.yaml: merge: unspecified",
        "台账 ledgers/surveys/2021Q3.yaml: merge: unspecified",
    ]
    assert "merge-driver %O %A %B %P" in git(top, "config", "--get", "merge.shishi.driver")
    assert ".shishi/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    hook = top / ".git/hooks/post-merge"
    assert os.access(hook, os.X_OK) and "git relink --commit" in hook.read_text(encoding="utf-8")
    before, config = snapshot(top), git(top, "config", "--local", "--list")
    r = cli("git", "setup", ledger=root)
    assert r.exit_code == 0 and r.stdout == "" and "无需改动" in r.stderr
    assert snapshot(top) == before and git(top, "config", "--local", "--list") == config
    (top / ".git/hooks/post-merge").write_text("#!/bin/sh\necho mine\n", encoding="utf-8")
    r = cli("git", "setup", ledger=root)
    assert "未改动已有的" in r.stderr and (top / ".git/hooks/post-merge").read_text(encoding="utf-8") == "#!/bin/sh\necho mine\n"


def test_commit_takes_exactly_the_files_the_command_changed(tmp_path: Path, cli):
    root = new_repo(tmp_path)
    top = root.parent
    commit_all(top, "台账库")
    (top / "备忘 notes.txt").write_text("未提交的笔记\n", encoding="utf-8")
    r = cli("add", "-u", "三居社区", "-t", "楼道声控灯不亮", "--opened", "2021-09-01", "-q", "--commit", ledger=root)
    assert r.exit_code == 0 and r.stdout == "GS-SJ-2021-001\n"
    assert git(top, "log", "-1", "--format=%an|%s") == "区办|add GS-SJ-2021-001: 楼道声控灯不亮\n"
    assert git(top, "show", "--format=", "--name-only", "HEAD") == "台账 ledgers/赶水镇/三居社区/2021.yaml\n"
    r = cli("close", "GS-SJ-2021-001", "-r", "更换声控灯6盏", "-b", "36", "--date", "2021-09-03", "--commit", ledger=root)
    assert r.exit_code == 0 and "已提交" in r.stderr
    assert git(top, "log", "-1", "--format=%s") == "close GS-SJ-2021-001: 楼道声控灯不亮 (惠及36人次)\n"
    cli("add", "-u", "云品村", "-t", "产业路损毁", "--opened", "2021-09-01", ledger=root)  # no --commit: stays uncommitted
    r = cli("escalate", "GS-YP-2021-001", "--to", "赶水镇", "--reason", "需镇里出资", "--date", "2021-09-02", "--commit", ledger=root)
    assert r.exit_code == 0
    assert git(top, "log", "-1", "--format=%s") == "escalate GS-YP-2021-001 → GS-2021-001: 产业路损毁\n"
    assert git(top, "show", "--format=", "--name-only", "HEAD").splitlines() == ["台账 ledgers/赶水镇/2021.yaml", "台账 ledgers/赶水镇/云品村/2021.yaml"]
    status = git(top, "status", "--porcelain", "-z", "-uall").split("\0")
    assert status == ["?? 备忘 notes.txt", ""]  # the other file was never touched


def test_every_write_command_commits_with_its_message(tmp_path: Path, cli):
    root = new_repo(tmp_path)
    top = root.parent
    commit_all(top, "台账库")
    steps = [
        (["unit", "add", "赶水镇/石房村", "--kind", "village", "--short", "SF"], "unit add 赶水镇/石房村"),
        (["add", "-u", "石房村", "-t", "路灯", "--opened", "2021-09-01"], "add GS-SF-2021-001: 路灯"),
        (["add", "-u", "石房村", "-t", "重复的路灯", "--opened", "2021-09-01"], "add GS-SF-2021-002: 重复的路灯"),
        (["progress", "GS-SF-2021-001", "--note", "已报修", "--date", "2021-09-02"], "progress GS-SF-2021-001: 已报修"),
        (["close", "GS-SF-2021-001", "-r", "修好", "-b", "5", "--date", "2021-09-03"], "close GS-SF-2021-001: 路灯 (惠及5人次)"),
        (["verify", "GS-SF-2021-001", "--date", "2021-09-04"], "verify GS-SF-2021-001: 路灯"),
        (["reopen", "GS-SF-2021-001", "--reason", "又坏了", "--date", "2021-09-05"], "reopen GS-SF-2021-001: 路灯 (又坏了)"),
        (["cancel", "GS-SF-2021-002", "--reason", "重复", "--duplicate-of", "GS-SF-2021-001", "--date", "2021-09-02"], "cancel GS-SF-2021-002: 重复的路灯 (重复)"),
        (["extend", "GS-SF-2021-001", "--to", "2021-12-31", "--reason", "等配件", "--date", "2021-09-06"], "extend GS-SF-2021-001: 路灯"),
        (["supervise", "add", "-u", "石房村", "--finding", "垃圾乱堆", "--deadline", "2021-09-30", "--date", "2021-09-06"], "supervise add GS-SF-2021-003: 垃圾乱堆"),
        (["supervise", "flag", "GS-SF-2021-001", "--level", "挂牌", "--date", "2021-09-07"], "supervise flag GS-SF-2021-001: 路灯 (挂牌)"),
        (["supervise", "feedback", "GS-SF-2021-003", "--note", "已清运", "--date", "2021-09-08"], "supervise feedback GS-SF-2021-003: 垃圾乱堆"),
        (["close", "GS-SF-2021-003", "-r", "清运完毕", "-b", "20", "--date", "2021-09-09"], "close GS-SF-2021-003: 垃圾乱堆 (惠及20人次)"),
        (["supervise", "return", "GS-SF-2021-003", "--reason", "仍有死角", "--date", "2021-09-10"], "supervise return GS-SF-2021-003: 垃圾乱堆"),
        (["survey", "add", "-u", "石房村", "--quarter", "2021Q3", "--agency", "某调查公司", "--count", "很满意=3,满意=1"], "survey add: 2021Q3"),
    ]
    for args, message in steps:
        r = cli(*args, "--commit", ledger=root)
        assert r.exit_code == 0, r.output
        assert git(top, "log", "-1", "--format=%s").strip() == message
    p = root / "赶水镇/石房村/2021.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("  kind: demand\n  title: 路灯\n", "  title: 路灯\n  kind: demand\n"), encoding="utf-8")
    git(top, "commit", "-qam", "手工调整")
    assert cli("fmt", "--commit", ledger=root).exit_code == 0
    assert git(top, "log", "-1", "--format=%s").strip() == "fmt 赶水镇/石房村/2021.yaml"
    assert git(top, "status", "--porcelain") == ""


def test_auto_commit_from_shishi_yaml(tmp_path: Path, cli):
    root = new_repo(tmp_path)
    cfg = root / "shishi.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "git:\n  auto_commit: true\n", encoding="utf-8")
    commit_all(root.parent, "台账库")
    assert cli("add", "-u", "三居社区", "-t", "路灯", "--opened", "2021-09-01", ledger=root).exit_code == 0
    assert git(root.parent, "log", "-1", "--format=%s") == "add GS-SJ-2021-001: 路灯\n"


def test_commit_outside_git_or_mid_merge_is_refused_before_writing(tmp_path: Path, cli, tree: Path):
    before = snapshot(tree)
    r = cli("add", "-u", "三居社区", "-t", "路灯", "--commit", ledger=tree)
    assert r.exit_code == 1 and "不在 git 工作区里" in r.stderr and "Traceback" not in r.output
    assert snapshot(tree) == before
    root = new_repo(tmp_path / "merging")
    top = root.parent
    commit_all(top, "台账库")
    (top / ".git/MERGE_HEAD").write_text(git(top, "rev-parse", "HEAD"), encoding="utf-8")
    before = snapshot(root)
    r = cli("add", "-u", "三居社区", "-t", "路灯", "--commit", ledger=root)
    assert r.exit_code == 1 and "正在合并" in r.stderr
    assert snapshot(root) == before
    (top / ".git/MERGE_HEAD").unlink()
    git(top, "config", "--unset", "user.name")
    r = cli("add", "-u", "三居社区", "-t", "路灯", "--commit", ledger=root)
    assert r.exit_code == 1 and "git config user.name" in r.stderr
    assert snapshot(root) == before


# ------------------------------------------------------------------ three clerks


def ids_by_title(root: Path) -> dict[str, str]:
    return {e.item.title: e.item.id for e in load(root).entries}


def test_three_clerks_pull_and_push_and_lose_nothing(tmp_path: Path, cli):
    """Acceptance: concurrent add / progress / close / escalate in the same files, pulled and pushed interleaved."""
    bare = tmp_path / "区 服务器.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    root0 = new_repo(tmp_path, "区 办公室")
    top0 = root0.parent
    assert cli("git", "setup", "--commit", ledger=root0).exit_code == 0
    commit_all(top0, "台账库")
    git(top0, "remote", "add", "origin", str(bare))
    git(top0, "push", "-q", "-u", "origin", "main")

    clerks = {}
    for name in ("张三", "李四", "王五"):
        top = tmp_path / f"{name} 的电脑"
        git(tmp_path, "clone", "-q", str(bare), str(top))
        identity(top, name)
        root = top / "台账 ledgers"
        assert cli("git", "setup", ledger=root).exit_code == 0
        clerks[name] = root
    a, b, c = clerks["张三"], clerks["李四"], clerks["王五"]

    def run(root: Path, *args: str) -> str:
        r = cli(*args, "--commit", ledger=root)
        assert r.exit_code == 0, r.output
        return r.stdout.strip()

    def pull(root: Path) -> str:
        return git(root.parent, "pull", "--no-rebase", "--no-edit", "-q")

    def push(root: Path) -> None:
        git(root.parent, "push", "-q")

    def by(root: Path, title: str) -> str:
        return ids_by_title(root)[title]

    # round 1: everyone registers in the same files at once
    for t in ("A1 楼道灯", "A2 垃圾", "A3 下水道"):
        run(a, "add", "-u", "三居社区", "-t", t, "--opened", "2021-09-01", "-q")
    run(a, "progress", "GS-SJ-2021-001", "--note", "已查看", "--date", "2021-09-02")
    run(a, "close", "GS-SJ-2021-002", "-r", "已清运", "-b", "10", "--date", "2021-09-03")
    for t in ("B1 路面", "B2 井盖"):
        run(b, "add", "-u", "三居社区", "-t", t, "--opened", "2021-09-01", "-q")
    run(b, "add", "-u", "云品村", "-t", "B3 产业路", "--opened", "2021-09-01")
    assert run(b, "escalate", "GS-YP-2021-001", "--to", "赶水镇", "--reason", "需镇里出资", "--date", "2021-09-02", "-q") == "GS-2021-001"
    run(c, "add", "-u", "赶水镇", "-t", "C1 广场", "--opened", "2021-09-01")
    run(c, "add", "-u", "三居社区", "-t", "C2 停车", "--opened", "2021-09-01")
    run(c, "add", "-u", "文龙街道", "-t", "C3 路灯", "--opened", "2021-09-01")

    push(a)
    out = pull(b)
    assert "GS-SJ-2021-001，本地新增的那一件改号为 GS-SJ-2021-004" in out  # the pushed IDs never change
    push(b)
    pull(c)
    push(c)
    pull(a)
    assert by(a, "A1 楼道灯") == "GS-SJ-2021-001" and by(a, "B3 产业路") == "GS-YP-2021-001" and by(a, "C1 广场") == "GS-2021-002"

    # round 2: close, progress and escalate the same items on different machines
    run(a, "progress", by(a, "B1 路面"), "--note", "已派人", "--date", "2021-09-04")
    run(a, "close", by(a, "A1 楼道灯"), "-r", "换灯", "-b", "36", "--date", "2021-09-05")
    run(a, "escalate", by(a, "A3 下水道"), "--to", "赶水镇", "--reason", "管网改造", "--date", "2021-09-05")
    pull(b)  # nothing new yet
    run(b, "close", "GS-2021-001", "-r", "镇里修路", "-b", "100", "--date", "2021-09-06")
    run(b, "verify", by(b, "A2 垃圾"), "--date", "2021-09-06")
    pull(c)
    run(c, "escalate", by(c, "C2 停车"), "--to", "赶水镇", "--reason", "需规划", "--date", "2021-09-05")
    run(c, "add", "-u", "三居社区", "-t", "C4 噪音", "--opened", "2021-09-05")
    run(c, "progress", by(c, "A1 楼道灯"), "--note", "居民再次反映", "--date", "2021-09-04")

    push(c)
    out = pull(a)  # A's escalation and C's took the same town ID: A's, not yet pushed, is renumbered and relinked
    assert "GS-2021-003，本地新增的那一件改号为 GS-2021-004" in out
    assert git(a.parent, "log", "-1", "--format=%s").startswith("relink GS-SJ-2021-003 → GS-2021-004"), out
    push(a)
    pull(b)
    push(b)
    for root in (c, a, b, c):
        pull(root)

    heads = {git(root.parent, "rev-parse", "HEAD") for root in (a, b, c)}
    assert len(heads) == 1
    titles = ["A1 楼道灯", "A2 垃圾", "A3 下水道", "B1 路面", "B2 井盖", "B3 产业路", "C1 广场", "C2 停车", "C3 路灯", "C4 噪音"]
    for root in (a, b, c):
        ledger = load(root)
        assert check(ledger) == [], root
        assert sorted(e.item.title for e in ledger.entries) == sorted(titles + ["B3 产业路", "A3 下水道", "C2 停车"])
        items = {e.item.title: e.item for e in ledger.entries if not e.item.escalated_from}
        assert [p.note for p in items["A1 楼道灯"].progress] == ["已查看", "居民再次反映"]  # both logs, in date order
        assert items["A1 楼道灯"].status == "resolved" and items["A2 垃圾"].status == "verified"
        assert [p.note for p in items["B1 路面"].progress] == ["已派人"]
        fig = rollup(ledger).total
        assert (fig.registered, fig.resolved, fig.verified, fig.escalated, fig.open, fig.beneficiaries) == (10, 3, 1, 3, 7, 146)
    # history follows each item through the merges, never into the items that had its number on other machines
    hist = json.loads(cli("log", "GS-SJ-2021-001", "--format", "json", ledger=b).stdout)["history"]
    assert sorted((v["author"], v["subject"]) for v in hist) == [
        ("张三", "add GS-SJ-2021-001: A1 楼道灯"),
        ("张三", "close GS-SJ-2021-001: A1 楼道灯 (惠及36人次)"),
        ("张三", "progress GS-SJ-2021-001: 已查看"),
        ("王五", "progress GS-SJ-2021-001: 居民再次反映"),
    ]
    hist = json.loads(cli("log", "GS-2021-004", "--format", "json", ledger=b).stdout)["history"]
    assert [(v["author"], v["created"], v["changes"]) for v in hist] == [
        ("张三", True, []),
        ("张三", False, [{"field": "id", "kind": "set", "old": "GS-2021-003", "new": "GS-2021-004"}]),
    ]
    assert hist[0]["subject"] == "escalate GS-SJ-2021-003 → GS-2021-003: A3 下水道" and hist[1]["subject"].startswith("Merge")


# ------------------------------------------------------------------ conflicts


def two_clones(tmp_path: Path, cli) -> tuple[Path, Path]:
    bare = tmp_path / "服务器 repo.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    root0 = new_repo(tmp_path, "区 办公室")
    cli("git", "setup", ledger=root0)
    cli("add", "-u", "三居社区", "-t", "楼道声控灯不亮", "--opened", "2021-09-01", ledger=root0)
    cli("add", "-u", "三居社区", "-t", "3号楼堆放杂物", "--opened", "2021-09-01", ledger=root0)
    commit_all(root0.parent, "台账库")
    git(root0.parent, "remote", "add", "origin", str(bare))
    git(root0.parent, "push", "-q", "-u", "origin", "main")
    roots = []
    for name in ("张三", "李四"):
        top = tmp_path / f"{name} 的电脑"
        git(tmp_path, "clone", "-q", str(bare), str(top))
        identity(top, name)
        cli("git", "setup", ledger=top / "台账 ledgers")
        roots.append(top / "台账 ledgers")
    return roots[0], roots[1]


def test_same_field_changed_on_both_sides_is_a_conflict_inside_that_item(tmp_path: Path, cli):
    a, b = two_clones(tmp_path, cli)
    assert cli("close", "GS-SJ-2021-001", "-r", "更换声控灯6盏", "-b", "36", "--date", "2021-09-03", "--commit", ledger=a).exit_code == 0
    cli("progress", "GS-SJ-2021-002", "--note", "已通知物业", "--date", "2021-09-02", "--commit", ledger=a)
    git(a.parent, "push", "-q")
    assert cli("close", "GS-SJ-2021-001", "-r", "更换声控灯6盏", "-b", "40", "--date", "2021-09-03", "--commit", ledger=b).exit_code == 0
    out = git(b.parent, "pull", "--no-rebase", "--no-edit", check_=False)
    assert "CONFLICT" in out and "事项 GS-SJ-2021-001 双方改得不同" in out
    text = (b / "赶水镇/三居社区/2021.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("<<<<<<< ours\n")
    assert rest.startswith("    beneficiaries: 40\n=======\n    beneficiaries: 36\n>>>>>>> theirs\n")
    assert head.rstrip().endswith("text: 更换声控灯6盏") and "- id: GS-SJ-2021-001" in head
    assert "- id: GS-SJ-2021-002" in rest and "已通知物业" in rest  # the other item merged cleanly, outside the markers
    line = text[: text.index("<<<<<<<")].count("\n") + 1
    r = cli("check", ledger=b)
    assert r.exit_code == 1
    assert r.stdout.startswith(f"赶水镇/三居社区/2021.yaml:{line}:1: git 合并冲突（第 {line}–{line + 4} 行，事项 GS-SJ-2021-001）")
    r = cli("progress", "GS-SJ-2021-002", "--note", "x", ledger=b)
    assert r.exit_code == 1 and "合并冲突" in r.stderr  # no write into a conflicted file
    # resolving: keep one side, drop the markers
    fixed = text.replace("<<<<<<< ours\n    beneficiaries: 40\n=======\n", "").replace(">>>>>>> theirs\n", "")
    (b / "赶水镇/三居社区/2021.yaml").write_text(fixed, encoding="utf-8")
    assert cli("check", ledger=b).exit_code == 0
    git(b.parent, "commit", "-qam", "解决冲突")


def test_unit_files_fall_back_to_git_merge(tmp_path: Path, cli):
    a, b = two_clones(tmp_path, cli)
    for root, clerk in ((a, "张三"), (b, "李四")):
        p = root / "赶水镇/unit.yaml"
        p.write_text(p.read_text(encoding="utf-8") + f"clerk: {clerk}\n", encoding="utf-8")
        git(root.parent, "commit", "-qam", f"clerk {clerk}")
    git(a.parent, "push", "-q")
    out = git(b.parent, "pull", "--no-rebase", "--no-edit", check_=False)
    assert "CONFLICT (content): Merge conflict in 台账 ledgers/赶水镇/unit.yaml" in out and "shishi merge" not in out


# ------------------------------------------------------------------ log and changes on a scripted history


def scripted(tmp_path: Path, cli, monkeypatch) -> tuple[Path, dict[str, str]]:
    root = new_repo(tmp_path)
    top = root.parent
    steps = [
        ("2021-08-30T09:00:00+08:00", "区办", None),
        ("2021-09-01T09:00:00+08:00", "张三", ["add", "-u", "三居社区", "-t", "楼道声控灯不亮", "--opened", "2021-09-01"]),
        ("2021-09-02T10:00:00+08:00", "李四", ["progress", "GS-SJ-2021-001", "--note", "已采购灯具", "--date", "2021-09-02"]),
        ("2021-09-03T11:00:00+08:00", "张三", ["add", "-u", "三居社区", "-t", "3号楼堆放杂物", "--opened", "2021-09-03"]),
        ("2021-09-07T09:30:00+08:00", "张三", ["close", "GS-SJ-2021-001", "-r", "更换声控灯6盏", "-b", "36", "--date", "2021-09-07"]),
        ("2021-09-08T15:00:00+08:00", "李四", ["add", "-u", "云品村", "-t", "产业路损毁", "--opened", "2021-09-08"]),
        ("2021-09-09T16:00:00+08:00", "李四", ["escalate", "GS-YP-2021-001", "--to", "赶水镇", "--reason", "需镇里出资", "--date", "2021-09-09"]),
        ("2021-09-10T10:00:00+08:00", "王五", ["verify", "GS-SJ-2021-001", "--date", "2021-09-10"]),
        ("2021-09-11T10:00:00+08:00", "王五", "hand edit"),
        ("2021-09-13T08:00:00+08:00", "张三", ["progress", "GS-SJ-2021-002", "--note", "已通知物业", "--date", "2021-09-13"]),
    ]
    hashes = {}
    for when, who, args in steps:
        monkeypatch.setenv("GIT_AUTHOR_DATE", when)
        monkeypatch.setenv("GIT_COMMITTER_DATE", when)
        identity(top, who)
        if args is None:
            commit_all(top, "台账库")
        elif args == "hand edit":
            p = root / "赶水镇/三居社区/2021.yaml"
            p.write_text(p.read_text(encoding="utf-8").replace("  title: 3号楼堆放杂物\n", "  title: 3号楼堆放杂物\n  owner: 王某\n"), encoding="utf-8")
            git(top, "commit", "-qam", "责任人")
        else:
            r = cli(*args, "--commit", ledger=root)
            assert r.exit_code == 0, r.output
        hashes[when[:10]] = git(top, "rev-parse", "--short=7", "HEAD").strip()
    return root, hashes


def test_log_and_changes_exact_output(tmp_path: Path, cli, monkeypatch):
    root, h = scripted(tmp_path, cli, monkeypatch)
    r = cli("log", "GS-SJ-2021-001", ledger=root)
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        "GS-SJ-2021-001 楼道声控灯不亮（赶水镇/三居社区/2021.yaml）\n"
        f"2021-09-01 09:00  张三  {h['2021-09-01']}  add GS-SJ-2021-001: 楼道声控灯不亮\n"
        "    新增事项\n"
        f"2021-09-02 10:00  李四  {h['2021-09-02']}  progress GS-SJ-2021-001: 已采购灯具\n"
        "    状态：已登记 → 推进中\n"
        "    进展：+ 2021-09-02 已采购灯具\n"
        f"2021-09-07 09:30  张三  {h['2021-09-07']}  close GS-SJ-2021-001: 楼道声控灯不亮 (惠及36人次)\n"
        "    状态：推进中 → 已办结\n"
        "    办结日期：— → 2021-09-07\n"
        "    办理结果：— → 更换声控灯6盏\n"
        "    惠及人次：— → 36\n"
        f"2021-09-10 10:00  王五  {h['2021-09-10']}  verify GS-SJ-2021-001: 楼道声控灯不亮\n"
        "    状态：已办结 → 已销号\n"
        "    销号日期：— → 2021-09-10\n"
    )
    r = cli("log", "GS-SJ-2021-002", "--format", "json", ledger=root)
    hist = json.loads(r.stdout)["history"]
    assert [(v["author"], v["subject"]) for v in hist] == [("张三", "add GS-SJ-2021-002: 3号楼堆放杂物"), ("王五", "责任人"), ("张三", "progress GS-SJ-2021-002: 已通知物业")]
    assert hist[1]["changes"] == [{"field": "owner", "kind": "set", "old": None, "new": "王某"}]
    p = root / "赶水镇/三居社区/2021.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("owner: 王某", "owner: 陈某"), encoding="utf-8")
    assert cli("log", "GS-SJ-2021-002", ledger=root).stdout.endswith("（未提交）\n    责任人：王某 → 陈某\n")
    git(root.parent, "checkout", "-q", "--", ".")

    r = cli("changes", "--since", "2021-09-06", "--until", "2021-09-12", ledger=root)
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        "工作动态（2021-09-06 至 2021-09-12）\n"
        "本周新增1件，办结1件，转入1件，销号1件，上报1件，修改1件，惠及群众36人次。其中：\n"
        "新增：GS-YP-2021-001 产业路损毁（云品村）。\n"
        "转入：GS-2021-001 产业路损毁（赶水镇）。\n"
        "办结：GS-SJ-2021-001 楼道声控灯不亮（三居社区，惠及36人次）。\n"
        "销号：GS-SJ-2021-001 楼道声控灯不亮（三居社区）。\n"
        "上报：GS-YP-2021-001 产业路损毁（云品村→GS-2021-001）。\n"
        "修改：GS-SJ-2021-002 3号楼堆放杂物（三居社区：责任人）。\n"
    )
    r = cli("changes", "--since", h["2021-09-07"], "--until", h["2021-09-09"], "--unit", "云品村", "--format", "md", ledger=root)
    assert r.stdout == (
        f"## 工作动态（{h['2021-09-07']} 至 {h['2021-09-09']}）\n\n"
        "本期新增1件，办结0件，上报1件。\n\n"
        "### 新增（1件）\n\n- GS-YP-2021-001 产业路损毁（云品村）\n\n"
        "### 上报（1件）\n\n- GS-YP-2021-001 产业路损毁（云品村→GS-2021-001）\n"
    )
    r = cli("--lang", "en", "changes", "--since", "2021-09-01", "--until", "2021-09-30", "--format", "json", ledger=root)
    data = json.loads(r.stdout)
    assert data["counts"] == {"added": 3, "received": 1, "resolved": 1, "verified": 1, "escalated": 1, "reopened": 0, "cancelled": 0, "progressed": 1, "changed": 0, "removed": 0}
    assert data["beneficiaries"] == 36 and data["since"]["commit"] == git(root.parent, "rev-parse", "HEAD~9").strip()
    r = cli("--lang", "en", "changes", "--since", "2021-09-01", "--until", "2021-09-30", ledger=root)
    assert r.stdout.splitlines()[:2] == ["Changes (2021-09-01 to 2021-09-30)", "This month: 3 added, 1 resolved, 1 received, 1 verified, 1 escalated, 1 progressed, 36 people served. In detail:"]
    r = cli("changes", "--since", "2021-09-13", ledger=root)  # up to the work tree
    assert r.stdout == "工作动态（2021-09-13 至今）\n本期新增0件，办结0件，推进1件。其中：\n推进：GS-SJ-2021-002 3号楼堆放杂物（三居社区，1条进展）。\n"
    assert cli("changes", "--since", "2021-09-13", "--format", "xml", ledger=root).exit_code == 2
    r = cli("changes", "--since", "no-such-rev", ledger=root)
    assert r.exit_code == 1 and "没有版本 no-such-rev" in r.stderr


def test_log_outside_git_is_a_clear_error(tree: Path, cli):
    ops.add(tree, "三居社区", "路灯", opened="2021-09-01")
    r = cli("log", "GS-SJ-2021-001", ledger=tree)
    assert r.exit_code == 1 and "不在 git 工作区里" in r.stderr


def test_a_broken_side_falls_back_to_line_merge_and_keeps_the_good_items(tmp_path: Path, cli):
    """The driver exited 0 on a side with broken YAML and wrote a file that no longer parsed: list showed none of its items."""
    root = new_repo(tmp_path)
    top = root.parent
    assert cli("git", "setup", ledger=root).exit_code == 0
    for t in ("楼道灯", "垃圾"):
        cli("add", "-u", "三居社区", "-t", t, "--opened", "2021-09-01", ledger=root)
    commit_all(top, "台账库")
    git(top, "checkout", "-q", "-b", "手改")
    sj = root / "赶水镇/三居社区/2021.yaml"
    sj.write_text(sj.read_text(encoding="utf-8").replace("title: 楼道灯", "title: [楼道灯"), encoding="utf-8")
    commit_all(top, "手改坏了")
    git(top, "checkout", "-q", "main")
    assert cli("add", "-u", "三居社区", "-t", "井盖", "--opened", "2021-09-01", "--commit", ledger=root).exit_code == 0
    out = git(top, "merge", "--no-edit", "手改", check_=False)
    assert "不能逐项合并" in out and "CONFLICT" in out, out
    assert "title: [楼道灯" in sj.read_text(encoding="utf-8")
    listed = cli("list", ledger=root).stdout
    assert "GS-SJ-2021-002" in listed and "GS-SJ-2021-003" in listed and "GS-SJ-2021-001" not in listed
    r = cli("check", ledger=root)
    assert r.exit_code == 1 and "赶水镇/三居社区/2021.yaml:" in r.stdout


def test_a_rebase_relinks_through_the_post_rewrite_hook(tmp_path: Path, cli):
    """After git pull --rebase the links stayed broken until shishi git relink, and check did not suggest it."""
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    root0 = new_repo(tmp_path, "office")
    assert cli("git", "setup", "--commit", ledger=root0).exit_code == 0
    for unit, t in (("三居社区", "停车"), ("云品村", "产业路")):
        cli("add", "-u", unit, "-t", t, "--opened", "2021-09-01", ledger=root0)
    commit_all(root0.parent, "台账库")
    git(root0.parent, "remote", "add", "origin", str(bare))
    git(root0.parent, "push", "-q", "-u", "origin", "main")
    roots = []
    for name in ("a", "b"):
        top = tmp_path / name
        git(tmp_path, "clone", "-q", str(bare), str(top))
        identity(top, name)
        assert cli("git", "setup", ledger=top / "台账 ledgers").exit_code == 0
        roots.append(top / "台账 ledgers")
    a, b = roots
    assert cli("escalate", "GS-SJ-2021-001", "--to", "赶水镇", "--reason", "x", "--date", "2021-09-02", "--commit", ledger=a).exit_code == 0
    assert cli("escalate", "GS-YP-2021-001", "--to", "赶水镇", "--reason", "y", "--date", "2021-09-02", "--commit", ledger=b).exit_code == 0
    git(b.parent, "push", "-q")
    out = git(a.parent, "pull", "--rebase", "-q", check_=False)
    assert "改号为 GS-2021-002" in out, out
    assert git(a.parent, "log", "-1", "--format=%s").startswith("relink GS-SJ-2021-001 → GS-2021-002"), out
    assert cli("check", ledger=a).stdout == ""
    assert git(a.parent, "status", "--porcelain") == ""


def test_check_names_relink_for_a_renumbered_escalation(tree: Path, cli):
    a = ops.add(tree, "云品村", "产业路", opened="2021-09-01")
    ops.escalate(tree, a.id, "赶水镇", "x", when="2021-09-02")
    town = tree / "赶水镇/2021.yaml"
    town.write_text(town.read_text(encoding="utf-8").replace("GS-2021-001", "GS-2021-002"), encoding="utf-8")
    r = cli("check", ledger=tree)
    assert "上报去向 GS-2021-001 不存在（事项已改号：运行 shishi git relink 修复）" in r.stdout, r.stdout
