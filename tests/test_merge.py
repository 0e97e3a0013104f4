"""The three-way merge of ledger files by item ID: pure functions, the driver on files, and a Hypothesis property."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shishi.checks.rules import check
from shishi.git.merge import MISSING, Conflict, Unmergeable, merge_texts, merge_value, read_side, run_driver
from shishi.store.ledger import read_items
from shishi.store.load import load
from shishi.store.model import ITEM_KEYS
from shishi.store.yamlio import dump_items, edit_block, find_blocks, split_lines
from shishi.write import items as ops
from shishi.write.relink import relink

HEAD = "# 三居社区 2021年台账\n# 注释：示例\n\n"


def item(n: int, title: str, **kw) -> dict:
    d = {"id": f"GS-SJ-2021-{n:03d}", "kind": "demand", "title": title, "opened": date(2021, 9, 1), "due": date(2021, 9, 8), "status": "open"}
    d.update(kw)
    return {k: d[k] for k in ITEM_KEYS if k in d}


def text_of(items: list[dict], head: str = HEAD) -> str:
    return head + "\n".join(dump_items([i]) for i in items)


def write(text: str, changes: dict[str, dict] = (), added: list[dict] = ()) -> str:
    """A side as the write commands leave it: changed blocks edited in place, new items appended."""
    changes = dict(changes)
    lines = split_lines(text)
    side = read_side(text)
    out, pos = [], 0
    for b in find_blocks(lines):
        out.append("".join(lines[pos : b.start]))
        block = "".join(lines[b.start : b.end])
        out.append(edit_block(block, side.data[b.id], changes[b.id], ITEM_KEYS) if b.id in changes else block)
        pos = b.end
    out.append("".join(lines[pos:]))
    new = "".join(out)
    for d in added:
        new = new.rstrip("\n") + "\n\n" + dump_items([d])
    return new


def items(text: str) -> dict[str, dict]:
    data = read_side(text).items()
    assert all(v is not None for v in data.values()), text
    return data


def clean(text: str) -> None:
    entries, problems, _ = read_items("x/2021.yaml", "x", text)
    assert problems == [], text


BASE = text_of([item(1, "楼道声控灯不亮"), item(2, "3号楼堆放杂物")])


# ------------------------------------------------------------------ values


def test_values_merge_field_by_field():
    assert merge_value("a", "a", "b") == "b" and merge_value("a", "c", "a") == "c" and merge_value(MISSING, "x", "x") == "x"
    assert merge_value("a", "b", "c") == Conflict("b", "c")
    assert merge_value("open", "in_progress", "resolved", "status") == "resolved"
    assert merge_value("open", "escalated", "in_progress", "status") == "escalated"
    assert merge_value("in_progress", "resolved", "cancelled", "status") == Conflict("resolved", "cancelled")
    b = {"date": date(2021, 9, 3), "text": "x", "beneficiaries": 3}
    assert merge_value(b, dict(b, text="y"), dict(b, beneficiaries=5)) == {"date": date(2021, 9, 3), "text": "y", "beneficiaries": 5}
    p1, p2, p3 = ({"date": date(2021, 9, d), "note": n} for d, n in ((1, "甲"), (3, "丙"), (2, "乙")))
    assert merge_value([p1], [p1, p2], [p1, p3], "progress") == [p1, p3, p2]  # union, date order
    assert merge_value([p1], [p1, p2], [p1, p3], "progress") == merge_value([p1], [p1, p3], [p1, p2], "progress")
    m = {"name": "一期", "due": date(2021, 10, 1)}
    assert merge_value([m], [dict(m, done=date(2021, 9, 30))], [m, {"name": "二期", "due": date(2021, 12, 1)}], "milestones") == [
        dict(m, done=date(2021, 9, 30)),
        {"name": "二期", "due": date(2021, 12, 1)},
    ]


# ------------------------------------------------------------------ files


def test_both_added_kept_and_different_fields_merge():
    ours = write(BASE, {"GS-SJ-2021-001": item(1, "楼道声控灯不亮", owner="王某")}, [item(3, "本地新增")])
    theirs = write(BASE, {"GS-SJ-2021-001": item(1, "楼道声控灯不亮", due=date(2021, 9, 10))}, [item(3, "对方新增"), item(4, "对方又增")])
    r = merge_texts(BASE, ours, theirs)
    assert r.conflicts == [] and r.renamed == [("GS-SJ-2021-003", "GS-SJ-2021-005", "theirs")]
    got = items(r.text)
    assert list(got) == ["GS-SJ-2021-001", "GS-SJ-2021-002", "GS-SJ-2021-003", "GS-SJ-2021-005", "GS-SJ-2021-004"]
    assert got["GS-SJ-2021-001"]["owner"] == "王某" and got["GS-SJ-2021-001"]["due"] == date(2021, 9, 10)
    assert [got[i]["title"] for i in ("GS-SJ-2021-003", "GS-SJ-2021-005", "GS-SJ-2021-004")] == ["本地新增", "对方新增", "对方又增"]
    assert r.text.startswith(HEAD) and "\n\n\n" not in r.text
    clean(r.text)
    # on a pull the incoming items are already on the server: the local one moves instead
    r = merge_texts(BASE, ours, theirs, published={"GS-SJ-2021-003": [items(theirs)["GS-SJ-2021-003"]]})
    assert r.renamed == [("GS-SJ-2021-003", "GS-SJ-2021-005", "ours")]
    got = items(r.text)
    assert (got["GS-SJ-2021-003"]["title"], got["GS-SJ-2021-005"]["title"]) == ("对方新增", "本地新增")


def test_same_item_added_identically_on_both_sides_is_one_item():
    both = write(BASE, {}, [item(3, "同一件")])
    r = merge_texts(BASE, both, both)
    assert r.renamed == [] and r.text == both


def test_progress_logs_are_a_union_and_status_follows_the_stronger_side():
    ours = write(BASE, {"GS-SJ-2021-001": item(1, "楼道声控灯不亮", status="in_progress", progress=[{"date": date(2021, 9, 4), "note": "再次查看"}])})
    theirs = write(
        BASE,
        {
            "GS-SJ-2021-001": item(
                1, "楼道声控灯不亮", status="resolved", progress=[{"date": date(2021, 9, 2), "note": "已采购"}],
                resolution={"date": date(2021, 9, 5), "text": "换灯", "beneficiaries": 36},
            )
        },
    )
    r = merge_texts(BASE, ours, theirs)
    got = items(r.text)["GS-SJ-2021-001"]
    assert r.conflicts == [] and got["status"] == "resolved"
    assert [p["note"] for p in got["progress"]] == ["已采购", "再次查看"]
    assert items(merge_texts(BASE, theirs, ours).text)["GS-SJ-2021-001"] == got


def test_a_true_conflict_is_marked_inside_that_item_only():
    ours = write(BASE, {"GS-SJ-2021-001": item(1, "楼道灯坏了", owner="王某"), "GS-SJ-2021-002": item(2, "3号楼堆放杂物", owner="李某")})
    theirs = write(BASE, {"GS-SJ-2021-001": item(1, "楼道灯不亮了", due=date(2021, 9, 9))})
    r = merge_texts(BASE, ours, theirs)
    assert r.conflicts == ["GS-SJ-2021-001"]
    assert (
        "- id: GS-SJ-2021-001\n  kind: demand\n<<<<<<< ours\n  title: 楼道灯坏了\n=======\n  title: 楼道灯不亮了\n>>>>>>> theirs\n"
        "  owner: 王某\n  opened: 2021-09-01\n  due: 2021-09-09\n" in r.text
    )
    rest = r.text[r.text.index("- id: GS-SJ-2021-002") :]
    clean(rest)
    assert "owner: 李某" in rest


def test_deleted_items():
    one = text_of([item(1, "楼道声控灯不亮")])
    assert merge_texts(BASE, one, BASE).text == one  # deleted here, untouched there: gone
    theirs = write(BASE, {"GS-SJ-2021-002": item(2, "3号楼堆放杂物", owner="李某")})
    r = merge_texts(BASE, one, theirs)  # deleted here, changed there: nothing dropped silently
    assert r.conflicts == ["GS-SJ-2021-002"]
    assert r.text.endswith("<<<<<<< ours\n=======\n- id: GS-SJ-2021-002\n  kind: demand\n  title: 3号楼堆放杂物\n  owner: 李某\n  opened: 2021-09-01\n  due: 2021-09-08\n  status: open\n>>>>>>> theirs\n")


def test_comments_and_layout_outside_changed_items_survive():
    base = BASE.replace("- id: GS-SJ-2021-002\n", "# 九月新增\n- id: GS-SJ-2021-002\n  # 居民来电\n")
    ours = base.replace("  title: 3号楼堆放杂物\n", "  title: 3号楼堆放杂物  # 核实中\n")
    theirs = write(base, {"GS-SJ-2021-001": item(1, "楼道声控灯不亮", owner="王某")})
    r = merge_texts(base, ours, theirs)
    assert r.text == ours.replace("  title: 楼道声控灯不亮\n", "  title: 楼道声控灯不亮\n  owner: 王某\n")
    assert merge_texts(base, base, theirs).text == theirs and merge_texts(base, ours, base).text == ours


def test_duplicate_of_follows_a_renumbered_item():
    ours = write(BASE, {}, [item(3, "本地")])
    theirs = write(BASE, {"GS-SJ-2021-002": item(2, "3号楼堆放杂物", status="cancelled", cancellation={"date": date(2021, 9, 2), "reason": "重复", "duplicate_of": "GS-SJ-2021-003"})}, [item(3, "对方")])
    got = items(merge_texts(BASE, ours, theirs).text)
    assert got["GS-SJ-2021-004"]["title"] == "对方" and got["GS-SJ-2021-002"]["cancellation"]["duplicate_of"] == "GS-SJ-2021-004"


def test_items_that_do_not_validate_merge_as_text():
    broken = BASE.replace("  due: 2021-09-08\n  status: open\n\n- id: GS-SJ-2021-002", "  due: 2021-09-08\n  status: nonsense\n\n- id: GS-SJ-2021-002")
    theirs = write(BASE, {"GS-SJ-2021-002": item(2, "3号楼堆放杂物", owner="李某")})
    r = merge_texts(BASE, broken, theirs)
    assert r.conflicts == [] and "status: nonsense" in r.text and "owner: 李某" in r.text
    with pytest.raises(Unmergeable):
        read_side(BASE + "<<<<<<< HEAD\n")
    with pytest.raises(Unmergeable):
        read_side("items:\n- id: GS-SJ-2021-001\n")


# ------------------------------------------------------------------ the driver on files


def test_driver_keeps_crlf_and_bom_and_falls_back_to_line_merge(tmp_path: Path, capsys):
    ours = write(BASE, {"GS-SJ-2021-001": item(1, "楼道声控灯不亮", owner="王某")})
    theirs = write(BASE, {}, [item(3, "对方新增")])
    b, o, t = tmp_path / "base", tmp_path / "ours", tmp_path / "theirs"
    b.write_bytes(BASE.replace("\n", "\r\n").encode())
    o.write_bytes(b"\xef\xbb\xbf" + ours.replace("\n", "\r\n").encode())
    t.write_bytes(theirs.replace("\n", "\r\n").encode())
    assert run_driver(b, o, t, "赶水镇/三居社区/2021.yaml") == 0
    raw = o.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    got = items(raw[3:].decode().replace("\r\n", "\n"))
    assert got["GS-SJ-2021-001"]["owner"] == "王某" and got["GS-SJ-2021-003"]["title"] == "对方新增"
    # a broken side: git's own line merge, with its markers
    o.write_text("- id: [unclosed\n", encoding="utf-8")
    t.write_text(BASE, encoding="utf-8")
    b.write_text(BASE.replace("楼道", "走廊"), encoding="utf-8")
    assert run_driver(b, o, t, "x/2021.yaml") == 1
    assert "<<<<<<< ours" in o.read_text(encoding="utf-8") and "改用 git 的逐行合并" in capsys.readouterr().err


def test_driver_as_git_runs_it(tmp_path: Path):
    """The command line git is given, through a real subprocess: exit codes and the file written in place."""
    import os
    import sys

    from conftest import ROOT

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    ours = write(BASE, {"GS-SJ-2021-001": item(1, "楼道灯坏了")})
    theirs = write(BASE, {"GS-SJ-2021-001": item(1, "楼道灯不亮了")})
    for name, text in (("base", BASE), ("ours", ours), ("theirs", theirs)):
        (tmp_path / f"{name} 版本").write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "shishi", "merge-driver", "base 版本", "ours 版本", "theirs 版本", "赶水镇/三居社区/2021.yaml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1 and "事项 GS-SJ-2021-001 双方改得不同" in proc.stderr
    assert "<<<<<<< ours\n  title: 楼道灯坏了\n=======\n  title: 楼道灯不亮了\n>>>>>>> theirs\n" in (tmp_path / "ours 版本").read_text(encoding="utf-8")


def test_relink_repoints_an_escalation_renumbered_by_a_merge(tree: Path):
    a = ops.add(tree, "云品村", "产业路", opened="2021-09-01")
    b = ops.add(tree, "三居社区", "停车", opened="2021-09-01")
    ops.escalate(tree, a.id, "赶水镇", "x", when="2021-09-02")
    ops.escalate(tree, b.id, "赶水镇", "y", when="2021-09-02")
    town = tree / "赶水镇/2021.yaml"
    # what a merge leaves: the village's continuation renumbered 001 -> 003, the source still pointing at 001
    text = town.read_text(encoding="utf-8").replace("GS-2021-001", "GS-2021-003").replace("GS-2021-002", "GS-2021-001")
    town.write_text(text, encoding="utf-8")
    sj = tree / "赶水镇/三居社区/2021.yaml"
    sj.write_text(sj.read_text(encoding="utf-8").replace("GS-2021-002", "GS-2021-001"), encoding="utf-8")
    assert len(check(load(tree))) == 2
    assert relink(tree) == [(a.id, "GS-2021-001", "GS-2021-003")]
    assert check(load(tree)) == [] and relink(tree) == []


# ------------------------------------------------------------------ the property


TITLES = ("路灯", "垃圾", "井盖")
NOTES = ("已查看", "已采购", "已维修")
PEOPLE = ("王某", "李某")

op = st.one_of(
    st.tuples(st.just("progress"), st.integers(0, 3), st.integers(2, 6), st.sampled_from(NOTES)),
    st.tuples(st.just("set"), st.integers(0, 3), st.sampled_from(("owner", "title", "category")), st.sampled_from(PEOPLE + TITLES)),
    st.tuples(st.just("close"), st.integers(0, 3), st.integers(1, 3)),
    st.tuples(st.just("add"), st.sampled_from(TITLES)),
)


def edit(base: str, ops_: list[tuple]) -> str:
    """Apply random clerk operations to a side, as the write commands would."""
    data = {k: dict(v) for k, v in items(base).items()}
    order = list(data)
    changes, added = {}, []
    for o in ops_:
        if o[0] == "add":
            n = len(order) + len(added) + 1
            added.append(item(n, o[1]))
            continue
        iid = order[o[1] % len(order)]
        d = changes.setdefault(iid, dict(data[iid]))
        if o[0] == "progress" and d["status"] in ("open", "in_progress"):
            d["progress"] = [*d.get("progress", []), {"date": date(2021, 9, o[2]), "note": o[3]}]
            d["status"] = "in_progress"
        elif o[0] == "set":
            d[o[2]] = o[3]
        elif o[0] == "close" and d["status"] in ("open", "in_progress"):
            d["status"] = "resolved"
            d["resolution"] = {"date": date(2021, 9, 7), "text": "办结", "beneficiaries": o[2]}
        changes[iid] = {k: d[k] for k in ITEM_KEYS if k in d}
    return write(base, changes, added)


def _without_id(d: dict) -> str:
    return repr(sorted((k, repr(v)) for k, v in d.items() if k != "id"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base_titles=st.lists(st.sampled_from(TITLES), min_size=1, max_size=3),
    ours_ops=st.lists(op, max_size=4),
    theirs_ops=st.lists(op, max_size=4),
)
def test_merge_keeps_every_item_and_is_symmetric(base_titles, ours_ops, theirs_ops):
    base = text_of([item(n + 1, t) for n, t in enumerate(base_titles)])
    ours, theirs = edit(base, ours_ops), edit(base, theirs_ops)
    ab, ba = merge_texts(base, ours, theirs), merge_texts(base, theirs, ours)
    assert sorted(ab.conflicts) == sorted(ba.conflicts)
    assert set(ab.conflicts) <= set(items(base))  # new items never conflict: both are kept
    for r in (ab, ba):
        for iid in items(ours) | items(theirs):
            assert iid in r.text
    if ab.conflicts:
        return
    clean(ab.text)
    got_ab, got_ba = items(ab.text), items(ba.text)
    for side in (ours, theirs):  # every item of both sides is there: new ones by content, old ones by ID
        new = [d for i, d in items(side).items() if i not in items(base)]
        assert all(any(_without_id(d) == _without_id(g) for g in got_ab.values()) for d in new)
        for i, d in items(side).items():
            if i in items(base):
                assert [p for p in d.get("progress", []) if p not in got_ab[i].get("progress", [])] == []
    if not ab.renamed:
        assert got_ab == got_ba  # symmetric
    else:
        assert sorted(map(_without_id, got_ab.values())) == sorted(map(_without_id, got_ba.values()))
    assert merge_texts(base, ours, base).text == ours
    assert got_ab == items(merge_texts(base, ours, theirs).text)
