"""Pure functions of the YAML layer: the safe reader, item blocks, the canonical writer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shishi.store.model import Item, item_to_data
from shishi.store.yamlio import YamlError, conflict_markers, decode, dump_items, edit_block, find_blocks, locate, parse, split_lines


def test_parse_keeps_scalars_as_text_with_positions():
    data, problems = parse("- id: QJ-2021-001\n  spent: 1234.50\n  n: ~\n  ok: true\n")
    assert problems == []
    item = data[0]
    assert item == {"id": "QJ-2021-001", "spent": "1234.50", "n": None, "ok": True}
    assert item.pos["spent"] == (2, 3, 2, 10)
    assert locate(data, (0, "spent")) == (2, 10)


def test_duplicate_keys_are_problems_not_overwrites_silently():
    _, problems = parse("a: 1\nb: 2\na: 3\n")
    assert problems == [(3, 1, "字段 a 写了两次")]


@pytest.mark.parametrize(
    "text, line, col, words",
    [
        ("a: &x 1\nb: *x\n", 1, 4, "锚点和别名"),
        ("!!python/object:os.system x\n", 1, 1, "YAML 标签"),
        ("a: !custom 1\n", 1, 4, "YAML 标签"),
        ("a:\n\tb: 1\n", 2, 1, "制表符"),
        ("a: [1,\n", 2, 1, "YAML 格式错误"),
        ("- a\n---\n- b\n", 2, 1, "一个 YAML 文档"),
        ("a: " + "[" * 40 + "]" * 40 + "\n", 1, 35, "嵌套超过"),
    ],
)
def test_refused_yaml(text, line, col, words):
    with pytest.raises(YamlError) as e:
        parse(text)
    assert (e.value.line, e.value.col) == (line, col)
    assert words in e.value.message


def test_decode_bom_and_bad_utf8():
    assert decode("\ufeffa: 1\n".encode()) == "a: 1\n"
    with pytest.raises(YamlError) as e:
        decode(b"a: 1\nb: \xff\n")
    assert (e.value.line, e.value.col) == (2, 4)


def test_conflict_markers_found_by_line():
    assert conflict_markers("a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> x\n") == [2, 4, 6]
    assert conflict_markers("note: '<<<<<<< not at line start'\n") == []


def test_find_blocks_keeps_comments_between_items_outside():
    lines = split_lines("# head\n\n- id: A-2021-001\n  title: x\n  # inside\n  note: y\n\n# about B\n- id: A-2021-002\n  title: z\n")
    blocks = find_blocks(lines)
    assert [(b.start, b.end, b.id) for b in blocks] == [(2, 6, "A-2021-001"), (8, 10, "A-2021-002")]


def test_edit_block_keeps_unchanged_keys_and_their_comments():
    text = "- id: A-2021-001\n  title: 安装声控灯  # 村民反映\n  opened: 2021-09-01\n  progress:\n  - date: 2021-09-02\n    note: 采购\n"
    old = {"id": "A-2021-001", "title": "安装声控灯", "opened": date(2021, 9, 1), "progress": [{"date": date(2021, 9, 2), "note": "采购"}]}
    new = dict(old, status="in_progress", progress=old["progress"] + [{"date": date(2021, 9, 3), "note": "安装"}])
    out = edit_block(text, old, new, ("id", "title", "opened", "status", "progress"))
    assert "  title: 安装声控灯  # 村民反映\n" in out
    assert out.index("status: in_progress") < out.index("progress:")
    assert out.endswith("  - date: 2021-09-03\n    note: 安装\n")


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).map(str.strip).filter(bool)
multiline = st.lists(texts, min_size=1, max_size=3).map("\n".join)
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def items(draw):
    opened = draw(days)
    data = {
        "id": f"GS-SJ-{opened.year}-{draw(st.integers(1, 9999)):03d}",
        "kind": draw(st.sampled_from(["demand", "project", "rectification"])),
        "title": draw(texts),
        "description": draw(st.none() | multiline),
        "owner": draw(st.none() | texts),
        "partners": draw(st.lists(texts, max_size=3)),
        "opened": opened,
        "budget": draw(st.none() | money),
        "targets": [{"name": n, "unit": "米", "planned": q} for n, q in draw(st.lists(st.tuples(texts, money), max_size=2))],
        "progress": [{"date": d, "note": n} for d, n in draw(st.lists(st.tuples(days, multiline), max_size=3))],
        "tags": draw(st.lists(texts, max_size=2)),
    }
    return Item.model_validate(data)


@settings(max_examples=150, deadline=None)
@given(items())
def test_canonical_dump_reads_back_equal(item):
    """dump -> fast reader -> Pydantic gives the same record (money exact, text exact)."""
    text = dump_items([item_to_data(item)])
    data, problems = parse(text)
    assert problems == []
    assert Item.model_validate(data[0]) == item
    assert [b.id for b in find_blocks(split_lines(text))] == [item.id]


def test_money_is_never_float():
    item = Item.model_validate({"id": "QJ-2021-001", "title": "x", "opened": "2021-01-01", "budget": "0.10"})
    text = dump_items([item_to_data(item)])
    assert "budget: 0.10" in text
    assert Item.model_validate(parse(text)[0][0]).budget == Decimal("0.10")
