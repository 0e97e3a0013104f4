"""Every input that once crashed shishi (traceback, hang, wrong exit code), one test each.

Each test names the input in its docstring; the fix is the commit that added it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SJ = "赶水镇/三居社区/2021.yaml"


def _env() -> dict:
    src = str(Path(__file__).resolve().parent.parent / "src")
    return dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _shishi(root: Path, *args: str, limit_mb: int = 1024, timeout: float = 30) -> subprocess.CompletedProcess:
    """The real CLI in a process with bounded memory and time."""

    def limits():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    return subprocess.run(
        [sys.executable, "-m", "shishi", "--ledger", str(root), *args],
        capture_output=True, text=True, timeout=timeout, env=_env(), preexec_fn=limits,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_named_like_a_ledger_file(tree: Path):
    """A FIFO named 赶水镇/2021.yaml: `check` waited forever for a writer."""
    os.mkfifo(tree / "赶水镇/2021.yaml")
    r = _shishi(tree, "check", timeout=20)
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith("赶水镇/2021.yaml:0:0: 不是普通文件"), r.stdout
    assert "Traceback" not in r.stderr


def test_ledger_file_larger_than_memory(tree: Path):
    """A 3 GiB (sparse) ledger file: `check` read all of it and died of MemoryError under a 1 GiB limit."""
    with open(tree / SJ, "wb") as f:
        f.truncate(3 << 30)
    r = _shishi(tree, "check")
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith(f"{SJ}:1:1: file is larger than 64 MiB"), r.stdout
    assert "Traceback" not in r.stderr
    r = _shishi(tree, "add", "--unit", "三居社区", "--title", "x", "--opened", "2021-09-01")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert (tree / SJ).stat().st_size == 3 << 30
