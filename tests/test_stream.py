"""Streaming output: `list --format json` from the index a file at a time gives exactly what the records give;
the fast JSON encoder writes what the standard library writes; the masking shortcut masks what mask did."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from shishi.checks import privacy
from shishi.render.items import item_view
from shishi.render.json import default, to_json, write_array
from shishi.store.index import _item_record_class
from shishi.store.ledger import load_files
from shishi.store.load import load, select, stream
from shishi.store.model import item_to_data
from test_export import items as export_items

CORPUS = Path(__file__).parent / "corpus"


def std_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=default)


@pytest.mark.parametrize("root", [SAMPLE, CORPUS / "base"])
def test_data_from_the_stored_tuple_is_item_to_data(root: Path):
    cls = _item_record_class()
    entries = load_files(root).entries
    assert entries
    for e in entries:
        got = cls.data_tuple(cls.to_tuple(e.item))
        assert got == item_to_data(e.item)
        assert std_json(got) == std_json(item_to_data(e.item))  # key order too, at every level


def test_stream_gives_every_file_s_items_in_load_order(tmp_path: Path):
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    loaded = load(root)
    _ledger, files = stream(root)
    streamed = [(u, d) for u, items in files for d in items]
    assert streamed == [(e.unit, item_to_data(e.item)) for e in loaded.entries]


FILTERS = [{}, {"status": ("open", "in_progress")}, {"unit": "赶水镇"}, {"kind": "project"}, {"overdue": True, "as_of": date(2021, 12, 1)},
           {"period": "2021Q3"}, {"unit": "赶水镇", "status": ("resolved",), "kind": "demand"}]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("reveal", [False, True])
def test_list_json_streamed_is_the_records_view(tmp_path: Path, cli, filters: dict, reveal: bool):
    from shishi.values import parse_period

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    args = ["list", "--format", "json"] + (["--reveal"] if reveal else [])
    for k, v in filters.items():
        if k == "overdue":
            args.append("--overdue")
        elif k == "status":
            args += ["--status", ",".join(v)]
        else:
            args += [f"--{k.replace('_', '-')}", str(v)]
    r = cli(*args, ledger=root)
    assert r.exit_code == 0, r.output
    sel = dict(filters, period=parse_period(filters["period"])) if "period" in filters else filters
    views = [item_view(e.item, e.unit, reveal) for e in select(load(root), **sel)]
    assert r.stdout == to_json(views) + "\n"
    assert json.loads(r.stdout) == json.loads(std_json(views))


def test_list_json_without_the_index(tmp_path: Path, cli, monkeypatch):
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    with_index = cli("list", "--format", "json", ledger=root).stdout
    monkeypatch.setenv("SHISHI_NO_INDEX", "1")
    assert cli("list", "--format", "json", ledger=root).stdout == with_index


def test_list_json_of_nothing(tmp_path: Path, cli):
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    r = cli("list", "--format", "json", "--unit", "赶水镇", "--kind", "project", "--status", "cancelled", ledger=root)
    assert r.exit_code == 0 and r.stdout == "[]\n"


def test_list_json_unknown_unit_is_an_error(tmp_path: Path, cli):
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    r = cli("list", "--format", "json", "--unit", "没有这个单位", ledger=root)
    assert r.exit_code == 1 and "Traceback" not in r.output


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.text(),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**14), max_value=10**14),
)
data = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(data)
def test_fast_json_is_the_standard_library_s(value):
    assert to_json(value) == std_json(value)


@settings(max_examples=100, deadline=None)
@given(st.lists(data, max_size=5))
def test_streamed_array_is_the_whole_array(values):
    buf = io.BytesIO()
    assert write_array(buf, iter(values)) == len(values)
    assert buf.getvalue().decode() == std_json(values) + "\n"


def _slow_masked(norm: str):
    """privacy._masked as it was first written: a character at a time."""
    found = []
    for kind, rx, groups in privacy._PATTERNS:
        def star(m, groups=groups, kind=kind):
            s = list(m.group(0))
            for g in groups:
                if m.start(g) >= 0:
                    for i in range(m.start(g) - m.start(), m.end(g) - m.start()):
                        if s[i].isdigit():
                            s[i] = "*"
            found.append((kind, m.start(), m.end()))
            return "".join(s)

        norm = rx.sub(star, norm)
    return norm, sorted(found, key=lambda f: f[1])


def slow_mask(text):
    """mask as it was before its shortcuts: every text through the patterns, starred a character at a time."""
    if not text:
        return text
    starred, found = _slow_masked(text.translate(privacy._NARROW))
    if not found:
        return text
    return "".join("*" if s == "*" else c for c, s in zip(text, starred, strict=True))


numbery = st.lists(st.sampled_from(list("0123456789０１２３４５６７８９ -－　+Xx电话号码：*().٣") + ["86", "138", "023-", "5001", "(023)", "13812345678",
                                                                                   "110101199003071234"]), max_size=24).map("".join)


@settings(max_examples=500, deadline=None)
@given(numbery)
def test_mask_shortcut_masks_what_every_pattern_masks(text: str):
    assert privacy.mask(text) == slow_mask(text)
    assert privacy.find(text) == _slow_find(text)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"1[0-9]{10}", fullmatch=True) | st.from_regex(r"[0-9]{11}", fullmatch=True) | st.text(alphabet="0123456789１", min_size=11, max_size=11))
def test_mask_of_a_bare_mobile_number_is_the_patterns_mask(text: str):
    assert privacy.mask(text) == slow_mask(text)


@settings(max_examples=500, deadline=None)
@given(numbery | st.text(max_size=40))
def test_might_hold_is_true_of_the_texts_with_enough_digits(text: str):
    assert bool(privacy.might_hold(text)) == (len(re.findall(r"\d", text)) >= privacy.MIN_DIGITS)


def _slow_find(text):
    if not text:
        return []
    starred, found = _slow_masked(text.translate(privacy._NARROW))
    return [(kind, starred[a:b]) for kind, a, b in found]


def test_shortest_numbers_masked_have_min_digits():
    for text in ("023-6123456", "02361234567", "13812345678", "110101900101001"):
        digits = len(re.findall(r"\d", text))
        assert privacy.mask(text) != text and digits >= privacy.MIN_DIGITS
    assert privacy.mask("023-612345") == "023-612345"  # nine digits: no number


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("options", [{}, {"unit": "赶水镇"}, {"period": "2021Q3"}, {"reveal": True}])
def test_export_streamed_is_the_records_export(tmp_path: Path, cli, fmt: str, options: dict):
    """csv and json exports, written as read from the index, against the export built from the loaded records."""
    from shishi.render import export as ex
    from shishi.values import parse_period

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    reveal = options.get("reveal", False)
    period = parse_period(options["period"]) if "period" in options else None
    entries = select(load(root), unit=options.get("unit"), period=period)
    if fmt == "csv":
        expected = ex.to_csv([ex.item_row(e.item, e.unit, n, reveal) for n, e in enumerate(entries, start=1)])
    else:
        out = []
        for e in entries:
            data = {"id": e.item.id, "unit": e.unit, **item_to_data(e.item)}
            if not reveal:
                if data.get("reporter"):
                    data["reporter"].pop("name", None)
                data = privacy.mask_data(data)
            out.append(data)
        expected = std_json(out)
    assert ex.export(root, fmt=fmt, **options) == expected
    args = ["export", "--format", fmt] + [f"--{k}" if v is True else f"--{k}={v}" for k, v in options.items()]
    r = cli(*args, ledger=root)
    assert r.exit_code == 0 and r.stdout_bytes == expected.encode()
    r = cli(*args, "-o", tmp_path / f"out.{fmt}", ledger=root)
    assert r.exit_code == 0
    raw = (tmp_path / f"out.{fmt}").read_bytes()
    assert raw == ((b"\xef\xbb\xbf" if fmt == "csv" else b"") + expected.encode())


@pytest.mark.parametrize("sql", ["SELECT id, unit, title, beneficiaries, spent FROM items ORDER BY id", "SELECT path, hot FROM files LIMIT 3",
                                 "SELECT 1.5 AS x, 2.0 AS y, NULL AS z", "SELECT id FROM items WHERE 0"])
def test_query_json_streamed_is_the_table_s_rows(tmp_path: Path, cli, sql: str):
    from shishi.figures.listing import query_table
    from shishi.store.index import query

    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    r = cli("query", sql, "--format", "json", ledger=root)
    assert r.exit_code == 0, r.output
    cols, rows = query(root, sql)
    rows = [tuple(v if not isinstance(v, str) else privacy.mask(v) for v in row) for row in rows]
    assert r.stdout == to_json([dict(zip(cols, row, strict=True)) for row in query_table(cols, rows).rows]) + "\n"


def test_query_errors_stay_messages(tmp_path: Path, cli):
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    for sql in ("DROP TABLE items", "SELECT nonsense FROM items", "SELECT 1; SELECT 2"):
        for fmt in ("json", "table"):
            r = cli("query", sql, "--format", fmt, ledger=root)
            assert r.exit_code == 1 and "Traceback" not in r.output and ("错误" in r.stderr or "只读" in r.stderr), (sql, r.output)


def test_stream_ledger_knows_what_could_not_be_read(tmp_path: Path):
    """The streamed ledger carries the same problems and broken items as the loaded one (what `list` warns of)."""
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    f = root / "赶水镇" / "2021.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("status: verified", "status: nonsense", 1), encoding="utf-8")
    loaded = load(root)
    streamed, files = stream(root)
    list(files)
    assert loaded.broken_ids and streamed.broken_ids == loaded.broken_ids
    assert [str(p) for p in streamed.problems] == [str(p) for p in loaded.problems]


# ------------------------------------------------------------------ list --format json from the stored tuples


def test_json_from_the_stored_tuple_is_the_item_view():
    """item_json (what `list --format json` writes) = item_view of the record, masked and revealed, byte for byte."""
    from shishi.store.index import _item_record_class, item_json

    cls, make = _item_record_class(), item_json()
    for root in (SAMPLE, CORPUS / "base"):
        for e in load_files(root).entries:
            t = cls.to_tuple(e.item)
            assert to_json(make(t, privacy.mask, privacy.MIN_DIGITS, privacy.might_hold, privacy.mask(e.unit))) == to_json(item_view(e.item, e.unit))
            assert to_json(make(t, unit=e.unit)) == to_json(item_view(e.item, e.unit, True))


PHONE_TEXT = st.sampled_from(["", "13812345678", "电话 138-1234-5678 ", "身份证110101199003071234", "023-61234567", "WH-2021-0001234"])


@st.composite
def odd_items(draw):
    """Items of every field (test_export's), with numbers in their texts, attachments and corrections (a dict field)."""
    item = draw(export_items())
    extra = {}
    if draw(st.booleans()):
        extra["title"] = item.title + draw(PHONE_TEXT)
        extra["description"] = draw(st.none() | PHONE_TEXT.filter(bool))
    if draw(st.booleans()):
        extra["corrections"] = [{"date": item.opened, "changed": ["title", "partners"], "reason": draw(st.none() | PHONE_TEXT.filter(bool)),
                                 "old": {"title": "旧" + draw(PHONE_TEXT), **({"partners": draw(st.lists(PHONE_TEXT.filter(bool), max_size=2))} if draw(st.booleans()) else {})}}]
    if draw(st.booleans()):
        extra["attachments"] = [{"file": "a.jpg", "sha256": "0" * 64, "caption": draw(st.none() | PHONE_TEXT.filter(bool)), "stage": draw(st.sampled_from([None, "改造前", "改造后"])),
                                 "added": item.opened, "date": draw(st.none() | st.just(item.opened))}]
    return item.model_copy(update=extra) if not extra else type(item).model_validate({**item_to_data(item), **extra})


@settings(max_examples=int(os.environ.get("SHISHI_FUZZ_EXAMPLES", "150")), deadline=None)
@given(odd_items(), st.sampled_from(["", "赶水镇/三居社区", "电话13812345678村"]), st.booleans())
def test_json_and_data_from_any_item_s_tuple_are_the_record_s(item, unit, reveal):
    from shishi.store.index import _item_record_class, item_json

    cls = _item_record_class()
    t = cls.to_tuple(item)
    assert cls.data_tuple(t) == item_to_data(item)
    view = item_view(item, unit, reveal)
    got = item_json()(t, *(() if reveal else (privacy.mask, privacy.MIN_DIGITS, privacy.might_hold)), unit=unit if reveal else privacy.mask(unit))
    assert to_json(got) == to_json(view)
    assert got == json.loads(to_json(view))  # JSON-ready already: nothing left for the encoder's default


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(data, max_size=4), max_size=5))
def test_lists_streamed_are_the_whole_array(lists):
    from shishi.render.json import write_lists

    buf = io.BytesIO()
    assert write_lists(buf, iter(lists)) == sum(len(x) for x in lists)
    assert buf.getvalue().decode() == std_json([v for x in lists for v in x]) + "\n"


