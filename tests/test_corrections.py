"""Fixing mistakes with the trail kept: edit, unit edit/move (IDs never change), remove only what git never had."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import snapshot
from shishi.checks.rules import check
from shishi.errors import ShishiError
from shishi.store.load import load
from shishi.write import corrections, units
from shishi.write import items as ops
from test_git import commit_all, git, gitenv, new_repo  # noqa: F401 - gitenv: the isolated git of test_git, autouse here too


def test_edit_keeps_old_values_and_reason(tree: Path, cli):
    a = ops.add(tree, "三居社区", "安装路登", opened="2021-09-01", owner="张三", category="基础设施", budget="1万")
    r = cli("edit", a.id.lower(), "--title", "安装路灯", "--owner", "", "--budget", "1.5万", "--reason", "错别字", ledger=tree)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == f"已更正 {a.id}：事项名称、责任人、投资(元)（原值已记入更正记录）\n"
    item = load(tree).entries[0].item
    assert (item.title, item.owner, str(item.budget)) == ("安装路灯", None, "15000")
    c = item.corrections[0]
    assert (c.changed, c.old, c.reason) == (["title", "owner", "budget"], {"title": "安装路登", "owner": "张三", "budget": "10000"}, "错别字")
    show = cli("show", a.id, ledger=tree).stdout
    assert "更正：事项名称原为“安装路登”；责任人原为“张三”；投资(元)原为“10000”（原因：错别字）" in show
    assert "corrected: title was '安装路登'; owner was '张三'; budget was '10000' (reason: 错别字)" in cli("--lang", "en", "show", a.id, ledger=tree).stdout
    assert check(load(tree)) == []


def test_edit_refusals_leave_the_tree(tree: Path):
    a = ops.add(tree, "三居社区", "路灯", opened="2021-09-01", due="2021-09-30")
    before = snapshot(tree)
    for kw in ({}, {"title": "路灯"}, {"title": " "}, {"opened": "2022-01-01"}, {"opened": "2021-10-01"}, {"category": "火星事务"}, {"budget": "0.001"}):
        with pytest.raises(ShishiError):
            corrections.edit(tree, a.id, **kw)
    assert snapshot(tree) == before


def test_edit_shows_in_log_and_changes(tmp_path: Path, cli):
    root = new_repo(tmp_path)
    a = ops.add(root, "三居社区", "安装路登", opened="2021-09-01")
    commit_all(root.parent, "add")
    assert cli("edit", a.id, "--title", "安装路灯", "--reason", "错别字", "--commit", ledger=root).exit_code == 0
    log = cli("log", a.id, ledger=root).stdout
    assert "    事项名称：安装路登 → 安装路灯\n" in log and "更正：事项名称原为“安装路登”（原因：错别字）" in log
    ch = cli("changes", "--since", "HEAD~1", ledger=root).stdout
    assert "修改：GS-SJ-2021-001 安装路灯（三居社区：事项名称）" in ch


def test_unit_move_keeps_ids_and_check_clean(tmp_path: Path, cli):
    root = new_repo(tmp_path)
    a = ops.add(root, "三居社区", "路灯", opened="2021-09-01")
    b = ops.add(root, "云品村", "道路", opened="2021-09-01")
    e = ops.escalate(root, b.id, "赶水镇", "需镇里出资", when="2021-09-02")
    commit_all(root.parent, "items")
    r = cli("unit", "move", "赶水镇/三居社区", "文龙街道/三居社区", ledger=root)
    assert r.exit_code == 1 and "--code" in r.stderr  # 500110105003 is 赶水镇's
    r = cli("unit", "move", "赶水镇/三居社区", "文龙街道/三居社区", "--code", "500110002003", "--commit", ledger=root)
    assert r.exit_code == 0, r.stderr
    assert "原编号 GS-SJ-… 仍然有效" in r.stdout
    ledger = load(root)
    assert check(ledger) == [] and ledger.records["文龙街道/三居社区"].former == ["GS-SJ"]
    assert ledger.prefix("文龙街道/三居社区") == "WL-SJ"
    assert git(root.parent, "status", "--porcelain") == ""  # the commit holds the move: old files gone, new ones there
    assert ops.progress(root, a.id, "已采购", when="2021-09-03").id == a.id  # the old ID still finds it
    assert ops.add(root, "三居社区", "新的", opened="2021-09-04").id == "WL-SJ-2021-001"
    # a new code for the town: its own and its units' old IDs stay valid, new ones take the new code
    r = cli("unit", "edit", "赶水镇", "--short", "GSZ", ledger=root)
    assert r.exit_code == 0, r.stderr
    assert ops.add(root, "云品村", "新的", opened="2021-09-04").id == "GSZ-YP-2021-001"
    ledger = load(root)
    assert ledger.records["赶水镇/云品村"].former == ["GS-YP"] and check(ledger) == []
    assert ops.progress(root, e.id, "镇里已派人", when="2021-09-05").id == e.id == "GS-2021-001"
    git(root.parent, "add", "-A")
    git(root.parent, "commit", "-qm", "more")
    log = cli("log", a.id, ledger=root).stdout  # followed across the move
    assert log.startswith(f"{a.id} 路灯（文龙街道/三居社区/2021.yaml）\n") and "新增事项" in log and "进展：+ 2021-09-03 已采购" in log
    assert log.count("新增事项") == 1


def test_unit_edit_and_move_refusals(tree: Path):
    before = snapshot(tree)
    for call in (
        lambda: units.move_unit(tree, "赶水镇", "赶水镇/三居社区/赶水镇"),  # below itself
        lambda: units.move_unit(tree, "赶水镇/三居社区", "文龙街道/CON"),
        lambda: units.move_unit(tree, "赶水镇/三居社区", "不存在/三居社区"),
        lambda: units.move_unit(tree, "赶水镇/三居社区", "赶水镇/云品村"),  # there already
        lambda: units.edit_unit(tree, "赶水镇/三居社区", short="YP"),  # GS-YP is its sibling's
        lambda: units.edit_unit(tree, "赶水镇/三居社区", kind="planet"),
        lambda: units.edit_unit(tree, "赶水镇/三居社区", code="123"),
        lambda: units.edit_unit(tree, "赶水镇/三居社区"),
    ):
        with pytest.raises(ShishiError):
            call()
    assert snapshot(tree) == before


def test_unit_rename_renames_its_directory(tree: Path, cli):
    a = ops.add(tree, "三居社区", "路灯", opened="2021-09-01")
    r = cli("unit", "edit", "三居社区", "--name", "三居村", "--kind", "village", ledger=tree)
    assert r.exit_code == 0, r.stderr
    assert (tree / "赶水镇/三居村/2021.yaml").is_file() and not (tree / "赶水镇/三居社区").exists()
    ledger = load(tree)
    assert ledger.records["赶水镇/三居村"].kind == "village" and ledger.prefix("赶水镇/三居村") == "GS-SJ" and check(ledger) == []
    assert cli("show", a.id, ledger=tree).exit_code == 0


def test_remove_only_what_git_never_had(tmp_path: Path, cli):
    root = new_repo(tmp_path)
    a = ops.add(root, "三居社区", "路灯", opened="2021-09-01")
    commit_all(root.parent, "add")
    b = ops.add(root, "三居社区", "误登记", opened="2021-09-01")
    before = snapshot(root)
    r = cli("remove", a.id, ledger=root)
    assert r.exit_code == 1 and f"shishi cancel {a.id}" in r.stderr and snapshot(root) == before
    r = cli("remove", b.id, ledger=root)
    assert r.exit_code == 0, r.stderr
    ledger = load(root)
    assert [e.item.id for e in ledger.entries] == [a.id] and check(ledger) == []
    assert (root / "赶水镇/三居社区/2021.yaml").read_text(encoding="utf-8") == git(root.parent, "show", "HEAD:台账 ledgers/赶水镇/三居社区/2021.yaml")


def test_remove_outside_git_and_refused_when_linked(tree: Path):
    a = ops.add(tree, "三居社区", "路灯", opened="2021-09-01")
    b = ops.add(tree, "三居社区", "路灯（重复）", opened="2021-09-01")
    ops.cancel(tree, b.id, "重复", duplicate_of=a.id, when="2021-09-02")
    with pytest.raises(ShishiError, match="cancel"):
        corrections.remove(tree, a.id)  # b names it
    assert corrections.remove(tree, b.id).id == b.id
    assert corrections.remove(tree, a.id).id == a.id
    assert load(tree).entries == []


def test_unit_edit_and_move_keep_the_clerks_comments(tree: Path):
    u = tree / "赶水镇/unit.yaml"
    before = u.read_text(encoding="utf-8")
    u.write_text("# 赶水镇台账，由镇党政办维护\n" + before.replace("kind: town", "kind: town  # 乡镇"), encoding="utf-8")
    units.edit_unit(tree, "赶水镇", short="GSZ", clerk="李四")
    text = u.read_text(encoding="utf-8")
    assert text.startswith("# 赶水镇台账，由镇党政办维护\n") and "kind: town  # 乡镇\n" in text and "short: GSZ\n" in text and "clerk: 李四\n" in text
    assert load(tree).records["赶水镇"].former == ["GS"] and check(load(tree)) == []
    v = tree / "赶水镇/三居社区/unit.yaml"
    v.write_text(v.read_text(encoding="utf-8") + "# 2021 年由三居村改为社区\n", encoding="utf-8")
    units.move_unit(tree, "赶水镇/三居社区", "赶水镇/三居", short="SQ")
    text = (tree / "赶水镇/三居/unit.yaml").read_text(encoding="utf-8")
    assert "# 2021 年由三居村改为社区" in text and "short: SQ\n" in text
    ledger = load(tree)
    assert ledger.records["赶水镇/三居"].former == ["GS-SJ", "GSZ-SJ"]  # its ID prefix before the town's new code, and after
    assert check(ledger) == []
