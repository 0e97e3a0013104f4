"""The report as a Word file in the layout of GB/T 9704-2012 党政机关公文格式 (python-docx).

A4; margins top 37 mm, left (binding) 28 mm, so the type area is 156 × 225 mm;
22 lines of 28 characters on a document grid; title 2号 方正小标宋简体, body
3号 仿宋_GB2312, 一级标题 3号 黑体, 二级标题 3号 楷体_GB2312; page numbers
as PAGE fields, 4号 半角宋体 `— 1 —`, odd pages right and even pages left,
one character in. The body is the report's paragraphs; each table (and the
project photos) goes with it as a numbered 附件 after the 落款, as an upward
report is filed. Everything stays text a clerk can edit: tables are Word tables.
"""

from __future__ import annotations

import io
from datetime import datetime

from shishi.figures.report import Photo, PhotoSet, Report, Section, Table, cn_date
from shishi.i18n import get_lang, tr
from shishi.render.photos import missing_photo, photo_bytes, photo_caption
from shishi.render.table import NUMERIC, WRAPPED, cell, column_widths, width

# GB/T 9704-2012, 5.2.1–5.2.4, 7.2–7.3
PAGE_W, PAGE_H = 210.0, 297.0  # mm
TOP, LEFT = 37.0, 28.0
AREA_W, AREA_H = 156.0, 225.0
LINES, CHARS = 22, 28
BODY_PT, TITLE_PT, PAGE_NO_PT = 16, 22, 14  # 3号, 2号, 4号
LINE_PITCH_TWIPS = int(AREA_H / 25.4 * 72 * 20 / LINES)  # 579: 22 lines fill the type area
# 28 characters of 3号 (16 pt) are 448 pt, the type area 442 pt wide: each character condensed by 0.25 pt
# (w:spacing, in twentieths of a point). A line grid, not a character grid: LibreOffice puts a character
# wider than a grid cell into two cells, and the page would hold 14 characters a line.
CONDENSE = -5
MIN_TEXT = 12  # display columns (6 characters) a wrapped text column keeps at least, or the table turns or shrinks
TABLE_PT = (12, 10.5, 9)  # 小四, else 五号, else 小五: the largest the table's columns fit in at

# font names as the standard names them; each with the name Word substitutes where it is not installed
TITLE_FONT, BODY_FONT, HEI, KAI, SONG = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
FALLBACK = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", KAI: "楷体", HEI: "SimHei", SONG: "SimSun"}
LATIN = "Times New Roman"  # digits and Latin letters of the body

# the elements that follow w:spacing in a w:rPr, and w:snapToGrid in a w:pPr (ECMA-376 order: Word refuses others)
RPR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
                     "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
PPR_AFTER_SNAP = ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                  "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def mm_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def render_docx(report: Report) -> bytes:
    """The report as .docx bytes, signed by its issuer (shishi.yaml or --issuer), else by its unit's name."""
    from docx import Document

    doc = Document()
    _page_setup(doc)
    _styles(doc)
    _font_fallbacks(doc)
    _footers(doc)
    props = doc.core_properties
    stamp = datetime(report.as_of.year, report.as_of.month, report.as_of.day)
    props.title, props.author, props.last_modified_by = report.title, report.issuer or report.unit_name, "shishi"
    props.created = props.modified = stamp
    props.revision = 1
    props.comments = props.keywords = props.subject = ""

    body = doc.paragraphs[0] if doc.paragraphs else None
    if body is not None:  # the template's empty first paragraph
        body._element.getparent().remove(body._element)
    doc.add_paragraph(report.title, style="公文标题")
    doc.add_paragraph(tr(f"（{report.subtitle}）", f"({report.subtitle})"), style="公文副题")
    doc.add_paragraph("", style="Normal")
    annexes: list[tuple[str, Section]] = []
    for s in report.sections:
        if s.key != "headline":
            doc.add_paragraph(s.title, style="Heading 1")
        for p in s.paragraphs:
            doc.add_paragraph(p, style="Normal")
        if (s.table is not None and s.table.rows) or s.photos:
            annexes.append((_annex_title(s), s))
            n = len(annexes)
            doc.add_paragraph(tr(f"详见附件{n}。", f"See attachment {n}."), style="Normal")
        elif s.empty:
            doc.add_paragraph(s.empty, style="Normal")
    for note in report.notes:
        doc.add_paragraph(note, style="Normal")
    if annexes:
        doc.add_paragraph("", style="Normal")
        _annex_list(doc, [t for t, _s in annexes])
    _signature(doc, report.issuer or report.unit_name, cn_date(report.as_of) if get_lang() == "zh" else report.as_of.isoformat())
    landscape = False
    for n, (title, s) in enumerate(annexes, 1):
        landscape = _annex(doc, n, title, s, landscape)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------ page, styles, fonts


