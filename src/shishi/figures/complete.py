"""Complete or refused: the reading problems of the units a command counts, and the banner when printed anyway.

A figure that silently lacks a community's items is worse than no figure:
`report`, `rollup`, `scores`, `export` and `changes` refuse when any file or
item of the selected units cannot be read, and with --allow-incomplete say on
the page how many problems in which files were left uncounted.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass

from shishi.errors import Problem
from shishi.i18n import tr
from shishi.store.ledger import Ledger, in_unit

_UNIT_FILE = re.compile(r"^(\d{4}\.ya?ml|unit\.ya?ml)$")


def unread(ledger: Ledger, unit: str = "") -> list[Problem]:
    """The reading problems (errors) of the files of `unit` and the units below it, and of the files every figure reads (shishi.yaml, surveys)."""
    errors = [p for p in ledger.problems if p.severity == "error"]
    if not errors:  # the common case: no unit's directory to work out (a city has ten thousand)
        return []
    dirs = {}
    for u, ud in ledger.units.items():
        try:
            dirs[u] = ud.dir.relative_to(ledger.root).as_posix()
        except ValueError:
            continue
    dirs = {u: "" if d == "." else d for u, d in dirs.items()}
    out = []
    for p in errors:
        folder, name = posixpath.split(p.path)
        owners = [u for u, d in dirs.items() if folder == d or (d == "" or folder.startswith(d + "/"))]
        owner = max(owners, key=lambda u: len(dirs[u]), default=None)
        shared = owner is None or (dirs.get(owner) == "" and folder == "" and not _UNIT_FILE.match(name)) or p.path.startswith("surveys/")
        if shared or in_unit(owner, unit):
            out.append(p)
    return out


@dataclass
class Incomplete:
    """What could not be read of what a document counts: said on every page it prints."""

    problems: list[Problem]

    @property
    def files(self) -> list[tuple[str, int]]:
        return sorted(Counter(p.path for p in self.problems).items())

    def banner(self) -> str:
        zh = "，".join(f"{f} {n} 处" for f, n in self.files)
        en = ", ".join(f"{f} ({n})" for f, n in self.files)
        n = len(self.problems)
        return tr(
            f"【数据不完整】台账有 {n} 处无法读取（{zh}），其中无法读取的事项未计入本文件的任何数字。",
            f"[INCOMPLETE] {n} problems kept parts of the ledger from being read ({en}); those items are not counted in any figure here.",
        )

    def data(self) -> dict:
        return {"problems": len(self.problems), "files": [{"file": f, "problems": n} for f, n in self.files], "message": self.banner(),
                "locations": [str(p) for p in self.problems]}
