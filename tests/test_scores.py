"""Satisfaction (满意度表) and unit scores (三率, 红黑榜) against hand-computed values."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shishi.checks.rules import check
from shishi.figures.scores import Tally, _rank, composite, ranking, satisfaction_of, survey_table, unit_scores
from shishi.store.load import load
from shishi.store.model import Config
from shishi.values import parse_period
from shishi.write import items as ops
from shishi.write import surveys, tracking

CUSTOM = """\
satisfaction:
- {name: 满意, score: 100, satisfied: true}
- {name: 较满意, score: 80, satisfied: true}
- {name: 一般, score: 60}
- {name: 不满意, score: 0}
weights: {response: 20, resolution: 40, satisfaction: 40}
"""
AS_OF = date(2021, 10, 31)


@pytest.fixture
def scored(tree: Path) -> Path:
    """A custom four-level scale and 20/40/40 weights; three surveys; items in 文龙街道, 赶水镇, 三居社区."""
    (tree / "shishi.yaml").write_text("district: 綦江区\ncode: '500110000000'\n" + CUSTOM, encoding="utf-8")
    surveys.survey_add(tree, "赶水镇", "2021Q3", "满意=30,较满意=10,一般=5,不满意=5", agency="甲公司")
    surveys.survey_add(tree, "赶水镇", "2021Q4", "满意=10,一般=10", agency="甲公司")
    surveys.survey_add(tree, "文龙街道", "2021Q3", "满意=1,不满意=2", agency="乙公司")
    W = "文龙街道"
    # I1: answered in a day, resolved on time, callback 满意
    ops.add(tree, W, "路灯", opened="2021-09-01", due="2021-09-08")
    ops.progress(tree, "WL-2021-001", "已派人", when="2021-09-02")
    ops.close(tree, "WL-2021-001", "已修", 3, when="2021-09-07", satisfaction="满意")
    # I2: never answered, overdue
    ops.add(tree, W, "井盖", opened="2021-09-01", due="2021-09-08")
    # I3: answered late, resolved late, reopened, resolved again
    ops.add(tree, W, "积水", opened="2021-09-01", due="2021-09-10")
    ops.progress(tree, "WL-2021-003", "已查看", when="2021-09-05")
    ops.close(tree, "WL-2021-003", "已疏通", 10, when="2021-09-12")
    ops.reopen(tree, "WL-2021-003", "又积水", when="2021-09-15")
    ops.close(tree, "WL-2021-003", "已改管", 10, when="2021-09-20")
    # I4: a finding: feedback next day, closed, returned once, closed on time, callback 不满意
    tracking.supervise_add(tree, W, "市场占道", "2021-10-20", when="2021-10-01")
    tracking.supervise_feedback(tree, "WL-2021-004", "已整改", when="2021-10-02")
    ops.close(tree, "WL-2021-004", "已入场", 100, when="2021-10-10")
    tracking.supervise_return(tree, "WL-2021-004", "仍有占道", when="2021-10-12")
    ops.close(tree, "WL-2021-004", "全部入场", 100, when="2021-10-15", satisfaction="不满意")
    # I5: a project, not yet due; I6: cancelled; I7: opened yesterday; I8: opened after the as-of date
    ops.add(tree, W, "文化广场", kind="project", opened="2021-09-01", due="2021-12-31")
    ops.add(tree, W, "重复", opened="2021-09-01")
    ops.cancel(tree, "WL-2021-006", "重复", when="2021-09-02")
    ops.add(tree, W, "噪音", opened="2021-10-30")
    ops.add(tree, W, "以后的", opened="2021-11-05")
    for unit in ("赶水镇", "三居社区"):
        i = ops.add(tree, unit, "路灯", opened="2021-09-01", due="2021-09-08")
        ops.progress(tree, i.id, "已派人", when="2021-09-01")
        ops.close(tree, i.id, "已修", 3, when="2021-09-03")
    return tree


def test_survey_table_matches_hand_computed_custom_scale(scored: Path):
    ledger = load(scored)
    assert check(ledger) == []
    assert [lv.name for lv in ledger.config.satisfaction] == ["满意", "较满意", "一般", "不满意"]
    t = survey_table(ledger)
    assert [lv["name"] for lv in t["levels"]] == ["满意", "较满意", "一般", "不满意"]
    rows = [(r["unit"], r["quarter"], r["sample"], r["satisfied"], r["rate"], r["mean_score"]) for r in t["rows"]]
    assert rows == [
        ("文龙街道", "2021Q3", 3, 1, 0.3333, 33.33),  # (100 + 0 + 0) / 3
        ("赶水镇", "2021Q3", 50, 40, 0.8, 82.0),  # (30×100 + 10×80 + 5×60) / 50 = 4100 / 50
        ("赶水镇", "2021Q4", 20, 10, 0.5, 80.0),  # (10×100 + 10×60) / 20
    ]
    assert t["rows"][1]["counts"] == {"满意": 30, "较满意": 10, "一般": 5, "不满意": 5}
    # by sample size: 41/53 and 4200/53, not the mean of 0.3333 and 0.8
    assert t["quarters"] == [
        {"quarter": "2021Q3", "units": 2, "sample": 53, "satisfied": 41, "rate": 0.7736, "mean_score": 79.25},
        {"quarter": "2021Q4", "units": 1, "sample": 20, "satisfied": 10, "rate": 0.5, "mean_score": 80.0},
    ]
    assert t["total"] == {"sample": 73, "satisfied": 51, "rate": 0.6986, "mean_score": 79.45}  # 5800 / 73
    q4 = survey_table(load(scored), "赶水镇", parse_period("2021-10"))
    assert [r["quarter"] for r in q4["rows"]] == ["2021Q4"]


def test_a_unit_without_a_survey_has_no_rate_not_zero(scored: Path, cli):
    ledger = load(scored)
    t = survey_table(ledger, "赶水镇/三居社区")
    assert t["rows"] == [] and t["total"] == {"sample": 0, "satisfied": 0, "rate": None, "mean_score": None}
    assert satisfaction_of(ledger, "赶水镇/三居社区").rate is None
    assert satisfaction_of(ledger, "赶水镇", below=True).rate == round(50 / 70, 4)
    row = next(r for r in unit_scores(ledger, AS_OF) if r["unit"] == "赶水镇/三居社区")
    assert (row["satisfaction_rate"], row["mean_score"], row["composite"], row["rank"]) == (None, None, None, None)
    r = cli("scores", "--as-of", "2021-10-31", "--period", "2021", ledger=scored)
    line = next(x for x in r.stdout.splitlines() if x.startswith("赶水镇/三居社区"))
    assert line.split() == ["赶水镇/三居社区", "1", "100.0%", "100.0%", "-", "100.0%", "0.0%", "0"]  # no survey: no rate (-), no composite, no rank
    r = cli("survey", "list", "--unit", "三居社区", ledger=scored)
    assert r.exit_code == 0 and r.stdout == "" and "没有满意度调查" in r.stderr


def test_survey_list_command(scored: Path, cli):
    r = cli("survey", "list", ledger=scored)
    lines = [x.split() for x in r.stdout.splitlines()]
    assert lines[0] == ["季度", "单位", "调查机构", "样本", "满意", "较满意", "一般", "不满意", "满意率", "平均分"]
    assert lines[2:] == [
        ["2021Q3", "文龙街道", "乙公司", "3", "1", "0", "0", "2", "33.3%", "33.33"],
        ["2021Q3", "赶水镇", "甲公司", "50", "30", "10", "5", "5", "80.0%", "82.00"],
        ["2021Q4", "赶水镇", "甲公司", "20", "10", "0", "10", "0", "50.0%", "80.00"],
        ["2021Q3", "合计（2", "个单位）", "53", "77.4%", "79.25"],
        ["2021Q4", "合计（1", "个单位）", "20", "50.0%", "80.00"],
    ]
    data = json.loads(cli("survey", "list", "--format", "json", "--period", "2021Q4", ledger=scored).stdout)
    assert data["total"] == {"sample": 20, "satisfied": 10, "rate": 0.5, "mean_score": 80.0}


def test_unit_scores_match_hand_computed(scored: Path):
    rows = {r["unit"]: r for r in unit_scores(load(scored), AS_OF, parse_period("2021"))}
    w = rows["文龙街道"]
    # cohort I1 I2 I3 I4 I5 I7 (I6 cancelled, I8 opened after the as-of date)
    assert w["cohort"] == 6
    # response: I1, I4 in time; I2 never, I3 late; I5 a project; I7 still inside its 2 days
    assert (w["responded"], w["response_base"], w["response_rate"]) == (2, 4, 0.5)
    assert (w["resolved"], w["handled"], w["resolution_rate"]) == (3, 6, 0.5)
    # on time: I1, I4 of I1, I2 (overdue), I3, I4; I5 and I7 not yet due
    assert (w["on_time"], w["on_time_base"], w["on_time_rate"]) == (2, 4, 0.5)
    assert (w["reopened"], w["ever_resolved"], w["reopen_rate"], w["returned"]) == (2, 3, 0.6667, 1)
    assert (w["callback_answers"], w["callback_rate"]) == (2, 0.5)
    assert (w["survey_sample"], w["satisfaction_rate"], w["mean_score"]) == (3, 0.3333, 33.33)
    assert w["composite"] == 43.33  # (20×1/2 + 40×1/2 + 40×1/3) / 100 × 100
    g = rows["赶水镇"]
    assert (g["response_rate"], g["resolution_rate"], g["satisfaction_rate"]) == (1.0, 1.0, 0.7143)
    assert g["composite"] == 88.57  # 20 + 40 + 40 × 50/70
    assert (g["rank"], w["rank"], rows[""]["rank"]) == (1, 2, None)
    lists = ranking(list(rows.values()), 1)
    assert [r["unit"] for r in lists["red"]] == ["赶水镇"] and [r["unit"] for r in lists["black"]] == ["文龙街道"]
    assert {r["unit"] for r in lists["unranked"]} == {"", "赶水镇/三居社区", "赶水镇/云品村"}
    # empty units show no rates at all
    assert {k: rows["赶水镇/云品村"][k] for k in ("response_rate", "resolution_rate", "on_time_rate", "reopen_rate")} == dict.fromkeys(
        ("response_rate", "resolution_rate", "on_time_rate", "reopen_rate"))
    # only 赶水镇's Q3 survey in Q3: 40/50
    q3 = {r["unit"]: r for r in unit_scores(load(scored), AS_OF, parse_period("2021Q3"))}
    assert q3["赶水镇"]["satisfaction_rate"] == 0.8 and q3["文龙街道"]["cohort"] == 4  # I1 I2 I3 I5


def test_scores_command(scored: Path, cli):
    r = cli("scores", "--as-of", "2021-10-31", "--period", "2021", "--top", "1", ledger=scored)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["单位", "事项", "响应率", "解决率", "满意率", "按期办结率", "重办率", "退回", "综合得分", "排名"]
    row = next(x for x in lines if x.startswith("文龙街道"))
    assert row.split() == ["文龙街道", "6", "50.0%", "50.0%", "33.3%", "50.0%", "66.7%", "1", "43.33", "2"]
    assert lines[-2:] == ["红榜（前 1 名）：赶水镇（88.57）", "黑榜（后 1 名）：文龙街道（43.33）"]
    data = json.loads(cli("scores", "--as-of", "2021-10-31", "--format", "json", "--unit", "文龙街道", ledger=scored).stdout)
    assert [u["unit"] for u in data["units"]] == ["文龙街道"] and data["red"] == data["black"] == []  # one unit is no ranking
    r = cli("scores", "--top", "0", ledger=scored)
    assert r.exit_code == 2


def test_ties_share_a_rank_and_composite_needs_all_three():
    rows = [{"unit": u, "composite": c} for u, c in (("a", 80.0), ("b", 90.0), ("c", 80.0), ("d", None), ("e", 70.0))]
    _rank(rows)
    assert [(r["unit"], r["rank"]) for r in rows] == [("a", 2), ("b", 1), ("c", 2), ("d", None), ("e", 4)]
    lists = ranking(rows, 2)
    assert [r["unit"] for r in lists["red"]] == ["b", "a"] and [r["unit"] for r in lists["black"]] == ["e", "c"]
    cfg = Config(district="x")
    assert composite(1.0, 0.5, None, cfg) is None
    assert composite(1.0, 0.5, 0.8, cfg) == 75.5  # 30 + 17.5 + 28


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(0, 500), min_size=5, max_size=5), split=st.lists(st.integers(0, 500), min_size=5, max_size=5))
def test_combined_surveys_weight_by_sample(counts, split):
    """Splitting one survey's answers into two surveys never changes the combined rate or mean score."""
    cfg = Config(district="x")
    names = [lv.name for lv in cfg.satisfaction]
    whole = dict(zip(names, counts, strict=True))
    part = {n: min(s, c) for n, s, c in zip(names, split, counts, strict=True)}
    rest = {n: whole[n] - part[n] for n in names}
    one, two = Tally(), Tally()
    one.add_counts(whole, cfg)
    a, b = Tally(), Tally()
    a.add_counts(part, cfg)
    b.add_counts(rest, cfg)
    two.add(a)
    two.add(b)
    assert (one.rate, one.mean_score) == (two.rate, two.mean_score)
    if one.sample:
        assert 0 <= one.rate <= 1 and 0 <= one.mean_score <= 100
        assert one.rate == round((whole["很满意"] + whole["满意"] + whole["基本满意"]) / sum(counts), 4)
    else:
        assert one.rate is None and one.mean_score is None
