"""`fmt` item by item: the same canonical text as reading the whole file at once, in bounded memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from shishi.errors import ShishiError
from shishi.store.yamlio import YamlError, decode
from shishi.write.fmt import SAME, canonical_or_same, canonical_text

FILES = sorted(p for d in (ROOT / "tests/corpus", ROOT / "ledgers") for p in d.rglob("20*.yaml"))
ITEM = "- id: GS-SJ-2021-00{n}\n  kind: demand\n  title: 灯{n}\n  opened: 2021-09-01\n  due: 2021-09-08\n  status: open\n"
TEXTS = [
    "",
    "\n\n",
    "# 只有注释\n",
    ITEM.format(n=1),
    "# 头\n\n\n" + ITEM.format(n=1) + "\n\n\n# 中间\n" + ITEM.format(n=2) + "\n\n",
    (ITEM.format(n=1) + "\n" + ITEM.format(n=2)).replace("\n", "\r\n"),
    ITEM.format(n=1).rstrip("\n"),
    ITEM.format(n=1).replace("  title: 灯1\n", "  title: 灯1  # 注释\n"),
    ITEM.format(n=1).replace("  kind: demand\n", "").replace("  status: open\n", "  status: open\n  kind: demand\n"),
    "- {id: GS-SJ-2021-001, kind: demand, title: 灯, opened: 2021-09-01, due: 2021-09-08, status: open}\n",
    "-   id: GS-SJ-2021-001\n    kind: demand\n    title: 灯\n    opened: 2021-09-01\n    due: 2021-09-08\n    status: open\n",
    "  - id: GS-SJ-2021-001\n    kind: demand\n    title: 灯\n    opened: 2021-09-01\n    due: 2021-09-08\n    status: open\n",
    ITEM.format(n=1) + "\n   \n\t\n" + ITEM.format(n=2),
    ITEM.format(n=1) + "---\n" + ITEM.format(n=2),
]


def _old(rp: str, text: str):
    try:
        new = canonical_text(rp, "赶水镇/三居社区", text)
    except ShishiError as e:
        return ("error", e.message.split("：")[0])
    return SAME if new == text else new


def _new(rp: str, text: str):
    try:
        got = canonical_or_same(rp, "赶水镇/三居社区", text)
    except ShishiError as e:
        return ("error", e.message.split("：")[0])
    return got


def _readable(paths) -> list[str]:
    out = []
    for p in paths:
        try:
            out.append(decode(p.read_bytes()))
        except (YamlError, OSError):
            pass
    return out


@pytest.mark.parametrize("text", TEXTS + _readable(p for p in FILES if p.stat().st_size < 1 << 20), ids=lambda t: str(len(t)))
def test_item_by_item_is_the_whole_file_at_once(text):
    old, new = _old("x/2021.yaml", text), _new("x/2021.yaml", text)
    if isinstance(old, tuple):
        assert isinstance(new, tuple), (old, new)
    else:
        assert new == old
        assert canonical_or_same("x/2021.yaml", "u", text, keep=False) is SAME if old is SAME else True


@pytest.mark.skipif(not os.environ.get("SHISHI_BIG"), reason="minutes of work: SHISHI_BIG=1 runs it")
def test_fmt_check_of_a_100000_item_file_in_bounded_memory(tmp_path: Path):
    """fmt --check on a 100,000-item file took 1.9 GB and, under a 1.2 GB limit, died with a MemoryError traceback."""
    root = tmp_path / "big"
    subprocess.run([sys.executable, str(ROOT / "bench/generate.py"), "100", str(root), "--extra", "100000"], check=True, capture_output=True)
    big = next(root.rglob("压测100000*/2021.yaml"))
    text = big.read_text(encoding="utf-8")
    big.write_text(text.replace("\n\n- id:", "\n\n\n- id:", 1), encoding="utf-8")  # one file not canonical
    script = (
        "import resource, sys, runpy; resource.setrlimit(resource.RLIMIT_AS, (1_200_000 * 1024,) * 2);"
        f"sys.argv = ['shishi', '--ledger', {str(root)!r}, 'fmt', '--check']; runpy.run_module('shishi', run_name='__main__')"
    )
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-c", script], capture_output=True, text=True, timeout=1800,
        env={"PYTHONPATH": str(ROOT / "src"), "SHISHI_NO_INDEX": "1", "PATH": "/usr/bin:/bin"},
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 1 and big.relative_to(root).as_posix() in proc.stdout, (proc.stdout, proc.stderr[-500:])
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    assert peak_kb < 300 * 1024, peak_kb
