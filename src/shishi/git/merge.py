"""The three-way merge of a ledger file, item by item, and the git merge driver around it.

A ledger file is a list of item blocks (`- id: …`). Items are matched by ID:
- added on either side: kept (both, when both added);
- changed on one side: that side's version;
- changed on both: field by field; progress-like logs are a union in date
  order, named records (milestones, targets) merge by name, sub-records
  (resolution, supervision …) key by key; an item whose status one side only
  moved from open to in progress takes the other side's status;
- the same field changed to different values on both sides is a conflict,
  marked with standard conflict markers inside that item only;
- two different items that took the same new ID: both are kept, and the one
  not yet on any remote-tracking branch (in a `git pull`, the local one;
  otherwise theirs) gets the next free number of that ID's unit and year.
The local file's layout and comments stay; only changed items are rewritten,
through the same block editor the write commands use.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from shishi.i18n import tr
from shishi.store.ledger import parse_text, read_items
from shishi.store.model import ID_RE, ITEM_KEYS, item_to_data
from shishi.store.yamlio import YamlError, conflict_markers, decode, edit_block, find_blocks, newline_of, split_lines

MISSING = object()
LOGS = ("progress", "extensions", "reopenings", "feedback")  # append-only: union in date order
NAMED = ("milestones", "targets")  # records keyed by their name
MARK = 7


class Unmergeable(Exception):
    """The file is not a clean list of item blocks on some side: leave it to git's line merge."""


@dataclass
class Conflict:
    ours: object
    theirs: object


class _Data(dict):
    """ID -> plain item data, read from the block only when first asked (most blocks are equal on all sides)."""

    def __init__(self, blocks: dict[str, str]):
        super().__init__()
        self.blocks = blocks

    def __missing__(self, iid: str) -> dict | None:
        entries, problems, _ = read_items("", "", self.blocks[iid])
        ok = len(entries) == 1 and not problems and entries[0].item.id == iid
        self[iid] = value = item_to_data(entries[0].item) if ok else None
        return value

    def get(self, iid, default=None):
        return self[iid] if iid in self.blocks else default


@dataclass
class Side:
    order: list[str]  # item IDs in file order
    blocks: dict[str, str]  # ID -> block text
    data: _Data  # ID -> plain item data; None when the item does not validate
    gaps: dict[str | None, str]  # text after the block of ID (None: before the first block)

    def items(self) -> dict[str, dict | None]:
        return {i: self.data[i] for i in self.order}


@dataclass
class Result:
    text: str
    conflicts: list[str] = field(default_factory=list)  # IDs with conflicts
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (ID, its new ID, 'ours' | 'theirs')


def read_side(text: str) -> Side:
    """A ledger file's text as items and the text between them; Unmergeable when it is not a clean block list."""
    text = text.replace("\r\n", "\n")
    if conflict_markers(text):
        raise Unmergeable("conflict markers")
    data, problems = parse_text("", text)
    if data is None and problems:  # merged item by item, a broken block would break the whole file
        raise Unmergeable(tr(f"第 {problems[0].line} 行：{problems[0].message}", f"line {problems[0].line}: {problems[0].message}"))
    if data is not None and not isinstance(data, list):
        raise Unmergeable(tr("不是事项列表", "not a list of items"))
    lines = split_lines(text)
    blocks = find_blocks(lines)
    side = Side([], {}, _Data({}), {})
    side.data.blocks = side.blocks
    side.gaps[None] = "".join(lines[: blocks[0].start]) if blocks else text
    for i, b in enumerate(blocks):
        if b.id is None or b.id in side.blocks or not ID_RE.match(b.id):
            raise Unmergeable(f"block at line {b.start + 1}")
        side.order.append(b.id)
        side.blocks[b.id] = "".join(lines[b.start : b.end])
        nxt = blocks[i + 1].start if i + 1 < len(blocks) else len(lines)
        side.gaps[b.id] = "".join(lines[b.end : nxt])
    rest = "".join(line for gap in side.gaps.values() for line in split_lines(gap) if line.strip() and not line.lstrip().startswith("#"))
    if rest:
        raise Unmergeable("text outside item blocks")
    return side


# ------------------------------------------------------------------ values


