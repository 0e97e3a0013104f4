"""The ledger tree on disk: finding its root, walking units, naming and reading files."""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from shishi.errors import Problem, ShishiError
from shishi.i18n import tr
from shishi.store.yamlio import MAX_FILE_BYTES, TEMP_RE, staged_path

CONFIG_FILE = "shishi.yaml"
UNIT_FILE = "unit.yaml"
SURVEY_DIR = "surveys"
STATE_DIR = ".shishi"
INTENT_FILE = "intent.jsonl"  # under STATE_DIR: the open transaction (write.journal)
ATTACH_DIR = "附件"  # a unit's evidence photos: 附件/<item ID>/<hash>.jpg
LEDGER_RE = re.compile(r"^(\d{4})\.yaml$")
BAD_NAME_RE = re.compile(r'[\x00-\x1f\x7f-\x9f\u2028\u2029/\\:*?"<>|]')
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def find_root(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> Path:
    """--ledger, else $SHISHI_LEDGER, else the nearest directory upward holding shishi.yaml, else ./ledgers."""
    if explicit:
        root = Path(explicit)
    elif os.environ.get("SHISHI_LEDGER"):
        root = Path(os.environ["SHISHI_LEDGER"])
    else:
        here = (cwd or Path.cwd()).resolve()
        root = next((d for d in (here, *here.parents) if (d / CONFIG_FILE).is_file()), here / "ledgers")
    if not os.path.lexists(root / CONFIG_FILE):  # a directory or link there is reported by check
        raise ShishiError(
            tr(
                f"找不到台账库：{root} 下没有 {CONFIG_FILE}（用 --ledger 指定，或先运行 shishi init）",
                f"no ledger tree: {root} has no {CONFIG_FILE} (use --ledger, or run shishi init)",
            )
        )
    return root.resolve()


def check_unit_name(name: str) -> str | None:
    """Why a directory name cannot be a unit name, or None when it can."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return tr("单位名称不是 UTF-8 文本（可能是 GBK 编码的压缩包解压所致），请重命名目录", "unit name is not UTF-8 text (a GBK zip extracted here?); rename the directory")
    if not name or name in (".", "..") or name.strip() != name:
        return tr("单位名称为空或首尾有空格", "unit name is empty or has leading/trailing spaces")
    if BAD_NAME_RE.search(name):
        return tr("单位名称含有 / \\ : * ? \" < > | 或控制字符", "unit name has / \\ : * ? \" < > | or a control character")
    if name.split(".")[0].upper() in WINDOWS_RESERVED or name.startswith("."):
        return tr(f"单位名称 {name} 在 Windows 上不可用或为隐藏名", f"unit name {name} is reserved on Windows or hidden")
    if len(name.encode("utf-8")) > 200:
        return tr("单位名称过长", "unit name is too long")
    if name in (SURVEY_DIR, ATTACH_DIR) or name.lower().endswith(".yaml") or YEAR_RE.match(name):
        return tr(f"单位名称 {name} 与台账库的文件布局冲突（surveys、附件、以 .yaml 结尾的名称和年份不能作单位名称）", f"unit name {name} collides with the tree's layout (surveys, 附件, names ending .yaml and years cannot name a unit)")
    return None


YEAR_RE = re.compile(r"^\d{4}$")


def twin_of(name: str, siblings) -> str | None:
    """The sibling that looks the same as `name` (equal after NFKC and case folding), if any."""
    import unicodedata

    key = unicodedata.normalize("NFKC", name).casefold()
    return next((s for s in siblings if unicodedata.normalize("NFKC", s).casefold() == key), None)


def shown(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8, and control characters, escaped."""
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "backslashreplace")
    text = raw.decode("utf-8", "backslashreplace")
    return CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass
class UnitDir:
    """A unit's place in the tree; `path` is '' for the root, else '赶水镇/三居社区'."""

    path: str
    dir: Path
    children: list[str] = field(default_factory=list)
    temps: list[str] = field(default_factory=list)  # a killed writer's temporary files here (relative to dir)

    @property
    def parent(self) -> str | None:
        if not self.path:
            return None
        return self.path.rpartition("/")[0]

    @property
    def depth(self) -> int:
        return 0 if not self.path else self.path.count("/") + 1


def walk_units(root: Path) -> tuple[dict[str, UnitDir], list[Problem]]:
    """Every directory holding unit.yaml, from the root down; symlinks are never followed."""
    units: dict[str, UnitDir] = {}
    problems: list[Problem] = []

    def visit(d: Path, rel: str) -> None:
        units[rel] = node = UnitDir(rel, d)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as e:
            problems.append(Problem(rel or ".", 0, 0, str(e)))
            return
        for e in entries:
            if e.name.startswith("."):
                if TEMP_RE.match(e.name):
                    node.temps.append(e.name)
                continue
            child_rel = f"{rel}/{e.name}" if rel else e.name
            shown_rel = f"{rel}/{shown(e.name)}" if rel else shown(e.name)
            if e.is_symlink():
                problems.append(Problem(shown_rel, 0, 0, _symlink_message()))
                continue
            if e.name == SURVEY_DIR and not rel:
                if e.is_dir():
                    try:
                        node.temps += [f"{SURVEY_DIR}/{n}" for n in sorted(os.listdir(e.path)) if TEMP_RE.match(n)]
                    except OSError:
                        pass
                continue
            if e.name == ATTACH_DIR and not os.path.lexists(Path(e.path) / UNIT_FILE):
                continue  # photos, not units
            if e.is_dir():
                if os.path.lexists(Path(e.path) / UNIT_FILE):  # read_bytes reports a directory or pipe there
                    why = check_unit_name(e.name)
                    if why:
                        problems.append(Problem(shown_rel, 0, 0, why))
                        continue
                    node.children.append(child_rel)
                    visit(Path(e.path), child_rel)
                elif any(LEDGER_RE.match(n) for n in os.listdir(e.path)):
                    problems.append(
                        Problem(shown_rel, 0, 0, tr("目录有台账文件但没有 unit.yaml", "directory has ledger files but no unit.yaml"))
                    )

    visit(root, "")
    return units, problems


