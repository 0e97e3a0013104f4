"""The layout of src/shishi holds: no import circles, no foreign underscore names, arrows that only point down.

An AST walk over every module (imports inside functions included): a module
may import from its own stage and the stages below it, never above.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "shishi"

# top to bottom; a stage may import from itself and anything after it
STAGES = ["cli", "render", "figures", "write", "git", "checks", "store", "base"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _stage(module: str) -> str:
    if module == "shishi.__main__":  # `python -m shishi` runs the command line
        return "cli"
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in STAGES else "base"


def _imports() -> dict[str, list[tuple[str, str, int]]]:
    """module -> [(imported module, imported name or '', line)] of every shishi import."""
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    out: dict[str, list[tuple[str, str, int]]] = {}
    for name, path in modules.items():
        found = out.setdefault(name, [])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found += [(a.name, "", node.lineno) for a in node.names if a.name.split(".")[0] == "shishi"]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "shishi":
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    if sub in modules:  # `from shishi.write import items`: the module itself
                        found.append((sub, "", node.lineno))
                    else:
                        found.append((node.module, a.name, node.lineno))
            elif isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{path}:{node.lineno}: relative import; write `from shishi.… import …`")
    return out


def test_no_module_imports_a_foreign_underscore_name():
    bad = [f"{m}:{line} imports {name} from {src}" for m, imps in _imports().items() for src, name, line in imps if name.startswith("_") and src != m]
    assert bad == [], "make the helper public in the module that owns it:\n" + "\n".join(bad)


def test_no_import_circle():
    graph = {m: {src for src, _n, _l in imps if src != m and not (m.startswith(src + ".") and src != "shishi")} for m, imps in _imports().items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(n) :] + [n]))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_arrows_point_down():
    bad = []
    for m, imps in _imports().items():
        here = STAGES.index(_stage(m))
        for src, _name, line in imps:
            there = STAGES.index(_stage(src))
            if there < here:
                bad.append(f"{m}:{line} ({_stage(m)}) imports {src} ({_stage(src)})")
    assert bad == [], "stages import only from themselves and the stages below (" + " > ".join(STAGES) + "):\n" + "\n".join(bad)


def test_every_stage_says_what_it_owns():
    for stage in STAGES[:-1]:
        doc = ast.get_docstring(ast.parse((SRC / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc.split()) > 12, f"{stage}/__init__.py: a paragraph on what the stage owns and may import"


def test_commands_are_thin():
    """A command parses, calls one core function, renders and maps errors: 30 lines at most, options included."""
    long = []
    for path in sorted((SRC / "cli").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            commands = [d for d in getattr(node, "decorator_list", ()) if isinstance(d, ast.Call) and getattr(d.func, "attr", "") in ("command", "callback")]
            if commands and node.end_lineno - node.lineno + 1 > 30:
                long.append(f"{path.name}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert long == [], "move the work into the core or render:\n" + "\n".join(long)
