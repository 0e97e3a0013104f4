"""The Word report in GB/T 9704 layout, read back with python-docx; photos in HTML/docx/xlsx; `-o X.pdf`."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from conftest import SAMPLE
from shishi.figures.report import build_report
from shishi.render.report import cell
from shishi.store.load import load
from shishi.values import parse_date, parse_period
from shishi.write import attach as photos
from shishi.write import items
from test_attach import camera_jpeg

ARGS = ("--period", "2021", "--as-of", "2021-11-30")


@pytest.fixture(scope="module")
def sample_docx(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from shishi.cli.app import app

    out = tmp_path_factory.mktemp("docx") / "r.docx"
    r = CliRunner().invoke(app, ["--ledger", str(SAMPLE), "report", *ARGS, "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    return out


def east_asia(style) -> str | None:
    fonts = style.element.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


def near(length, mm: float) -> bool:
    return abs(length - Mm(mm)) <= Mm(0.1)


def test_page_is_a4_with_the_gbt_9704_margins(sample_docx: Path):
    doc = Document(sample_docx)
    sec = doc.sections[0]
    assert near(sec.page_width, 210) and near(sec.page_height, 297)
    assert near(sec.top_margin, 37) and near(sec.left_margin, 28)
    assert near(sec.page_width - sec.left_margin - sec.right_margin, 156)  # type area 156 × 225 mm
    assert near(sec.page_height - sec.top_margin - sec.bottom_margin, 225)
    grid = sec._sectPr.find(qn("w:docGrid"))
    pitch = int(grid.get(qn("w:linePitch")))
    assert 22 * pitch <= Mm(225).twips < 23 * pitch  # 22 lines a page
    normal = doc.styles["Normal"]
    assert normal.paragraph_format.line_spacing.twips == pitch
    # 28 characters of 3号, condensed by w:spacing, fill the 156 mm line and 29 would not
    condense = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val")))
    char = 16 * 20 + condense
    assert 28 * char <= Mm(156).twips < 29 * char


def test_title_body_and_headings_in_the_standard_fonts_and_sizes(sample_docx: Path):
    doc = Document(sample_docx)
    title = doc.paragraphs[0]
    assert title.text == "綦江区“我为群众办实事”台账汇总报告"
    assert title.style.font.size == Pt(22) and east_asia(title.style) == "方正小标宋简体"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER or title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16) and east_asia(normal) == "仿宋_GB2312"
    assert doc.styles["Heading 1"].font.size == Pt(16) and east_asia(doc.styles["Heading 1"]) == "黑体"
    assert doc.styles["Heading 2"].font.size == Pt(16) and east_asia(doc.styles["Heading 2"]) == "楷体_GB2312"
    assert not doc.styles["Heading 1"].font.bold
    headline = next(p for p in doc.paragraphs if p.text.startswith("截至2021年11月30日，全区共登记"))
    assert headline.style.name == "Normal" and headline.runs and all(r.font.size is None for r in headline.runs)  # the style's 3号
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "一、民生实事项目进展"
    # the fonts are declared with the names Word substitutes where they are missing
    fonts = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml").blob.decode("utf-8")
    assert re.search(r'w:name="仿宋_GB2312">\s*<w:altName w:val="仿宋"/>', fonts)
    assert re.search(r'w:name="方正小标宋简体">\s*<w:altName w:val="宋体"/>', fonts)


def test_page_numbers_are_page_fields_odd_right_even_left(sample_docx: Path):
    doc = Document(sample_docx)
    sec = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align, side in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT, "w:rightChars"), (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "w:leftChars")):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert 'w:fldCharType="begin"' in xml and "<w:instrText" in xml and " PAGE " in xml and 'w:fldCharType="end"' in xml
        assert p.text == "— 1 —"  # the number shown until Word updates the field
        assert p.paragraph_format.alignment == align
        assert p._p.pPr.find(qn("w:ind")).get(qn(side)) == "100"  # one character in
        assert p.style.font.size == Pt(14) and east_asia(p.style) == "宋体"  # 4号 宋体


def test_tables_are_word_tables_with_the_figures_of_the_report(sample_docx: Path):
    doc = Document(sample_docx)
    report = build_report(load(SAMPLE), "", parse_period("2021"), parse_date("2021-11-30"))
    tables = [t for t in report.tables() if t.rows]
    assert len(doc.tables) == len(tables)
    for t, dt in zip(tables, doc.tables, strict=True):
        want = [[c.title for c in t.columns]] + [[cell(v, c.type) for v, c in zip(r, t.columns, strict=True)] for r in t.rows + ([t.total] if t.total else [])]
        got = [[c.text for c in row.cells] for row in dt.rows]
        assert got == want, t.title
        assert dt.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
        for j, c in enumerate(t.columns):
            if c.type in ("int", "money", "rate", "qty", "score"):
                assert all(row.cells[j].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT for row in dt.rows[1:])
        assert sum(col.width for col in dt.columns) == pytest.approx(Mm(156), abs=Mm(0.5)) or sum(col.width for col in dt.columns) == pytest.approx(Mm(225), abs=Mm(0.5))
    # each table is a 附件 listed under 附件：
    listed = [p.text for p in doc.paragraphs if re.match(r"^(附件：)?\d+．", p.text)]
    assert listed[0] == f"附件：1．{tables[0].title}" and len(listed) == len(tables)
    marks = [p for p in doc.paragraphs if re.fullmatch(r"附件\d+", p.text)]
    assert [p.text for p in marks] == [f"附件{i}" for i in range(1, len(tables) + 1)]
    # each on a new page: a page break, or the first paragraph of a new (landscape or upright) section
    for p in marks:
        before = p._p.getprevious()
        assert p.paragraph_format.page_break_before or (before is not None and before.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None)


def test_wide_tables_go_on_landscape_pages_with_the_same_type_area(sample_docx: Path):
    from docx.enum.section import WD_ORIENT

    doc = Document(sample_docx)
    turned = [s for s in doc.sections if s.orientation == WD_ORIENT.LANDSCAPE]
    assert turned, "the sample's supervision table is too wide for an upright page at 五号"
    for s in turned:
        assert near(s.page_width, 297) and near(s.page_height, 210)
        assert near(s.top_margin, 28)  # the binding edge at the table's head
        assert near(s.page_width - s.left_margin - s.right_margin, 225) and near(s.page_height - s.top_margin - s.bottom_margin, 156)
        assert s.footer.is_linked_to_previous and s.even_page_footer.is_linked_to_previous  # the same page numbers
    upright = [s for s in doc.sections if s.orientation != WD_ORIENT.LANDSCAPE]
    assert all(near(s.page_width, 210) and near(s.top_margin, 37) for s in upright)
    assert all(a.orientation != b.orientation for a, b in zip(doc.sections, doc.sections[1:], strict=False))  # no empty section between


def test_signature_and_date_at_the_end_of_the_body(sample_docx: Path, tmp_path: Path, cli):
    doc = Document(sample_docx)
    texts = [p.text for p in doc.paragraphs]
    first_annex = texts.index("附件1")
    body = [p for p in doc.paragraphs[:first_annex] if p.text]
    issuer, when = body[-2], body[-1]
    assert issuer.text == "綦江区" and when.text == "2021年11月30日"
    for p in (issuer, when):
        assert p.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert when._p.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "400"  # four characters in
    # the office (3 characters) centred over the date (7: digits are half width): 4 + 2 in
    assert issuer._p.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "600"
    out = tmp_path / "b.docx"
    assert cli("report", *ARGS, "-o", out, "--issuer", "綦江区民生实事工作领导小组办公室", ledger=SAMPLE).exit_code == 0
    paras = [p for p in Document(out).paragraphs if p.text]
    i = [p.text for p in paras].index("綦江区民生实事工作领导小组办公室")
    assert paras[i + 1].text == "2021年11月30日"
    # longer than the date: the office two characters in, the date centred under it (2 + (16 − 7) / 2)
    assert paras[i]._p.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "200"
    assert paras[i + 1]._p.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "650"


def test_issuer_from_shishi_yaml(tree: Path, cli, tmp_path: Path):
    cfg = tree / "shishi.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "issuer: 綦江区民生办\n", encoding="utf-8")
    assert cli("check", ledger=tree).exit_code == 0
    out = tmp_path / "c.docx"
    assert cli("report", "--period", "2021", "-o", out, ledger=tree).exit_code == 0
    assert "綦江区民生办" in [p.text for p in Document(out).paragraphs]


# ------------------------------------------------------------------ photos in the reports


@pytest.fixture
def photo_tree(tree: Path, tmp_path: Path) -> tuple[Path, str, list]:
    pid = items.add(tree, "赶水镇/三居社区", "通惠场老街道路改造", kind="project", opened="2021-03-01", due="2021-10-31").id
    items.progress(tree, pid, "开工", when="2021-04-01")
    before = camera_jpeg(tmp_path / "before.jpg", size=(1200, 900), taken="2021:03:02 09:00:00", colour=(90, 90, 90))
    after = camera_jpeg(tmp_path / "after.jpg", size=(900, 1200), taken="2021:10:20 15:00:00", colour=(30, 160, 220))
    photos.attach(tree, pid, [before], caption="改造前的通惠场老街道路", stage="改造前")
    photos.attach(tree, pid, [after], caption="改造后的通惠场老街道路", stage="改造后")
    item = items.progress(tree, pid, "完工", when="2021-10-25")
    stored = [(tree / "赶水镇/三居社区" / a.file).read_bytes() for a in item.attachments]
    return tree, pid, stored


def test_html_report_embeds_the_before_and_after_pictures(photo_tree, cli, tmp_path: Path):
    tree, pid, stored = photo_tree
    out = tmp_path / "r.html"
    assert cli("report", *ARGS, "-o", out, ledger=tree).exit_code == 0
    html = out.read_text(encoding="utf-8")
    embedded = [base64.b64decode(m) for m in re.findall(r'src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', html)]
    assert embedded == stored  # both, as stored, in order before → after
    assert "▲改造前：改造前的通惠场老街道路（2021年3月2日）" in html and "▲改造后：改造后的通惠场老街道路（2021年10月20日）" in html
    assert html.index('id="projects"') < html.index('id="photos"') < html.index('id="units"')
    assert "src=\"http" not in html and "src=\"file" not in html  # self-contained
    assert cli("report", *ARGS, "-o", out, "--no-photos", ledger=tree).exit_code == 0
    assert "data:image" not in out.read_text(encoding="utf-8") and 'id="photos"' not in out.read_text(encoding="utf-8")


def test_docx_report_shows_the_before_and_after_pictures(photo_tree, cli, tmp_path: Path):
    tree, pid, stored = photo_tree
    out = tmp_path / "r.docx"
    assert cli("report", *ARGS, "-o", out, ledger=tree).exit_code == 0
    doc = Document(out)
    assert len(doc.inline_shapes) == 2
    blobs = [doc.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob for s in doc.inline_shapes]
    assert blobs == stored
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "▲改造前：改造前的通惠场老街道路（2021年3月2日）" in texts and "▲改造后：改造后的通惠场老街道路（2021年10月20日）" in texts
    assert f"（一）通惠场老街道路改造（{pid}，赶水镇三居社区）" in texts
    assert all(s.width <= Mm(75.1) and s.height <= Mm(90.1) for s in doc.inline_shapes)
    listed = [p.text for p in doc.paragraphs if re.match(r"^(附件：)?\d+．", p.text)]
    assert listed[:2] == ["附件：1．民生实事项目进展表", "2．项目照片"]
    out2 = tmp_path / "n.docx"
    assert cli("report", *ARGS, "-o", out2, "--no-photos", ledger=tree).exit_code == 0
    assert len(Document(out2).inline_shapes) == 0


def test_xlsx_lists_the_attachments_by_name(photo_tree, cli, tmp_path: Path):
    from openpyxl import load_workbook

    tree, pid, _stored = photo_tree
    out = tmp_path / "r.xlsx"
    assert cli("report", *ARGS, "-o", out, ledger=tree).exit_code == 0
    ws = load_workbook(out)["项目照片清单"]
    rows = list(ws.iter_rows(values_only=True))
    rows = rows[: rows.index((None,) * 6)]  # the table, without the note below it
    assert rows[0] == ("项目编号", "项目名称", "阶段", "照片说明", "拍摄日期", "文件")
    assert [r[2] for r in rows[1:]] == ["改造前", "改造后"] and all(r[5].startswith(f"附件/{pid}/") and r[5].endswith(".jpg") for r in rows[1:])


def test_a_missing_picture_is_said_in_place(photo_tree, cli, tmp_path: Path):
    tree, pid, _stored = photo_tree
    for f in (tree / "赶水镇/三居社区/附件" / pid).iterdir():
        f.unlink()
    out = tmp_path / "r.html"
    assert cli("report", *ARGS, "-o", out, ledger=tree).exit_code == 0
    assert out.read_text(encoding="utf-8").count("照片文件缺失或无法读取") == 2
    assert cli("report", *ARGS, "-o", tmp_path / "r.docx", ledger=tree).exit_code == 0


# ------------------------------------------------------------------ PDF


def test_pdf_without_a_browser_says_how_to_get_one(cli, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium here
    r = cli("report", *ARGS, "-o", tmp_path / "r.pdf", ledger=SAMPLE)
    assert r.exit_code == 1 and not (tmp_path / "r.pdf").exists()
    assert "--format" not in r.stderr and ".html" in r.stderr and ".docx" in r.stderr and "chromium" in r.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for the browser")
def test_pdf_is_printed_by_a_headless_browser_on_path(cli, tmp_path: Path, monkeypatch):
    """No Chromium on the test machines: a script named chromium takes its place and prints what it was asked to."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "args.txt"
    script = bin_dir / "chromium"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{log}"\n'
        'for a in "$@"; do case "$a" in --print-to-pdf=*) out="${a#--print-to-pdf=}";; file://*) src="${a#file://}";; esac; done\n'
        'test -f "$src" && printf "%%PDF-1.4\\n%%%%EOF\\n" > "$out"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    r = cli("report", *ARGS, "-o", tmp_path / "r.pdf", ledger=SAMPLE)
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    args = log.read_text(encoding="utf-8").split("\n")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        assert flag in args
    assert any(a.startswith("--print-to-pdf=") for a in args) and any(a.startswith("file://") and a.endswith(".html") for a in args)


