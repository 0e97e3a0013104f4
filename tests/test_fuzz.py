"""Property tests and fuzzing.

1. Any sequence of valid write commands (add, progress, close, verify, reopen, cancel,
   escalate, fmt) through the CLI keeps `check --strict` clean, matches a model of the
   statuses, keeps text exactly as typed, and `fmt` changes no data and is idempotent.
   Commands that are not valid in the current state exit 1 and change no byte.
2. The ledger reader over mutated and garbage bytes (in a ledger file, unit.yaml,
   shishi.yaml or a survey): never an exception, only located problems. Write commands
   over the same files: a clerk's error (ShishiError) with nothing written, or a write
   after which every file that read cleanly still does.

CI runs a few hundred examples; SHISHI_FUZZ_EXAMPLES=100000 runs longer on demand, e.g.
    SHISHI_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py -k reader
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import typer.testing
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from typer.testing import CliRunner

from conftest import snapshot
from shishi.checks.rules import check
from shishi.cli.app import app
from shishi.errors import Problem, ShishiError
from shishi.store.ledger import read_items
from shishi.store.load import load
from shishi.store.yamlio import YamlError, decode
from shishi.write import items as ops
from shishi.write import units
from shishi.write.fmt import fmt as write_fmt

EXAMPLES = int(os.environ.get("SHISHI_FUZZ_EXAMPLES", "0"))
CORPUS_BASE = Path(__file__).resolve().parent / "corpus" / "base"
UNITS = {"赶水镇": "GS", "赶水镇/三居社区": "GS-SJ", "赶水镇/云品村": "GS-YP", "文龙街道": "WL"}

# text a clerk could type: any printable character, and the ones YAML gives meaning to
YAMLISH = ["- x", "a: b", "#", " # c", "'", '"', "!!python/object x", "&a", "*a", "|", ">", "%YAML", "@", "`", "{a}", "[a]",
           "<<<<<<< HEAD", "=======", "null", "~", "yes", "2021-02-30", "0x1F", "1e5", ".inf", "\\", "\u2028", "\u3000", "\ufeff"]
texts = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
    st.lists(st.sampled_from(YAMLISH) | st.text(alphabet="实事办结村社区 \n\t", max_size=5), min_size=1, max_size=4).map("".join),
).filter(lambda s: s.strip() and "\x00" not in s)
one_line = texts.map(lambda s: " ".join(s.split())).filter(bool)


def _tree() -> Path:
    root = Path(tempfile.mkdtemp(prefix="shishi-fuzz-")) / "ledgers"
    units.init(root, "綦江区", "500110000000", "QJ")
    units.add_unit(root, "赶水镇", "town", "500110105000", "GS")
    units.add_unit(root, "赶水镇/三居社区", "community", "500110105003", "SJ")
    units.add_unit(root, "赶水镇/云品村", "village", "500110105201", "YP")
    units.add_unit(root, "文龙街道", "street", "500110002000", "WL")
    return root


def _data(root: Path) -> dict[str, dict]:
    """Every item's data by ID, as read."""
    return {e.item.id: e.item.model_dump() for e in load(root).entries}


