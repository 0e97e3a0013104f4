"""Writes that cannot half-happen: a real process killed at every step of a transaction leaves the tree as before or as after."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shishi.store import tree as t
from shishi.write import items as ops
from shishi.write import journal

SRC = str(Path(__file__).resolve().parent.parent / "src")
SJ = "赶水镇/三居社区/2021.yaml"


def _run(root: Path, *args: str, crash: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), SHISHI_LANG="zh")
    env.pop("SHISHI_CRASH_AT", None)
    if crash:
        env["SHISHI_CRASH_AT"] = crash
    return subprocess.run([sys.executable, "-m", "shishi", "--ledger", str(root), *args], capture_output=True, text=True, env=env, timeout=60)


def _files(root: Path) -> dict[str, bytes]:
    """Every file and directory of the tree (the index and git's own directory excepted)."""
    out: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".shishi", ".git")]
        for d in dirnames:
            out[(Path(dirpath) / d).relative_to(root).as_posix() + "/"] = b""
        for f in filenames:
            p = Path(dirpath) / f
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "core.quotepath=false", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def _git_tree(root: Path) -> Path:
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "测试")
    _git(root, "config", "user.email", "t@example.org")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "start")
    return root


def _escalate_tree(tree: Path) -> Path:
    ops.add(tree, "三居社区", "桥梁垮塌", opened="2021-09-01")
    ops.add(tree, "赶水镇", "镇里已有的事", opened="2021-09-01")
    return tree


CSV = "事项,登记日期\n路灯不亮,2021-12-30\n垃圾清运,2022-01-03\n"

SCENARIOS = {
    "escalate": (_escalate_tree, ["escalate", "GS-SJ-2021-001", "--to", "赶水镇", "--reason", "需镇里协调", "--date", "2021-09-05"]),
    "unit add": (lambda tree: tree, ["unit", "add", "赶水镇/新建社区", "--kind", "community", "--short", "XJ"]),
    "import": (lambda tree: tree, ["import", "{csv}", "--unit", "三居社区"]),
    "add --commit": (lambda tree: _git_tree(tree), ["add", "--unit", "三居社区", "--title", "井盖缺失", "--opened", "2021-09-01", "--commit"]),
    "unit move --commit": (
        lambda tree: _git_tree(_escalate_tree(tree)),
        ["unit", "move", "赶水镇/三居社区", "文龙街道/三居社区", "--code", "500110002003", "--commit"],
    ),
}


def _steps(name: str) -> list[str]:
    return [s for s in journal.STEPS if s != "commit" or "--commit" in SCENARIOS[name][1]]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_kill_at_every_step_leaves_the_tree_before_or_after(tree: Path, tmp_path: Path, name):
    """Killed at each step, the next command (check) finishes or undoes the write: clean, and equal to before or after."""
    make, args = SCENARIOS[name]
    csv = tmp_path / "两年.csv"
    csv.write_text(CSV, encoding="utf-8")
    args = [a.replace("{csv}", str(csv)) for a in args]
    base = make(tree)
    before = _files(base)
    done = tmp_path / "done"
    shutil.copytree(base, done, symlinks=True)
    r = _run(done, *args)
    assert r.returncode == 0, r.stderr
    after = _files(done)
    assert after != before
    head = _git(base, "rev-parse", "HEAD") if "--commit" in args else None
    outcomes = set()
    for step in _steps(name):
        work = tmp_path / f"at-{step}"
        shutil.copytree(base, work, symlinks=True)
        r = _run(work, *args, crash=step)
        assert r.returncode == -9, (step, r.returncode, r.stderr)
        assert (work / t.STATE_DIR / t.INTENT_FILE).exists(), step
        c = _run(work, "check")
        assert c.returncode == 0 and c.stdout == "" and "Traceback" not in c.stderr, (step, c.stdout, c.stderr)
        now = _files(work)
        assert now in (before, after), (step, set(now) ^ set(before), set(now) ^ set(after))
        assert not (work / t.STATE_DIR / t.INTENT_FILE).exists()
        outcomes.add("after" if now == after else "before")
        if head is not None:  # the commit and the files go together
            moved = _git(work, "rev-parse", "HEAD") != head
            assert moved == (now == after), step
            if moved:
                assert _git(work, "status", "--porcelain") == "", step
    assert outcomes == {"before", "after"}  # the steps reach both sides of the decision


def test_a_retried_escalation_makes_one_continuation(tree: Path, tmp_path: Path):
    """The issue's escalate killed between its writes left an orphan, and the retry made a second copy."""
    _escalate_tree(tree)
    args = SCENARIOS["escalate"][1]
    for step in journal.STEPS[:-1]:
        if step == "commit":
            continue
        work = tmp_path / step
        shutil.copytree(tree, work, symlinks=True)
        assert _run(work, *args, crash=step).returncode == -9
        _run(work, *args)  # the clerk tries again (refused if the first had gone through)
        texts = "".join(p.read_text(encoding="utf-8") for p in work.rglob("20*.yaml"))
        assert texts.count("escalated_from: GS-SJ-2021-001") == 1, step
        assert _run(work, "check").stdout == ""


