"""YAML in and out.

Reading is fast and safe: libyaml's event stream (ruamel.yaml.clib) is composed
into plain dicts and lists of strings, each container remembering where its
keys and values stood. No tags, anchors or aliases are accepted, so nothing in
a ledger is ever constructed into an object, let alone executed. Scalars stay
strings (None and booleans aside) and the Pydantic records give them types, so
money is read as an exact Decimal, never through float.

Writing never re-serializes a whole file: an item is a block of lines starting
with "- " at column 0; a change round-trips only that block through ruamel's
comment-preserving loader, and the file is replaced atomically.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from shishi.i18n import tr

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 32

# control characters (tab and newline aside): invisible, and escape sequences garble terminals and reports
CONTROL_TEXT_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CONFLICT_RE = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: |$)", re.M)
NULLS = frozenset(("", "~", "null", "Null", "NULL"))
BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class YamlError(Exception):
    """A file that cannot be read at all, with the 1-based place it broke."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


class Map(dict):
    """A mapping read from YAML; pos[key] = (key line, key col, value line, value col), 1-based."""

    __slots__ = ("pos", "line", "col")


class Seq(list):
    """A sequence read from YAML; pos[i] = (line, col) of element i, 1-based."""

    __slots__ = ("pos", "line", "col")


def decode(raw: bytes) -> str:
    """Bytes of a ledger file as text: UTF-8, a BOM allowed."""
    if len(raw) > MAX_FILE_BYTES:
        raise YamlError(1, 1, tr(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MiB", f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise YamlError(line, col, tr("不是 UTF-8 编码（请另存为 UTF-8）", "not valid UTF-8 (save the file as UTF-8)")) from None


def conflict_markers(text: str) -> list[int]:
    """1-based line numbers of git conflict markers."""
    if not any(m in text for m in ("<<<<<<<", "=======", ">>>>>>>", "|||||||")):
        return []  # the usual case, found without scanning a big file line by line
    return [text.count("\n", 0, m.start()) + 1 for m in CONFLICT_RE.finditer(text)]


def parse(text: str) -> tuple[object, list[tuple[int, int, str]]]:
    """Compose one YAML document into plain data; returns (data, [(line, col, message)]).

    Raises YamlError when the text is not YAML at all.
    """
    from _ruamel_yaml import CParser
    from ruamel.yaml import events as ev

    scalar_t, map_t, seq_t = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
    map_end, seq_end, alias_t = ev.MappingEndEvent, ev.SequenceEndEvent, ev.AliasEvent
    doc_t, stream_end = ev.DocumentStartEvent, ev.StreamEndEvent

    problems: list[tuple[int, int, str]] = []
    parser = CParser(text)
    get = parser.get_event
    stack: list[list] = []  # [container, pending key, key line, key col]
    root: object = None
    docs = 0
    nulls, bools = NULLS, BOOLS
    while True:
        try:
            e = get()
        except Exception as exc:  # libyaml's scanner and parser errors
            raise _yaml_error(exc, text) from None
        t = type(e)
        if t is scalar_t:
            m = e.start_mark
            line, col = m.line + 1, m.column + 1
            if e.tag is not None or e.anchor is not None:
                _refuse(e, line, col)
            value = e.value
            if not e.style:
                if value in nulls:
                    value = None
                elif value in bools:
                    value = bools[value]
            elif e.style == '"' and (bad := CONTROL_TEXT_RE.search(value)):  # only escapes can put them in a file
                problems.append((line, col, tr(f"文本含有控制字符 U+{ord(bad.group()):04X}（看不见，会搅乱终端和报表）", f"control character U+{ord(bad.group()):04X} in text (invisible; it garbles terminals and reports)")))
        elif t is map_t or t is seq_t:
            m = e.start_mark
            line, col = m.line + 1, m.column + 1
            if e.tag is not None or e.anchor is not None:
                _refuse(e, line, col)
            if len(stack) >= MAX_DEPTH:
                raise YamlError(line, col, tr(f"嵌套超过 {MAX_DEPTH} 层", f"nested more than {MAX_DEPTH} levels deep"))
            value = Map() if t is map_t else Seq()
            value.pos = {} if t is map_t else []
            value.line, value.col = line, col
        elif t is map_end or t is seq_end:
            stack.pop()
            continue
        elif t is alias_t:
            m = e.start_mark
            raise YamlError(m.line + 1, m.column + 1, _no_anchors())
        elif t is doc_t:
            docs += 1
            if docs > 1:
                m = e.start_mark
                raise YamlError(m.line + 1, m.column + 1, tr("每个文件只能有一个 YAML 文档（去掉多余的 ---）", "only one YAML document per file"))
            continue
        elif t is stream_end:
            break
        else:
            continue

        if not stack:
            root = value
        else:
            frame = stack[-1]
            parent = frame[0]
            if type(parent) is Seq:
                parent.append(value)
                parent.pos.append((line, col))
            elif frame[1] is _NOKEY:
                if not isinstance(value, str):
                    if isinstance(value, (Map, Seq)) or value is not None:
                        if isinstance(value, (Map, Seq)):
                            raise YamlError(line, col, tr("键应为普通词语", "a key must be a plain word"))
                    value = "" if value is None else str(value).lower()
                if value in parent:
                    problems.append((line, col, tr(f"字段 {value} 写了两次", f"duplicate key '{value}'")))
                frame[1], frame[2], frame[3] = value, line, col
            else:
                key = frame[1]
                parent[key] = value
                parent.pos[key] = (frame[2], frame[3], line, col)
                frame[1] = _NOKEY
        if t is map_t or t is seq_t:
            stack.append([value, _NOKEY, 0, 0])
    return root, problems


_NOKEY = object()


def _refuse(e, line: int, col: int) -> None:
    if e.anchor is not None:
        raise YamlError(line, col, _no_anchors())
    raise YamlError(line, col, tr(f"台账里不允许 YAML 标签（{e.tag}）", f"YAML tags such as {e.tag} are not allowed in ledgers"))


def _no_anchors() -> str:
    return tr("台账里不允许锚点和别名（&、*）", "anchors and aliases (&, *) are not allowed in ledgers")


# libyaml's messages, as a clerk can act on them
YAML_ZH = (
    ("mapping values are not allowed", "这里不能再写“键: 值”（值里有冒号要加引号，或缩进不对）"),
    ("could not find expected ':'", "缺少冒号“:”（或者引号没有闭合）"),
    ("found character '\\t' that cannot start any token", "不能用制表符缩进，请用空格"),
    ("found a tab character", "不能用制表符缩进，请用空格"),
    ("unacceptable character", "文件里有不允许的控制字符"),
    ("did not find expected key", "缩进没有对齐"),
    ("did not find expected '-' indicator", "列表项缩进没有对齐（应以“- ”开头）"),
    ("did not find expected node content", "这里缺少内容"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合）"),
    ("found unknown escape character", "双引号里的反斜杠转义无效（写成 \\\\ 或改用单引号）"),
    ("block sequence entries are not allowed", "这里不能开始列表项“- ”（缩进不对）"),
    ("found unexpected ':'", "多了一个冒号“:”"),
    ("expected ',' or ']'", "方括号列表里缺少逗号或“]”"),
    ("expected ',' or '}'", "花括号里缺少逗号或“}”"),
    ("found undefined tag handle", "台账里不允许 YAML 标签（!）"),
    ("found character that cannot start any token", "这个字符不能出现在值的开头（加引号）"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("while scanning a simple key", "缺少冒号“:”"),
    ("could not find expected", "格式不完整"),
)


def _yaml_zh(problem: str, context: str | None) -> str:
    for needle, zh in YAML_ZH:
        if needle in problem or (context and needle in context):
            return zh
    return "检查这里的缩进、冒号和引号"


def _yaml_error(exc: Exception, text: str) -> YamlError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    msg = tr(f"YAML 格式错误：{_yaml_zh(problem, context)}", f"YAML syntax: {problem}" + (f" ({context})" if context else ""))
    if mark is None:
        return YamlError(1, 1, msg)
    lines = text.splitlines()
    if mark.line < len(lines) and "\t" in lines[mark.line] and "制表符" not in msg:
        msg += tr("；请用空格缩进，不要用制表符", "; indent with spaces, not tabs")
    return YamlError(mark.line + 1, mark.column + 1, msg)


def locate(data: object, loc: tuple) -> tuple[int, int]:
    """The 1-based place of the value at a Pydantic error location, as near as the data allows."""
    line, col = getattr(data, "line", 1), getattr(data, "col", 1)
    node = data
    for part in loc:
        if isinstance(node, Map) and part in node.pos:
            _, _, line, col = node.pos[part]
            node = node[part]
        elif isinstance(node, Map) and isinstance(part, str):
            # an unknown key is reported at the key itself
            for k, (kl, kc, _, _) in node.pos.items():
                if k == part:
                    return kl, kc
            break
        elif isinstance(node, Seq) and isinstance(part, int) and 0 <= part < len(node):
            line, col = node.pos[part]
            node = node[part]
        else:
            break
    return line, col


def key_position(node: object, key: str) -> tuple[int, int]:
    if isinstance(node, Map) and key in node.pos:
        kl, kc, _, _ = node.pos[key]
        return kl, kc
    return getattr(node, "line", 1), getattr(node, "col", 1)


# ---------------------------------------------------------------- item blocks

_BLOCK_START = re.compile(r"-(?: |\r?$)")
_ID_LINE = re.compile(r"^(?:- |  )id:[ \t]*['\"]?([^'\"\s#]+)")


@dataclass
class Block:
    start: int  # index into lines, inclusive
    end: int  # exclusive
    id: str | None


def split_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def find_blocks(lines: list[str]) -> list[Block]:
    """The item blocks of a ledger file: from a "- " line at column 0 through its last indented line."""
    blocks: list[Block] = []
    cur: Block | None = None
    last_content = -1
    for i, line in enumerate(lines):
        if _BLOCK_START.match(line):
            if cur is not None:
                cur.end = last_content + 1
                blocks.append(cur)
            cur = Block(i, i + 1, None)
            last_content = i
            m = _ID_LINE.match(line)
            if m:
                cur.id = m.group(1)
        elif cur is not None:
            if line[:1] in (" ", "\t"):
                if line.strip():
                    last_content = i
                    if cur.id is None:
                        m = _ID_LINE.match(line)
                        if m:
                            cur.id = m.group(1)
            elif line.strip():
                # column-0 text (a comment, or the end of the list) closes the block
                cur.end = last_content + 1
                blocks.append(cur)
                cur = None
    if cur is not None:
        cur.end = last_content + 1
        blocks.append(cur)
    return blocks


def block_at(lines: list[str], i: int) -> Block | None:
    """The block (as `find_blocks` cuts them) that holds line i, found by looking only around it."""
    s = i
    while s >= 0:
        line = lines[s]
        if _BLOCK_START.match(line):
            break
        if line[:1] not in (" ", "\t") and line.strip():
            return None  # column-0 text before any block start: line i is in no block
        s -= 1
    if s < 0:
        return None
    b = Block(s, s + 1, None)
    m = _ID_LINE.match(lines[s])
    if m:
        b.id = m.group(1)
    k = s + 1
    while k < len(lines):
        line = lines[k]
        if _BLOCK_START.match(line):
            break
        if line[:1] in (" ", "\t"):
            if line.strip():
                b.end = k + 1
                if b.id is None:
                    m = _ID_LINE.match(line)
                    if m:
                        b.id = m.group(1)
        elif line.strip():
            break
        k += 1
    return b if i < b.end else None


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text[:4096] else "\n"


def rt_yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.indent(mapping=2, sequence=2, offset=0)
    y.width = 4096
    y.allow_unicode = True
    y.representer.add_representer(Decimal, _represent_decimal)
    y.representer.ignore_aliases = lambda data: True  # a shared date object must not become &id001
    return y


def rt_load(y, text: str):
    """ruamel's round-trip load of item blocks, its refusals as YamlError.

    ruamel is stricter than libyaml in places (a tab before ':') and constructs
    what the fast reader keeps as text (a title `2021-02-30` becomes an
    impossible date), so a block that reads cleanly can still fail here.
    """
    from ruamel.yaml.error import YAMLError as RtError

    try:
        return y.load(text)
    except RtError as exc:
        raise _yaml_error(exc, text) from None
    except ValueError as exc:  # a constructor's, e.g. "day is out of range for month"
        raise YamlError(1, 1, tr("YAML：有的值读不成（如不存在的日期 2021-02-30），请加引号", f"YAML: {exc} (quote the value)")) from None


def _represent_decimal(representer, value: Decimal):
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".") if value == value.to_integral_value() else text
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return representer.represent_scalar(tag, text)


def _prepare(value):
    """Plain data ready for ruamel: multi-line text as literal blocks."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, dict):
        return {k: _prepare(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_prepare(v) for v in value]
    if isinstance(value, str) and _ODD_BREAK.search(value):
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        return DoubleQuotedScalarString(value)  # escaped (\L, \P, \N): in a literal block ruamel breaks the line there and cannot read it back
    if isinstance(value, str) and "\n" in value and value == value.strip():
        return LiteralScalarString(value)
    return value


_ODD_BREAK = re.compile("[\u2028\u2029\x85]")


def dump_items(items: list[dict]) -> str:
    """Items as a YAML sequence in the canonical layout."""
    import io

    y = rt_yaml()
    buf = io.StringIO()
    y.dump([_prepare(i) for i in items], buf)
    return buf.getvalue()


def edit_block(block_text: str, old: dict, new: dict, order: tuple[str, ...]) -> str:
    """Rewrite one item's block from `old` data to `new` data, keeping what did not change.

    Keys whose value is unchanged keep their text and comments; a list that only
    grew gets its new entries appended; other changed keys are replaced in place
    and new keys inserted at their canonical position.
    """
    y = rt_yaml()
    seq = rt_load(y, block_text)
    _edit_map(seq[0], old, new, order)
    return _dump(y, seq)


def edit_mapping(text: str, old: dict, new: dict, order: tuple[str, ...]) -> str:
    """A whole-file mapping (unit.yaml) rewritten from `old` to `new` as `edit_block` does: comments and untouched keys kept."""
    y = rt_yaml()
    cm = rt_load(y, text)
    if not hasattr(cm, "insert"):
        raise YamlError(1, 1, tr("文件不是键值表", "the file is not a mapping"))
    _edit_map(cm, old, new, order)
    return _dump(y, cm)


def _dump(y, data) -> str:
    import io

    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def _edit_map(cm, old: dict, new: dict, order: tuple[str, ...]) -> None:
    for key in list(cm.keys()):
        if key not in new:
            del cm[key]
    for key, value in new.items():
        before = old.get(key, _NOKEY)
        if before == value and key in cm:
            continue
        if (
            key in cm
            and isinstance(value, list)
            and isinstance(before, list)
            and value[: len(before)] == before
            and len(cm[key]) == len(before)
        ):
            for entry in value[len(before) :]:
                cm[key].append(_prepare(entry))
        elif key in cm:
            cm[key] = _prepare(value)
        else:
            at = sum(1 for k in cm if k in order and order.index(k) < order.index(key))
            cm.insert(at, key, _prepare(value))


def scalar(value: str) -> str:
    """`value` as the text of a YAML scalar that reads back as exactly `value`: plain when it can be, else quoted."""
    import json

    for text in (value, json.dumps(value, ensure_ascii=False), json.dumps(value)):
        try:
            data, problems = parse(f"k: {text}\n")
        except YamlError:
            continue
        if not problems and data == {"k": value}:
            return text
    raise ValueError(f"cannot write {value!r} as YAML")


class Stager:
    """Where `atomic_write` puts new file versions while a transaction is open (see write.journal)."""

    def stage(self, path: Path, data: bytes) -> None:  # pragma: no cover - an interface
        raise NotImplementedError

    def staged(self, path: Path) -> Path | None:  # pragma: no cover - an interface
        raise NotImplementedError

    def remove(self, path: Path) -> None:  # pragma: no cover - an interface
        raise NotImplementedError

    def move_dir(self, old: Path, new: Path) -> None:  # pragma: no cover - an interface
        raise NotImplementedError


_stager: ContextVar[Stager | None] = ContextVar("shishi_stager", default=None)


@contextmanager
def staging(stager: Stager):
    """Inside the block, `atomic_write` hands its files to `stager` instead of replacing them."""
    token = _stager.set(stager)
    try:
        yield stager
    finally:
        _stager.reset(token)


def staged_path(path: Path) -> Path | None:
    """The temporary file holding the open transaction's new version of `path`, if it wrote one."""
    stager = _stager.get()
    return stager.staged(Path(path)) if stager is not None else None


def move_dir(old: Path, new: Path) -> None:
    """Rename a directory (a unit moved); inside a transaction, after its files are in place."""
    stager = _stager.get()
    if stager is not None:
        stager.move_dir(Path(old), Path(new))
        return
    os.rename(old, new)


def temp_name(name: str) -> str:
    """The name of a new version of file `name` beside it (the .gitignore pattern `.*.tmp` covers it)."""
    return f".{name}.{os.urandom(6).hex()}.tmp"


TEMP_RE = re.compile(r"^\..+\.[0-9a-z_]{6,}\.tmp$")


def write_temp(path: Path, data: bytes, tmp: Path | None = None) -> Path:
    """A fsynced new version of `path` beside it (at `tmp` if given), with its mode; returns the temp file's path."""
    tmp = tmp or path.with_name(temp_name(path.name))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path, follow_symlinks=False).st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def fsync_dir(d: Path) -> None:
    try:
        dfd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def remove_file(path: Path) -> None:
    """Delete a file shishi keeps (a detached photo); inside a transaction, together with its other changes."""
    stager = _stager.get()
    if stager is not None:
        stager.remove(Path(path))
        return
    Path(path).unlink(missing_ok=True)


def atomic_write(path: Path, text: str | bytes, bom: bool = False) -> None:
    """Replace `path` with `text` (or bytes, as they are) so that a crash leaves the old file or the new one, never half.

    Inside a transaction (write.journal) the new version is only staged: the
    transaction renames all its files into place together.
    """
    data = text if isinstance(text, bytes) else (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    path = Path(path)
    stager = _stager.get()
    if stager is not None:
        stager.stage(path, data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
