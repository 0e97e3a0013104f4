"""The corpus of bad ledgers (tests/corpus/): every case gets a located message and the right exit code,
nothing is written, no traceback, bounded time and memory.

A case is a directory tests/corpus/<name>/ holding `expected.txt` and files laid over a copy of
tests/corpus/base/ at the same relative paths. Cases that cannot live in git (links, pipes, a
4 GiB file, names git or Windows would mangle) are made by a function in SETUP. expected.txt:

    # what the case is about
    exit: 1
    <the exact stdout of `shishi check`, one problem per line>

Each case runs in one child process limited to RLIMIT_AS = 1 GiB, which runs every invocation of
COMMANDS on a fresh copy of the case's tree, each under an alarm. To hold a new command to the
same contract, add it to COMMANDS. SHISHI_CORPUS_UPDATE=1 rewrites expected.txt from the current
output (read the diff before committing it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
BASE = CORPUS / "base"
SJ = "赶水镇/三居社区/2021.yaml"
MEMORY_LIMIT = 1 << 30  # RLIMIT_AS of the child running a case
COMMAND_SECONDS = 20  # alarm per invocation; generous for a loaded CI machine
LOCATED = re.compile(r"^[^\n]+:\d+:\d+: \S")


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    writes: bool = False  # read-only commands must never change a file; writes only when they succeed


COMMANDS: list[Command] = [
    Command(("check",)),
    Command(("check", "--strict")),
    Command(("--lang", "en", "check")),
    Command(("unit", "list")),
    Command(("list", "--format", "json")),
    Command(("list", "--overdue", "--as-of", "2021-12-31", "--format", "csv")),
    Command(("show", "GS-SJ-2021-002", "--format", "json")),
    Command(("show", "GS-SJ-2021-001")),
    Command(("fmt", "--check")),
    Command(("fmt",), writes=True),
    Command(("add", "--unit", "三居社区", "--title", "新问题", "--opened", "2021-09-20"), writes=True),
    Command(("add", "--unit", "赶水镇", "--title", "镇里的新问题", "--opened", "2021-09-20"), writes=True),
    Command(("progress", "GS-SJ-2021-002", "--note", "已处理", "--date", "2021-09-20"), writes=True),
    Command(("close", "GS-SJ-2021-002", "--resolution", "已清理", "--beneficiaries", "12", "--date", "2021-09-20"), writes=True),
    Command(("reopen", "GS-SJ-2021-001", "--reason", "返工", "--date", "2021-09-20"), writes=True),
    Command(("cancel", "GS-SJ-2021-003", "--reason", "重复", "--date", "2021-09-20"), writes=True),
    Command(("escalate", "GS-SJ-2021-002", "--to", "赶水镇", "--reason", "需镇里协调", "--date", "2021-09-20"), writes=True),
    Command(("rollup", "--format", "json", "--as-of", "2021-12-31")),
    Command(("rollup", "赶水镇", "--depth", "1", "--format", "md", "--period", "2021")),
    Command(("report", "--format", "json", "--as-of", "2021-12-31")),
    Command(("report", "--format", "html", "-o", "{out}.html")),
    Command(("report", "--format", "xlsx", "-o", "{out}.xlsx", "--period", "2021Q3")),
    Command(("due", "--within", "30", "--as-of", "2021-09-15")),
    Command(("scores", "--as-of", "2021-12-31", "--format", "json")),
    Command(("supervise", "list")),
    Command(("survey", "list")),
    Command(("export", "--format", "json")),
    Command(("export", "--format", "open311")),
    Command(("export", "--format", "xlsx", "-o", "{out}.xlsx")),
    Command(("log", "GS-SJ-2021-002")),  # no git here: refused, not crashed
    Command(("changes", "--since", "2021-01-01")),
    Command(("merge-driver", "{base}", "{ours}", "{theirs}", SJ)),  # writes only {ours}, outside the tree
    Command(("query", "SELECT id, status, title FROM items ORDER BY id", "--format", "json")),
    Command(("query", "DROP TABLE items")),  # refused: the index is read-only to queries
    Command(("extend", "GS-SJ-2021-002", "--to", "2021-12-31", "--reason", "材料未到", "--date", "2021-09-09"), writes=True),
    Command(("supervise", "add", "-u", "三居社区", "--finding", "占道经营", "--deadline", "2021-10-31", "--date", "2021-09-20"), writes=True),
    Command(("supervise", "flag", "GS-SJ-2021-002", "--level", "挂牌", "--date", "2021-09-20"), writes=True),
    Command(("supervise", "feedback", "GS-SJ-2021-002", "-n", "已整改", "--date", "2021-09-21"), writes=True),
    Command(("survey", "add", "-u", "三居社区", "--quarter", "2021Q4", "--agency", "某调查公司", "--count", "很满意=10,满意=5", "--date", "2021-12-20"), writes=True),
    Command(("import", "{csv}", "-u", "三居社区"), writes=True),
]


# ------------------------------------------------------------------ cases made in the test


SECRET = "- id: GS-2021-900\n  title: 树外的秘密事项\n  opened: 2021-09-01\n"


def _outside(root: Path) -> Path:
    """A directory beside the tree that links point to; nothing in it may be read or written."""
    out = root.parent / "outside"
    out.mkdir(exist_ok=True)
    (out / "2021.yaml").write_text(SECRET, encoding="utf-8")
    (out / "unit.yaml").write_text("name: 外部\nkind: village\nshort: WB\n", encoding="utf-8")
    return out


def _replace_with_dir(root: Path, *rels: str) -> None:
    for rel in rels:
        (root / rel).unlink()
        (root / rel).mkdir()


def _unit_dirs(*names: str):
    def make(root: Path) -> None:
        for i, name in enumerate(names):
            d = root / "赶水镇" / name
            d.mkdir()
            (d / "unit.yaml").write_text(f"name: x\nkind: village\nshort: Z{i}\n", encoding="utf-8")
            (d / "2021.yaml").write_text(f"- id: GS-Z{i}-2021-001\n  title: t\n  opened: 2021-09-01\n", encoding="utf-8")

    return make


def _sparse(size: int):
    def make(root: Path) -> None:
        with open(root / SJ, "r+b") as f:
            f.truncate(size)

    return make


def _link(rel: str, target) -> callable:
    def make(root: Path) -> None:
        p = root / rel
        if p.exists() or p.is_symlink():
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        p.symlink_to(target(root) if callable(target) else target)

    return make


def _too_long(root: Path) -> None:
    p = root / SJ
    text = p.read_text(encoding="utf-8").replace("  title: 3号楼楼道堆放杂物", "  title: " + "长" * 1_000_000)
    p.write_text(text.replace("  owner: 王某", "  owner: " + "名" * 300), encoding="utf-8")


SETUP = {
    "too_long_text": _too_long,
    "oversize_file": _sparse(4 << 30),
    "just_over_the_limit": _sparse((64 << 20) + 1),
    "directory_as_ledger_file": lambda root: _replace_with_dir(root, "赶水镇/2021.yaml", "surveys/2021Q3.yaml"),
    "directory_as_unit_yaml": lambda root: _replace_with_dir(root, "赶水镇/三居社区/unit.yaml"),
    "directory_as_config": lambda root: _replace_with_dir(root, "shishi.yaml"),
    "fifo_as_ledger_file": lambda root: ((root / "赶水镇/2021.yaml").unlink(), os.mkfifo(root / "赶水镇/2021.yaml")),
    "symlink_unit_dir_out": _link("赶水镇/外部", _outside),
    "symlink_ledger_file_out": _link("赶水镇/2021.yaml", lambda root: _outside(root) / "2021.yaml"),
    "symlink_unit_yaml_out": _link("赶水镇/unit.yaml", lambda root: _outside(root) / "unit.yaml"),
    "symlink_config_out": _link("shishi.yaml", lambda root: _outside(root) / "unit.yaml"),
    "symlink_to_device": _link(SJ, "/dev/zero"),
    "symlink_survey_out": _link("surveys/2021Q4.yaml", lambda root: _outside(root) / "2021.yaml"),
    "symlink_loop": _link("赶水镇/三居社区/2022.yaml", lambda root: root / "赶水镇/三居社区/2022.yaml"),
    "unit_dir_control_characters": _unit_dirs("a\x1b[2Jb", "tab\there", "new\nline"),
    "unit_dir_windows_reserved": _unit_dirs("CON", "aux.txt", "LPT1", "nul"),
    "unit_dir_not_utf8": _unit_dirs(os.fsdecode("三居".encode("gbk")), os.fsdecode(b"\xff\xfe")),
    "unit_dir_bad_characters": _unit_dirs("a:b", "a*b", "a?b", 'a"b', "a<b>", "a|b", "a\\b", " lead", "trail "),
}


# ------------------------------------------------------------------ building and running


def case_names() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and p.name != "base")


def build(case: str, dest: Path) -> Path:
    """The case's tree under dest/ledgers: the base, the case's files over it, then its SETUP."""
    root = dest / "ledgers"
    shutil.copytree(BASE, root)
    src = CORPUS / case
    for dirpath, _dirs, files in os.walk(src):
        for name in files:
            f = Path(dirpath) / name
            rel = f.relative_to(src)
            if rel.as_posix() == "expected.txt":
                continue
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, root / rel)
    if case in SETUP:
        SETUP[case](root)
    return root


def fingerprint(top: Path) -> dict[str, object]:
    """Every entry below top (the index under .shishi excepted): bytes of small files, else size, inode and mtime."""
    out: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if d != ".shishi"]
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            key = os.path.relpath(p, top)
            if os.path.islink(p):
                out[key] = ("link", os.readlink(p))
            elif not os.path.isfile(p) or st.st_size > (1 << 20):
                out[key] = (st.st_mode, st.st_size, st.st_ino, st.st_mtime_ns)
            else:
                with open(p, "rb") as f:
                    out[key] = f.read()
        for d in dirnames:
            out.setdefault(os.path.relpath(os.path.join(dirpath, d), top) + "/", "dir")
    return out


def _inputs(root: Path, where: Path) -> dict[str, str]:
    """Files outside the tree for commands that take them: {out} (a path to write), {csv}, and {base} {ours} {theirs} (the case's ledger file)."""
    where.mkdir(exist_ok=True)
    (where / "in.csv").write_text("事项名称,登记日期\n导入的问题,2021-09-20\n", encoding="utf-8")
    case_file = root / SJ
    ours = BASE / SJ
    if case_file.is_file() and not case_file.is_symlink() and case_file.stat().st_size < (1 << 20):
        ours = case_file
    shutil.copyfile(BASE / SJ, where / "base.yaml")
    shutil.copyfile(ours, where / "ours.yaml")
    (where / "theirs.yaml").write_text((BASE / SJ).read_text(encoding="utf-8") + "\n- id: GS-SJ-2021-009\n  title: 他们加的\n  opened: 2021-09-09\n", encoding="utf-8")
    return {"out": str(where / "out"), "csv": str(where / "in.csv"), "base": str(where / "base.yaml"), "ours": str(where / "ours.yaml"), "theirs": str(where / "theirs.yaml")}


def _errors(stdout: str) -> list[tuple[str, str]]:
    """(path, message) of each error line of check's output: line numbers move when a write adds lines."""
    out = []
    for line in stdout.splitlines():
        m = re.match(r"^(.*?):\d+:\d+: (.*)$", line)
        if m and not m.group(2).startswith("warning: "):
            out.append((m.group(1), m.group(2)))
    return sorted(out)


def drive(case: str, work: Path) -> list[dict]:
    """Run every command over fresh copies of the case (in this process); results as plain data."""
    import signal
    import traceback

    from typer.testing import CliRunner

    from shishi.cli.app import app

    def alarm(_sig, _frame):
        raise TimeoutError(f"took longer than {COMMAND_SECONDS} s")

    signal.signal(signal.SIGALRM, alarm)
    runner = CliRunner()
    import typer.testing

    if hasattr(typer.testing, "_get_command"):  # Typer rebuilds the click tree on every invoke: 80% of the time here
        command = typer.testing._get_command(app)
        typer.testing._get_command = lambda _app: command

    def invoke(root: Path, args: tuple[str, ...]):
        signal.alarm(COMMAND_SECONDS)
        t0 = time.monotonic()
        try:
            r = runner.invoke(app, ["--ledger", str(root), *args], catch_exceptions=True)
        finally:
            signal.alarm(0)
        crash = None
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            crash = "".join(traceback.format_exception(*r.exc_info))[-3000:]
        return r, time.monotonic() - t0, crash

    results = []
    errors_before: list | None = None  # check's errors on the untouched case: what a write may not add to
    shared: tuple[Path, Path, dict] | None = None  # one tree for the read-only commands (its index warms up)
    for n, cmd in enumerate(COMMANDS):
        if cmd.writes or shared is None:
            dest = work / f"c{n}"
            dest.mkdir()
            root = build(case, dest)
            before = fingerprint(dest)
            if not cmd.writes:
                shared = (dest, root, before)
        else:
            dest, root, before = shared
        args = tuple(a.format(**_inputs(root, work / f"in{n}")) if "{" in a else a for a in cmd.args)
        r, seconds, crash = invoke(root, args)
        after = fingerprint(dest)
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        if args == ("check",) and errors_before is None:
            errors_before = _errors(r.stdout)
        new_errors = []
        if cmd.writes and r.exit_code == 0 and changed:  # a successful write may not add problems
            new_errors = [e for e in _errors(invoke(root, ("check",))[0].stdout) if e not in (errors_before or [])]
        results.append(
            {"args": list(cmd.args), "writes": cmd.writes, "exit": r.exit_code, "stdout": r.stdout, "stderr": r.stderr,
             "crash": crash, "seconds": round(seconds, 3), "changed": changed, "new_errors": new_errors}
        )
        if cmd.writes or changed:  # a read-only command that changed the tree spoils it for the next
            shutil.rmtree(dest, ignore_errors=True)
            if not cmd.writes:
                shared = None
        if crash and "TimeoutError" in crash:  # a hang: the other commands would likely hang too
            break
    return results


def run_cases(cases: list[str], work: Path) -> dict[str, dict]:
    """drive() every case in child processes limited by RLIMIT_AS, two at a time; {case: {results, peak_kib}}."""

    def limits():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent / "src"), str(HERE), os.environ.get("PYTHONPATH", "")]))
    jobs = max(1, min(int(os.environ.get("SHISHI_CORPUS_JOBS", "2")), len(cases)))
    chunks = [cases[i::jobs] for i in range(jobs)]
    children = []
    for n, chunk in enumerate(chunks):
        out = open(work / f"child{n}.json", "w+", encoding="utf-8")
        err = open(work / f"child{n}.err", "w+", encoding="utf-8")
        argv = [sys.executable, __file__, str(work), *chunk]
        children.append((subprocess.Popen(argv, stdout=out, stderr=err, env=env, preexec_fn=limits, cwd=work), out, err, chunk))
    runs: dict[str, dict] = {}
    for proc, out, err, chunk in children:
        try:
            proc.wait(timeout=COMMAND_SECONDS * (len(COMMANDS) + 2) * len(chunk))
        finally:
            proc.kill()
        out.seek(0)
        err.seek(0)
        lines = out.read().splitlines()
        for line in lines:
            runs.update(json.loads(line))
        for case in chunk:  # a child that died takes its remaining cases with it: say how
            runs.setdefault(case, {"died": f"exit {proc.returncode}: {err.read()[-3000:]}"})
    return runs