def _key(x) -> str:
    return json.dumps(x, sort_keys=True, default=str, ensure_ascii=False)


def merge_value(b, o, t, name: str = ""):
    """Three-way merge of one value; may hold Conflict objects where both sides disagree."""
    if o == t:
        return o
    if o == b:
        return t
    if t == b:
        return o
    if name == "status" and b in ("open", MISSING) and "in_progress" in (o, t):
        return t if o == "in_progress" else o  # the automatic open -> in_progress of a progress entry yields
    if isinstance(o, dict) and isinstance(t, dict) and (b is MISSING or isinstance(b, dict)):
        base = b if isinstance(b, dict) else {}
        out = {}
        for k in list(o) + [k for k in t if k not in o]:
            v = merge_value(base.get(k, MISSING), o.get(k, MISSING), t.get(k, MISSING), k)
            if v is not MISSING:
                out[k] = v
        return out
    if isinstance(o, list) and isinstance(t, list) and (b is MISSING or isinstance(b, list)):
        base = b if isinstance(b, list) else []
        if name in NAMED and all(isinstance(x, dict) and "name" in x for x in base + o + t):
            return _merge_named(base, o, t)
        return _merge_union(base, o, t, dated=name in LOGS)
    return Conflict(o, t)


def _merge_union(b: list, o: list, t: list, dated: bool) -> list:
    """Entries of both sides; one that either side removed stays removed.

    Kept entries stay in the base's order, new ones follow in a fixed order
    (so the result does not depend on which side is ours); logs sort by date.
    """
    out = [x for x in b if x in o and x in t]
    for x in sorted((x for x in o + t if x not in b), key=_key):
        if x not in out:
            out.append(x)
    if dated:
        out.sort(key=lambda x: str(x.get("date", "")) if isinstance(x, dict) else "")
    return out


def _merge_named(b: list, o: list, t: list) -> list:
    bb, oo, tt = ({x["name"]: x for x in side} for side in (b, o, t))
    names = list(bb) + sorted(n for n in {**oo, **tt} if n not in bb)
    out = []
    for n in names:
        v = merge_value(bb.get(n, MISSING), oo.get(n, MISSING), tt.get(n, MISSING))
        if v is not MISSING:
            out.append(v)
    return out


def has_conflict(v) -> bool:
    if isinstance(v, Conflict):
        return True
    if isinstance(v, dict):
        return any(has_conflict(x) for x in v.values())
    if isinstance(v, list):
        return any(has_conflict(x) for x in v)
    return False


def pick(v, ours: bool):
    """One side's reading of a merged value: each Conflict replaced by ours or theirs."""
    if isinstance(v, Conflict):
        return v.ours if ours else v.theirs
    if isinstance(v, dict):
        return {k: x for k, x in ((k, pick(x, ours)) for k, x in v.items()) if x is not MISSING}
    if isinstance(v, list):
        return [x for x in (pick(x, ours) for x in v) if x is not MISSING]
    return v


def merge_item(b: dict | None, o: dict, t: dict) -> dict:
    """Field-by-field merge of one item's data (Conflict objects where a field truly conflicts)."""
    return merge_value(b if b is not None else MISSING, o, t)


# ------------------------------------------------------------------ text


def _markers(a: str, b: str) -> str:
    """Two versions of one item's block, the lines where they differ between conflict markers."""
    al, bl = split_lines(a), split_lines(b)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, al, bl, autojunk=False).get_opcodes():
        if op == "equal":
            out += al[i1:i2]
        else:
            out += ["<" * MARK + " ours\n", *al[i1:i2], "=" * MARK + "\n", *bl[j1:j2], ">" * MARK + " theirs\n"]
    return "".join(out)


def _edit(block: str, old: dict, new: dict) -> str:
    return block if old == new else edit_block(block, old, new, ITEM_KEYS)


def _merge_gap(b: str | None, o: str, t: str | None) -> str:
    """Comments between items: the side that changed them; both: ours plus the comment lines only theirs added."""
    if t is None or o == t or t == b:
        return o
    if o == (b or ""):
        return t
    have = set(split_lines(o)) | set(split_lines(b or ""))
    extra = [line for line in split_lines(t) if line.strip() and line not in have]
    return o + ("".join(extra) if o.endswith("\n") or not o else "\n" + "".join(extra))