@pytest.mark.skipif(not any(map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"))), reason="no headless browser on PATH")
def test_pdf_from_a_real_headless_browser(cli, tmp_path: Path):
    out = tmp_path / "r.pdf"
    r = cli("report", *ARGS, "-o", out, ledger=SAMPLE)
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "綦江区“我为群众办实事”台账汇总报告" in text.replace(" ", "")


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None, reason="LibreOffice (soffice) and pdftotext are not installed")
def test_libreoffice_prints_the_docx_with_page_numbers(sample_docx: Path, tmp_path: Path):
    r = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(sample_docx)],
        capture_output=True,
        timeout=300,
    )
    pdf = tmp_path / "r.pdf"
    assert r.returncode == 0 and pdf.is_file(), r.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 3
    for n, page in enumerate(pages, 1):
        assert re.search(rf"—\s*{n}\s*—", page), f"page {n} has no page number"
    assert "綦江区“我为群众办实事”台账汇总报告" in pages[0].replace(" ", "")
    assert "2021年11月30日" in text.replace(" ", "")


# ECMA-376 child order of the property elements the renderer writes into: Word refuses a file with them out of order
ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap "
    "overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
    "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid vanish webHidden color spacing w kern "
    "position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook",
    "trPr": "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader tblCellSpacing jc hidden",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType pgNumType cols formProt vAlign noEndnote "
    "titlePg textDirection bidi rtlGutter docGrid printerSettings sectPrChange",
    "font": "altName panose1 charset family notTrueType pitch sig embedRegular embedBold embedItalic embedBoldItalic",
}


