"""A summary stays a summary: the report of an 8,000-item district prints in about ten A4 pages; the xlsx has everything."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from conftest import ROOT
from shishi.figures import report as rep
from shishi.figures.report import build_report
from shishi.store.load import load
from shishi.values import parse_period

AS_OF = date(2021, 12, 31)


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("big") / "ledgers"
    subprocess.run([sys.executable, str(ROOT / "bench/generate.py"), "8000", str(root)], check=True, capture_output=True)
    return root


def test_printed_lists_are_capped_and_the_full_report_has_everything(big: Path):
    ledger = load(big)
    doc = build_report(ledger, "", parse_period("2021"), AS_OF)
    full = build_report(ledger, "", parse_period("2021"), AS_OF, full=True)
    t = {s.key: s.table for s in doc.sections if s.table is not None}
    f = {s.key: s.table for s in full.sections if s.table is not None}
    # the most urgent 20 items, then a count; the complete lists in --full
    for key in ("projects", "supervision"):
        assert len(t[key].rows) <= rep.LISTED and "另有" in t[key].note and "详见附表" in t[key].note, key
        assert len(f[key].rows) > rep.LISTED, key
    assert t["projects"].total[0] == len(f["projects"].rows)  # the 合计 row counts them all
    assert not any(r[7] == "已销号" for r in t["supervision"].rows) and "已销号的督办事项" in t["supervision"].note
    # the 三率 rank the units one level down
    children = len(ledger.units[""].children)
    assert len(t["scores"].rows) <= children
    assert all("/" not in ledger.resolve_unit(r[1]) for r in t["scores"].rows if r[1] in ledger.units)
    rows = sum(len(x.rows) for x in t.values())
    assert rows <= 220, rows  # about ten pages of tables
    # printed notes speak the reader's language: no file or field names
    text = "\n".join([doc.headline, *doc.notes, *[x.note or "" for x in t.values()], *[p for s in doc.sections for p in s.paragraphs]])
    for word in ("shishi.yaml", ".yaml", "shishi due", "escalated", "caseload"):
        assert word not in text, word


def test_the_xlsx_carries_the_complete_lists(big: Path, cli, tmp_path: Path):
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    r = cli("report", "--period", "2021", "--as-of", "2021-12-31", "-o", out, ledger=big)
    assert r.exit_code == 0, r.stderr
    full = build_report(load(big), "", parse_period("2021"), AS_OF, full=True)
    projects = next(s.table for s in full.sections if s.key == "projects")
    ws = load_workbook(out)["民生实事项目进展表"]
    assert ws.max_row >= len(projects.rows) + 2  # header, every project, 合计


@pytest.mark.skipif(not shutil.which("chromium") or not shutil.which("pdfinfo"), reason="needs chromium and pdfinfo (poppler-utils)")
def test_the_printed_html_fits_in_twelve_a4_pages(big: Path, cli, tmp_path: Path):
    html = tmp_path / "r.html"
    assert cli("report", "--period", "2021", "--as-of", "2021-12-31", "-o", html, ledger=big).exit_code == 0
    pdf = tmp_path / "r.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-pdf-header-footer", f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", html.as_uri()],
                   check=True, capture_output=True, timeout=180)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages <= 12, pages
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout if shutil.which("pdftotext") else ""
    if text:
        assert re.search(rf"—\s*{pages}\s*/\s*{pages}\s*—", text)  # page numbers from the CSS @page margin box


def test_html_has_page_numbers_and_a_signature(cli, tmp_path: Path):
    from conftest import SAMPLE

    out = tmp_path / "r.html"
    assert cli("report", "--period", "2021", "--as-of", "2021-11-30", "--issuer", "綦江区民生办", "-o", out, ledger=SAMPLE).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "@bottom-center" in page and "counter(page)" in page
    assert '<div class="signature"><p style="margin:0">綦江区民生办</p><p style="margin:0">2021年11月30日</p></div>' in page
    assert page.index('class="signature"') > page.index("<footer>")  # after the notes, at the end