def _free_ids(sides: list[Side]):
    """Next free IDs by (prefix, year): one past the highest number any side ever used."""
    top: dict[str, int] = {}
    for s in sides:
        for i in s.order:
            m = ID_RE.match(i)
            if m:
                stem = i[: m.start(2)]
                top[stem] = max(top.get(stem, 0), int(m.group(2)))

    def take(item_id: str) -> str:
        m = ID_RE.match(item_id)
        stem = item_id[: m.start(2)] if m else item_id + "-"
        top[stem] = top.get(stem, 0) + 1
        return f"{stem}{top[stem]:03d}"

    return take


def _rename(side: Side, old: str, new: str) -> None:
    """Give one side's item a new ID, and follow it in `duplicate_of` links within the file."""
    d = side.data[old]
    if d is not None:
        nd = dict(d, id=new)
        side.blocks[new] = edit_block(side.blocks[old], d, nd, ITEM_KEYS)
        side.data[new] = nd
    else:
        side.blocks[new] = re.sub(rf"(id:[ \t]*['\"]?){re.escape(old)}", lambda m: m.group(1) + new, side.blocks[old], count=1)
        side.data[new] = None
    side.order[side.order.index(old)] = new
    side.gaps[new] = side.gaps.pop(old)
    del side.blocks[old], side.data[old]
    for i, dd in side.items().items():
        c = (dd or {}).get("cancellation")
        if c and c.get("duplicate_of") == old:
            nd = dict(dd, cancellation=dict(c, duplicate_of=new))
            side.blocks[i] = edit_block(side.blocks[i], dd, nd, ITEM_KEYS)
            side.data[i] = nd


def merge_texts(base: str, ours: str, theirs: str, published: dict[str, list] | None = None) -> Result:
    """Merge three versions of a ledger file's text; the layout is ours. Raises Unmergeable.

    `published` maps IDs to the item data already on a remote: when both sides
    added different items under one ID, theirs is renumbered, unless only
    theirs is published (a pull: ours is the local, unpushed one), so an ID
    others already have never changes.
    """
    nl = newline_of(ours)
    bs, os_, ts = read_side(base), read_side(ours), read_side(theirs)
    res = Result("")
    take = _free_ids([bs, os_, ts])
    published = published or {}
    for i in [i for i in ts.order if i in os_.blocks and i not in bs.blocks]:
        same = os_.data[i] == ts.data[i] if os_.data[i] is not None else os_.blocks[i] == ts.blocks[i]
        if not same:
            seen = published.get(i, [])
            side = "ours" if ts.data[i] in seen and os_.data[i] not in seen else "theirs"
            new = take(i)
            _rename(os_ if side == "ours" else ts, i, new)
            res.renamed.append((i, new, side))

    out = [_merge_gap(bs.gaps.get(None), os_.gaps[None], ts.gaps.get(None))]
    for i in os_.order:
        block = _merge_one(i, bs, os_, ts, res)
        gap = _merge_gap(bs.gaps.get(i), os_.gaps[i], ts.gaps.get(i))
        if block is None:
            gap = "".join(line for line in split_lines(gap) if line.strip())  # a dropped item takes its blank lines along
        out.append((block or "") + gap)
    text = "".join(out)
    for i in ts.order:
        if i in os_.blocks:
            continue
        if i in bs.blocks:  # deleted here
            if ts.blocks[i] == bs.blocks[i] or (ts.data[i] is not None and ts.data[i] == bs.data[i]):
                continue
            block = "<" * MARK + " ours\n" + "=" * MARK + "\n" + ts.blocks[i] + ">" * MARK + " theirs\n"
            res.conflicts.append(i)
        else:
            block = ts.blocks[i]
        if text.strip():
            text = text.rstrip("\n") + "\n\n"
        text += block
    text = text if text.endswith("\n") or not text else text + "\n"
    res.text = text.replace("\n", nl) if nl != "\n" else text
    return res