def _page_setup(doc) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Mm

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(PAGE_W), Mm(PAGE_H)
    sec.top_margin, sec.left_margin = Mm(TOP), Mm(LEFT)
    sec.right_margin = Mm(PAGE_W - LEFT - AREA_W)  # 26 mm
    sec.bottom_margin = Mm(PAGE_H - TOP - AREA_H)  # 35 mm
    sec.header_distance = Mm(15)
    # the dash line's top 7 mm below the type area (7.3): 35 − 7 = 28 mm from the page's edge, less the 4号 line
    sec.footer_distance = Mm(PAGE_H - TOP - AREA_H - 7 - PAGE_NO_PT * 25.4 / 72)
    sec.gutter = Mm(0)
    grid = sec._sectPr.find(qn("w:docGrid"))
    if grid is None:
        from docx.oxml import OxmlElement

        grid = OxmlElement("w:docGrid")
        sec._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.attrib.pop(qn("w:charSpace"), None)
    doc.settings.odd_and_even_pages_header_footer = True


def set_fonts(target, east_asia: str, latin: str | None = None) -> None:
    """Font names of a style or run: the East Asian one (w:eastAsia) and the Latin one, and the hint that the text is East Asian."""
    from docx.oxml.ns import qn

    rpr = target.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    latin = latin or east_asia
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin), ("w:eastAsia", east_asia)):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:hint"), "eastAsia")


def _style(doc, name: str, base: str | None = None, para: bool = True):
    from docx.enum.style import WD_STYLE_TYPE

    try:
        return doc.styles[name]
    except KeyError:
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH if para else WD_STYLE_TYPE.TABLE)
        if base:
            st.base_style = doc.styles[base]
        return st


def _chars(pf, first: float = 0, left: float = 0, right: float = 0, hanging: float = 0, size: float = BODY_PT) -> None:
    """Indents in characters of `size` pt, as the standard counts them: w:firstLineChars … for Word and WPS,
    and the same in twips for LibreOffice, which reads only those."""
    from docx.oxml.ns import qn

    ppr = pf._element.get_or_add_pPr()
    ind = ppr.get_or_add_ind()
    for attr in ("w:firstLine", "w:firstLineChars", "w:left", "w:leftChars", "w:right", "w:rightChars", "w:hanging", "w:hangingChars"):
        ind.attrib.pop(qn(attr), None)
    pitch = size * 20 + CONDENSE  # twips of one character
    # every indent stated, zeros too: an empty w:ind would inherit the body's first-line indent
    for name, chars in (("hanging", hanging) if hanging else ("firstLine", first), ("left", left), ("right", right)):
        ind.set(qn(f"w:{name}"), str(round(chars * pitch)))
        ind.set(qn(f"w:{name}Chars"), str(round(chars * 100)))


