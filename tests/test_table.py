"""The one table document in a terminal: it fits the width, numbers stay whole and right-aligned, text wraps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wcwidth import wcswidth

from conftest import SAMPLE
from shishi.figures.report import rollup_document
from shishi.figures.rollup import Filters
from shishi.figures.table import Column, Table
from shishi.render.table import cell, csv_table, terminal_text
from shishi.store.load import load
from shishi.values import parse_period


def _rollup() -> Table:
    return rollup_document(load(SAMPLE), "", Filters(period=parse_period("2021"), as_of=parse_period("2021").end), 1).table


@pytest.mark.parametrize("page", [60, 80, 100, 120])
def test_rollup_in_a_narrow_terminal_shows_every_number_whole(page):
    t = _rollup()
    text = terminal_text(t, page)
    assert max(wcswidth(line) for line in text.splitlines()) <= page
    for row in t.rows:
        for value, col in zip(row, t.columns, strict=True):
            if col.type != "text" and value is not None:
                assert cell(value, col.type) in text, (page, col.key, value)
    if page < 110:  # too wide for one part: every part repeats the unit column
        parts = [p for p in text.split("\n\n") if p.strip()]
        assert len(parts) >= 2 and all("綦江区" in p for p in parts)


def test_numbers_are_right_aligned_and_text_wraps():
    t = Table("t", "T", [Column("name", "名称"), Column("n", "件数", "int"), Column("rate", "办结率", "rate")],
              [["很长很长的一个事项名称需要折行才能放下", 7, 0.5], ["短", 12345, None]])
    lines = terminal_text(t, 30, title=False).splitlines()
    assert all(wcswidth(line) <= 30 for line in lines)
    body = [line for line in lines[2:] if line.strip()]
    assert body[0].endswith("7   50.0%") and any(line.rstrip().endswith("12345       -") for line in body)
    assert sum("事项" in line or "名称" in line for line in lines) >= 1 and len(body) > 2  # the long name took several lines


def test_csv_is_the_table_in_the_runs_language():
    t = Table("t", "T", [Column("unit", "单位"), Column("spent", "支出（万元）", "money"), Column("rate", "办结率", "rate")], [["赶水镇", Decimal("1379.9"), 0.511]], ["合计", Decimal("1379.9"), None])
    assert csv_table(t) == "单位,支出（万元）,办结率\n赶水镇,1379.90,51.1%\n合计,1379.90,\n"


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(st.text(alphabet="赶水镇三居社区ABC （）、", min_size=1, max_size=30), st.integers(0, 10**9), st.integers(0, 10**6)), min_size=1, max_size=6),
    page=st.integers(30, 140),
)
def test_any_table_fits_any_width_with_whole_numbers(rows, page):
    t = Table("t", "表", [Column("name", "单位"), Column("a", "登记", "int"), Column("b", "惠及人次", "int")], [list(r) for r in rows])
    text = terminal_text(t, page)
    assert max(wcswidth(line) for line in text.splitlines()) <= page
    for _name, a, b in rows:
        assert str(a) in text and str(b) in text


# cells as rows of a text table hold them: CJK, full-width spaces (stripped), combining and zero-width marks, ASCII
CELL_TEXT = st.text(st.one_of(st.sampled_from("镇村社区　 ，。%-.0123456789abcXYZ\u0301\u200b\u2028é한ｱ🙂"), st.characters(blacklist_categories=("Cs", "Cc"))), max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(CELL_TEXT, min_size=n, max_size=n),
    st.lists(st.lists(CELL_TEXT, min_size=n, max_size=n), min_size=1, max_size=6),
    st.lists(st.sampled_from(["left", "right"]), min_size=n, max_size=n))))
def test_psql_is_what_tabulate_prints(table):
    """The text table's own psql writer gives tabulate's output byte for byte, wherever text_table uses it."""
    import tabulate as tabulate_module

    from shishi.render.table import _CONTROL, psql

    headers, rows, align = table
    assert not _CONTROL.search("".join(headers) + "".join("".join(r) for r in rows))  # (text_table leaves those to tabulate)
    padding, tabulate_module.MIN_PADDING = tabulate_module.MIN_PADDING, 0
    try:  # the cells as they are: a unit's indentation kept
        want = tabulate_module.tabulate(rows, headers=headers, tablefmt="psql", disable_numparse=True, colalign=align, preserve_whitespace=True)
    finally:
        tabulate_module.MIN_PADDING = padding
    assert psql(rows, headers, align) == want


def test_width_of_ascii_is_its_length_and_of_cjk_double():
    from shishi.render.table import width

    assert [width(s) for s in ("", "12,345.00", "85.1%", "镇", "　镇a", "a\nbcd", "\x07")] == [0, 9, 5, 2, 5, 3, wcswidth("\x07")]


@pytest.mark.parametrize("multiline", [False, True])
def test_text_and_md_tables_keep_a_units_place_in_the_tree(multiline):
    """A roll-up's unit names are indented by full-width spaces, one per level: paper and markdown keep them."""
    from shishi.render.table import md_table, text_table

    name = "石房村\n（合并）" if multiline else "石房村"  # a multi-line cell takes tabulate's grid, the other our psql
    t = Table("t", "T", [Column("name", "单位"), Column("n", "登记", "int")], [["綦江区", 49], ["　赶水镇", 12], [f"　　{name}", 3]])
    text = text_table(t)
    assert "| 　赶水镇 " in text and "| 　　石房村 " in text and "| 綦江区 " in text
    assert len({wcswidth(line) for line in text.splitlines()}) == 1  # still lined up
    assert "| 　赶水镇 " in md_table(t) and "| 　　石房村" in md_table(t)
