"""`shishi --help` stays fast: it must not import the heavy modules the commands use."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

HEAVY = ("pydantic", "pydantic_core", "ruamel", "_ruamel_yaml", "tabulate", "openpyxl", "sqlite3", "_sqlite3")

PROBE = """
import runpy, sys
sys.argv = ["shishi", *sys.argv[1:]]
try:
    runpy.run_module("shishi", run_name="__main__")
except SystemExit:
    pass
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""


# (a subcommand's --help goes through Typer's parameter coercion, which itself imports pydantic)
@pytest.mark.parametrize("args", [["--help"], []])
def test_help_imports_no_heavy_module(args: list[str]):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120)
    assert "用法：" in r.stdout  # Chinese by default, help pages too
    loaded = set(r.stderr.split())
    assert "shishi.cli.app" in loaded  # the probe saw the app
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == [], f"`shishi {' '.join(args)}` imports {heavy}: import them inside the command function"
