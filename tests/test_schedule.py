"""Schedule states (序时) and the `due` listing against a fixed as-of date."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shishi.figures.schedule import due_rows, judged_due, state, states
from shishi.store.load import load
from shishi.store.model import Extension, Item, Milestone, Resolution
from shishi.write import items as ops
from shishi.write import tracking

AS_OF = date(2021, 9, 10)


def item(status="in_progress", due=date(2021, 9, 20), milestones=(), resolved=None, extensions=(), opened=date(2021, 9, 1)) -> Item:
    res = Resolution(date=resolved, text="办结", beneficiaries=1) if resolved else None
    return Item(id="GS-SJ-2021-001", title="x", opened=opened, due=due, status=status, milestones=list(milestones), resolution=res, extensions=list(extensions))


def ms(name, due, done=None) -> Milestone:
    return Milestone(name=name, due=due, done=done)


@pytest.mark.parametrize(
    "it, expected",
    [
        (item(due=date(2021, 9, 9)), "overdue"),  # yesterday
        (item(due=date(2021, 9, 10)), "due_soon"),  # today: due soon, not overdue
        (item(due=date(2021, 9, 13)), "due_soon"),  # the third day ahead (due_soon_days = 3)
        (item(due=date(2021, 9, 14)), "on_time"),
        (item(status="open", due=None), None),
        (item(milestones=[ms("一期", date(2021, 9, 5))]), "behind"),  # a milestone passed undone
        (item(due=date(2021, 9, 9), milestones=[ms("一期", date(2021, 9, 5))]), "overdue"),  # overdue wins
        (item(milestones=[ms("一期", date(2021, 9, 5), done=date(2021, 9, 6))]), "on_time"),  # done late, but done
        (item(milestones=[ms("一期", date(2021, 9, 12))]), "due_soon"),  # a milestone due soon
        (item(milestones=[ms("一期", date(2021, 9, 30), done=date(2021, 9, 8))]), "ahead"),  # done before it was due
        (item(due=None, milestones=[ms("一期", date(2021, 9, 30), done=date(2021, 9, 8))]), "ahead"),
        (item(due=None, milestones=[ms("一期", date(2021, 9, 1), done=date(2021, 9, 1))]), "on_time"),
        (item(status="resolved", due=date(2021, 9, 8), resolved=date(2021, 9, 7)), "ahead"),
        (item(status="verified", due=date(2021, 9, 8), resolved=date(2021, 9, 8)), "on_time"),
        (item(status="resolved", due=date(2021, 9, 8), resolved=date(2021, 9, 9)), "overdue"),
        (item(status="escalated"), None),
        (item(status="cancelled"), None),
    ],
)
def test_state_rules(it: Item, expected):
    assert state(it, AS_OF, 3) == expected


def ext(original, to, approved_by=None, late=False, milestone=None) -> Extension:
    return Extension(date=date(2021, 9, 5), milestone=milestone, original=original, to=to, reason="雨季", approved_by=approved_by, late=late)


@pytest.mark.parametrize(
    "extensions, judged, resolved_state",
    [
        ([], date(2021, 9, 15), "overdue"),
        ([ext(date(2021, 9, 8), date(2021, 9, 15), approved_by="区督查办")], date(2021, 9, 15), "on_time"),
        ([ext(date(2021, 9, 8), date(2021, 9, 15))], date(2021, 9, 8), "overdue"),  # never approved: the original counts
        ([ext(date(2021, 9, 8), date(2021, 9, 15), approved_by="区督查办", late=True)], date(2021, 9, 8), "overdue"),  # late: counted late
        ([ext(date(2021, 9, 8), date(2021, 9, 12), approved_by="甲"), ext(date(2021, 9, 12), date(2021, 9, 15))], date(2021, 9, 12), "overdue"),
        ([ext(date(2021, 9, 30), date(2021, 10, 9), milestone="一期")], date(2021, 9, 15), "overdue"),  # a milestone's extension
    ],
)
def test_judged_due_and_extended_items(extensions, judged, resolved_state):
    it = item(status="resolved", due=date(2021, 9, 15), resolved=date(2021, 9, 15), extensions=extensions)
    assert judged_due(it) == judged
    if judged == date(2021, 9, 15):
        assert state(it, AS_OF) == "on_time"
    else:
        assert state(it, AS_OF) == resolved_state
    # in hand, the working deadline counts: due 09-15 is more than 3 days after 09-10
    assert state(it.model_copy(update={"status": "in_progress", "resolution": None}), AS_OF) == "on_time"


def test_rollup_imports_judged_due_from_schedule():
    from shishi.figures import rollup

    assert rollup.judged_due is judged_due


# ------------------------------------------------------------------ the due listing on a tree


def due_tree(root: Path) -> None:
    """Deadlines around 2021-09-10 in 三居社区 and 文龙街道."""
    ops.add(root, "三居社区", "楼道声控灯不亮", opened="2021-09-01", due="2021-09-10")  # 001 due today
    ops.add(root, "三居社区", "垃圾清运", opened="2021-09-01", due="2021-09-08")  # 002 overdue
    ops.add(root, "三居社区", "小游园建设", kind="project", opened="2021-08-01", due="2021-12-31", milestones=["一期完工=2021-09-05", "二期完工=2021-11-30"])  # 003 behind
    ops.add(root, "三居社区", "下水道堵塞", opened="2021-09-01", due="2021-09-09")  # 004 extended in time
    tracking.extend(root, "GS-SJ-2021-004", "2021-09-12", "需协调市政", approved_by="赶水镇", when="2021-09-06")
    ops.add(root, "三居社区", "健身器材维修", opened="2021-09-01", due="2021-09-20")  # 005 later
    ops.add(root, "三居社区", "路面坑洼", opened="2021-09-01", due="2021-09-09")  # 006 resolved
    ops.close(root, "GS-SJ-2021-006", "已修补", 20, when="2021-09-05")
    tracking.supervise_add(root, "文龙街道", "农贸市场占道经营", "2021-09-10", level="挂牌", when="2021-09-03")  # WL-2021-001
    ops.add(root, "三居社区", "还没登记的", opened="2021-09-11", due="2021-09-11")  # opened after the as-of date


EXPECTED_TABLE = """\
时限        剩余      编号            单位             事项              节点      序时    督办  原时限
───────────────────────────────────────────────────────────────────────────────────────────────────────────
2021-09-05  逾期5天   GS-SJ-2021-003  赶水镇/三居社区  小游园建设        一期完工  慢序时
2021-09-08  逾期2天   GS-SJ-2021-002  赶水镇/三居社区  垃圾清运                    逾期
2021-09-10  今天到期  WL-2021-001     文龙街道         农贸市场占道经营            临期    挂牌
2021-09-10  今天到期  GS-SJ-2021-001  赶水镇/三居社区  楼道声控灯不亮              临期
2021-09-12  还有2天   GS-SJ-2021-004  赶水镇/三居社区  下水道堵塞                  临期          2021-09-09
"""


def test_due_rows_exact(tree: Path):
    due_tree(tree)
    ledger = load(tree)
    rows = due_rows(ledger, AS_OF)
    assert [(r.id, r.milestone, r.days_left, r.state, r.level, r.original) for r in rows] == [
        ("GS-SJ-2021-003", "一期完工", -5, "behind", None, None),
        ("GS-SJ-2021-002", None, -2, "overdue", None, None),
        ("WL-2021-001", None, 0, "due_soon", "挂牌", None),
        ("GS-SJ-2021-001", None, 0, "due_soon", None, None),
        ("GS-SJ-2021-004", None, 2, "due_soon", None, date(2021, 9, 9)),
    ]
    wider = due_rows(ledger, AS_OF, within=10)
    assert [r.id for r in wider][-1] == "GS-SJ-2021-005"
    assert [r.id for r in due_rows(ledger, AS_OF, within=0)] == ["GS-SJ-2021-003", "GS-SJ-2021-002", "WL-2021-001", "GS-SJ-2021-001"]
    assert [r.id for r in due_rows(ledger, AS_OF, unit="文龙街道")] == ["WL-2021-001"]
    assert states(ledger, AS_OF)["GS-SJ-2021-006"] == "ahead"


def test_due_command_exact_output(tree: Path, cli):
    due_tree(tree)
    r = cli("due", "--as-of", "2021-09-10", ledger=tree)
    assert r.exit_code == 0, r.output
    assert r.stdout == EXPECTED_TABLE
    r = cli("due", "--as-of", "2021-09-10", "--within", "0", "--unit", "赶水镇", "--format", "json", ledger=tree)
    assert [(x["id"], x["days_left"], x["state"]) for x in json.loads(r.stdout)] == [
        ("GS-SJ-2021-003", -5, "behind"),
        ("GS-SJ-2021-002", -2, "overdue"),
        ("GS-SJ-2021-001", 0, "due_soon"),
    ]
    r = cli("due", "--as-of", "2021-09-10", "--format", "csv", ledger=tree)
    assert r.stdout.splitlines()[:3] == ["时限,剩余,编号,单位,事项,节点,序时,督办,原时限", "2021-09-05,逾期5天,GS-SJ-2021-003,赶水镇/三居社区,小游园建设,一期完工,慢序时,,", "2021-09-08,逾期2天,GS-SJ-2021-002,赶水镇/三居社区,垃圾清运,,逾期,,"]
    r = cli("--lang", "en", "due", "--as-of", "2021-08-01", ledger=tree)
    assert r.exit_code == 0 and r.stdout == "" and "nothing overdue" in r.stderr


def test_due_bad_as_of_is_a_message(tree: Path, cli):
    r = cli("due", "--as-of", "2021-02-30", ledger=tree)
    assert r.exit_code == 2 and "--as-of 不是有效日期" in r.stderr


# ------------------------------------------------------------------ invariants

dates = st.dates(min_value=date(2021, 1, 1), max_value=date(2022, 12, 31))


@settings(max_examples=200, deadline=None)
@given(opened=dates, due_in=st.integers(0, 60), as_of=dates, soon=st.integers(0, 10), ms_in=st.lists(st.tuples(st.integers(0, 60), st.booleans()), max_size=3))
def test_state_of_items_in_hand_follows_the_dates(opened, due_in, as_of, soon, ms_in):
    due = opened + timedelta(days=due_in)
    mss = [ms(f"节点{i}", opened + timedelta(days=d), done=opened if done else None) for i, (d, done) in enumerate(ms_in)]
    it = item(opened=opened, due=due, milestones=mss)
    s = state(it, as_of, soon)
    assert (s == "overdue") == (due < as_of)
    assert (s == "behind") == (due >= as_of and any(m.due < as_of and m.done is None for m in mss))
    pending = [due] + [m.due for m in mss if m.done is None]
    if s in ("on_time", "ahead"):
        assert all((d - as_of).days > soon for d in pending)
    if s == "due_soon":
        assert min(pending) >= as_of and (min(pending) - as_of).days <= soon