class LedgerMachine(RuleBasedStateMachine):
    """The CLI against a model: item ID -> (status, unit, last date)."""

    @initialize()
    def start(self):
        self.root = _tree()
        self.runner = CliRunner()
        self.items: dict[str, dict] = {}
        # Typer rebuilds its click command tree on every invoke (most of the time here): build it once per run
        self._get_command = getattr(typer.testing, "_get_command", None)
        if self._get_command is not None:
            command = self._get_command(app)
            typer.testing._get_command = lambda _app: command

    def teardown(self):
        if getattr(self, "_get_command", None) is not None:
            typer.testing._get_command = self._get_command
        if hasattr(self, "root"):
            shutil.rmtree(self.root.parent, ignore_errors=True)

    def run(self, *args: str, ok: bool = True):
        before = None if ok else snapshot(self.root)
        r = self.runner.invoke(app, ["--ledger", str(self.root), *args], catch_exceptions=False)
        if ok:
            assert r.exit_code == 0, (args, r.stdout, r.stderr)
        else:
            assert r.exit_code == 1, (args, r.stdout, r.stderr)
            assert snapshot(self.root) == before, args
        return r

    def _in(self, *statuses: str) -> list[str]:
        return sorted(i for i, m in self.items.items() if m["status"] in statuses)

    def _when(self, item_id: str, days: int) -> str:
        d = self.items[item_id]["last"] + timedelta(days=days)
        self.items[item_id]["last"] = d
        return d.isoformat()

    # ---------------------------------------------------------------- valid commands

    @rule(unit=st.sampled_from(sorted(UNITS)), title=texts, day=st.integers(0, 300), kind=st.sampled_from(["demand", "project", "rectification"]),
          budget=st.none() | st.decimals(0, 10**8, places=2), goal=st.none() | st.tuples(one_line, st.integers(1, 10**6)))
    def add(self, unit, title, day, kind, budget, goal):
        opened = date(2021, 1, 1) + timedelta(days=day)
        args = ["add", "--unit", unit, "--title", title, "--kind", kind, "--opened", opened.isoformat(), "-q"]
        if budget is not None:
            args += ["--budget", str(budget)]
        if goal is not None:
            args += ["--target", f"{goal[0].replace('=', '')}={goal[1]}个"]
            assume(goal[0].replace("=", "").strip())
        new_id = self.run(*args).stdout.strip()
        assert new_id.startswith(UNITS[unit] + "-2021-") and new_id not in self.items
        self.items[new_id] = {"status": "open", "unit": unit, "last": opened, "title": title.strip()}

    @precondition(lambda self: self._in("open", "in_progress", "resolved"))
    @rule(data=st.data(), note=texts, days=st.integers(0, 20))
    def progress(self, data, note, days):
        item_id = data.draw(st.sampled_from(self._in("open", "in_progress", "resolved")))
        self.run("progress", item_id, "--note", note, "--date", self._when(item_id, days))
        if self.items[item_id]["status"] == "open":
            self.items[item_id]["status"] = "in_progress"

    @precondition(lambda self: self._in("open", "in_progress"))
    @rule(data=st.data(), text=texts, n=st.integers(0, 10**6), days=st.integers(0, 20))
    def close(self, data, text, n, days):
        item_id = data.draw(st.sampled_from(self._in("open", "in_progress")))
        self.run("close", item_id, "--resolution", text, "--beneficiaries", str(n), "--date", self._when(item_id, days), "--satisfaction", "满意")
        self.items[item_id]["status"] = "resolved"

    @precondition(lambda self: self._in("resolved"))
    @rule(data=st.data(), days=st.integers(0, 20), by=st.none() | one_line)
    def verify(self, data, days, by):
        item_id = data.draw(st.sampled_from(self._in("resolved")))
        self.run("verify", item_id, "--date", self._when(item_id, days), *(["--by", by] if by else []))
        self.items[item_id]["status"] = "verified"

    @precondition(lambda self: self._in("resolved", "verified"))
    @rule(data=st.data(), reason=texts, days=st.integers(0, 20))
    def reopen(self, data, reason, days):
        item_id = data.draw(st.sampled_from(self._in("resolved", "verified")))
        self.run("reopen", item_id, "--reason", reason, "--date", self._when(item_id, days))
        self.items[item_id]["status"] = "in_progress"

    @precondition(lambda self: self._in("open", "in_progress"))
    @rule(data=st.data(), reason=texts, days=st.integers(0, 20))
    def cancel(self, data, reason, days):
        item_id = data.draw(st.sampled_from(self._in("open", "in_progress")))
        self.run("cancel", item_id, "--reason", reason, "--date", self._when(item_id, days))
        self.items[item_id]["status"] = "cancelled"

    @precondition(lambda self: self._in("open", "in_progress"))
    @rule(data=st.data(), reason=texts, days=st.integers(0, 20))
    def escalate(self, data, reason, days):
        item_id = data.draw(st.sampled_from(self._in("open", "in_progress")))
        to = data.draw(st.sampled_from(sorted(u for u in UNITS if u != self.items[item_id]["unit"])))
        when = self._when(item_id, days)
        new_id = self.run("escalate", item_id, "--to", to, "--reason", reason, "--date", when, "-q").stdout.strip()
        self.items[item_id]["status"] = "escalated"
        self.items[new_id] = {"status": "open", "unit": to, "last": date.fromisoformat(when), "title": self.items[item_id]["title"]}

    @rule()
    def fmt(self):
        before = _data(self.root)
        self.run("fmt")
        assert _data(self.root) == before
        r = self.run("fmt", "--check")  # idempotent: nothing left to change
        assert r.stdout == ""

    # ---------------------------------------------------------------- refused commands

    @precondition(lambda self: self.items)
    @rule(data=st.data())
    def refused(self, data):
        """A command the item's status does not allow: exit 1, not a byte changed."""
        item_id = data.draw(st.sampled_from(sorted(self.items)))
        status = self.items[item_id]["status"]
        when = self.items[item_id]["last"].isoformat()
        wrong = {
            "close": ("resolved", "verified", "escalated", "cancelled"),
            "verify": ("open", "in_progress", "verified", "escalated", "cancelled"),
            "reopen": ("open", "in_progress", "escalated", "cancelled"),
            "cancel": ("resolved", "verified", "escalated", "cancelled"),
            "progress": ("verified", "escalated", "cancelled"),
        }
        verbs = [v for v, bad in wrong.items() if status in bad]
        assume(verbs)
        verb = data.draw(st.sampled_from(verbs))
        extra = {"close": ["-r", "x", "-b", "1"], "reopen": ["--reason", "x"], "cancel": ["--reason", "x"], "progress": ["--note", "x"], "verify": []}[verb]
        self.run(verb, item_id, *extra, "--date", when, ok=False)
        # and a date before the item was opened is refused too
        if status in ("open", "in_progress"):
            self.run("progress", item_id, "--note", "x", "--date", "2020-12-31", ok=False)

    # ---------------------------------------------------------------- after every step

    @invariant()
    def clean_and_as_modelled(self):
        if not hasattr(self, "root"):
            return
        ledger = load(self.root)
        assert [str(p) for p in check(ledger, strict=True)] == []
        seen = {e.item.id: e for e in ledger.entries}
        assert len(seen) == len(ledger.entries) == len(self.items)
        for item_id, m in self.items.items():
            e = seen[item_id]
            assert e.item.status == m["status"] and e.unit == m["unit"], item_id
            assert e.item.title == m["title"]  # text kept exactly as typed (whitespace at the ends aside)


