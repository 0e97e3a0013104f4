"""A clerk's hands: unit codes from names, forgiving values, corrections with the trail kept, one language per run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shishi import values
from shishi.errors import ShishiError
from shishi.store.load import load
from shishi.write import items as ops
from shishi.write import units

# ------------------------------------------------------------------ unit codes from names


@pytest.mark.parametrize(
    "name, kind, code",
    [("赶水镇", "town", "GS"), ("三居社区", "community", "SJ"), ("通惠街道", "street", "TH"), ("区交通局", "department", "JT"), ("云品村", "village", "YP"), ("綦江区", "district", "QJ"), ("重庆市", "city", "CQ")],
)
def test_code_from_name(name, kind, code):
    assert units.name_code(name, kind) == code


def test_unit_add_codes_and_first_id(tmp_path: Path, cli):
    root = tmp_path / "t"
    r = cli("init", str(root), "--district", "綦江区")
    assert r.exit_code == 0 and "QJ" in r.stdout
    r = cli("unit", "add", "赶水镇", "--kind", "town", ledger=root)
    assert r.exit_code == 0 and "代码 GS" in r.stdout
    r = cli("unit", "add", "赶水镇/三居社区", "--kind", "community", ledger=root)
    year = date.today().year
    assert r.exit_code == 0 and "代码 SJ" in r.stdout and f"GS-SJ-{year}-001" in r.stdout
    assert cli("add", "-u", "三居社区", "-t", "楼道灯", "-q", ledger=root).stdout.strip() == f"GS-SJ-{year}-001"
    # a sibling with the same initials gets one more letter; a cousin may share them
    r = cli("unit", "add", "赶水镇/三角村", "--kind", "village", ledger=root)
    assert "代码 SJA" in r.stdout
    cli("unit", "add", "文龙街道", "--kind", "street", ledger=root)
    assert "代码 SJ，" in cli("unit", "add", "文龙街道/三江社区", "--kind", "community", ledger=root).stdout
    assert cli("--lang", "en", "unit", "add", "通惠街道", "--kind", "street", ledger=root).stdout.startswith("added unit 通惠街道 (code TH, IDs like TH-")


# ------------------------------------------------------------------ values


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2021-09-01", date(2021, 9, 1)),
        ("2021/9/1", date(2021, 9, 1)),
        ("2021年9月1日", date(2021, 9, 1)),
        ("2021年12月底", date(2021, 12, 31)),
        ("2021年2月底", date(2021, 2, 28)),
        ("2021年底", date(2021, 12, 31)),
        ("２０２１－０９－０１", date(2021, 9, 1)),
        ("20210901", date(2021, 9, 1)),
        ("今天", date(2021, 9, 5)),
        ("昨天", date(2021, 9, 4)),
    ],
)
def test_dates(text, expected):
    assert values.parse_date(text, today=date(2021, 9, 5)) == expected


@pytest.mark.parametrize("text", ["2021-13-01", "明天吧", "2021年13月底", "9999-01-01"])
def test_not_dates(text):
    with pytest.raises(ShishiError):
        values.parse_date(text, "--due")


@pytest.mark.parametrize("text, expected", [("36", 36), ("36人次", 36), ("３６", 36), ("1,200", 1200), (7, 7)])
def test_counts(text, expected):
    assert values.parse_count(text, "--beneficiaries") == expected


@pytest.mark.parametrize("text", ["很多", "-1", "3.5", ""])
def test_not_counts(text):
    with pytest.raises(ShishiError):
        values.parse_count(text, "--beneficiaries")


@pytest.mark.parametrize(
    "text, expected",
    [("1200.50", "1200.50"), ("1200.5", "1200.50"), ("50万", "500000"), ("1.2亿", "120000000"), ("1,200元", "1200"), ("５０万元", "500000"), ("-0", "0"), ("0.00", "0"), ("50.1234万", "501234")],
)
def test_money(text, expected):
    v = values.parse_money(text)
    assert str(v) == expected and v.as_tuple().sign == 0


@pytest.mark.parametrize("text", ["0.005", "1200.505", "-1", "1.2345万元x", "NaN", "一百"])
def test_money_refused_never_rounded(text):
    with pytest.raises(ShishiError) as e:
        values.parse_money(text, "--spent")
    assert "--spent" in e.value.message


def test_money_finer_than_cents_says_so():
    with pytest.raises(ShishiError) as e:
        values.parse_money("1200.505", "--spent")
    assert "两位小数" in e.value.message


def test_commands_take_forgiving_values(tree: Path, cli):
    r = cli("add", "-u", "三居社区", "-t", "修路", "--opened", "2021年9月1日", "--due", "2021年12月底", "--budget", "1.2万", "-q", ledger=tree)
    assert r.exit_code == 0, r.stderr
    iid = r.stdout.strip()
    item = load(tree).entries[0].item
    assert (item.due, item.budget) == (date(2021, 12, 31), Decimal(12000))
    r = cli("close", iid.lower(), "-r", "修好了", "-b", "36人次", "--spent", "1200.505", "--date", "2021/9/5", ledger=tree)
    assert r.exit_code == 1 and "两位小数" in r.stderr
    r = cli("close", iid.lower(), "-r", "修好了", "-b", "36人次", "--spent", "-0", "--date", "2021/9/5", ledger=tree)
    assert r.exit_code == 0, r.stderr
    res = load(tree).entries[0].item.resolution
    assert (res.beneficiaries, str(res.spent)) == (36, "0")
    assert "spent: 0\n" in (tree / "赶水镇/三居社区/2021.yaml").read_text(encoding="utf-8")
    assert cli("show", iid.lower(), ledger=tree).exit_code == 0


def test_ids_in_any_case(tree: Path):
    a = ops.add(tree, "三居社区", "a", opened="2021-09-01")
    b = ops.add(tree, "三居社区", "b", opened="2021-09-01")
    assert ops.progress(tree, a.id.lower(), "进行中", when="2021-09-02").id == a.id
    c = ops.cancel(tree, "ｇｓ-ｓｊ-2021-002", "重复", duplicate_of=a.id.lower(), when="2021-09-02")
    assert c.id == b.id and c.cancellation.duplicate_of == a.id
