"""What changed, read from git: the history of one item, and the semantic difference of two tree states.

Both compare plain item data (as `item_to_data` gives it) field by field; the
states come from git objects through `gitio`, never from a log kept on the side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from shishi.checks.privacy import mask
from shishi.errors import ShishiError
from shishi.git import repo as gitio
from shishi.i18n import field_label, get_lang, kind_name, status_name, tr
from shishi.store.ledger import in_unit, items_of
from shishi.store.model import ITEM_KEYS, item_to_data
from shishi.store.tree import LEDGER_RE, SURVEY_DIR

NAMED = ("milestones", "targets")
LIFECYCLE = ("status", "progress", "resolution", "verification", "reopenings", "cancellation", "escalated_to")
EVENTS = ("added", "received", "resolved", "verified", "escalated", "reopened", "cancelled", "progressed", "changed", "removed")
EVENT_ZH = {
    "added": "新增",
    "received": "转入",
    "resolved": "办结",
    "verified": "销号",
    "escalated": "上报",
    "reopened": "重办",
    "cancelled": "撤销",
    "progressed": "推进",
    "changed": "修改",
    "removed": "删除",
}


@dataclass(frozen=True)
class FieldChange:
    """One difference of an item: `field` is a dotted path; kind 'set', or 'added'/'removed' for a list entry."""

    field: str
    old: object
    new: object
    kind: str = "set"


def field_changes(old: dict | None, new: dict | None, path: str = "") -> list[FieldChange]:
    """The differences between two versions of an item's data, in canonical key order."""
    old, new = old or {}, new or {}
    keys = [k for k in ITEM_KEYS if k in old or k in new] if not path else list(dict.fromkeys([*old, *new]))
    out: list[FieldChange] = []
    for k in keys:
        a, b = old.get(k), new.get(k)
        if a == b:
            continue
        name = f"{path}{k}"
        if isinstance(a, dict) and isinstance(b, dict) or (a is None and isinstance(b, dict)) or (b is None and isinstance(a, dict)):
            out += field_changes(a, b, name + ".")
        elif isinstance(a, list) and isinstance(b, list) or (a is None and isinstance(b, list)) or (b is None and isinstance(a, list)):
            a, b = a or [], b or []
            if k in NAMED and all(isinstance(x, dict) and "name" in x for x in a + b):
                aa, bb = {x["name"]: x for x in a}, {x["name"]: x for x in b}
                for n in dict.fromkeys([*aa, *bb]):
                    if n not in aa:
                        out.append(FieldChange(name, None, bb[n], "added"))
                    elif n not in bb:
                        out.append(FieldChange(name, aa[n], None, "removed"))
                    elif aa[n] != bb[n]:
                        out += field_changes(aa[n], bb[n], f"{name}[{n}].")
            else:
                out += [FieldChange(name, x, None, "removed") for x in a if x not in b]
                out += [FieldChange(name, None, x, "added") for x in b if x not in a]
        else:
            out.append(FieldChange(name, a, b))
    return out


def show(v: object) -> str:
    """A value as one line of text."""
    if v is None:
        return "—"
    if isinstance(v, dict):
        return " ".join(show(x) for x in v.values() if x is not None)
    if isinstance(v, list):
        return "、".join(show(x) for x in v)
    if isinstance(v, bool):
        return tr("是", "yes") if v else tr("否", "no")
    if isinstance(v, Decimal):
        return format(v, "f")
    return mask(str(v))


def change_line(c: FieldChange) -> str:
    name, colon = field_label(c.field), tr("：", ": ")
    if c.field == "corrections" and c.kind == "added" and isinstance(c.new, dict):
        return correction_line(c.new)
    if c.field in ("status", "kind"):
        word = status_name if c.field == "status" else kind_name
        return f"{name}{colon}{word(c.old) if c.old else show(c.old)} → {word(c.new) if c.new else show(c.new)}"
    if c.kind == "added":
        return f"{name}{colon}+ {show(c.new)}"
    if c.kind == "removed":
        return f"{name}{colon}− {show(c.old)}"
    return f"{name}{colon}{show(c.old)} → {show(c.new)}"


