"""Real processes writing at once, readers meanwhile, and writers killed mid-write: nothing lost, nothing half-written."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from shishi.checks.rules import check
from shishi.store.load import load

ADDER = """
import sys
from pathlib import Path
from shishi.write import items as ops
root, tag = Path(sys.argv[1]), sys.argv[2]
for i in range(int(sys.argv[3])):
    ops.add(root, "三居社区", f"{tag}-{i}", opened="2021-09-01")
"""

# Writes through the CLI; announces the SHA-256 of every file version before it is written
# ("will PATH HASH"), and each command once it has returned ("done VERB ID").
CHURNER = """
import hashlib, os, sys
from pathlib import Path
from typer.testing import CliRunner
from shishi.write import files
from shishi.store import yamlio
from shishi.cli.app import app

root, unit, tag = Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3]
real_write = yamlio.atomic_write

def log(*words):  # to the real stdout: CliRunner captures sys.stdout while a command runs
    os.write(1, (" ".join(words) + "\\n").encode())

def logged_write(path, text, bom=False):
    data = (b"\\xef\\xbb\\xbf" if bom else b"") + text.encode("utf-8")
    log("will", Path(path).relative_to(root).as_posix(), hashlib.sha256(data).hexdigest())
    real_write(path, text, bom)

files.atomic_write = logged_write
runner = CliRunner()

def shishi(*args):
    r = runner.invoke(app, ["--ledger", str(root), *args], catch_exceptions=False)
    assert r.exit_code == 0, (args, r.stdout, r.stderr)
    return r.stdout.strip()

log("ready")
i = 0
while True:
    item = shishi("add", "--unit", unit, "--title", f"{tag}问题{i}", "--opened", "2021-09-01", "-q")
    log("done add", item)
    shishi("progress", item, "--note", "处理中" * 50, "--date", "2021-09-02")
    log("done progress", item)
    shishi("close", item, "--resolution", "已解决", "--beneficiaries", "3", "--date", "2021-09-03")
    log("done close", item)
    if i % 4 == 3:
        shishi("verify", item, "--date", "2021-09-04")
        log("done verify", item)
    if i % 5 == 4:
        shishi("fmt")
    i += 1
"""

WRITER = """
import json, sys
from pathlib import Path
from typer.testing import CliRunner
from shishi.cli.app import app

root, unit, tag, n, escalate_to = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
runner = CliRunner()

def shishi(*args):
    r = runner.invoke(app, ["--ledger", str(root), *args], catch_exceptions=False)
    assert r.exit_code == 0, (args, r.stdout, r.stderr)
    return r.stdout.strip()

final = {}
for i in range(n):
    item = shishi("add", "--unit", unit, "--title", f"{tag}-{i}", "--opened", "2021-09-01", "-q")
    shishi("progress", item, "--note", f"{tag} 第{i}次", "--date", "2021-09-02")
    if i % 3 == 2:
        new = shishi("escalate", item, "--to", escalate_to, "--reason", "上报", "--date", "2021-09-03", "-q")
        final[item], final[new] = "escalated", "open"
    else:
        shishi("close", item, "--resolution", "已解决", "--beneficiaries", "2", "--date", "2021-09-03")
        final[item] = "resolved"
print(json.dumps(final))
"""

READER = """
import json, sys, time
from pathlib import Path
from typer.testing import CliRunner
from shishi.cli.app import app

root, stop = Path(sys.argv[1]), Path(sys.argv[2])
runner = CliRunner()
log = []
while not stop.exists():
    for args in (["list", "--format", "json"], ["check"], ["report", "--format", "json", "--as-of", "2021-12-31"]):
        r = runner.invoke(app, ["--ledger", str(root), *args])
        crash = None if r.exception is None or isinstance(r.exception, SystemExit) else repr(r.exception)
        entry = {"args": args, "exit": r.exit_code, "crash": crash, "err": r.stderr[-500:]}
        if args[0] == "list" and r.exit_code == 0:
            entry["ids"] = [i["id"] for i in json.loads(r.stdout)]
        if args[0] == "report" and r.exit_code == 0:
            json.loads(r.stdout)  # whole, parseable
        if args[0] == "check":
            entry["problems"] = r.stdout.splitlines()
        log.append(entry)