LedgerMachine.TestCase.settings = settings(
    max_examples=EXAMPLES or 50, stateful_step_count=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
test_write_commands_keep_the_tree_clean = LedgerMachine.TestCase


# ------------------------------------------------------------------ the reader over garbage

TOKENS = [b"- ", b"  ", b"\n", b"\t", b":", b": ", b"#", b"'", b'"', b"|", b">", b"-", b"[", b"]", b"{", b"}", b",", b"&a ", b"*a", b"!", b"!!python/object:os.system ",
          b"? ", b"...", b"---\n", b"%TAG ! x\n", b"\r\n", b"\r", b"\xef\xbb\xbf", b"\x00", b"\x1b", b"\xff", b"\xe6\xa5", b"\xc2\x85", b"\xe2\x80\xa8", b"\\",
          b"\\e", b'"\\x9b"', b"<<<<<<< HEAD\n", b"=======\n", b">>>>>>> b\n", b"id: GS-SJ-2021-002", b"- id: GS-SJ-2021-002\n", b"  title: x\n",
          b"  opened: 2021-02-30\n", b"  status: resolved\n", b"null", b"~", b"9" * 30, b"1e999", b"-1", b".nan", b"2021-09-01", b"20210901", b"[" * 40, b"{a: " * 40]
FILES = ["赶水镇/三居社区/2021.yaml", "赶水镇/三居社区/2021.yaml", "赶水镇/2021.yaml", "赶水镇/unit.yaml", "赶水镇/三居社区/unit.yaml", "shishi.yaml", "surveys/2021Q3.yaml"]


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    """A file of the corpus base tree with a few byte-level mutations, or plain garbage."""
    rel = draw(st.sampled_from(FILES))
    if draw(st.integers(0, 9)) == 0:
        return rel, draw(st.binary(max_size=300))
    data = bytearray((CORPUS_BASE / rel).read_bytes())
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["insert", "delete", "flip", "dup"]))
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 12))]
        elif op == "flip" and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        else:
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i] = lines[i : i + draw(st.integers(1, 8))]
            data = bytearray(b"\n".join(lines))
    return rel, bytes(data)