def correction_line(c: dict) -> str:
    """A correction in words: 2021-09-05 更正：项目名称原为“安装路灯”（原因：错别字）."""
    old = c.get("old") or {}
    if _zh():
        olds = "；".join(f"{field_label(f)}原为{_old(old.get(f))}" for f in c.get("changed", []))
        why = f"（原因：{mask(c['reason'])}）" if c.get("reason") else ""
        return f"{c['date']} 更正：{olds}{why}"
    olds = "; ".join(f"{f} was {_old(old.get(f))}" for f in c.get("changed", []))
    why = f" (reason: {mask(c['reason'])})" if c.get("reason") else ""
    return f"{c['date']} corrected: {olds}{why}"


def _old(v: object) -> str:
    if v is None:
        return tr("空", "empty")
    if isinstance(v, list):
        return tr("“", "'") + tr("、", ", ").join(mask(str(x)) for x in v) + tr("”", "'")
    return tr("“", "'") + mask(str(v)) + tr("”", "'")


def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, (dt.date, Decimal)):
        return str(v)
    return mask(v) if isinstance(v, str) else v


def change_json(c: FieldChange) -> dict:
    return {"field": c.field, "kind": c.kind, "old": _jsonable(c.old), "new": _jsonable(c.new)}




# ------------------------------------------------------------------ shishi log ID


@dataclass
class Version:
    """One commit that changed an item (commit None: the work tree, not yet committed)."""

    commit: gitio.Commit | None
    changes: list[FieldChange]
    created: bool = False


@dataclass
class History:
    id: str
    unit: str
    title: str
    path: str  # relative to the ledger root
    versions: list[Version]


def item_history(root: Path, item_id: str) -> History:
    """Every commit that changed one item, oldest first, with the fields it changed.

    The item is followed back from HEAD through merges: past a merge that gave
    it a new number (two machines took the same ID), under its old ID; never
    into another item that once had its ID on another machine.
    """
    from shishi.write import files

    repo = gitio.repo_of(root)
    loc = files.locate(files.tree_units(root), item_id)
    names = gitio.former_names(repo, repo.rel(loc.path))  # the file's names before its unit moved
    commits = gitio.commits_touching(repo, names)
    hashes = [c.hash for c in commits]
    blobs = gitio.read_blobs(repo, [f"{h}:{n}" for h in hashes for n in names])
    states = {h: items_of(next((b for b in blobs[i * len(names) : (i + 1) * len(names)] if b is not None), None)) for i, h in enumerate(hashes)}
    iid = loc.item.id
    track = _lineage(commits, states, iid)
    versions: list[Version] = []
    for c in commits:
        if c.hash not in track:
            continue
        now = states[c.hash][track[c.hash]][1]
        before = [(track[p], states[p][track[p]][1]) for p in c.parents if p in track]
        v = _version(c, now, before)
        if v is not None:
            versions.append(v)
    last = states[commits[-1].hash].get(iid, (None, None))[1] if commits else None
    current = item_to_data(loc.item)
    if current != last:
        versions.append(Version(None, field_changes(last, current), created=last is None))
    return History(iid, loc.unit, loc.item.title, loc.rp, versions)


def _same_item(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k != "id"} == {k: v for k, v in b.items() if k != "id"}


def _lineage(commits: list[gitio.Commit], states: dict[str, dict], iid: str) -> dict[str, str]:
    """Commit -> the ID the item had there, for the commits on its own line of history."""
    track: dict[str, str] = {}
    if commits and iid in states[commits[-1].hash]:
        track[commits[-1].hash] = iid
    for c in reversed(commits):
        x = track.get(c.hash)
        if x is None:
            continue
        here = states[c.hash]
        v = here[x][1]
        for p in c.parents:
            there = states.get(p, {})
            if x in there:
                pv = there[x][1]
                moved = pv != v and any(y != x and _same_item(pv, d) for y, (_u, d) in here.items())
                if not moved:
                    track.setdefault(p, x)
                    continue
            y = next((y for y, (_u, d) in there.items() if y != x and _same_item(v, d) and (y not in here or here[y][1] != d)), None)
            if y is not None:
                track.setdefault(p, y)  # renumbered in this merge: its earlier life under the old ID
    return track


