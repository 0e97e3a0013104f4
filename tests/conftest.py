"""Shared fixtures: small real ledger trees in temporary directories, and the CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shishi.i18n import set_lang
from shishi.write import units

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "ledgers"


@pytest.fixture(autouse=True)
def _chinese_and_isolated(monkeypatch):
    set_lang("zh")
    monkeypatch.delenv("SHISHI_LEDGER", raising=False)
    yield
    set_lang("zh")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """綦江区 > 赶水镇 > 三居社区, 云品村; 文龙街道."""
    return make_tree(tmp_path / "ledgers")


def make_tree(root: Path) -> Path:
    """A small ledger tree at `root`: 綦江区 > 赶水镇 > 三居社区, 云品村; 文龙街道."""
    units.init(root, "綦江区", "500110000000", "QJ")
    units.add_unit(root, "赶水镇", "town", "500110105000", "GS")
    units.add_unit(root, "赶水镇/三居社区", "community", "500110105003", "SJ")
    units.add_unit(root, "赶水镇/云品村", "village", "500110105201", "YP")
    units.add_unit(root, "文龙街道", "street", "500110002000", "WL")
    return root


@pytest.fixture
def cli():
    """Run the CLI in-process: cli("add", "--unit", ...) -> Result (stdout and stderr apart)."""
    from shishi.cli.app import app

    runner = CliRunner()

    def invoke(*args: str, ledger: Path | None = None):
        argv = (["--ledger", str(ledger)] if ledger else []) + [str(a) for a in args]
        return runner.invoke(app, argv, catch_exceptions=False)

    return invoke


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below root (the index excepted) with its bytes."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".shishi"]
        for f in filenames:
            p = Path(dirpath) / f
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out
