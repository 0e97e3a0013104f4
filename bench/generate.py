#!/usr/bin/env python3
"""Generate a realistic ledger tree for benchmarks: `generate.py N DIR`.

N items in total. Below 50,000 the tree is one district (区 > 部门, 街镇 > 村社区);
from 50,000 up it is a city whose units are districts of ~7,900 items each
(300,000 -> 38 districts), the level above the district allowed by the tree
(kind `city`). Every item kind and status appears in the proportions of a real
year's ledgers: villages' demands, escalations to the town (linked both ways),
town and district projects with milestones, targets and budgets, supervision
findings with feedback, extensions, cancellations of duplicates, reporters,
and quarterly satisfaction surveys. The output passes `shishi check`.

Options:
  --seed S          random seed (default 1)
  --journal FILE    also write the equivalent hledger journal: one resolved
                    item = one transaction of its beneficiaries under
                    root:district:town:village:category
  --extra 10,5000   add a town 压测镇 with one village per number, holding
                    exactly that many items (for timing writes on small and
                    large files)
  --city            a city of districts whatever N (districts of ~7,900 items,
                    at least two)
  --submodules      (city) make each district its own git repository and the
                    city a repository holding them as submodules

Only the standard library is used, so the generator runs without shishi.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

YEAR = 2021
CITY_FROM = 50_000
PER_DISTRICT = 7_900

SYLLABLES = [
    ("东", "D"), ("溪", "X"), ("石", "S"), ("龙", "L"), ("桥", "Q"), ("云", "Y"), ("河", "H"), ("安", "A"), ("新", "X"),
    ("丰", "F"), ("盛", "S"), ("兴", "X"), ("永", "Y"), ("平", "P"), ("和", "H"), ("青", "Q"), ("山", "S"), ("水", "S"),
    ("华", "H"), ("林", "L"), ("古", "G"), ("南", "N"), ("北", "B"), ("中", "Z"), ("马", "M"), ("金", "J"), ("凤", "F"),
    ("宝", "B"), ("塘", "T"), ("坪", "P"), ("坝", "B"), ("岩", "Y"), ("湾", "W"), ("沟", "G"), ("庙", "M"), ("家", "J"),
    ("三", "S"), ("五", "W"), ("白", "B"), ("红", "H"), ("花", "H"), ("竹", "Z"), ("柏", "B"), ("松", "S"), ("莲", "L"),
    ("清", "Q"), ("福", "F"), ("寿", "S"), ("长", "C"), ("高", "G"), ("赶", "G"), ("綦", "Q"), ("文", "W"), ("通", "T"),
]
DEPARTMENTS = [
    ("区交通局", "JT"), ("区住房城乡建委", "ZJ"), ("区民政局", "MZ"), ("区卫生健康委", "WJ"),
    ("区教委", "JW"), ("区城市管理局", "CG"), ("区生态环境局", "HB"), ("区农业农村委", "NW"),
]
CATEGORIES = ["基础设施", "环境卫生", "社会保障", "文化体育", "教育医疗", "公共服务", "营商环境", "平安建设", "城市管理", "乡村振兴", "其他"]
CATEGORY_WEIGHTS = [30, 18, 10, 6, 8, 10, 3, 5, 6, 3, 1]
SOURCES = ["走访", "热线", "文明实践站", "督查", "来信来访", "网络", "其他"]
SOURCE_WEIGHTS = [40, 20, 18, 0, 8, 12, 2]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢傅钟"
LEVELS = ["很满意", "满意", "基本满意", "不太满意", "不满意"]
LEVEL_WEIGHTS = [50, 32, 12, 4, 2]

PLACES = ["一组", "二组", "三组", "四组", "五组", "老街", "新街", "安置房", "小区", "学校门口", "菜市场", "村委会旁", "河堤", "公交站", "卫生室", "文化广场"]
PROBLEMS = {
    "基础设施": ["路灯不亮", "道路坑洼积水", "饮水管网老化漏水", "便道破损", "排水沟堵塞", "护栏缺失", "桥面开裂", "停车位不足", "楼道声控灯损坏"],
    "环境卫生": ["生活垃圾清运不及时", "公厕脏乱", "污水横流", "垃圾桶不够", "河道漂浮物多", "杂草丛生"],
    "社会保障": ["低保办理咨询", "高龄补贴未到账", "独居老人需要照护", "残疾人证办理", "医保缴费不便"],
    "文化体育": ["健身器材损坏", "缺少活动场地", "农家书屋开放时间短", "广场舞噪声扰民"],
    "教育医疗": ["上学路上无人行道", "卫生室缺药", "放学接送拥堵", "疫苗接种排队久"],
    "公共服务": ["办事窗口排队长", "网络信号差", "快递无处收", "公交班次少"],
    "营商环境": ["占道经营", "摊位费不透明", "招牌杂乱"],
    "平安建设": ["监控探头缺失", "邻里纠纷", "电动车乱充电", "消防通道堵塞"],
    "城市管理": ["违章搭建", "车辆乱停", "噪声扰民", "广告乱贴"],
    "乡村振兴": ["产业路损毁", "经果林灌溉缺水", "农产品销路难", "生产便道未硬化"],
    "其他": ["政策咨询", "其他诉求"],
}
FIXES = ["已维修完毕", "已协调相关部门解决", "已清理并建立长效机制", "已更换新设备", "已硬化路面", "已上门办理", "已安排专人负责", "已增设设施"]
NOTES = ["已现场查看", "已联系责任单位", "已采购材料", "已开工", "已完成过半", "正在协调资金", "已入户回访", "已制定方案"]
PROJECTS = [
    ("道路改造", "道路", "米"), ("人行便道建设", "人行便道", "米"), ("路灯安装", "路灯", "盏"), ("饮水管网改造", "管网", "米"),
    ("停车场建设", "停车位", "个"), ("文化广场建设", "广场面积", "平方米"), ("老旧小区改造", "改造户数", "户"), ("公厕新建", "公厕", "座"),
]
MILESTONES = [["主体完工", "竣工验收"], ["一期竣工", "二期投用"], ["开工", "完工", "验收"], ["完工"]]
OFFICE = "区委党史学习教育领导小组办公室"
LIMITS = {"立刻办": 1, "限期办": 7, "分期办": 90}


class Unit:
    def __init__(self, path: str, name: str, kind: str, short: str, code: str, parent: Unit | None):
        self.path, self.name, self.kind, self.short, self.code, self.parent = path, name, kind, short, code, parent
        self.items: list[dict] = []
        self.children: list[Unit] = []
        self.prefix = short if parent is None or parent.parent is None else f"{parent.prefix}-{short}"

    def account(self, root_name: str) -> str:
        return ":".join([root_name, *self.path.split("/")]) if self.path else root_name


class Gen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    # ---------------------------------------------------------------- names

    def names(self, n: int, suffixes: list[str], taken_short: set[str]) -> list[tuple[str, str]]:
        """n distinct two-syllable names with a suffix, and distinct short codes from their initials."""
        out, seen = [], set()
        while len(out) < n:
            (a, ia), (b, ib) = self.r.sample(SYLLABLES, 2)
            name = a + b + self.r.choice(suffixes)
            if name in seen:
                continue
            seen.add(name)
            short, k = ia + ib, 2
            while short in taken_short:
                short, k = f"{ia}{ib}{k}", k + 1
            taken_short.add(short)
            out.append((name, short))
        return out

    def person(self) -> str:
        return self.r.choice(SURNAMES) + "某"

    def day(self) -> date:
        return date(YEAR, 1, 4) + timedelta(days=self.r.randrange(0, 350))

    # ---------------------------------------------------------------- items

    def item(self, unit: Unit, kind: str, opened: date | None = None, escalatable: bool = False) -> dict:
        r = self.r
        cat = r.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]
        src = "督查" if kind == "rectification" else r.choices(SOURCES, SOURCE_WEIGHTS)[0]
        opened = opened or self.day()
        it: dict = {"kind": kind, "category": cat, "source": src, "owner": self.person(), "opened": opened}
        if kind == "project":
            pname, tname, tunit = r.choice(PROJECTS)
            it["title"] = f"{r.choice(PLACES)}{pname}"
            it["handling"] = "分期办"
            it["lead"] = f"{r.choice(['镇长', '副镇长', '主任', '局长'])} {self.person()}"
            days = r.randrange(90, 300)
            it["budget"] = r.randrange(10, 800) * 10000
            planned = r.randrange(5, 300) * (10 if tunit in ("米", "平方米") else 1)
            it["targets"] = [{"name": tname, "unit": tunit, "planned": planned}]
        else:
            it["title"] = r.choice(PLACES) + r.choice(PROBLEMS[cat])
            it["handling"] = r.choices(["立刻办", "限期办", "分期办"], [20, 65, 15])[0]
            days = LIMITS[it["handling"]]
            if kind == "demand" and r.random() < 0.4:
                it["reporter"] = {"name": self.person(), "phone": f"1{r.choice('3589')}{r.randrange(10**8, 10**9)}"}
            if r.random() < 0.25:
                it["description"] = f"群众反映{it['title']}，影响日常生活，希望尽快解决。"
        due = opened + timedelta(days=days)
        it["due"] = due
        if kind == "project":
            names = r.choice(MILESTONES)
            step = max(1, days // len(names))
            it["milestones"] = [{"name": n, "due": opened + timedelta(days=step * (i + 1))} for i, n in enumerate(names)]
            it["milestones"][-1]["due"] = due
        if kind == "rectification":
            level = r.choices(["一般", "重要", "紧急", "挂牌"], [60, 20, 10, 10])[0]
            sup = {"level": level, "date": opened, "by": OFFICE, "notice": f"綦党史办督〔{YEAR}〕{r.randrange(1, 200)}号", "deadline": due}
            it["supervision"] = sup
        # status, in realistic proportions
        weights = {"open": 5, "in_progress": 9, "resolved": 30, "verified": 50, "cancelled": 2, "escalated": 4 if escalatable else 0}
        status = r.choices(list(weights), list(weights.values()))[0]
        if status == "escalated":
            it["status"] = "escalated"
            it["progress"] = [{"date": opened + timedelta(days=r.randrange(1, 4)), "note": "村里无力解决，上报镇里"}]
            return it
        it["status"] = status
        if r.random() < 0.04 and status != "cancelled":
            original = due
            new_due = original + timedelta(days=r.choice([15, 30, 60]))
            ext = {"date": opened + timedelta(days=max(0, (original - opened).days // 2)), "original": original, "to": new_due, "reason": "施工受雨季影响"}
            if r.random() < 0.7:
                ext["approved_by"] = self.person()
            it["extensions"] = [ext]
            it["due"] = due = new_due
        span = max(1, (due - opened).days)
        if status == "cancelled":
            it["cancellation"] = {"date": opened + timedelta(days=r.randrange(0, 3)), "reason": "与已登记事项重复"}
            return it
        if status in ("resolved", "verified"):
            late = r.random() < 0.12
            res_day = opened + timedelta(days=r.randrange(0, span + 1) + (r.randrange(1, 20) if late else 0))
        else:
            res_day = None
        n_progress = r.choices([0, 1, 2, 3], [40, 35, 17, 8])[0] if kind == "demand" else r.randrange(1, 5)
        last = res_day or (opened + timedelta(days=span))
        pdays = sorted(opened + timedelta(days=r.randrange(0, max(1, (last - opened).days) + 1)) for _ in range(n_progress))
        progress = [{"date": d, "note": r.choice(NOTES)} for d in pdays]
        if kind == "project":
            for m in it["milestones"]:
                if res_day is not None or m["due"] < date(YEAR, 11, 1):
                    m["done"] = min(m["due"] - timedelta(days=r.randrange(0, 5)), res_day or m["due"])
                    if m["done"] < opened:
                        m["done"] = opened
                    progress.append({"date": m["done"], "note": f"{m['name']}完成", "milestone": m["name"]})
            progress.sort(key=lambda p: p["date"])
        if progress:
            it["progress"] = progress
            if status == "open":
                it["status"] = status = "in_progress"
        elif status == "in_progress":
            it["progress"] = [{"date": opened, "note": r.choice(NOTES)}]
        if kind == "rectification" and r.random() < 0.7:
            sup = it["supervision"]
            fb_day = min(sup["deadline"], res_day or sup["deadline"])
            sup["feedback"] = [{"date": fb_day, "note": "已按要求整改，申请销号" if res_day else "正在整改"}]
        if res_day is not None:
            res = {"date": res_day, "text": r.choice(FIXES), "beneficiaries": r.randrange(1, 60) if kind != "project" else r.randrange(300, 20000)}
            if kind == "project":
                res["spent"] = int(it["budget"] * r.uniform(0.8, 1.02)) // 100 * 100
                for tg in it["targets"]:
                    tg["actual"] = tg["planned"]
            elif r.random() < 0.3:
                res["spent"] = f"{r.randrange(50, 20000)}.{r.randrange(0, 100):02d}"
            if r.random() < 0.6:
                res["satisfaction"] = r.choices(LEVELS, LEVEL_WEIGHTS)[0]
            it["resolution"] = res
            if status == "verified":
                it["verification"] = {"date": res_day + timedelta(days=r.randrange(0, 15)), "by": r.choice([OFFICE, "镇党委", "街道党工委"])}
        return it

    def continuation(self, unit: Unit, src: dict) -> dict:
        """The town's item that continues a village's escalated one."""
        opened = src["progress"][0]["date"]
        it = self.item(unit, "demand", opened=opened)
        for k in ("title", "category", "source", "description", "reporter"):
            if k in src:
                it[k] = src[k]
            else:
                it.pop(k, None)
        it["escalated_from"] = src
        src["escalated_to"] = it
        return it


# -------------------------------------------------------------------- the tree


def build_district(g: Gen, n: int, parent: Unit | None, name: str, short: str, code: str, extra: list[int]) -> Unit:
    r = g.r
    path = f"{parent.path}/{name}".strip("/") if parent else ""
    district = Unit(path, name, "district", short, code, parent)
    taken: set[str] = {short, "CQ"}
    depts = [Unit(f"{path}/{d}".strip("/"), d, "department", s, "", district) for d, s in DEPARTMENTS]
    for s in (s for _, s in DEPARTMENTS):
        taken.add(s)
    n_towns = max(3, min(22, round(n / 420)))
    towns = []
    for i, (tname, tshort) in enumerate(g.names(n_towns, ["镇", "镇", "街道"], taken)):
        town = Unit(f"{path}/{tname}".strip("/"), tname, "town" if tname.endswith("镇") else "street", tshort, f"{code[:6]}{100 + i:03d}000", district)
        vtaken: set[str] = set()
        for j, (vname, vshort) in enumerate(g.names(r.randrange(8, 17), ["村", "村", "社区"], vtaken)):
            kind = "village" if vname.endswith("村") else "community"
            town.children.append(Unit(f"{town.path}/{vname}", vname, kind, vshort, f"{town.code[:9]}{(200 if kind == 'village' else 1) + j:03d}", town))
        towns.append(town)
    district.children = depts + towns
    villages = [v for t in towns for v in t.children]
    # shares of the items: the district's own projects, departments, towns, villages
    own = min(37, max(3, n // 250))
    for _ in range(own):
        district.items.append(g.item(district, "project"))
    for _ in range(int(n * 0.03)):
        d = r.choice(depts)
        d.items.append(g.item(d, r.choices(["project", "rectification", "demand"], [3, 4, 3])[0]))
    for _ in range(int(n * 0.09)):
        t = r.choice(towns)
        t.items.append(g.item(t, r.choices(["project", "rectification", "demand"], [1, 3, 6])[0]))
    left = n - sum(len(u.items) for u in [district, *depts, *towns])
    while left > 0:
        v = r.choice(villages)
        it = g.item(v, r.choices(["demand", "rectification", "project"], [93, 5, 2])[0], escalatable=left >= 2)
        v.items.append(it)
        left -= 1
        if it["status"] == "escalated":
            v.parent.items.append(g.continuation(v.parent, it))
            left -= 1
    if extra:
        t = Unit(f"{path}/压测镇".strip("/"), "压测镇", "town", "YACE", f"{code[:6]}099000", district)
        for j, k in enumerate(extra):
            v = Unit(f"{t.path}/压测{k}社区", f"压测{k}社区", "community", f"Y{j + 1}", f"{t.code[:9]}{j + 1:03d}", t)
            v.items = [g.item(v, "demand") for _ in range(k)]
            t.children.append(v)
        district.children.append(t)
    return district


def walk(u: Unit):
    yield u
    for c in u.children:
        yield from walk(c)


def assign_ids(root: Unit) -> None:
    for u in walk(root):
        u.items.sort(key=lambda it: it["opened"])
        for i, it in enumerate(u.items, 1):
            it["id"] = f"{u.prefix}-{YEAR}-{i:03d}"


# -------------------------------------------------------------------- writing

ORDER = ["id", "kind", "title", "description", "category", "source", "handling", "owner", "lead", "opened", "due", "status", "budget",
         "milestones", "targets", "supervision", "escalated_from", "escalated_to", "progress", "extensions", "resolution", "verification",
         "cancellation", "reporter"]


def scalar(v) -> str:
    if isinstance(v, dict):  # a linked item
        return v["id"]
    if isinstance(v, str) and (v.isdigit() or v[:1] in "-[{&*!|>'\"%@`#" or ": " in v or " #" in v):
        return "'" + v.replace("'", "''") + "'"
    return str(v)


def emit(it: dict) -> str:
    out = []
    first = True
    for k in ORDER:
        if k not in it:
            continue
        v = it[k]
        lead = "- " if first else "  "
        first = False
        if isinstance(v, list):
            out.append(f"{lead}{k}:")
            for entry in v:
                sub = "  - "
                for kk, vv in entry.items():
                    out.append(f"{sub}{kk}: {scalar(vv)}")
                    sub = "    "
        elif isinstance(v, dict) and "id" not in v:
            out.append(f"{lead}{k}:")
            for kk, vv in v.items():
                if isinstance(vv, list):
                    out.append(f"    {kk}:")
                    for entry in vv:
                        sub = "    - "
                        for k3, v3 in entry.items():
                            out.append(f"{sub}{k3}: {scalar(v3)}")
                            sub = "      "
                else:
                    out.append(f"    {kk}: {scalar(vv)}")
        else:
            out.append(f"{lead}{k}: {scalar(v)}")
    return "\n".join(out) + "\n"


def write_unit(base: Path, u: Unit, root_dir: Path) -> None:
    d = root_dir / u.path if u.path else root_dir
    d.mkdir(parents=True, exist_ok=True)
    lines = [f"name: {u.name}", f"kind: {u.kind}", f"short: {u.short}"]
    if u.code:
        lines.append(f"code: '{u.code}'")
    (d / "unit.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if u.items:
        body = "\n".join(emit(it) for it in u.items)
        (d / f"{YEAR}.yaml").write_text(f"# {u.name} {YEAR}年台账\n\n{body}", encoding="utf-8")


def write_config(root_dir: Path, name: str, code: str) -> None:
    root_dir.mkdir(parents=True, exist_ok=True)
    (root_dir / "shishi.yaml").write_text(
        f"# shishi 台账库配置（生成的压测数据）\ndistrict: {name}\ncode: '{code}'\n"
        f"categories: [{', '.join(CATEGORIES)}]\nsources: [{', '.join(SOURCES)}]\n"
        "time_limits:\n  default: 7\n  classes: {立刻办: 1, 限期办: 7, 分期办: 90}\n",
        encoding="utf-8",
    )
    (root_dir / ".gitignore").write_text(".shishi/\n", encoding="utf-8")


def write_surveys(g: Gen, root_dir: Path, towns: list[Unit]) -> None:
    sd = root_dir / "surveys"
    sd.mkdir(exist_ok=True)
    for q in range(1, 5):
        blocks = []
        for t in towns:
            counts = {lv: g.r.randrange(0, 120) * w // 20 for lv, w in zip(LEVELS, LEVEL_WEIGHTS, strict=True)}
            body = ", ".join(f"{k}: {v}" for k, v in counts.items())
            blocks.append(f"- unit: {t.path}\n  quarter: {YEAR}Q{q}\n  agency: 重庆某调查咨询公司\n  date: {YEAR}-{3 * q:02d}-25\n  counts: {{{body}}}\n")
        (sd / f"{YEAR}Q{q}.yaml").write_text(f"# {YEAR}年第{q}季度群众满意度第三方调查（生成的压测数据）\n\n" + "\n".join(blocks), encoding="utf-8")


def journal(root: Unit, root_name: str, out) -> None:
    for u in walk(root):
        acct = u.account(root_name)
        for it in u.items:
            res = it.get("resolution")
            if it["status"] in ("resolved", "verified") and res:
                out.write(f"{res['date']} {it['id']} {it['title']}\n    {acct}:{it['category']}  {res['beneficiaries']}\n    来源:群众\n\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of items")
    ap.add_argument("dir", type=Path, help="directory of the new tree (must not exist)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--journal", type=Path)
    ap.add_argument("--extra", default="", help="comma-separated item counts of extra units under 压测镇")
    ap.add_argument("--city", action="store_true")
    ap.add_argument("--submodules", action="store_true")
    a = ap.parse_args(argv)
    if a.dir.exists() and any(a.dir.iterdir()):
        ap.error(f"{a.dir} exists and is not empty")
    g = Gen(a.seed)
    extra = [int(x) for x in a.extra.split(",") if x.strip()]
    jf = open(a.journal, "w", encoding="utf-8") if a.journal else None
    if a.n < CITY_FROM and not a.city:
        name, code = "綦江区", "500110000000"
        write_config(a.dir, name, code)
        district = build_district(g, a.n, None, name, "QJ", code, extra)
        assign_ids(district)
        for u in walk(district):
            write_unit(a.dir, u, a.dir)
        write_surveys(g, a.dir, [t for t in district.children if t.kind in ("town", "street")])
        if jf:
            journal(district, name, jf)
    else:
        name, code = "重庆市", "500100000000"
        write_config(a.dir, name, code)
        city = Unit("", name, "city", "CQ", code, None)
        write_unit(a.dir, city, a.dir)
        k = max(2, round(a.n / PER_DISTRICT))
        taken: set[str] = {"CQ"}
        towns = []
        for i, (dname, dshort) in enumerate(g.names(k, ["区"], taken)):
            share = a.n // k + (1 if i < a.n % k else 0)
            d = build_district(g, share, city, dname, dshort, f"5001{i + 1:02d}000000", extra if i == 0 else [])
            assign_ids(d)
            for u in walk(d):
                write_unit(a.dir, u, a.dir)
            towns += [t for t in d.children if t.kind in ("town", "street")][:6]
            if jf:
                journal(d, name, jf)
            city.children.append(d)
            for u in walk(d):
                u.items = []  # written: free them
        write_surveys(g, a.dir, towns)
        if a.submodules:
            make_submodules(a.dir, [d.path for d in city.children])
    if jf:
        jf.close()
    return 0


def make_submodules(root: Path, districts: list[str]) -> None:
    """Each district its own repository; the city's repository holds them as submodules."""
    env = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "protocol.file.allow=always"]
    for d in districts:
        subprocess.run(["git", "init", "-q", str(root / d)], check=True)
        subprocess.run(["git", *env, "-C", str(root / d), "add", "-A"], check=True)
        subprocess.run(["git", *env, "-C", str(root / d), "commit", "-qm", f"{d} ledgers"], check=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for d in districts:
        subprocess.run(["git", *env, "-C", str(root), "submodule", "add", "-q", f"./{d}", d], check=True)
    subprocess.run(["git", *env, "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", *env, "-C", str(root), "commit", "-qm", "city ledgers"], check=True)


if __name__ == "__main__":
    sys.exit(main())