def _version(c: gitio.Commit, data: dict, before: list[tuple[str, dict]]) -> Version | None:
    if any(data == b for _i, b in before):
        return None  # unchanged here (a merge that took one side as it was)
    if not before:
        return Version(c, [], created=True)
    changes = field_changes(before[0][1], data)  # a renumbering shows as a change of `id`
    # a merge shows only what neither parent had: a conflict resolved by hand, an item renumbered
    for _oid, other in before[1:]:
        theirs = field_changes(other, data)
        changes = [x for x in changes if x in theirs]
    if not changes:
        return None
    return Version(c, changes)


def history_text(h: History) -> str:
    title = mask(h.title)
    out = [f"{h.id} {title}（{h.path}）" if _zh() else f"{h.id} {title} ({h.path})"]
    for v in h.versions:
        c = v.commit
        if c is None:
            out.append(tr("（未提交）", "(not committed)"))
        else:
            out.append(f"{c.date[:10]} {c.date[11:16]}  {c.author}  {c.hash[:7]}  {mask(c.subject)}")
        if v.created:
            out.append("    " + tr("新增事项", "item added"))
        else:
            out += ["    " + change_line(x) for x in v.changes]
    if not h.versions:
        out.append(tr("（git 里还没有这件事项的提交）", "(no commit of this item in git yet)"))
    return "\n".join(out) + "\n"


def history_json(h: History) -> dict:
    return {
        "id": h.id,
        "unit": h.unit,
        "title": mask(h.title),
        "file": h.path,
        "history": [
            {
                "commit": v.commit.hash if v.commit else None,
                "author": v.commit.author if v.commit else None,
                "email": v.commit.email if v.commit else None,
                "date": v.commit.date if v.commit else None,
                "subject": mask(v.commit.subject) if v.commit else None,
                "created": v.created,
                "changes": [change_json(x) for x in v.changes],
            }
            for v in h.versions
        ],
    }


# ------------------------------------------------------------------ shishi changes


@dataclass
class State:
    """A state of the tree: a commit, the empty tree (rev ''), or the work tree (rev None)."""

    rev: str | None
    given: str | None  # what the clerk typed
    day: dt.date | None = None  # when given as a date


WORKTREE = None
EMPTY = ""


def state(repo: gitio.Repo, spec: str | None, end_of_day: bool = False) -> State:
    """A state from REV or DATE: a date means the last commit before that day (after it, for --until)."""
    from shishi.values import parse_date

    if spec is None:
        return State(WORKTREE, None)
    try:
        day = parse_date(spec)
    except ShishiError:
        return State(gitio.resolve_rev(repo, spec), spec)
    cut = day + dt.timedelta(days=1) if end_of_day else day
    rev = gitio.rev_before(repo, f"{cut.isoformat()}T00:00:00")
    return State(rev if rev else EMPTY, spec, day)


@dataclass
class ItemChange:
    id: str
    unit: str
    title: str
    events: list[str]
    fields: list[FieldChange]
    old: dict | None
    new: dict | None


@dataclass
class Changes:
    since: State
    until: State
    unit: str
    items: list[ItemChange] = field(default_factory=list)

    def of(self, event: str) -> list[ItemChange]:
        return [i for i in self.items if event in i.events]

    @property
    def counts(self) -> dict[str, int]:
        return {e: len(self.of(e)) for e in EVENTS}

    @property
    def beneficiaries(self) -> int:
        return sum(i.new["resolution"]["beneficiaries"] for i in self.of("resolved"))


def _read_state(repo: gitio.Repo, st: State, files: list[str]) -> dict[str, tuple[str, dict]]:
    if st.rev == EMPTY:
        return {}
    if st.rev is WORKTREE:
        blobs = [(repo.top / f).read_bytes() if (repo.top / f).is_file() else None for f in files]
    else:
        blobs = gitio.read_blobs(repo, [f"{st.rev}:{f}" for f in files])
    out: dict[str, tuple[str, dict]] = {}
    for f, blob in zip(files, blobs, strict=True):
        unit = f[len(repo.prefix) :].rpartition("/")[0]
        out.update(items_of(blob, unit))
    return out


def _is_ledger(repo: gitio.Repo, f: str) -> bool:
    rel = f[len(repo.prefix) :]
    return f.startswith(repo.prefix) and bool(LEDGER_RE.match(rel.rpartition("/")[2])) and not rel.startswith(SURVEY_DIR + "/")