def _located(problems: list[Problem], texts_by_path: dict[str, int]) -> None:
    for p in problems:
        assert isinstance(p.path, str) and p.path and p.message, p
        assert p.line >= 0 and p.col >= 0 and p.severity in ("error", "warning"), p
        if p.path in texts_by_path and p.line:
            assert p.line <= texts_by_path[p.path] + 1, p


FUZZ = settings(max_examples=EXAMPLES or 200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _fresh(tmp: Path) -> Path:
    root = tmp / "ledgers"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(CORPUS_BASE, root)
    return root


@FUZZ
@given(mutated())
def test_reader_never_raises(case):
    """load + check over a mutated file: only Problems, each with a place in the file."""
    rel, data = case
    with tempfile.TemporaryDirectory() as tmp:
        root = _fresh(Path(tmp))
        (root / rel).write_bytes(data)
        ledger = load(root)
        problems = check(ledger)
        # YAML counts CR, NEL, LS and PS as line breaks too, and so does splitlines (and a few more)
        _located(problems, {rel: len(data.decode("utf-8", "replace").splitlines()) + 1})
        if not problems:  # what reads cleanly is in the ledger
            assert {e.item.id for e in ledger.entries} >= {"GS-2021-001"} or rel == "赶水镇/2021.yaml"


WRITES = [
    lambda r: ops.progress(r, "GS-SJ-2021-002", "进展", when="2021-09-20"),
    lambda r: ops.progress(r, "GS-SJ-2021-003", "一期完成", when="2021-09-20", milestone="一期", done=True),
    lambda r: ops.close(r, "GS-SJ-2021-002", "已办", 3, when="2021-09-20"),
    lambda r: ops.reopen(r, "GS-SJ-2021-001", "返工", when="2021-09-20"),
    lambda r: ops.verify(r, "GS-SJ-2021-001", when="2021-09-20"),
    lambda r: ops.cancel(r, "GS-SJ-2021-002", "重复", when="2021-09-20"),
    lambda r: ops.escalate(r, "GS-SJ-2021-002", "赶水镇", "上报", when="2021-09-20"),
    lambda r: ops.add(r, "三居社区", "新问题", opened="2021-09-20"),
    lambda r: ops.add(r, "赶水镇", "新问题", opened="2021-09-20"),
    lambda r: write_fmt(r),
]


def _file_problems(root: Path) -> dict[str, int]:
    """Problems of each ledger file read on its own (no cross-file checks)."""
    out = {}
    for p in root.rglob("[0-9][0-9][0-9][0-9].yaml"):
        rel = p.relative_to(root).as_posix()
        try:
            out[rel] = len(read_items(rel, "", decode(p.read_bytes()))[1])
        except YamlError:  # not UTF-8, too large: one problem
            out[rel] = 1
    return out


@FUZZ
@given(mutated(), st.integers(0, len(WRITES) - 1))
def test_writes_over_mutated_files(case, which):
    """A write over a mutated file: a ShishiError and nothing written, or a write that leaves every readable file readable."""
    rel, data = case
    with tempfile.TemporaryDirectory() as tmp:
        root = _fresh(Path(tmp))
        (root / rel).write_bytes(data)
        before, problems_before = snapshot(root), _file_problems(root)
        try:
            WRITES[which](root)
        except ShishiError:
            assert snapshot(root) == before
            return
        after = _file_problems(root)
        worse = {f: n for f, n in after.items() if n > problems_before.get(f, 0)}
        assert not worse, (worse, [str(p) for p in check(load(root))][:5])


# ------------------------------------------------------------------ import over damaged spreadsheets


def _sample_sheets(tmp: Path) -> dict[str, bytes]:
    """A small CSV and .xlsx as a clerk would make them, to damage."""
    from openpyxl import Workbook

    csv = "三居社区2021年台账\n序号,事项名称,登记日期,完成时限,责任人,预算（万元）\n1,楼道灯不亮,2021-09-01,2021-09-08,王某,0.12\n2,=HYPERLINK(\"x\"),2021/9/2,,李某,\n"
    wb = Workbook()
    ws = wb.active
    for row in [["事项名称", "登记日期", "责任人"], ["路灯坏了", "2021-09-03", "张某"], ["垃圾", 44440, None]]:
        ws.append(row)
    wb.save(tmp / "s.xlsx")
    return {"s.csv": csv.encode("utf-8"), "g.csv": csv.encode("gb18030"), "s.xlsx": (tmp / "s.xlsx").read_bytes()}


@st.composite
def damaged_sheet(draw, samples: dict[str, bytes]) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(samples)))
    data = bytearray(samples[name])
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if op == "flip" and data:
            data[min(pos, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 40))]
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from([b",", b"\n", b'"', b"\x00", b"\xff", b"\x1b", b"=cmd|' /C calc'!A0", b"9" * 40, b"\r"]))
        else:
            del data[pos:]
    return name, bytes(data)


