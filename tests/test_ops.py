"""The core library on temporary ledger trees: lifecycle, refusals, and writes that touch only their item."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import snapshot
from shishi import values
from shishi.checks.rules import check
from shishi.errors import ShishiError
from shishi.store.load import load
from shishi.write import files, units
from shishi.write import items as ops
from shishi.write.fmt import fmt as write_fmt

D = date(2021, 9, 1)


def test_lifecycle_and_ids(tree: Path):
    a = ops.add(tree, "三居社区", "安装楼道声控灯", category="基础设施", source="走访", opened="2021-09-01")
    b = ops.add(tree, "赶水镇/三居社区", "清理垃圾", opened="2021/9/2")
    assert (a.id, b.id) == ("GS-SJ-2021-001", "GS-SJ-2021-002")
    assert a.due == date(2021, 9, 8)  # the default 7 days of a new tree
    ops.progress(tree, a.id, "已采购", when="2021-09-03")
    closed = ops.close(tree, a.id, "已安装", 36, spent="1200.50", when="2021-09-05", satisfaction="满意")
    assert closed.status == "resolved" and closed.resolution.spent == Decimal("1200.50")
    v = ops.verify(tree, a.id, by="区督查办", when="2021-09-10")
    assert v.status == "verified"
    r = ops.reopen(tree, a.id, "灯又坏了", when="2021-09-20")
    assert r.status == "in_progress" and r.resolution is None and r.reopenings[0].resolution.beneficiaries == 36
    c = ops.cancel(tree, b.id, "与 001 重复", duplicate_of=a.id, when="2021-09-03")
    assert c.status == "cancelled"
    ledger = load(tree)
    assert check(ledger) == []
    assert [e.item.id for e in ledger.entries] == [a.id, b.id]


def test_escalation_links_both_ways_and_new_item_continues(tree: Path):
    a = ops.add(tree, "云品村", "修建产业路", opened="2021-05-01", category="基础设施")
    new = ops.escalate(tree, a.id, "赶水镇", "村里资金不足", when="2021-05-03")
    assert new.id == "GS-2021-001" and new.escalated_from == a.id and new.opened == date(2021, 5, 3)
    old, unit = files.get(tree, a.id)
    assert unit == "赶水镇/云品村" and old.status == "escalated" and old.escalated_to == new.id
    assert "村里资金不足" in old.progress[-1].note
    assert check(load(tree)) == []
    with pytest.raises(ShishiError):
        ops.close(tree, a.id, "x", 1)  # the original no longer counts as open


@pytest.mark.parametrize(
    "action",
    [
        lambda t, i: ops.verify(t, i),  # not resolved yet
        lambda t, i: ops.close(t, i, "x", -1),
        lambda t, i: ops.close(t, i, "x", 3, satisfaction="非常好"),
        lambda t, i: ops.close(t, i, "x", 3, when="2021-08-01"),  # before opened
        lambda t, i: ops.close(t, i, "x", 3, when="2021-02-30"),
        lambda t, i: ops.progress(t, i, "x", milestone="不存在", done=True),
        lambda t, i: ops.escalate(t, i, "不存在的单位", "x"),
        lambda t, i: ops.escalate(t, i, "三居社区", "x"),  # its own unit
        lambda t, i: ops.cancel(t, i, "x", duplicate_of="GS-SJ-2021-999"),
        lambda t, i: ops.reopen(t, i, "x"),
        lambda t, i: ops.add(t, "三居社区", "x", category="不在词表"),
        lambda t, i: ops.add(t, "三居社区", "x", budget="abc"),
        lambda t, i: ops.add(t, "三居社区", "x", targets=["人行便道"]),
        lambda t, i: ops.add(t, "没有这个单位", "x"),
        lambda t, i: ops.add(t, "三居社区", "x", opened="2021-09-10", due="2021-09-01"),
    ],
)
def test_refused_commands_change_nothing(tree: Path, action):
    item = ops.add(tree, "三居社区", "路灯不亮", opened="2021-09-01")
    before = snapshot(tree)
    with pytest.raises(ShishiError):
        action(tree, item.id)
    assert snapshot(tree) == before


def test_close_of_verified_is_refused(tree: Path):
    a = ops.add(tree, "三居社区", "x", opened="2021-09-01")
    ops.close(tree, a.id, "done", 1, when="2021-09-02")
    ops.verify(tree, a.id, when="2021-09-03")
    with pytest.raises(ShishiError, match="已销号"):
        ops.close(tree, a.id, "again", 1)


COMMENTED = """\
# 三居社区 2021年台账
# 手工维护：请勿删除本注释