def tree_changes(root: Path, since: str, until: str | None = None, unit: str | None = None) -> Changes:
    """The semantic difference between two states of the tree, per item."""
    repo = gitio.repo_of(root)
    a, b = state(repo, since), state(repo, until, end_of_day=True)
    upath = ""
    if unit:
        from shishi.store.load import load_units

        upath = load_units(root).resolve_unit(unit)
    old_rev = None if a.rev == EMPTY else a.rev
    if a.rev == EMPTY and b.rev == EMPTY:
        files = []
    elif a.rev == EMPTY:
        files = gitio.ls_files(repo, b.rev, repo.prefix)
    elif b.rev == EMPTY:
        files = gitio.ls_files(repo, a.rev, repo.prefix)
    else:
        files = gitio.changed_files(repo, old_rev, b.rev, repo.prefix)
    files = [f for f in files if _is_ledger(repo, f)]
    old, new = _read_state(repo, a, files), _read_state(repo, b, files)
    ch = Changes(a, b, upath)
    for iid in sorted(set(old) | set(new), key=_id_order):
        o, n = old.get(iid, (None, None)), new.get(iid, (None, None))
        where = n[0] if n[0] is not None else o[0]
        if not in_unit(where, upath):
            continue
        events = item_events(o[1], n[1])
        if events:
            fields = [x for x in field_changes(o[1], n[1]) if x.field.partition(".")[0].partition("[")[0] not in LIFECYCLE] if o[1] and n[1] else []
            ch.items.append(ItemChange(iid, where, (n[1] or o[1])["title"], events, fields, o[1], n[1]))
    return ch


def _id_order(iid: str):
    head, _, num = iid.rpartition("-")
    return (head, int(num) if num.isdigit() else 0, iid)


def item_events(o: dict | None, n: dict | None) -> list[str]:
    """What happened to an item between two versions, in EVENTS order."""
    if o == n:
        return []
    if n is None:
        return ["removed"]
    ev = set()
    os_ = o["status"] if o else None
    ns = n["status"]
    if o is None:
        ev.add("received" if n.get("escalated_from") else "added")
    if ns in ("resolved", "verified") and os_ not in ("resolved", "verified"):
        ev.add("resolved")
    for s, name in (("verified", "verified"), ("escalated", "escalated"), ("cancelled", "cancelled")):
        if ns == s and os_ != s:
            ev.add(name)
    if len(n.get("reopenings", [])) > len((o or {}).get("reopenings", [])):
        ev.add("reopened")
    old_log = (o or {}).get("progress", [])
    if ns in ("open", "in_progress") and any(p not in old_log for p in n.get("progress", [])):
        ev.add("progressed")  # moved forward and still in hand
    if o is not None and any(x.field.partition(".")[0].partition("[")[0] not in LIFECYCLE for x in field_changes(o, n)):
        ev.add("changed")
    return [e for e in EVENTS if e in ev]


# ------------------------------------------------------------------ the weekly 工作动态


def _window(ch: Changes) -> tuple[str, str]:
    """(the period word, the window in words): 本周 for seven days, 本月 for a calendar month."""
    a, b = ch.since, ch.until
    start = a.day
    end = b.day if b.day else (dt.date.today() if b.given is None else None)
    word = tr("本期", "In this period: ")
    if start and end:
        if (end - start).days + 1 == 7:
            word = tr("本周", "This week: ")
        elif start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and (start.year, start.month) == (end.year, end.month):
            word = tr("本月", "This month: ")
    left = a.given or ""
    right = b.given if b.given is not None else tr("今", "now")
    return word, tr(f"{left} 至 {right}" if b.given is not None else f"{left} 至今", f"{left} to {right}")


def _zh() -> bool:
    return get_lang() == "zh"