def test_list_json_says_what_could_not_be_read(tmp_path: Path, cli):
    """Streamed like the table: the same note on stderr when items could not be read, the rest listed."""
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    f = root / "赶水镇" / "2021.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("status: verified", "status: nonsense", 1), encoding="utf-8")
    table = cli("list", ledger=root)
    r = cli("list", "--format", "json", ledger=root)
    assert r.exit_code == 0 and table.exit_code == 0
    assert "注意：有 1 处" in r.stderr and table.stderr.startswith(r.stderr)  # the table adds its count
    assert r.stdout == to_json([item_view(e.item, e.unit) for e in load(root).entries]) + "\n"


@pytest.mark.parametrize("args", [("list", "--format", "json"), ("list",), ("export", "--format", "json"), ("export",)])
def test_a_reader_that_stops_early_ends_the_command_quietly(tree: Path, args):
    """`shishi list --format json | head`: no error, exit 0, when the pipe closes before the output ends."""
    import os
    import subprocess
    import sys

    from conftest import ROOT
    from shishi.write import items as ops

    ops.add_many(tree, "三居社区", [{"title": f"路灯不亮 {n}", "description": "楼道里的灯坏了很久，" * 30, "opened": date(2021, 9, 1)} for n in range(1000)])
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.Popen([sys.executable, "-m", "shishi", "--ledger", str(tree), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert len(p.stdout.read(100)) == 100
    p.stdout.close()  # far more than a pipe holds is still to come
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 0 and not any(w in err for w in ("错误", "Broken", "Traceback", "Exception")), err