_SAMPLES = _sample_sheets(Path(tempfile.mkdtemp(prefix="shishi-fuzz-sheets-")))


@settings(FUZZ, max_examples=EXAMPLES or 80)  # openpyxl is slow: fewer in CI
@given(damaged_sheet(_SAMPLES))
def test_import_of_damaged_spreadsheets(case):
    """import over a damaged CSV or .xlsx: a clerk's error with nothing written, or items that check accepts."""
    name, data = case
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        root = _fresh(Path(tmp))
        f = Path(tmp) / name
        f.write_bytes(data)
        before = snapshot(root)
        r = runner.invoke(app, ["--ledger", str(root), "import", str(f), "-u", "三居社区", "--opened", "2021-09-20"], catch_exceptions=False)
        assert r.exit_code in (0, 1), r.stderr
        if r.exit_code == 1:
            assert snapshot(root) == before, r.stderr
        else:
            assert [str(p) for p in check(load(root))] == []


def _shape(node):
    """Data with every position, to compare two readers."""
    from shishi.store.yamlio import Map, Seq

    if isinstance(node, Map):
        return (node.line, node.col, dict(node.pos), {k: _shape(v) for k, v in node.items()})
    if isinstance(node, Seq):
        return (node.line, node.col, list(node.pos), [_shape(v) for v in node])
    return node


@FUZZ
@given(mutated())
def test_fast_reader_agrees_with_libyaml(case):
    """Over mutated files the line-based fast path (fastyaml) reads exactly what libyaml reads, positions and problems too, or steps aside."""
    from shishi.store import fastyaml, yamlio

    _rel, data = case
    try:
        text = yamlio.decode(data)
    except YamlError:
        return
    fast = fastyaml.parse(text)
    if fast is None:
        return
    try:
        slow = yamlio.parse(text)
    except YamlError as e:
        raise AssertionError(f"libyaml refuses it ({e.line}:{e.col}: {e.message}) but the fast path read it") from None
    assert _shape(fast[0]) == _shape(slow[0])
    assert sorted(fast[1]) == sorted(slow[1])