def _detail(i: ItemChange, event: str, names: dict[str, str]) -> str:
    where = names.get(i.unit) or i.unit.rpartition("/")[2]
    if event == "resolved":
        n = i.new["resolution"]["beneficiaries"]
        where += f"，惠及{n}人次" if _zh() else f", {n} served"
    elif event == "escalated" and i.new.get("escalated_to"):
        where += f"→{i.new['escalated_to']}"
    elif event == "progressed":
        added = [p for p in i.new.get("progress", []) if p not in (i.old or {}).get("progress", [])]
        where += f"，{len(added)}条进展" if _zh() else f", {len(added)} entries"
    elif event == "changed":
        fields = list(dict.fromkeys(field_label(x.field.partition(".")[0].partition("[")[0]) for x in i.fields if x.field != "corrections"))
        where += "：" + "、".join(fields) if _zh() else ": " + ", ".join(fields)
    title = mask(i.title)
    return f"{i.id} {title}（{where}）" if _zh() else f"{i.id} {title} ({where})"


def summary(ch: Changes) -> str:
    """The headline sentence: 本周新增12件，办结9件，…，惠及群众N人次。"""
    word, _ = _window(ch)
    c = ch.counts
    if _zh():
        parts = [f"新增{c['added']}件", f"办结{c['resolved']}件"]
        parts += [f"{EVENT_ZH[e]}{c[e]}件" for e in EVENTS if e not in ("added", "resolved") and c[e]]
        if ch.beneficiaries:
            parts.append(f"惠及群众{ch.beneficiaries}人次")
        return word + "，".join(parts) + "。"
    parts = [f"{c['added']} added", f"{c['resolved']} resolved"] + [f"{c[e]} {e}" for e in EVENTS if e not in ("added", "resolved") and c[e]]
    if ch.beneficiaries:
        parts.append(f"{ch.beneficiaries} people served")
    return word + ", ".join(parts) + "."


def _names(root: Path) -> dict[str, str]:
    from shishi.store.load import load_units

    ledger = load_units(root)
    return {u: ledger.unit_name(u) for u in ledger.units}


def changes_text(ch: Changes, root: Path) -> str:
    _, window = _window(ch)
    names = _names(root)
    out = [tr(f"工作动态（{window}）", f"Changes ({window})"), summary(ch)]
    if ch.items:
        out[-1] += tr("其中：", " In detail:")
    for e in EVENTS:
        items = ch.of(e)
        if items:
            label = EVENT_ZH[e] if _zh() else e
            sep = tr("；", "; ")
            out.append(f"{label}{tr('：', ': ')}" + sep.join(_detail(i, e, names) for i in items) + tr("。", "."))
    return "\n".join(out) + "\n"


def changes_md(ch: Changes, root: Path) -> str:
    _, window = _window(ch)
    names = _names(root)
    out = [tr(f"## 工作动态（{window}）", f"## Changes ({window})"), "", summary(ch)]
    for e in EVENTS:
        items = ch.of(e)
        if items:
            label = EVENT_ZH[e] if _zh() else e
            out += ["", tr(f"### {label}（{len(items)}件）", f"### {label} ({len(items)})"), ""]
            out += [f"- {_detail(i, e, names)}" for i in items]
    return "\n".join(out) + "\n"


def changes_json(ch: Changes) -> dict:
    def st(s: State) -> dict:
        return {"given": s.given, "commit": s.rev or None, "worktree": s.rev is WORKTREE}

    return {
        "since": st(ch.since),
        "until": st(ch.until),
        "unit": ch.unit,
        "counts": ch.counts,
        "beneficiaries": ch.beneficiaries,
        "items": [
            {"id": i.id, "unit": i.unit, "title": mask(i.title), "events": i.events, "fields": [change_json(x) for x in i.fields]}
            for i in ch.items
        ],
    }


def incoming(ch: Changes) -> str:
    """What a sync brought in, in one line: 收到 12 件新增、9 件办结…，惠及群众N人次。"""
    c = ch.counts
    kinds = [e for e in EVENTS if c[e]]
    if not kinds:
        return tr("没有收到新的变化。", "nothing new came in.")
    if _zh():
        text = "收到 " + "、".join(f"{c[e]} 件{EVENT_ZH[e]}" for e in kinds)
        return text + (f"，惠及群众{ch.beneficiaries}人次" if ch.beneficiaries else "") + "。"
    text = "came in: " + ", ".join(f"{c[e]} {e}" for e in kinds)
    return text + (f", {ch.beneficiaries} people served" if ch.beneficiaries else "") + "."