print(json.dumps(log, ensure_ascii=False))
"""

LOCK_HOLDER = """
import sys, time
from pathlib import Path
from shishi.write.lock import write_lock
with write_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(600)
"""


def _env() -> dict:
    src = str(Path(__file__).resolve().parent.parent / "src")
    return dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every ledger file (the sweepable temp files aside)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*.yaml")
        if ".shishi" not in p.parts and not p.name.startswith(".")
    }


def test_four_processes_add_fifty_each(tree: Path):
    procs = [subprocess.Popen([sys.executable, "-c", ADDER, str(tree), f"p{n}", "50"], env=_env()) for n in range(4)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    ledger = load(tree)
    ids = [e.item.id for e in ledger.entries]
    assert len(ids) == 200 and len(set(ids)) == 200
    assert sorted(e.item.title for e in ledger.entries) == sorted(f"p{n}-{i}" for n in range(4) for i in range(50))
    assert check(ledger) == []


def test_writers_on_same_and_different_units_with_readers(tree: Path):
    """Four writers (two on one unit, escalating across units) and two readers (list, check, report) at once.

    No write is lost, no ID is handed out twice, every item ends as its writer left it;
    readers never crash, never see an ID twice, never see the number of items go down,
    and the only problem a reader may glimpse is an escalation half-written (the new
    item is written before the old one is linked, so nothing is lost in between).
    """
    stop = tree.parent / "stop"
    writers = [
        ("三居社区", "甲", "赶水镇"), ("三居社区", "乙", "文龙街道"), ("云品村", "丙", "赶水镇"), ("文龙街道", "丁", "三居社区"),
    ]
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(tree), str(stop)], env=_env(), stdout=subprocess.PIPE, text=True) for _ in range(2)]
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tree), unit, tag, "12", to], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for unit, tag, to in writers
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    stop.touch()
    logs = [json.loads(r.communicate(timeout=120)[0]) for r in readers]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-2000:] for _, err in outs]

    final: dict[str, str] = {}
    for out, _ in outs:
        part = json.loads(out)
        assert not set(part) & set(final)  # no ID handed to two writers
        final.update(part)
    ledger = load(tree)
    ids = [e.item.id for e in ledger.entries]
    assert len(ids) == len(set(ids)) == len(final) == 4 * 12 + 4 * 4
    assert {e.item.id: e.item.status for e in ledger.entries} == final
    assert [str(p) for p in check(ledger, strict=True)] == []

    reads = 0
    for log in logs:
        seen = 0
        for entry in log:
            assert entry["crash"] is None and "Traceback" not in entry["err"], entry
            if entry["args"][0] == "list":
                assert entry["exit"] == 0, entry
                assert len(entry["ids"]) == len(set(entry["ids"])) >= seen, entry
                seen = len(entry["ids"])
                reads += 1
            elif entry["args"][0] == "report":
                assert entry["exit"] == 0, entry
            else:
                assert entry["exit"] in (0, 1), entry
                assert all("escalated" in p or "上报" in p for p in entry["problems"]), entry["problems"]
    assert reads >= 4  # the readers really read while the writers wrote


def test_killed_writers_leave_whole_files(tree: Path):
    """SIGKILL a writer at random moments, many times.

    Every ledger file is always either a version that existed before or one a writer
    was about to write (it announced the SHA-256 first), never a mix; every command
    that returned is on disk; the tree reads cleanly; the index under .shishi/ (which
    the writer may have been updating) agrees with the files; and the lock of a killed
    writer never holds up the next one.
    """
    rng = random.Random(20211130)
    known: dict[str, set[str]] = {}
    for rel, h in _hashes(tree).items():
        known.setdefault(rel, set()).add(h)
    done: dict[str, str] = {}
    for rnd in range(12):
        unit = ("三居社区", "云品村")[rnd % 2]
        p = subprocess.Popen([sys.executable, "-c", CHURNER, str(tree), unit, f"r{rnd}"], env=_env(), stdout=subprocess.PIPE, text=True, bufsize=1)
        assert p.stdout.readline().strip() == "ready"
        started = time.monotonic()
        first = p.stdout.readline()  # the first write after the last kill: a stale lock would hold it up
        assert first.startswith("will "), first
        assert time.monotonic() - started < 20, "the lock of the killed writer held up the next one"
        time.sleep(rng.uniform(0.0, 1.0))
        p.send_signal(signal.SIGKILL)
        out, _ = p.communicate()
        for line in [first, *out.splitlines()]:
            parts = line.split()  # the last line may be cut short by the kill
            if len(parts) == 3 and parts[0] == "will":
                known.setdefault(parts[1], set()).add(parts[2])
            elif len(parts) == 3 and parts[0] == "done":
                done[parts[2]] = parts[1]
        for rel, h in _hashes(tree).items():
            assert h in known.get(rel, set()), f"round {rnd}: {rel} is neither an old version nor one a writer wrote"
        ledger = load(tree)  # through the index, which the killed writer may have been updating
        direct = load(tree, use_index=False)
        assert ledger.reread is not None, "the index was not used"
        assert [str(x) for x in check(ledger)] == [str(x) for x in check(direct)] == [], rnd
        assert {e.item.id: e.item.status for e in ledger.entries} == {e.item.id: e.item.status for e in direct.entries}
        items = {e.item.id: e.item for e in ledger.entries}
        for item_id, verb in done.items():
            assert item_id in items  # an add that returned is on disk
            want = {"add": None, "progress": None, "close": "resolved", "verify": "verified"}[verb]
            assert want is None or items[item_id].status in (want, "verified")
    leftovers = [f for f in tree.rglob("*.tmp")]
    assert len(leftovers) <= 2  # a kill between mkstemp and rename leaves a hidden temp file; the next write there sweeps it


def test_lock_of_a_killed_process_is_released(tree: Path):
    """A process killed while holding the tree's write lock: the next command runs at once, not after the 60 s timeout."""
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(tree)], env=_env(), stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    blocked = subprocess.run(
        [sys.executable, "-c", ADDER, str(tree), "blocked", "1"], env=_env(), capture_output=True, text=True, timeout=30,
        preexec_fn=lambda: signal.alarm(3),  # still waiting on the lock after 3 s: killed by SIGALRM
    )
    assert blocked.returncode == -signal.SIGALRM
    holder.kill()
    holder.wait()
    assert (tree / ".shishi" / "lock").exists()  # the lock file stays; the kernel dropped the lock itself
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "shishi", "--ledger", str(tree), "add", "-u", "三居社区", "-t", "锁已释放", "--opened", "2021-09-01", "-q"],
                       env=_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "GS-SJ-2021-001", r.stderr
    assert time.monotonic() - t0 < 15