def ledger_files(unit: UnitDir) -> list[tuple[int, Path]]:
    """(year, path) of a unit's ledger files, oldest first."""
    out = []
    try:
        names = os.listdir(unit.dir)
    except OSError:
        return out
    for name in names:
        m = LEDGER_RE.match(name)
        if m and not (unit.dir / name).is_symlink():  # walk_units reports links
            out.append((int(m.group(1)), unit.dir / name))
    return sorted(out)


def survey_files(root: Path) -> list[Path]:
    """Every *.yaml entry of surveys/: read_bytes reports the ones that are not regular files."""
    d = root / SURVEY_DIR
    if not d.is_dir() or d.is_symlink():
        return []
    return sorted(p for p in d.iterdir() if p.suffix == ".yaml")


def attachment_path(root: Path, unit_dir: Path, file: str) -> Path | None:
    """Where an attachment recorded as `file` (relative to its unit's directory) lies; None when that is outside the tree."""
    if not file or "\\" in file or file.startswith("/") or CONTROL_RE.search(file):
        return None
    path = Path(os.path.normpath(unit_dir / file))
    try:
        path.relative_to(Path(os.path.normpath(root)))
    except ValueError:
        return None
    return path


def rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _symlink_message() -> str:
    return tr("符号链接不予读取（台账库内不允许链接）", "symbolic link not followed (no links in a ledger tree)")


def state_dir(root: Path, create: bool = True) -> Path:
    """The tree's .shishi directory (made if missing), refused when it is a link or not a directory.

    Everything shishi keeps there (lock, intent record, index) would otherwise
    be written wherever a hostile commit's link points.
    """
    d = Path(root) / STATE_DIR
    try:
        st = os.lstat(d)
    except FileNotFoundError:
        if not create:
            return d
        try:
            os.mkdir(d, 0o755)  # never follows a link: a dangling one there makes it fail
        except FileExistsError:
            pass
        st = os.lstat(d)
    if not stat.S_ISDIR(st.st_mode):
        raise ShishiError(
            tr(
                f"{d} 是符号链接或不是目录，shishi 不会在台账库外写入任何文件；删除它后再运行",
                f"{d} is a symbolic link or not a directory; shishi writes nothing outside the tree: remove it and run again",
            )
        )
    return d


def open_state(root: Path, name: str, flags: int, mode: int = 0o644) -> int:
    """A file descriptor of .shishi/<name>, opened without following links."""
    d = state_dir(root)
    dfd = os.open(d, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
    try:
        return os.open(name, flags | getattr(os, "O_NOFOLLOW", 0), mode, dir_fd=dfd)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.EMLINK):
            raise ShishiError(tr(f"{d / name} 是符号链接，不予打开；删除它后再运行", f"{d / name} is a symbolic link; not opened: remove it and run again")) from None
        raise
    finally:
        os.close(dfd)


def leftover_temps(root: Path, units: dict[str, UnitDir] | None = None, state: bool = False) -> list[Path]:
    """Temporary files a killed writer left in the tree (unit directories, surveys/; .shishi with state), as the walk found them.

    Those a live transaction's intent record names are its own, not leftovers.
    """
    root = Path(root)
    found = [ud.dir / n for ud in (units or walk_units(root)[0]).values() for n in ud.temps]
    if state:
        try:
            found += [Path(e.path) for e in os.scandir(root / STATE_DIR) if TEMP_RE.match(e.name) and not os.path.islink(root / STATE_DIR)]
        except OSError:
            pass
    if not found:
        return []
    live = set()
    try:
        import json

        with open(root / STATE_DIR / INTENT_FILE, "rb") as f:  # read-only; a link here is refused by every write
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    break
                if isinstance(entry, dict) and "tmp" in entry:
                    live.add(root / entry["tmp"])
    except OSError:
        pass
    return sorted(p for p in found if p not in live and os.path.lexists(p))


def read_bytes(path: Path) -> bytes:
    """A file's bytes, refusing links, directories, pipes and devices where a file should be.

    Reads at most MAX_FILE_BYTES + 1 bytes: an oversized file costs no more
    memory than the limit, and `decode` reports it.
    """
    path = staged_path(path) or path  # the open transaction's own new version: it reads what it wrote
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = 0  # missing or unreachable: os.open says so, as it always did
    if stat.S_ISLNK(mode):
        raise OSError(errno.ELOOP, _symlink_message(), str(path))
    if stat.S_ISDIR(mode):
        raise OSError(errno.EISDIR, tr("应为文件，却是目录", "is a directory where a file should be"), str(path))
    # O_NONBLOCK: opening a FIFO must not wait forever for a writer; O_NOFOLLOW: no link swapped in meanwhile
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, tr("不是普通文件（管道、设备等），不予读取", "not a regular file (a pipe, device or socket); not read"), str(path))
        # asking for the size it has (and one byte more) spares allocating MAX_FILE_BYTES for every file read;
        # a file grown since is read on, to the same limit
        data = f.read(min(st.st_size, MAX_FILE_BYTES) + 1)
        if len(data) > st.st_size and len(data) <= MAX_FILE_BYTES:
            data += f.read(MAX_FILE_BYTES + 1 - len(data))
        return data
