"""The cold read's shortcuts give what the reference path gives.

The index reads a ledger file through `read_item_tuples` (positions only when a
problem needs them, `fastyaml.items_plain`) and builds its rows off the item
tuples (`index._item_rows`). The reference is what `read_items` gives — Pydantic
items with every position — turned into rows field by field, as the index did
before: the same data, lines, ID places, problems and broken IDs, the same rows.
"""

from __future__ import annotations

import marshal
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from shishi.store import fastyaml, index, yamlio
from shishi.store.dates import closed_on, judged_due
from shishi.store.ledger import read_item_tuples, read_items
from shishi.store.yamlio import Map, Seq, YamlError, key_position
from test_fuzz import CORPUS_BASE, mutated

EXAMPLES = int(os.environ.get("SHISHI_FUZZ_EXAMPLES", "0"))
SETTINGS = settings(max_examples=EXAMPLES or 300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LEDGERS = sorted(f for f in {*SAMPLE.rglob("20*.yaml"), *CORPUS_BASE.rglob("20*.yaml")} if "surveys" not in f.parts)


def _plain(node):
    if isinstance(node, Map):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, Seq):
        return [_plain(v) for v in node]
    return node


def reference(rp: str, unit: str, text: str):
    """(items as read_item_tuples gives them, problems, broken), from read_items' entries."""
    to_tuple = index._item_record_class().to_tuple
    entries, problems, broken = read_items(rp, unit, text)
    items = []
    for e in entries:
        pos = key_position(e.data, "id")
        items.append((e.line, None if pos == (e.line, 3) else pos, to_tuple(e.item)))
    return items, problems, broken, entries


def _s(v):
    return None if v is None else str(v)


def reference_rows(rp: str, unit: str, entries) -> dict:
    """The rows of `index._item_rows`, read field by field off the Pydantic items (the former way)."""
    rows, targets, milestones, extensions = [], [], [], []
    for seq, e in enumerate(entries):
        it = e.item
        res, ver = it.resolution, it.verification
        rows.append((
            rp, seq, unit, e.line, it.id, it.kind, it.status, it.title, it.category, it.source, it.handling, it.owner,
            _s(it.opened), _s(it.due), _s(it.budget), it.escalated_from, it.escalated_to,
            _s(res.date) if res else None, res.beneficiaries if res else None, _s(res.spent) if res else None,
            res.satisfaction if res else None, _s(ver.date) if ver else None,
            _s(it.cancellation.date) if it.cancellation else None, it.supervision.level if it.supervision else None,
            _s(judged_due(it)), _s(closed_on(it)),  # the rules on the items themselves (store.dates)
        ))
        targets += [(it.id, rp, i, x.name, x.unit, _s(x.planned), _s(x.actual), seq) for i, x in enumerate(it.targets)]
        milestones += [(it.id, rp, i, m.name, _s(m.due), _s(m.done)) for i, m in enumerate(it.milestones)]
        extensions += [(it.id, rp, i, _s(x.date), x.milestone, _s(x.original), _s(x.to), x.reason, x.approved_by, int(x.late)) for i, x in enumerate(it.extensions)]
    return {"items": rows, "targets": targets, "milestones": milestones, "extensions": extensions}


def agrees(rp: str, text: str) -> None:
    to_tuple = index._item_record_class().to_tuple
    want_items, want_problems, want_broken, entries = reference(rp, "u", text)
    for plain in (None, index._plain_item()):  # Pydantic items, or the validated data as plain dicts (the index's)
        items, problems, broken = read_item_tuples(rp, text, to_tuple, plain)
        assert items == want_items
        assert problems == want_problems
        assert broken == want_broken
    rows = index._item_rows(rp, "u", items)
    want = reference_rows(rp, "u", entries)
    for table in ("items", "targets", "milestones", "extensions"):
        assert rows[table] == want[table], table
    hot, full = (marshal.loads(b) for b in rows["hot"])
    assert full == [tup for _l, _p, tup in want_items]
    names = index.ITEM_FIELDS
    assert hot == [(line, pos, *(tup[names.index(n)] for n in index.HOT_FIELDS)) for line, pos, tup in want_items]
    # the plain reader: None, or the data fastyaml places, without the places
    plain = fastyaml.items_plain(text)
    if plain is not None:
        data, dups = fastyaml.parse(text)
        assert not dups and isinstance(data, Seq)
        assert plain == [(line, _plain(raw)) for (line, col), raw in zip(data.pos, data, strict=True)]
        assert all(col == 3 and next(iter(raw)) == "id" for (_line, col), raw in zip(data.pos, data, strict=True))


def test_the_sample_and_corpus_ledgers_read_alike():
    assert LEDGERS
    for f in LEDGERS:
        text = yamlio.decode(f.read_bytes())
        assert fastyaml.items_plain(text) is not None, f  # the canonical layout takes the plain path
        agrees(str(f), text)


def test_a_file_with_a_problem_is_placed_as_before():
    text = yamlio.decode((CORPUS_BASE / "赶水镇/三居社区/2021.yaml").read_bytes())
    broken = text.replace("status: verified", "status: done", 1)
    assert broken != text
    agrees("x/2021.yaml", broken)
    assert read_item_tuples("x/2021.yaml", broken, index._item_record_class().to_tuple)[1]  # the problem is found
    dup = text.replace("  kind: demand\n", "  kind: demand\n  kind: demand\n", 1)
    assert fastyaml.items_plain(dup) is None
    agrees("x/2021.yaml", dup)
    moved = text.replace("- id: ", "- kind: demand\n  id: ", 1)  # the ID not on the item's first line
    assert fastyaml.items_plain(moved) is None
    agrees("x/2021.yaml", moved)