- id: GS-SJ-2021-001   # 第一件
  kind: demand
  title: 安装楼道声控灯
  opened: 2021-09-01
  due: 2021-09-08
  status: open

# 下面这件是重点
- id: GS-SJ-2021-002
  kind: project
  title: 修建人行便道
  # 村里自筹一部分
  opened: 2021-09-02
  due: 2021-12-31
  status: open
  budget: 300000
  milestones:
  - name: 一期竣工
    due: 2021-10-31
  targets:
  - name: 人行便道
    unit: 米
    planned: 3000

- id: GS-SJ-2021-003
  kind: demand
  title: 清理楼道杂物
  opened: 2021-09-03
  due: 2021-09-10
  status: open   # 待办

# 文件结尾的注释
"""


def _outside(text: str, item_id: str) -> tuple[str, str]:
    """The text before and after an item's block."""
    start = text.index(f"- id: {item_id}")
    nxt = text.find("\n- id:", start + 1)
    tail_comment = text.find("\n# ", start)
    ends = [p for p in (nxt, tail_comment) if p != -1]
    end = min(ends) if ends else len(text)
    return text[:start], text[end:]


@pytest.mark.parametrize(
    "target, action",
    [
        ("GS-SJ-2021-002", lambda t: ops.progress(t, "GS-SJ-2021-002", "一期开工", when="2021-09-10")),
        ("GS-SJ-2021-002", lambda t: ops.progress(t, "GS-SJ-2021-002", "一期完工", when="2021-10-20", milestone="一期竣工", done=True)),
        ("GS-SJ-2021-002", lambda t: ops.close(t, "GS-SJ-2021-002", "建成", 1200, spent="295000", when="2021-11-20", targets=["人行便道=3000"])),
        ("GS-SJ-2021-001", lambda t: ops.cancel(t, "GS-SJ-2021-001", "重复", duplicate_of="GS-SJ-2021-003", when="2021-09-05")),
        ("GS-SJ-2021-003", lambda t: ops.escalate(t, "GS-SJ-2021-003", "赶水镇", "需要镇里协调", when="2021-09-05")),
        ("GS-SJ-2021-001", lambda t: (ops.close(t, "GS-SJ-2021-001", "已装", 30, when="2021-09-04"), ops.verify(t, "GS-SJ-2021-001", when="2021-09-06"))),
        ("GS-SJ-2021-001", lambda t: (ops.close(t, "GS-SJ-2021-001", "已装", 30, when="2021-09-04"), ops.reopen(t, "GS-SJ-2021-001", "又坏了", when="2021-09-06"))),
    ],
)
def test_every_write_keeps_bytes_outside_its_item(tree: Path, target, action):
    path = tree / "赶水镇" / "三居社区" / "2021.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    action(tree)
    after = path.read_text(encoding="utf-8")
    assert after != before
    assert _outside(after, target) == _outside(before, target)
    assert check(load(tree)) == []


def test_add_appends_and_keeps_every_existing_byte(tree: Path):
    path = tree / "赶水镇" / "三居社区" / "2021.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    item = ops.add(tree, "三居社区", "新问题", opened="2021-09-20")
    assert item.id == "GS-SJ-2021-004"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(COMMENTED)


def test_comment_inside_changed_item_survives(tree: Path):
    path = tree / "赶水镇" / "三居社区" / "2021.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    ops.progress(tree, "GS-SJ-2021-002", "开工", when="2021-09-10")
    assert "  # 村里自筹一部分\n" in path.read_text(encoding="utf-8")


def test_crlf_and_bom_files_stay_so(tree: Path):
    path = tree / "赶水镇" / "三居社区" / "2021.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + COMMENTED.replace("\n", "\r\n").encode())
    ops.progress(tree, "GS-SJ-2021-001", "处理中", when="2021-09-02")
    ops.add(tree, "三居社区", "新问题", opened="2021-09-20")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b"")
    assert check(load(tree)) == []


def test_fmt_canonical_and_idempotent(tree: Path):
    path = tree / "赶水镇" / "三居社区" / "2021.yaml"
    path.write_text(
        "# head\n- {id: GS-SJ-2021-001, title: 'x', opened: 2021-09-01, status: open, kind: demand}\n"
        "- title: y\n  id: GS-SJ-2021-002\n  opened: 2021-09-02\n  partners: [a, b]\n",
        encoding="utf-8",
    )
    before_items = [e.item for e in load(tree).entries]
    assert write_fmt(tree, check_only=True) == ["赶水镇/三居社区/2021.yaml"]
    assert write_fmt(tree) == ["赶水镇/三居社区/2021.yaml"]
    assert write_fmt(tree, check_only=True) == []
    assert [e.item for e in load(tree).entries] == before_items
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# head\n") and "- id: GS-SJ-2021-002\n  kind: demand\n  title: y\n" in text


