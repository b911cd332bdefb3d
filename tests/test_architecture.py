"""The layering the codebase promises: models/ never imports Streamlit, its import graph has no cycle
(imports inside functions count too: a lazy import hides a cycle, it does not remove it), and no module
imports another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import statement in the file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, [a.name for a in node.names]))
    return out


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in MODELS.rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        for target, names in imports(path):
            # `from models.digits import judge` imports the submodule models.digits.judge
            candidates = [f"{target}.{n}" for n in names if f"{target}.{n}" in files] or [target]
            for c in candidates:
                if c in files and c != mod:
                    edges[mod].add(c)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(edges[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_models_import_graph_has_no_cycle():
    edges = graph()
    # a package's __init__ re-exporting its submodules is the one allowed back edge
    edges = {m: {n for n in e if not m.startswith(n + ".")} for m, e in edges.items()}
    print(f"{len(edges)} modules, {sum(len(e) for e in edges.values())} import edges inside models/")
    assert edges["models.digits.guesser"] >= {"models.digits.masks"}  # the edge that used to close a cycle
    assert find_cycle(edges) is None, find_cycle(edges)


def test_no_private_names_across_modules_and_no_streamlit_in_models():
    bad, st = [], []
    for path in MODELS.rglob("*.py"):
        for target, names in imports(path):
            if target.split(".")[0] == "streamlit":
                st.append(str(path))
            if target.startswith("models"):
                bad += [f"{module_name(path)} imports {target}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    assert not st, st
    assert not bad, bad