@pytest.fixture(scope="session")
def corpus_runs(request, tmp_path_factory) -> dict[str, dict]:
    """The runs of the cases this session selected, made once."""
    selected = sorted({item.callspec.params["case"] for item in request.session.items if getattr(item, "originalname", "") == "test_case"})
    return run_cases(selected, tmp_path_factory.mktemp("corpus"))


def read_expected(case: str) -> tuple[str, int, list[str]]:
    lines = (CORPUS / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    about = [line for line in lines if line.startswith("#")]
    exit_line = next(line for line in lines if line.startswith("exit: "))
    body = [line for line in lines if not line.startswith("#") and not line.startswith("exit: ")]
    return "\n".join(about), int(exit_line.split()[1]), body


# ------------------------------------------------------------------ the test


@pytest.mark.parametrize("case", case_names())
def test_case(case: str, corpus_runs: dict[str, dict]):
    about, exit_code, expected = read_expected(case)
    assert about, f"{case}/expected.txt needs a '# what this case is about' line"
    run = corpus_runs[case]
    assert "died" not in run, f"the child process running {case} died: {run.get('died')}"
    results, peak_kib = run["results"], run["peak_kib"]
    check = results[0]
    assert check["args"] == ["check"]
    if os.environ.get("SHISHI_CORPUS_UPDATE"):
        (CORPUS / case / "expected.txt").write_text(f"{about}\nexit: {check['exit']}\n{check['stdout']}", encoding="utf-8")
        exit_code, expected = check["exit"], check["stdout"].splitlines()
    problems = []
    for r in results:
        what = "shishi " + " ".join(r["args"])
        if r["crash"]:
            problems.append(f"{what}: crashed\n{r['crash']}")
        if r["exit"] not in (0, 1):
            problems.append(f"{what}: exit {r['exit']}\n{r['stderr']}")
        if "Traceback" in r["stdout"] + r["stderr"]:
            problems.append(f"{what}: printed a traceback")
        if r["changed"] and (not r["writes"] or r["exit"] != 0):
            problems.append(f"{what}: exit {r['exit']} but changed {r['changed']}")
        if r["new_errors"]:
            problems.append(f"{what}: succeeded but made new problems {r['new_errors']}")
        if r["args"][-1] == "check" or r["args"][-2:] == ["check", "--strict"]:
            bad = [line for line in r["stdout"].splitlines() if not LOCATED.match(line)]
            if bad:
                problems.append(f"{what}: lines without path:line:col: {bad}")
    assert not problems, "\n".join(problems)
    assert check["exit"] == exit_code, check["stdout"] + check["stderr"]
    assert check["stdout"].splitlines() == expected
    assert peak_kib < MEMORY_LIMIT >> 10


def test_every_case_is_documented():
    names = case_names()
    assert len(names) >= 40
    missing = [n for n in SETUP if n not in names]
    assert not missing, f"SETUP cases without a directory and expected.txt: {missing}"


if __name__ == "__main__":  # a child of run_cases: one JSON line per case, as each is done
    import resource
    import tempfile

    work_dir = Path(sys.argv[1])
    for case_name in sys.argv[2:]:
        with tempfile.TemporaryDirectory(dir=work_dir) as w:
            res = drive(case_name, Path(w))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({case_name: {"results": res, "peak_kib": peak}}, ensure_ascii=False), flush=True)


def test_nothing_in_a_ledger_is_executed(tmp_path: Path):
    """The real CLI over the !!python/object/apply case: refused, and its payload (touch pwned) never ran."""
    root = build("tag_python_object", tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent / "src"), os.environ.get("PYTHONPATH", "")]))
    for args in (["check"], ["list"], ["show", "GS-SJ-2021-002"], ["fmt"], ["progress", "GS-SJ-2021-002", "--note", "x"]):
        p = subprocess.run([sys.executable, "-m", "shishi", "--ledger", str(root), *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
        assert p.returncode == (0 if args == ["list"] else 1) and "Traceback" not in p.stderr, (args, p.stderr)
    assert not [p for p in tmp_path.rglob("pwned*")]
    assert "python/object/apply:os.system" in (root / SJ).read_text(encoding="utf-8")