def test_the_xml_is_in_schema_order(photo_tree, cli, tmp_path: Path):
    import zipfile

    from lxml import etree

    tree, _pid, _stored = photo_tree
    out = tmp_path / "o.docx"
    assert cli("report", *ARGS, "-o", out, ledger=tree).exit_code == 0
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    rank = {k: {name: i for i, name in enumerate(v.split())} for k, v in ORDER.items()}
    rank["sectPr"]["footerReference"] = rank["sectPr"]["headerReference"]  # the references come in any order
    with zipfile.ZipFile(out) as z:
        for name in ("word/document.xml", "word/styles.xml", "word/fontTable.xml", *[n for n in z.namelist() if n.startswith("word/footer")]):
            root = etree.fromstring(z.read(name))
            for local, order in rank.items():
                for el in root.iter(f"{w}{local}"):
                    kids = [etree.QName(c).localname for c in el if etree.QName(c).namespace == w[1:-1]]
                    ranks = [order.get(k, -1) for k in kids]
                    assert -1 not in ranks and ranks == sorted(ranks), f"{name}: {local} has {kids}"


def test_english_docx(cli, tmp_path: Path):
    out = tmp_path / "en.docx"
    assert cli("--lang", "en", "report", *ARGS, "-o", out, ledger=SAMPLE).exit_code == 0
    texts = [p.text for p in Document(out).paragraphs if p.text]
    assert texts[0] == "綦江区: livelihood work ledger summary report"
    assert any(t.startswith("Attachments: 1. ") for t in texts) and "2021-11-30" in texts and "Attachment 1" in texts
    assert not any("附件" in t for t in texts)
