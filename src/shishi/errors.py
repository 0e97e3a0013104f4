"""Problems found in a ledger tree, and the one error type the core raises."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of `check`, located in a file relative to the ledger root."""

    path: str
    line: int  # 1-based; 0 when the whole file is meant
    col: int  # 1-based
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.path}:{self.line}:{self.col}: {tag}{self.message}"


class ShishiError(Exception):
    """A domain or validation failure: exit code 1, message for the clerk, nothing changed."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