def test_fmt_keeps_comments_inside_items(tree: Path):
    path = tree / "赶水镇" / "三居社区" / "2021.yaml"
    path.write_text(COMMENTED.replace("  kind: project\n  title: 修建人行便道\n", "  title: 修建人行便道\n  kind: project\n"), encoding="utf-8")
    write_fmt(tree)
    text = path.read_text(encoding="utf-8")
    assert "# 村里自筹一部分" in text and "# 第一件" in text and "# 文件结尾的注释" in text
    assert text.index("kind: project") < text.index("title: 修建人行便道")
    assert write_fmt(tree, check_only=True) == []


def test_unit_add_checks(tree: Path):
    with pytest.raises(ShishiError):
        units.add_unit(tree, "赶水镇/新村", "village", short="SJ")  # GS-SJ taken
    with pytest.raises(ShishiError):
        units.add_unit(tree, "不存在/新村", "village", short="XC")
    for bad in ("a\x01b", "..", "CON", "x:y"):
        with pytest.raises(ShishiError):
            units.add_unit(tree, f"赶水镇/{bad}", "village", short="XC")
    assert units.add_unit(tree, "赶水镇/新村", "village") == "赶水镇/新村"
    assert load(tree).prefix("赶水镇/新村") == "GS-X"  # pinyin initials of 新 (村 is the kind)


def test_default_due_from_time_limits(tree: Path):
    cfg = tree / "shishi.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("time_limits:\n", "time_limits:\n  categories: {基础设施: 15}\n"), encoding="utf-8")
    assert ops.add(tree, "三居社区", "a", opened="2021-09-01", category="基础设施").due == date(2021, 9, 16)
    assert ops.add(tree, "三居社区", "b", opened="2021-09-01", handling="立刻办").due == date(2021, 9, 2)
    assert ops.add(tree, "三居社区", "c", opened="2021-09-01").due == date(2021, 9, 8)


@pytest.mark.parametrize("text, expected", [("2021-09-01", D), ("2021/9/1", D), ("2021年9月1日", D), ("2021.9.1", D)])
def test_parse_date_forms(text, expected):
    assert values.parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [("50万", Decimal(500000)), ("1,200.50", Decimal("1200.50")), ("300元", Decimal(300))])
def test_parse_money(text, expected):
    assert values.parse_money(text) == expected


def test_fmt_keeps_blank_lines_inside_text_and_crlf(tree: Path):
    item = ops.add(tree, "三居社区", "漏水", opened="2021-09-01", description="第一段\n\n\n第二段")
    path = tree / "赶水镇/三居社区/2021.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n\r\n# end\r\n")
    write_fmt(tree)
    assert files.get(tree, item.id)[0].description == "第一段\n\n\n第二段"
    raw = path.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"") and raw.endswith(b"\r\n\r\n# end\r\n")
    assert write_fmt(tree, check_only=True) == []


def test_escalated_item_gets_the_receiving_units_owner_and_due(tree: Path):
    a = ops.add(tree, "云品村", "修路", opened="2021-05-01", owner="村主任", lead="村书记")
    new = ops.escalate(tree, a.id, "赶水镇", "资金不足", when="2021-05-03", owner="镇城建办 李某", due="2021-06-30")
    assert (new.owner, new.lead, new.due) == ("镇城建办 李某", None, date(2021, 6, 30))
    with pytest.raises(ShishiError):
        ops.escalate(tree, ops.add(tree, "云品村", "x", opened="2021-05-01").id, "赶水镇", "r", when="2021-05-03", due="2021-05-01")


def test_file_last_written_by_shishi_is_not_parsed_again_but_a_hand_edit_is(tree: Path, monkeypatch):
    import shishi.write.files as o

    a = ops.add(tree, "三居社区", "路灯", opened="2021-09-01")
    parsed = []
    real = o.parse_text
    monkeypatch.setattr(o, "parse_text", lambda rp, text: parsed.append(rp) or real(rp, text))
    ops.progress(tree, a.id, "处理中", when="2021-09-02")
    ops.add(tree, "三居社区", "垃圾", opened="2021-09-02")
    assert parsed == []  # both writes trusted the stamp of shishi's own last write
    path = tree / "赶水镇/三居社区/2021.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "- id: [broken\n", encoding="utf-8")
    before = snapshot(tree)
    with pytest.raises(ShishiError, match="文件无法读取"):
        ops.add(tree, "三居社区", "新问题", opened="2021-09-03")
    assert parsed == ["赶水镇/三居社区/2021.yaml"] and snapshot(tree) == before