def test_a_reader_finishes_what_a_killed_writer_decided(tree: Path):
    """A list after a kill between two renames shows both files' sides of the escalation, not one."""
    _escalate_tree(tree)
    args = SCENARIOS["escalate"][1]
    assert _run(tree, *args, crash="rename").returncode == -9
    r = _run(tree, "list", "--unit", "赶水镇")
    assert r.returncode == 0 and "GS-2021-002" in r.stdout, r.stdout
    assert "status: escalated" in (tree / SJ).read_text(encoding="utf-8")


def test_unit_add_killed_leaves_no_half_made_unit(tree: Path):
    """unit add killed after making the directory left a unit check called clean and unit add called existing."""
    assert _run(tree, "unit", "add", "赶水镇/新建社区", "--kind", "community", crash="staged").returncode == -9
    assert (tree / "赶水镇/新建社区").is_dir()  # made, with its unit.yaml only staged
    r = _run(tree, "unit", "add", "赶水镇/新建社区", "--kind", "community")
    assert r.returncode == 0, r.stderr
    assert (tree / "赶水镇/新建社区/unit.yaml").is_file()
    assert _run(tree, "add", "--unit", "新建社区", "--title", "x").returncode == 0


def test_a_failure_in_the_body_writes_nothing(tree: Path, monkeypatch):
    """An error after the first of two files is staged: neither changes, no temporary file stays."""
    _escalate_tree(tree)
    before = _files(tree)
    real = ops.replace_block

    def broken(*a, **k):
        real(*a, **k)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ops, "replace_block", broken)
    with pytest.raises(OSError):
        ops.escalate(tree, "GS-SJ-2021-001", "赶水镇", "协调", when="2021-09-05")
    assert _files(tree) == before
    assert not (tree / t.STATE_DIR / t.INTENT_FILE).exists()


def test_leftover_temp_files_are_reported_and_swept(tree: Path, cli):
    """A killed writer's `.2021.yaml.*.tmp` (a whole copy, phone numbers too) stayed, unreported, not git-ignored."""
    ops.add(tree, "三居社区", "路灯", opened="2021-09-01", phone="13812345678")
    left = tree / "赶水镇/三居社区/.2021.yaml.0123456789ab.tmp"
    left.write_bytes((tree / SJ).read_bytes())
    r = cli("check", ledger=tree)
    assert "赶水镇/三居社区/.2021.yaml.0123456789ab.tmp:0:0: warning: 写入中断留下的临时文件" in r.stdout
    assert ".*.tmp" in (tree / ".gitignore").read_text().splitlines()
    ops.add(tree, "云品村", "x", opened="2021-09-01")  # any write sweeps
    assert not left.exists()
    assert cli("check", ledger=tree).stdout == ""


# ------------------------------------------------------------------ commits inside the write


def test_commit_git_refuses_writes_nothing(tree: Path, cli):
    """`add --commit` with the branch's ref locked wrote the item, exited 1 without an ID: the retry duplicated it."""
    _git_tree(tree)
    before = _files(tree)
    head = _git(tree, "rev-parse", "HEAD")
    lock = tree / ".git/refs/heads/main.lock"
    lock.write_text("")
    r = cli("add", "--unit", "三居社区", "--title", "井盖缺失", "--opened", "2021-09-01", "--commit", ledger=tree)
    assert r.exit_code == 1
    assert r.stderr.startswith("错误：git 拒绝提交，没有写入任何内容"), r.stderr
    assert _files(tree) == before and _git(tree, "rev-parse", "HEAD") == head
    assert not list(tree.rglob(".*.tmp")) and not (tree / t.STATE_DIR / t.INTENT_FILE).exists()
    lock.unlink()
    r = cli("add", "--unit", "三居社区", "--title", "井盖缺失", "--opened", "2021-09-01", "--commit", ledger=tree)
    assert r.exit_code == 0 and r.stdout.startswith("已登记 GS-SJ-2021-001"), r.stderr
    assert _git(tree, "show", "--name-only", "--format=%s", "HEAD").splitlines() == ["add GS-SJ-2021-001: 井盖缺失", "", SJ]
    assert _git(tree, "status", "--porcelain") == ""


def test_concurrent_commits_each_hold_their_own_file(tree: Path):
    """Under concurrent --commit runs one command's commit carried another's item."""
    _git_tree(tree)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "shishi", "--ledger", str(tree), "add", "--unit", unit, "--title", f"事{i}", "--opened", "2021-09-01", "--commit", "-q"],
            env=dict(os.environ, PYTHONPATH=SRC), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i, unit in enumerate(["三居社区", "云品村", "文龙街道", "三居社区", "云品村", "文龙街道"])
    ]
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        ids.append(out.strip())
    log = _git(tree, "log", "--format=@%s", "--name-only", "-6").split("@")[1:]
    assert len(log) == 6
    for entry in log:
        subject, _, files = entry.strip().partition("\n")
        files = files.strip()
        item_id = subject.split()[1].rstrip(":")
        prefix = item_id.rsplit("-", 2)[0]
        where = {"GS-SJ": SJ, "GS-YP": "赶水镇/云品村/2021.yaml", "WL": "文龙街道/2021.yaml"}[prefix]
        assert files.split("\n") == [where], entry
        assert item_id in ids
    assert _git(tree, "status", "--porcelain") == ""