@SETTINGS
@given(mutated())
def test_mutated_files_read_alike(case):
    rel, data = case
    try:
        text = yamlio.decode(data)
    except YamlError:
        return
    agrees(rel, text)


ITEM_LINES = ["  title: x", "  title: '#1 路灯'", "  status: resolved", "  due: 2021-02-30", "  budget: 12.345", "  budget: '100'",
              "  description:", "    a: b", "  progress:", "  - date: 2021-03-01", "    note: 已回访", "  - date: 2021-03-02", "    note: x # c",
              "  resolution:", "    date: 2021-03-05", "    text: 已办结", "    beneficiaries: 30", "  kind: demand", "  kind: project", "  # note",
              "", "  tags: [a]", "  tags:", "  - 甲", "  - ~", "  owner: null", "  owner: ''", "  opened: 2021-03-01", "  extra: 1", "   odd: 1", "- x"]


@SETTINGS
@given(st.lists(st.tuples(st.integers(1, 99), st.lists(st.sampled_from(ITEM_LINES), max_size=12)), min_size=1, max_size=4), st.booleans())
def test_generated_items_read_alike(items, crlf):
    lines = ["# 台账", ""]
    for n, body in items:
        lines += [f"- id: GS-SJ-2021-{n:03d}", "  title: 事项", "  opened: 2021-03-01", *body, ""]
    text = "\n".join(lines)
    agrees("x/2021.yaml", text.replace("\n", "\r\n") if crlf else text)


def _valid(fn, data):
    from pydantic import ValidationError

    try:
        return True, fn(data)
    except ValidationError:
        return False, None


VALUES = st.one_of(st.none(), st.booleans(), st.sampled_from(["", " x ", "demand", "resolved", "2021-03-01", "2021-02-30", "20210301", "12.345", "12.34", "-1",
                                                              "30", "3e2", "一般", "GS-SJ-2021-001", "gs-2021-1", "a" * 201, "改造后", "0" * 64]),
                   st.text(max_size=5))
NESTED = st.dictionaries(st.sampled_from(["date", "note", "text", "beneficiaries", "spent", "name", "due", "planned", "level", "reason", "by", "x"]), VALUES, max_size=5)


def mostly(valid, wrong=VALUES):
    """Valid data nine times in ten."""
    return st.integers(0, 9).flatmap(lambda i: wrong if i == 0 else valid)


DAY = st.sampled_from(["2021-03-01", "2021-12-31"])
TEXT = st.sampled_from(["已办结", " 已回访 ", "x"])
RESOLUTION = st.fixed_dictionaries({"date": DAY, "text": TEXT, "beneficiaries": st.sampled_from(["30", "0"])},
                                   optional={"spent": st.sampled_from(["10408.38", "100", "0.5"]), "satisfaction": st.sampled_from(["满意", "很满意"])})
FIELDS = {
    "kind": mostly(st.sampled_from(["demand", "project", "rectification"])), "status": mostly(st.sampled_from(["open", "resolved", "verified"])),
    "due": mostly(DAY), "budget": mostly(st.sampled_from(["12.34", "100", "0"])), "owner": mostly(TEXT), "description": mostly(TEXT),
    "partners": st.lists(mostly(TEXT), max_size=3), "tags": st.lists(mostly(TEXT), max_size=2),
    "progress": st.lists(mostly(st.fixed_dictionaries({"date": DAY, "note": TEXT}, optional={"milestone": TEXT, "by": TEXT}), NESTED), max_size=3),
    "resolution": mostly(RESOLUTION, NESTED | VALUES), "verification": mostly(st.fixed_dictionaries({"date": DAY}, optional={"by": TEXT}), NESTED),
    "supervision": mostly(st.fixed_dictionaries({"date": DAY}, optional={"level": st.sampled_from(["一般", "挂牌"]), "feedback": st.lists(st.fixed_dictionaries({"date": DAY, "note": TEXT}), max_size=2)}), NESTED),
    "targets": st.lists(mostly(st.fixed_dictionaries({"name": TEXT, "planned": st.sampled_from(["40", "2.5"])}, optional={"unit": TEXT, "actual": st.sampled_from(["3", "0"])}), NESTED), max_size=2),
    "milestones": st.lists(mostly(st.fixed_dictionaries({"name": TEXT, "due": DAY}, optional={"done": DAY}), NESTED), max_size=2),
    "extensions": st.lists(mostly(st.fixed_dictionaries({"date": DAY, "original": DAY, "to": DAY, "reason": TEXT}, optional={"late": st.booleans(), "milestone": TEXT}), NESTED), max_size=2),
    "reporter": mostly(st.fixed_dictionaries({}, optional={"name": TEXT, "phone": st.just("13800000000")}), NESTED),
    "corrections": st.lists(mostly(st.fixed_dictionaries({"date": DAY, "changed": st.just(["title"])}, optional={"old": st.just({"title": "旧"})}), NESTED), max_size=1),
    "extra": VALUES,
}


@SETTINGS
@given(st.fixed_dictionaries({"id": mostly(st.sampled_from(["GS-SJ-2021-001", "QJ-2021-0042"]), st.sampled_from(["bad id", 7])), "title": mostly(TEXT), "opened": mostly(DAY)},
                             optional={k: v for k, v in FIELDS.items() if k != "extra"}), st.booleans())
def test_plain_validation_accepts_what_the_model_accepts(data, extra):
    """Item data, valid about half the time: validated to plain dicts it is refused exactly when the model refuses it, else gives its tuple."""
    if extra:
        data["extra"] = "x"  # an unknown key
    validate, tuple_of = index._plain_item()
    ok, item = _valid(index.Item.model_validate, data)
    ok_plain, plain = _valid(validate, data)
    assert ok == ok_plain
    if ok:
        assert tuple_of(plain) == index._item_record_class().to_tuple(item)