def _merge_one(i: str, bs: Side, os_: Side, ts: Side, res: Result) -> str | None:
    """The merged block of an item we have (None: theirs deleted it and we did not change it)."""
    ob, bb = os_.blocks[i], bs.blocks.get(i)
    if i not in ts.blocks:
        if bb is None:
            return ob
        if ob == bb or (os_.data[i] is not None and os_.data[i] == bs.data[i]):
            return None
        res.conflicts.append(i)
        return "<" * MARK + " ours\n" + ob + "=" * MARK + "\n" + ">" * MARK + " theirs\n"
    tb = ts.blocks[i]
    if ob == tb or tb == bb:
        return ob
    if ob == bb:
        return tb  # only theirs changed it: their block as written, comments and all
    od, td, bd = os_.data[i], ts.data[i], bs.data.get(i)
    if od is None or td is None or (bb is not None and bd is None):
        res.conflicts.append(i)  # an item that does not validate on some side: whole blocks, by text
        return _markers(ob, tb)
    merged = merge_item(bd, od, td)
    if not has_conflict(merged):
        return _edit(ob, od, merged)
    res.conflicts.append(i)
    return _markers(_edit(ob, od, pick(merged, True)), _edit(ob, od, pick(merged, False)))


# ------------------------------------------------------------------ the driver


def _read(path: Path) -> tuple[str, bool]:
    raw = path.read_bytes()
    return decode(raw), raw.startswith(b"\xef\xbb\xbf")


def run_driver(base: Path, ours: Path, theirs: Path, name: str) -> int:
    """git's merge driver: merge into `ours` in place; 0 when clean, 1 with conflicts (as git expects)."""
    try:
        (b, _), (o, bom), (t, _) = _read(base), _read(ours), _read(theirs)
        res = merge_texts(b, o, t, published_items(Path.cwd(), name))
    except (Unmergeable, YamlError, UnicodeDecodeError) as e:
        print(tr(f"shishi merge: {name}：不能逐项合并（{e}），改用 git 的逐行合并；请检查合并结果后再提交", f"shishi merge: {name}: cannot merge by item ({e}); used git's line merge: check the result before committing"), file=sys.stderr)
        _line_merge(base, ours, theirs)
        return 1  # even a clean line merge of a broken side needs the clerk's eyes: git marks the file unmerged
    ours.write_bytes((b"\xef\xbb\xbf" if bom else b"") + res.text.encode("utf-8"))
    for old, new, side in res.renamed:
        who = tr("本地新增的", "the local") if side == "ours" else tr("合并进来的", "the incoming")
        print(
            tr(
                f"shishi merge: {name}：双方都新增了 {old}，{who}那一件改号为 {new}（若它由上报而来，shishi git relink 会更新来源事项的 escalated_to）",
                f"shishi merge: {name}: both sides added {old}; {who} one is now {new} (if it continues an escalation, shishi git relink fixes the source's escalated_to)",
            ),
            file=sys.stderr,
        )
    for i in res.conflicts:
        print(tr(f"shishi merge: {name}：事项 {i} 双方改得不同，已在该事项内标出冲突", f"shishi merge: {name}: item {i} was changed differently on both sides; conflict marked inside it"), file=sys.stderr)
    return 1 if res.conflicts else 0


def published_items(top: Path, name: str) -> dict[str, list]:
    """ID -> the versions of the items of file `name` on the remote-tracking branches (what others already have)."""
    from shishi.git import repo as gitio
    from shishi.store.ledger import items_of

    try:
        repo = gitio.Repo(top, top)
        refs = gitio.text(["for-each-ref", "--format=%(objectname)", "refs/remotes"], top).split()
        out: dict[str, list] = {}
        for blob in gitio.read_blobs(repo, [f"{r}:{name}" for r in dict.fromkeys(refs)]):
            for i, (_u, data) in items_of(blob).items():
                out.setdefault(i, []).append(data)
        return out
    except (gitio.GitError, OSError, ValueError):
        return {}


def _line_merge(base: Path, ours: Path, theirs: Path) -> int:
    """git's own line merge into `ours` (exit 0 clean, 1 with conflict markers)."""
    from shishi.git import repo as gitio

    proc = gitio.git(["merge-file", "-L", "ours", "-L", "base", "-L", "theirs", "--", str(ours), str(base), str(theirs)], Path.cwd(), check=False)
    return 0 if proc.returncode == 0 else 1
