"""What the code never does with a ledger: a static check of src/shishi, so a change that would needs a look."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "shishi"
NETWORK = {"socket", "ssl", "http", "urllib", "requests", "httpx", "ftplib", "smtplib", "xmlrpc"}
NEVER = {"pickle", "marshal", "shelve", "dill"}
# The index (a cache under .shishi/ that shishi itself writes, never taken from a ledger or from git) stores
# plain tuples with marshal for speed; marshal builds data, never runs it. No other module may use it.
# Likewise index.py compiles its record converters with exec, from the models' field names only (as dataclasses
# does): no text from a file ever reaches it. fastyaml.py compiles its own source once more, without the lines
# that record positions (its plain reader): again no text from a file.
ALLOWED = {("index.py", "marshal"), ("index.py", "exec"), ("fastyaml.py", "exec"), ("fastyaml.py", "compile")}


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_no_eval_exec_or_unpickling():
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if (path.name, node.func.id) not in ALLOWED:
                    assert node.func.id not in ("eval", "exec", "compile", "__import__"), f"{path.name}:{node.lineno}"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                bad = {n.split(".")[0] for n in names} & (NEVER | NETWORK)
                assert not {b for b in bad if (path.name, b) not in ALLOWED}, f"{path.name}:{node.lineno} imports {names}"


def test_yaml_is_loaded_only_safely():
    """Files are read by yamlio.parse over libyaml events; ruamel is used round-trip only, never 'unsafe' or 'full'."""
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "YAML":
                kinds = [k.value.value for k in node.keywords if k.arg == "typ" and isinstance(k.value, ast.Constant)]
                assert kinds == ["rt"], f"{path.name}:{node.lineno}: YAML({kinds})"
            if isinstance(node, ast.Attribute) and node.attr in ("unsafe_load", "full_load", "load_all", "UnsafeLoader", "FullLoader"):
                raise AssertionError(f"{path.name}:{node.lineno}: {node.attr}")
