"""Nothing heavy before the work: `--help`, a subcommand's help, a usage error and a warm `rollup` import only what they need."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE

HEAVY = ("pydantic", "pydantic_core", "ruamel", "_ruamel_yaml", "tabulate", "openpyxl", "sqlite3", "_sqlite3", "rich", "docx", "PIL", "lxml")

PROBE = """
import runpy, sys
sys.argv = ["shishi", *sys.argv[1:]]
try:
    runpy.run_module("shishi", run_name="__main__")
except SystemExit:
    pass
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""


def loaded(args: list[str]) -> tuple[str, set[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for k in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(k, None)
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    mods = set(r.stderr.split())
    assert "shishi.cli.app" in mods  # the probe saw the app
    return r.stdout + r.stderr, mods


def heavy_in(mods: set[str], names=HEAVY) -> list[str]:
    return sorted(m for m in mods if m.split(".")[0] in names)


# a subcommand's --help and a usage error go through Typer's parameter parsing (Typer 0.29 builds Pydantic
# adapters there: hence the pin below it) and its help and error panels (Rich, unless the markup mode is None)
@pytest.mark.parametrize("args", [["--help"], [], ["rollup", "--help"], ["list", "--help"], ["supervise", "list", "--help"], ["rollup", "--format", "nonsense"]])
def test_help_and_usage_errors_import_no_heavy_module(args: list[str]):
    import typer

    stdout, mods = loaded(args)
    assert "用法：" in stdout  # Chinese by default, help pages and usage errors too
    assert tuple(map(int, typer.__version__.split(".")[:2])) < (0, 29), f"Typer {typer.__version__} builds Pydantic adapters while parsing: pyproject pins <0.29 (pip install -e '.[test]')"
    assert heavy_in(mods) == [], f"`shishi {' '.join(args)}` imports {heavy_in(mods)}: import them inside the command function"


def test_help_lines_up_chinese_and_fits_the_width():
    from shishi.cli.help import width

    stdout, _ = loaded(["rollup", "--help"])
    lines = stdout.splitlines()
    assert all(width(line) <= 80 for line in lines), [line for line in lines if width(line) > 80]
    # the help column starts at the same display column for a Chinese metavar as for a Latin one
    period = next(line for line in lines if line.lstrip().startswith("--period"))
    category = next(line for line in lines if line.lstrip().startswith("--category"))
    col = lambda line: width(line) - width(line.split("  ")[-1].lstrip())  # noqa: E731
    assert col(period.rstrip()) == col(category.rstrip())


def test_warm_rollup_reads_the_index_only(tmp_path: Path):
    """Figures by SQL over the index: no Pydantic (no record validated, no model imported), no YAML library,
    no spreadsheet or table library, no Rich in a pipe; with a period, a kind and a unit too.

    (The plain `table` format in a pipe is laid out by Rich's console.)"""
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    loaded(["--ledger", str(root), "rollup", "--format", "json"])  # cold: builds the index
    for args in (["--format", "json"], ["--format", "csv"], ["赶水镇", "--period", "2021Q3", "--kind", "project", "--format", "json"]):
        stdout, mods = loaded(["--ledger", str(root), "rollup", *args])
        assert "赶水镇" in stdout
        assert "sqlite3" in mods and "shishi.store.sums" in mods
        assert heavy_in(mods, ("pydantic", "pydantic_core", "ruamel", "_ruamel_yaml", "tabulate", "openpyxl", "rich")) == [], args
    # a changed file is read again (with the models) and counted
    (root / "赶水镇" / "2021.yaml").write_text((root / "赶水镇" / "2021.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stdout, mods = loaded(["--ledger", str(root), "rollup", "--format", "json"])
    assert "赶水镇" in stdout and "pydantic" in mods
