"""A line-based reader for the block layout shishi writes, ten times faster than libyaml's events.

libyaml (through ruamel.yaml.clib) hands every event to Python as an object,
and building those objects is most of the cost of reading a ledger. Ledger
files are almost always in the canonical block layout: `key: value` lines,
`- ` entries, plain or quoted one-line scalars, comments. This module reads
exactly that subset, straight from the lines, into the same `Map`/`Seq` data
with the same positions and duplicate-key findings as `yamlio.parse`; on
anything else (flow collections, block scalars, anchors, tags, tabs, several
documents, multi-line scalars, empty values …) it returns None and the caller
uses `yamlio.parse`, which also produces the error messages.
"""

from __future__ import annotations

import re
from operator import itemgetter

from shishi.i18n import tr
from shishi.store.yamlio import BOOLS, MAX_DEPTH, NULLS, Map, Seq

# a key: no flow indicators, quotes, spaces or colons; then ':' and a space or the end
_KEY = re.compile(r"([^\s\-?:,\[\]{}#&*!|>'\"%@`][^\s:#,\[\]{}]*):(?: +|$)")
_PLAIN_START = frozenset("-?:,[]{}#&*!|>%@`")


class _Unsupported(Exception):
    pass


def parse(text: str) -> tuple[object, list[tuple[int, int, str]]] | None:
    """(data, [(line, col, message)]) like `yamlio.parse`, or None when the text is outside the subset."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    if _outside(text):
        return None
    try:
        return _parse(text)[:2]
    except _Unsupported:
        return None


def _outside(text: str) -> bool:
    """Tabs, control characters and the line breaks only YAML knows (all not printable), document
    markers and directives: left to libyaml."""
    return not text.replace("\n", "").isprintable() or any(m in text for m in ("\n---", "\n...", "\n%")) or text.startswith(("---", "...", "%"))


def _scalar(s: str):
    """The value of a one-line scalar starting at s[0] (col is its 1-based column)."""
    c = s[0]
    if c == "'":
        i, n = 1, len(s)
        while True:
            j = s.find("'", i)
            if j < 0:
                raise _Unsupported
            if j + 1 < n and s[j + 1] == "'":
                i = j + 2
                continue
            break
        _tail(s, j + 1)
        return s[1:j].replace("''", "'")
    if c == '"':
        j = s.find('"', 1)
        if j < 0 or "\\" in s[:j]:
            raise _Unsupported
        _tail(s, j + 1)
        return s[1:j]
    if c in _PLAIN_START:
        raise _Unsupported
    k = s.find(" #")
    if k >= 0:
        s = s[:k]
    s = s.rstrip(" ")
    if ": " in s or s.endswith(":"):
        raise _Unsupported
    if s in NULLS:
        return None
    if s in BOOLS:
        return BOOLS[s]
    return s


def _tail(s: str, j: int) -> None:
    """After a closing quote: nothing but spaces and a comment."""
    rest = s[j:]
    stripped = rest.lstrip(" ")
    if stripped and not (stripped[0] == "#" and len(stripped) < len(rest)):
        raise _Unsupported


_K = r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\s:#,\[\]{}]*"  # a key
# a run line: `key: value` at the column of the line before's key (past its dash), the key not a null or a bool, the
# value a plain scalar taken as it is (not a null or a bool; no colon, '#', leading, trailing or double space)
_RUN_LINE = (
    r"\n\1(?(2) \3)(?!(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE):)" + _K
    + r": (?!(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$)[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n:# ]*(?: [^\n:# ]+)*$"
)
# each line: indent, a dash and the spaces after it, a key and the spaces after its colon, the rest; after a key,
# the run of lines that follow it in the same mapping with the simplest values (most lines: read in one match)
_LINE = re.compile(r"^( *)(?:(-)( +|$))?(?:(" + _K + r"):( +|$))?(.*)$(?(4)((?:" + _RUN_LINE + r")*))", re.M)
_RUN = re.compile(r"\n *([^:]*): (.*)")  # a run's (key, value) pairs
_SPECIAL = frozenset(_PLAIN_START | {"'", '"'})


def _parse(text: str):
    """(data, duplicate-key findings, (line, column, spaces after the dash, first key) of each mapping entered with `- `
    in the top sequence) of text in the subset; _Unsupported outside it. Lines marked `# pos` place things: `_parse_plain`,
    made from this source without them, gives the same data as plain dicts and lists."""
    problems: list[tuple[int, int, str]] = []
    tops: list[tuple[int, int, str, str]] = []
    # a frame: [container, indent (0-based column of its keys or dashes), pending key or None, key line, key col]
    stack: list[list] = []
    root = None
    frame: list = []
    special, nulls, bools, run_findall = _SPECIAL, NULLS, BOOLS, _RUN.findall
    bad_keys = NULLS | frozenset(BOOLS)
    top_indent, top_map = -1, False  # of `frame`, for the fast path
    lineno = 0
    for indent_s, dash, dash_sp, key, key_sp, rest, run in _LINE.findall(text):
        lineno += 1
        indent = len(indent_s)
        if key and not dash and indent == top_indent and top_map and frame[2] is None and key not in bad_keys:
            # the common line: one more `key: value` of the current mapping
            if not rest or rest[0] == "#":
                if run:
                    raise _Unsupported  # an empty value: libyaml places it
                frame[2], frame[3], frame[4] = key, lineno, indent + 1
                continue
            if rest[0] in special or " #" in rest or ": " in rest or rest[-1] in ": ":
                value = _scalar(rest)
            elif rest in nulls:
                value = None
            elif rest in bools:
                value = bools[rest]
            else:
                value = rest
            cont = frame[0]
            if key in cont:
                problems.append((lineno, indent + 1, tr(f"字段 {key} 写了两次", f"duplicate key '{key}'")))
            cont[key] = value
            cont.pos[key] = (lineno, indent + 1, lineno, indent + len(key) + len(key_sp) + 2)  # pos
            if run:
                pairs = run_findall(run)
                problems += _add_run(cont, pairs, lineno, frame[1] + 1)
                cont.pos.update({k: (lineno + i, frame[1] + 1, lineno + i, frame[1] + len(k) + 3) for i, (k, _v) in enumerate(pairs, 1)})  # pos
                lineno += len(pairs)
            continue
        if not key and not dash and (not rest or rest[0] == "#"):
            continue  # blank or comment
        # close what this line ends, open what a pending key announces
        while stack:
            cont, fi, pending = frame[0], frame[1], frame[2]
            if type(cont) is Seq:
                if indent == fi and dash:
                    break
                if indent > fi:
                    raise _Unsupported  # a scalar continued on the next line
            elif indent >= fi:
                if pending is None:
                    if indent > fi or dash:
                        raise _Unsupported
                    break
                if indent == fi and not dash:
                    raise _Unsupported
                # the pending key's value is the block that starts here
                child = Seq() if dash else Map()
                child.pos = [] if dash else {}  # pos
                child.line, child.col = lineno, indent + 1  # pos
                if pending in cont:
                    problems.append((frame[3], frame[4], tr(f"字段 {pending} 写了两次", f"duplicate key '{pending}'")))
                cont[pending] = child
                cont.pos[pending] = (frame[3], frame[4], lineno, indent + 1)  # pos
                frame[2] = None
                if len(stack) >= MAX_DEPTH:
                    raise _Unsupported
                frame = [child, indent, None, 0, 0]
                stack.append(frame)
                break
            elif pending is not None:
                raise _Unsupported  # an empty value: libyaml places it
            stack.pop()
            if stack:
                frame = stack[-1]
        if not stack:
            if root is not None:
                raise _Unsupported  # a second node at the top: an error libyaml words
            root = Seq() if dash else Map()
            root.pos = [] if dash else {}  # pos
            root.line, root.col = lineno, indent + 1  # pos
            frame = [root, indent, None, 0, 0]
            stack.append(frame)
        cont = frame[0]
        if dash:
            col = indent + 1 + len(dash_sp)  # 0-based column of the entry's content
            if not key:
                if not rest or rest[0] == "#" or rest[0] == "-" and (len(rest) == 1 or rest[1] == " "):
                    raise _Unsupported
                cont.append(_scalar(rest))
                cont.pos.append((lineno, col + 1))  # pos
                top_indent, top_map = frame[1], False
                continue
            child = Map()
            child.pos = {}  # pos
            child.line, child.col = lineno, col + 1  # pos
            if len(stack) == 1:
                tops.append((lineno, indent + 1, dash_sp, key))
            cont.append(child)
            cont.pos.append((lineno, col + 1))  # pos
            if len(stack) >= MAX_DEPTH:
                raise _Unsupported
            frame = [child, col, None, 0, 0]
            stack.append(frame)
            cont = child
        elif not key or type(cont) is not Map:
            raise _Unsupported
        else:
            col = indent
        if key in nulls or key in bools:
            raise _Unsupported
        if not rest or rest[0] == "#":
            if not key_sp and rest or run:
                raise _Unsupported
            frame[2], frame[3], frame[4] = key, lineno, col + 1
            top_indent, top_map = frame[1], True
            continue
        if rest[0] in special or " #" in rest or ": " in rest or rest[-1] == ":" or rest[-1] == " ":
            value = _scalar(rest)
        elif rest in nulls:
            value = None
        elif rest in bools:
            value = bools[rest]
        else:
            value = rest
        if key in cont:
            problems.append((lineno, col + 1, tr(f"字段 {key} 写了两次", f"duplicate key '{key}'")))
        cont[key] = value
        cont.pos[key] = (lineno, col + 1, lineno, col + len(key) + len(key_sp) + 2)  # pos
        top_indent, top_map = frame[1], type(frame[0]) is Map
        if run:
            pairs = run_findall(run)
            problems += _add_run(cont, pairs, lineno, frame[1] + 1)
            cont.pos.update({k: (lineno + i, frame[1] + 1, lineno + i, frame[1] + len(k) + 3) for i, (k, _v) in enumerate(pairs, 1)})  # pos
            lineno += len(pairs)
    if stack and stack[-1][2] is not None:
        raise _Unsupported
    return root, problems, tops


def _add_run(cont: dict, pairs: list[tuple[str, str]], lineno: int, col: int) -> list[tuple[int, int, str]]:
    """Add a run's (key, value) pairs (lines lineno+1 …, keys at `col`) to cont; the findings of its duplicate keys.
    (Their positions are the caller's: `_parse_plain` leaves them out.)"""
    n = len(cont)
    cont.update(pairs)
    if len(cont) - n == len(pairs):
        return []
    seen, out = set(list(cont)[:n]), []
    for i, (k, _v) in enumerate(pairs, 1):
        if k in seen:
            out.append((lineno + i, col, tr(f"字段 {k} 写了两次", f"duplicate key '{k}'")))
        seen.add(k)
    return out


_PLAIN: list = []
_TOP_FORM, _TOP_LINE = itemgetter(1, 2, 3), itemgetter(0)


def _plain_variant():
    """`_parse` without its `# pos` lines, Map and Seq being dict and list: the data alone (a fifth faster).
    Compiled when first wanted (10 ms: not for every command); None when installed without the source."""
    if not _PLAIN:
        import inspect
        import textwrap

        try:
            src = textwrap.dedent(inspect.getsource(_parse)).replace("def _parse(", "def _parse_plain(")
        except (OSError, TypeError):
            _PLAIN.append(None)  # every file is read with positions
            return None
        src = "\n".join(re.sub(r"\S.*# pos$", "pass", line) for line in src.split("\n"))
        env = {**globals(), "Map": dict, "Seq": list}
        exec(compile(src, __file__, "exec"), env)  # noqa: S102 - this module's own source
        _PLAIN.append(env["_parse_plain"])
    return _PLAIN[0]


def items_plain(text: str) -> list[tuple[int, dict]] | None:
    """(line, data) of every item of a ledger file in the canonical layout, as plain dicts: what `parse` reads,
    without positions. None unless the file is a list of mappings at column 0, each opening with `- id:` on
    its first line, with no duplicate key (and in `parse`'s subset): then the caller reads it with `parse`,
    which places what it finds."""
    if "\r" in text or _outside(text):
        return None
    parse_plain = _PLAIN[0] if _PLAIN else _plain_variant()
    if parse_plain is None:
        return None
    try:
        data, dups, tops = parse_plain(text)
    except _Unsupported:
        return None
    if dups or type(data) is not list or len(tops) != len(data):  # (a scalar entry is not in tops)
        return None
    # every item at column 0, one space after its dash, `id` its first key (the dash line's): checked in C, not item by item
    if tops and set(map(_TOP_FORM, tops)) != {(1, " ", "id")}:
        return None
    return list(zip(map(_TOP_LINE, tops), data, strict=True))
