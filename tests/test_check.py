"""`check` over whole trees: every problem at once, located, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SAMPLE
from shishi.checks.rules import check
from shishi.store.load import load
from shishi.write import items as ops


def _problems(root: Path, strict: bool = False) -> list[str]:
    return [str(p) for p in check(load(root), strict)]


def test_sample_district_is_clean():
    assert _problems(SAMPLE, strict=True) == []


def test_four_kinds_of_breakage_all_named(tree: Path, cli):
    a = ops.add(tree, "三居社区", "安装声控灯", opened="2021-09-01")
    ops.add(tree, "三居社区", "清理垃圾", opened="2021-09-02")
    ops.add(tree, "云品村", "修路", opened="2021-09-01")
    sj = tree / "赶水镇/三居社区/2021.yaml"
    yp = tree / "赶水镇/云品村/2021.yaml"
    text = sj.read_text(encoding="utf-8")
    text = text.replace("opened: 2021-09-02", "opened: 2021-02-30").replace("title: 安装声控灯", "title: 安装声控灯\n  colour: red")
    sj.write_text(text + f"\n- id: {a.id}\n  title: 重复\n  opened: 2021-09-05\n", encoding="utf-8")
    yp.write_text(yp.read_text(encoding="utf-8") + "<<<<<<< HEAD\n=======\n>>>>>>> other\n", encoding="utf-8")
    r = cli("check", ledger=tree)
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        "赶水镇/三居社区/2021.yaml:6:3: 未知字段 colour",
        "赶水镇/三居社区/2021.yaml:14:11: opened（登记日期）：没有这一天：2021-02-30",
        "赶水镇/三居社区/2021.yaml:18:3: 事项编号 GS-SJ-2021-001 重复（首见于 赶水镇/三居社区/2021.yaml:3）",
        "赶水镇/云品村/2021.yaml:9:1: git 合并冲突（第 9–11 行）：<<<<<<< 与 ======= 之间是本地的版本，======= 与 >>>>>>> 之间是合并进来的版本；"
        "保留正确的内容（或两者都留，各成一项），删去三行标记，再运行 shishi check",
    ]
    assert "4 个错误" in r.stderr


def test_duplicate_id_across_files(tree: Path, cli):
    a = ops.add(tree, "三居社区", "安装声控灯", opened="2021-09-01")
    src = tree / "赶水镇/三居社区/2021.yaml"
    (tree / "赶水镇/云品村/2021.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    r = cli("check", ledger=tree)
    assert r.exit_code == 1
    assert f"赶水镇/云品村/2021.yaml:3:3: 事项编号 {a.id} 重复（首见于 赶水镇/三居社区/2021.yaml:3）" in r.stdout
    assert "赶水镇/云品村/2021.yaml:3:3: 编号 GS-SJ-2021-001 的单位代码应为 GS-YP" in r.stdout


def test_links_dates_and_status_rules(tree: Path):
    a = ops.add(tree, "三居社区", "a", opened="2021-09-01")
    p = tree / "赶水镇/三居社区/2021.yaml"
    p.write_text(
        p.read_text(encoding="utf-8").replace("status: open", "status: resolved\n  escalated_to: GS-2021-009\n  verification:\n    date: 2021-08-01"),
        encoding="utf-8",
    )
    msgs = _problems(tree)
    joined = "\n".join(msgs)
    assert "已办结事项须有 resolution" in joined
    assert "上报去向 GS-2021-009 不存在" in joined
    assert "销号日期早于登记日期" in joined
    assert "有 escalated_to 的事项状态应为 escalated" in joined
    assert all(m.startswith("赶水镇/三居社区/2021.yaml:") for m in msgs), msgs
    assert a.id


def test_region_codes_nest_and_short_codes_unique(tree: Path):
    (tree / "赶水镇/云品村/unit.yaml").write_text("name: 云品村\nkind: village\nshort: SJ\ncode: '500110999201'\n", encoding="utf-8")
    joined = "\n".join(_problems(tree))
    assert "赶水镇/云品村/unit.yaml:4:1: 区划代码 500110999201 不在上级 500110105000 之下（应以 500110105 开头）" in joined
    assert "赶水镇/云品村/unit.yaml:3:1: 单位代码 GS-SJ 与 赶水镇/三居社区 重复" in joined


def test_vocabulary_and_warnings_strict(tree: Path):
    ops.add(tree, "三居社区", "a", opened="2021-09-01", category="基础设施")
    p = tree / "赶水镇/三居社区/2021.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("基础设施", "火星探测").replace("due: 2021-09-08", "due: 2021-08-01"), encoding="utf-8")
    probs = check(load(tree))
    assert [(p.severity, p.message[:2]) for p in probs] == [("error", "类别"), ("warning", "完成")]
    assert all(p.severity == "error" for p in check(load(tree), strict=True))


@pytest.mark.parametrize(
    "content, expect",
    [
        (b"\xff\xfe", "不是 UTF-8 编码"),
        (b"", None),
        (b"a: 1\n", "台账文件应为事项列表"),
        (b"- 1\n", "事项应为键值映射"),
        (b"- id: !!python/object/apply:os.system ['echo hi']\n", "不允许 YAML 标签"),
    ],
)
def test_bad_files_are_problems(tree: Path, content, expect):
    (tree / "赶水镇/2021.yaml").write_bytes(content)
    msgs = _problems(tree)
    if expect is None:
        assert msgs == []
    else:
        assert len(msgs) == 1 and expect in msgs[0] and msgs[0].startswith("赶水镇/2021.yaml:1:"), msgs


def test_directory_where_file_should_be_and_symlink(tree: Path, tmp_path: Path):
    (tree / "赶水镇/2021.yaml").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "unit.yaml").write_text("name: x\nkind: village\nshort: X\n", encoding="utf-8")
    (tree / "文龙街道/外部").symlink_to(outside)
    msgs = "\n".join(_problems(tree))
    assert "赶水镇/2021.yaml:0:0: 应为文件，却是目录" in msgs
    assert "文龙街道/外部:0:0: 符号链接不予读取" in msgs


def test_copy_of_sample_breaks_as_expected(tmp_path: Path):
    root = tmp_path / "s"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".shishi"))
    assert _problems(root) == []
