"""The line-based reader: same data, positions and findings as libyaml's, or it steps aside."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from shishi.store import fastyaml, yamlio
from shishi.store.yamlio import Map, Seq, YamlError


def same(a, b) -> bool:
    """Equal data, types, and every position."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (Map, Seq)):
        if (a.line, a.col) != (b.line, b.col) or a.pos != b.pos or len(a) != len(b):
            return False
        if isinstance(a, Map):
            return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
        return all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def agrees(text: str) -> bool:
    """The fast reader steps aside, or gives exactly what libyaml gives (and never reads what libyaml refuses)."""
    fast = fastyaml.parse(text)
    try:
        slow = yamlio.parse(text)
    except YamlError:
        return fast is None
    return fast is None or (same(fast[0], slow[0]) and fast[1] == slow[1])


def test_reads_the_sample_district_itself():
    files = sorted(SAMPLE.rglob("2021.yaml"))
    assert files
    for f in files:
        text = yamlio.decode(f.read_bytes())
        assert fastyaml.parse(text) is not None, f  # the canonical layout is the fast path's
        assert agrees(text), f


KEYS = ["id", "title", "note", "a", "b", "中文", "x_1", "null", "true", "a b", "-k", "k:v", "2021"]
VALUES = [
    "plain", "中文 text", "", "~", "null", "Null", "true", "False", "yes", "42", "1200.50", "2021-09-01",
    "'single ''quoted'''", "'unterminated", '"double"', '"esc\\n"', "a #comment", "a#b", "a: b", "x:", "- y", "-z",
    "[a, b]", "{c: 1}", "|", ">-", "&anchor x", "*alias", "!!str x", "%x", "@x", "`x`", "? q", "a\tb", "'q' trailing",
    "'q' # c", '"q"  ', "  spaced  ", "# only a comment", "*", "a ]", "C#",
]


@st.composite
def lines(draw) -> str:
    out = []
    for _ in range(draw(st.integers(1, 14))):
        indent = " " * draw(st.sampled_from([0, 0, 2, 2, 4, 6, 1, 3]))
        kind = draw(st.sampled_from(["kv", "kv", "dash-kv", "dash", "key", "comment", "blank", "junk"]))
        key, value = draw(st.sampled_from(KEYS)), draw(st.sampled_from(VALUES))
        sep = draw(st.sampled_from([": ", ":  ", ":"]))
        line = {
            "kv": f"{indent}{key}{sep}{value}",
            "dash-kv": f"{indent}-{draw(st.sampled_from([' ', '  ', '   ']))}{key}{sep}{value}",
            "dash": f"{indent}- {value}",
            "key": f"{indent}{key}:",
            "comment": f"{indent}# {value}",
            "blank": indent,
            "junk": f"{indent}{value}",
        }[kind]
        out.append(line)
    return "\n".join(out) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines(), st.booleans())
def test_any_lines_read_alike_or_step_aside(text: str, crlf: bool):
    assert agrees(text.replace("\n", "\r\n") if crlf else text)


scalars = st.one_of(st.none(), st.booleans(), st.text(st.sampled_from("ab 中文:#'\"-[]{}&*!|>%@`?,.~\\0123"), max_size=12))
keys = st.text(st.sampled_from("abcxyz_中文0"), min_size=1, max_size=6)
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(keys, documents, min_size=1, max_size=5), min_size=1, max_size=4))
def test_what_the_writer_dumps_reads_alike(items: list[dict]):
    assert agrees(yamlio.dump_items(items))


def test_duplicate_keys_found_like_libyaml():
    text = "- id: A\n  title: x\n  title: y\n  sub:\n    a: 1\n  sub:\n    b: 2\n"
    fast = fastyaml.parse(text)
    assert fast is not None and agrees(text)
    assert fast[1] == [(3, 3, "字段 title 写了两次"), (6, 3, "字段 sub 写了两次")]


def test_steps_aside_for_what_it_does_not_read():
    for text in ["a: [1, 2]\n", "a: |\n  x\n", "a: &x 1\n", "---\na: 1\n", "a:\nb: 1\n", "a: b\n  c\n", "a:\tb\n", "- - x\n"]:
        assert fastyaml.parse(text) is None, text
        assert agrees(text)


def test_empty_and_comment_only():
    assert fastyaml.parse("") == (None, []) and fastyaml.parse("# 台账\n\n") == (None, [])


def test_runs_of_simple_lines_read_alike():
    """Lines read in one match (`key: value` runs after a key) place, find duplicates and step aside like the others."""
    texts = [
        "- id: A\n  a: 1\n  b: 2\n  a: 3\n  c: x\n  b: 4\n",  # duplicates inside a run
        "- id: A\n  a: 1\n  id: B\n",  # the run repeats the first line's key
        "a: 1\nb: null\nc: true\nd: ~\ne: yes\n",  # nulls and bools end a run, read one by one
        "a: 1\nnull: 2\n",
        "- id: A\n  sub:\n    a: 1\n    b: 2\n  sub:\n    b: 3\n    b: 4\n  c: d\n",
        "- id: A\n  k:\n  b: 2\n",  # an empty value before a run
        "- id: A\n  k:  # c\n  b: 2\n",
        "-  id: A\n  b: 2\n",  # the run's column is not the entry's
        "-   id: A\n     b: 2\n     c: 3\n",
        "- a: 'q'\n  b: 1\n  c: 2\n",
        "a: b\nc: d\n  e\n",  # a scalar continued after a run
        "a: 10:30\nb: C#\nc: x #y\nd: two  spaces\ne: 'q'\n",
    ]
    for text in texts:
        assert agrees(text), text
    fast = fastyaml.parse(texts[0])
    assert fast is not None and fast[1] == [(4, 3, "字段 a 写了两次"), (6, 3, "字段 b 写了两次")]
    assert fastyaml.items_plain(texts[0]) is None
    assert fastyaml.parse(texts[7]) is None and fastyaml.parse(texts[5]) is None