def _styles(doc) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor, Twips

    def body_like(st, font: str, size: float, latin: str | None = None, exact: bool = True) -> None:
        st.font.size = Pt(size)
        st.font.bold = False
        st.font.italic = False
        st.font.color.rgb = RGBColor(0, 0, 0)
        set_fonts(st, font, latin)
        pf = st.paragraph_format
        pf.space_before = pf.space_after = Pt(0)
        if exact:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Twips(LINE_PITCH_TWIPS)
        pf.widow_control = False

    normal = doc.styles["Normal"]
    body_like(normal, BODY_FONT, BODY_PT, LATIN)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CONDENSE))
    normal.element.get_or_add_rPr().insert_element_before(spacing, *RPR_AFTER_SPACING)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _chars(normal, first=2)
    # docDefaults too: text outside any style (a table inserted by hand) reads as 仿宋 3号
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
        fonts = rpr_default.find(qn("w:rPr")).find(qn("w:rFonts"))
        if fonts is not None:
            for k in list(fonts.attrib):
                del fonts.attrib[k]
            fonts.set(qn("w:ascii"), LATIN)
            fonts.set(qn("w:hAnsi"), LATIN)
            fonts.set(qn("w:eastAsia"), BODY_FONT)
            fonts.set(qn("w:cs"), LATIN)

    for name, font in (("Heading 1", HEI), ("Heading 2", KAI)):
        st = doc.styles[name]
        body_like(st, font, BODY_PT, LATIN if name == "Heading 2" else HEI)
        st.paragraph_format.keep_with_next = True
        st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _chars(st, first=2)

    title = _style(doc, "公文标题", "Normal")
    body_like(title, TITLE_FONT, TITLE_PT)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(35)  # a 2号 line: the grid's 29 pt would clip it
    title.paragraph_format.keep_with_next = True
    _chars(title)
    sub = _style(doc, "公文副题", "Normal")
    body_like(sub, KAI, BODY_PT, LATIN)
    sub.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _chars(sub)
    annex = _style(doc, "附件标识", "Normal")
    body_like(annex, HEI, BODY_PT, HEI)
    annex.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    annex.paragraph_format.keep_with_next = True
    _chars(annex)
    annex_title = _style(doc, "附件标题", "公文标题")
    annex_title.paragraph_format.space_after = Twips(LINE_PITCH_TWIPS)
    for name, size, font in (("表格文字", TABLE_PT[0], BODY_FONT), ("表头文字", TABLE_PT[0], HEI), ("表注", 12, BODY_FONT), ("照片说明", 12, KAI)):
        st = _style(doc, name, "Normal")
        body_like(st, font, size, LATIN if font != HEI else HEI, exact=False)
        st.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _chars(st)
        ppr = st.element.get_or_add_pPr()
        snap = OxmlElement("w:snapToGrid")  # table text keeps its own, tighter, line height
        snap.set(qn("w:val"), "0")
        ppr.insert_element_before(snap, *PPR_AFTER_SNAP)
    doc.styles["照片说明"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name in ("表格文字", "表头文字"):  # a little air above and below the text of a cell
        doc.styles[name].paragraph_format.space_before = doc.styles[name].paragraph_format.space_after = Pt(1.5)
    doc.styles["表注"].paragraph_format.space_before = Pt(3)
    for name in ("Footer", "Header"):
        st = doc.styles[name]
        body_like(st, SONG, PAGE_NO_PT, exact=False)
        st.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        _chars(st)


def _font_fallbacks(doc) -> None:
    """Declare the 公文 fonts in the font table with the name Word takes where one is missing (w:altName) and GB2312 as charset."""
    from lxml import etree

    part = next((p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None or not hasattr(part, "_blob"):
        return
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(part.blob)
    have = {f.get(f"{{{w}}}name") for f in root.findall(f"{{{w}}}font")}
    for name, alt in FALLBACK.items():
        if name in have:
            continue
        font = etree.SubElement(root, f"{{{w}}}font")
        font.set(f"{{{w}}}name", name)
        for tag, val in (("altName", alt), ("charset", "86"), ("family", "modern" if name != TITLE_FONT else "script"), ("pitch", "fixed" if name != TITLE_FONT else "variable")):
            etree.SubElement(font, f"{{{w}}}{tag}").set(f"{{{w}}}val", val)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _footers(doc) -> None:
    """`— 1 —` as a PAGE field: odd pages at the right, even pages at the left, one character in (7.3)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    sec = doc.sections[0]
    for footer, align, side in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"), (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        p.style = doc.styles["Footer"]
        p.paragraph_format.alignment = align
        _chars(p.paragraph_format, size=PAGE_NO_PT, **{side: 1})
        p.add_run("— ")
        page_field(p)
        p.add_run(" —")


def page_field(paragraph) -> None:
    """A PAGE field (begin, instruction, separate, the number shown until Word updates it, end)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(el):
        r = paragraph.add_run()
        r._r.append(el)
        return r

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


# ------------------------------------------------------------------ body


def _annex_title(s: Section) -> str:
    if s.table is not None and not s.photos:
        return s.table.title
    return s.title.split("、", 1)[-1] if get_lang() == "zh" else s.title


def _annex_list(doc, titles: list[str]) -> None:
    """附件说明 (7.3.3): 附件：1．… ; the names aligned under one another, no closing punctuation."""
    head = tr("附件：", "Attachments: ")
    lead = width(head) / 2  # in characters
    for i, title in enumerate(titles, 1):
        num = f"{i}．" if get_lang() == "zh" else f"{i}. "
        text = f"{head}{num}{title}" if i == 1 else f"{num}{title}"
        p = doc.add_paragraph(text, style="Normal")
        p.paragraph_format.keep_with_next = True  # the 落款 never stands alone on a page
        hang = width(num) / 2 + (lead if i == 1 else 0)
        _chars(p.paragraph_format, left=2 + lead + width(num) / 2, hanging=hang)


def _signature(doc, issuer: str, when: str) -> None:
    """落款: the issuing office centred over the 成文日期, the date four characters in from the right (7.3.5.1);
    an office too long for that keeps two characters in, the date centred under it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    wi, wd = width(issuer) / 2, width(when) / 2
    date_in = 4.0
    issuer_in = date_in + (wd - wi) / 2
    if issuer_in < 2:  # an office longer than the date: it stays two characters in, the date moves left under its middle
        date_in += 2 - issuer_in
        issuer_in = 2.0
    doc.add_paragraph("", style="Normal").paragraph_format.keep_with_next = True
    for text, right in ((issuer, issuer_in), (when, date_in)):
        p = doc.add_paragraph(text, style="Normal")
        p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.keep_with_next = text == issuer
        _chars(p.paragraph_format, right=right)


def _annex(doc, n: int, title: str, s: Section, landscape: bool) -> bool:
    """附件 n on a new page: 附件n at the top left in 黑体, its title centred, then its photos and table.

    A table too wide for 五号 across the page is set on landscape pages (GB/T 9704 allows 横排表格),
    its head at the binding edge; upright pages follow again where the next 附件 needs them.
    Returns whether the pages are landscape now.
    """
    wide = s.table is not None and bool(s.table.rows) and not s.photos and not _fits(s.table, AREA_W)
    if wide != landscape:
        _turn(doc, landscape=wide)
    mark = doc.add_paragraph(tr(f"附件{n}", f"Attachment {n}"), style="附件标识")
    mark.paragraph_format.page_break_before = wide == landscape  # a new section starts a page already
    doc.add_paragraph(title, style="附件标题")
    for i, ps in enumerate(s.photos, 1):
        _photo_set(doc, i, ps)
    if s.table is not None and s.table.rows:
        if s.photos:
            doc.add_paragraph(s.table.title, style="Heading 2")
        docx_table(doc, s.table, AREA_H if wide else AREA_W)
        if s.table.note:
            doc.add_paragraph(s.table.note, style="表注")
    return wide


def _turn(doc, landscape: bool) -> None:
    """A new section on a new page, landscape or upright; the type area and the page numbers' place stay as on upright pages
    (the binding edge, 28 mm, at the top of a landscape page)."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Mm

    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    bottom = PAGE_H - TOP - AREA_H
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Mm(PAGE_H), Mm(PAGE_W)
        sec.top_margin, sec.bottom_margin = Mm(LEFT), Mm(PAGE_W - LEFT - AREA_W)
        sec.left_margin, sec.right_margin = Mm(TOP), Mm(bottom)
        sec.footer_distance = Mm(PAGE_W - LEFT - AREA_W - 7 - PAGE_NO_PT * 25.4 / 72) if PAGE_W - LEFT - AREA_W > 7 + 5 else Mm(8)
    else:
        sec.orientation = WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = Mm(PAGE_W), Mm(PAGE_H)
        sec.top_margin, sec.left_margin = Mm(TOP), Mm(LEFT)
        sec.right_margin, sec.bottom_margin = Mm(PAGE_W - LEFT - AREA_W), Mm(bottom)
        sec.footer_distance = Mm(bottom - 7 - PAGE_NO_PT * 25.4 / 72)


def _fits(t: Table, area_w: float) -> bool:
    """The table reads at 五号 or larger across `area_w`."""
    size, _w, _s, total = table_fit(t, area_w)
    return size >= TABLE_PT[1] and total <= int(area_w / (size / 2 * 25.4 / 72))


def table_fit(t: Table, area_w: float) -> tuple[float, list[int], list[int], int]:
    """The largest of TABLE_PT the table's columns fit in across `area_w` mm (else the smallest), with the columns'
    display widths (half characters), their slack, and the total with padding.

    Cell padding is 3 display columns a column; what never wraps (IDs, dates, numbers) gets 2 more, as the
    substitute for a missing Latin font is wider. A size fits when every text column keeps MIN_TEXT
    (or what it needs, if less).
    """
    headers = [c.title for c in t.columns]
    rows = [[cell(v, c.type) for v, c in zip(r, t.columns, strict=True)] for r in t.rows + ([t.total] if t.total is not None else [])]
    n = len(headers)
    slack = [2 if c.type not in WRAPPED else 0 for c in t.columns]
    gaps = 3 * n + sum(slack)
    natural = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for size in TABLE_PT:
        page = int(area_w / (size / 2 * 25.4 / 72))
        widths = column_widths(t, headers, rows, page, gaps=gaps)
        readable = all(w >= min(natural[i], MIN_TEXT) for i, w in enumerate(widths) if t.columns[i].type in WRAPPED)
        if sum(widths) + gaps <= page and readable:
            return size, widths, slack, sum(widths) + gaps
    return TABLE_PT[-1], widths, slack, sum(widths) + gaps


def docx_table(doc, t: Table, area_w: float = AREA_W):
    """A Word table: fixed column widths across `area_w` mm, the header row repeated on every page, rows kept whole,
    numbers right-aligned, the 合计 row bold."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    headers = [c.title for c in t.columns]
    rows = [[cell(v, c.type) for v, c in zip(r, t.columns, strict=True)] for r in t.rows + ([t.total] if t.total is not None else [])]
    n = len(headers)
    size, widths, slack, total = table_fit(t, area_w)
    unit = area_w / total
    mm = [(w + 3 + k) * unit for w, k in zip(widths, slack, strict=True)]
    table = doc.add_table(rows=1 + len(rows), cols=n)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr  # autofit False above: w:tblLayout fixed
    tblw = tbl_pr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tbl_pr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(mm_twips(area_w)))
    for col, x in zip(table.columns, mm, strict=True):
        col.width = Mm(x)
    total_row = len(rows) - 1 if t.total is not None else None
    # style IDs set directly: python-docx's `paragraph.style = …` scans every style of the document each time
    head_id, body_id = doc.styles["表头文字"].style_id, doc.styles["表格文字"].style_id
    widths_emu = [Mm(x) for x in mm]
    for i, (row, r) in enumerate(zip(table.rows, [headers, *rows], strict=True)):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))  # repeated at the top of every page the table runs onto
        for j, (c, text) in enumerate(zip(row.cells, r, strict=True)):
            c.width = widths_emu[j]
            c.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = c.paragraphs[0]
            p._p.style = head_id if i == 0 else body_id
            lines = text.split("\n")
            for k, line in enumerate(lines):
                run = p.add_run(line)
                if size != TABLE_PT[0]:
                    run.font.size = Pt(size)
                if i - 1 == total_row:
                    run.font.bold = True
                if k < len(lines) - 1:
                    run.add_break()
            if i == 0:
                p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif t.columns[j].type in NUMERIC:
                p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


# ------------------------------------------------------------------ photos

PHOTO_W, PHOTO_H = 75.0, 90.0  # mm: two side by side in the type area


def _photo_set(doc, i: int, ps: PhotoSet) -> None:
    """（一）project — its pictures side by side in a borderless table, each with its caption and date below."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Mm

    nums = "一二三四五六七八九十"
    label = f"（{nums[i - 1]}）" if get_lang() == "zh" and i <= len(nums) else f"{i}. "
    doc.add_paragraph(tr(f"{label}{ps.title}（{ps.item}，{ps.unit}）", f"{label}{ps.title} ({ps.item}, {ps.unit})"), style="Heading 2")
    grid = doc.add_table(rows=2, cols=len(ps.photos))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell_w = AREA_W / len(ps.photos)
    for j, photo in enumerate(ps.photos):
        pic, cap = grid.rows[0].cells[j], grid.rows[1].cells[j]
        pic.width = cap.width = Mm(cell_w)
        p = pic.paragraphs[0]
        p.style = doc.styles["照片说明"]
        _picture(p, photo)
        c = cap.paragraphs[0]
        c.style = doc.styles["照片说明"]
        c.add_run(photo_caption(photo))
    for row in grid.rows:
        from docx.oxml import OxmlElement

        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _picture(paragraph, photo: Photo) -> None:
    from docx.shared import Mm

    data = photo_bytes(photo)
    size = _size(data) if data is not None else None
    if size is None:
        paragraph.add_run(missing_photo(photo))
        return
    w, h = size
    width_mm = min(PHOTO_W, PHOTO_H * w / h)
    paragraph.add_run().add_picture(io.BytesIO(data), width=Mm(width_mm))


def _size(data: bytes) -> tuple[int, int] | None:
    """A picture's pixel size from its header; None when it is not a picture Word can show."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG", "GIF", "BMP") or not img.width or not img.height:
                return None
            return img.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
