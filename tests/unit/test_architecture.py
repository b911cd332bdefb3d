"""The layering the codebase promises: models/ never imports Streamlit, its import graph has no cycle
(imports inside functions count too: a lazy import hides a cycle, it does not remove it), and no module
imports another module's private names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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


def test_no_module_in_models_over_400_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in MODELS.rglob("*.py")}
    print("largest:", sorted(sizes.items(), key=lambda kv: -kv[1])[:5])
    assert max(sizes.values()) <= 400, {k: v for k, v in sizes.items() if v > 400}


def test_every_error_class_in_models_derives_from_vision_error():
    """Pages catch ``VisionError``: an error class outside that tree would escape them as a stack trace."""
    import importlib
    import inspect

    from models.errors import VisionError

    control_flow = {"models.style.gatys.GatysStopped"}  # raised by a callback to stop a loop, never shown
    found, bad = [], []
    for path in MODELS.rglob("*.py"):
        if path.name == "__main__.py":
            continue
        module = importlib.import_module(module_name(path))
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, Exception):
                continue
            found.append(f"{cls.__module__}.{name}")
            if not issubclass(cls, VisionError) and f"{cls.__module__}.{name}" not in control_flow:
                bad.append(f"{cls.__module__}.{name}")
    print(f"{len(found)} error classes:", sorted(found))
    assert not bad, bad


# Backend classes and file loaders a page must not call: it asks ``create(choice, store)`` of the capability.
DIRECT_CONSTRUCTION = ("Segmenter(", "segmenter_from_file(", "build_segmenter(", "MagentaTFLite", "MagentaSavedModel",
                       "DlibEmbedder", "SFaceEmbedder", "FaceAnalyzer(", "load_classifier(", "load_generator(",
                       "OpenCVInpainter(")


def test_pages_build_backends_through_create_and_catch_vision_error():
    bad = []
    for page in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(), str(page))):
            if isinstance(node, ast.Call):
                call = ast.unparse(node.func)
                name = call.split(".")[-1]
                # a page's own cached wrapper may share a loader's name; a module's function or a class may not
                if ("." in call or name[:1].isupper()) and any(d in (name, name + "(") for d in DIRECT_CONSTRUCTION):
                    bad.append(f"{page.name}:{node.lineno} calls {call}")
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = ast.unparse(node.type)
                if caught in ("Exception", "BaseException") or "ValueError" in caught or "RuntimeError" in caught:
                    bad.append(f"{page.name}:{node.lineno} catches {caught} (catch models.errors.VisionError)")
    assert not bad, bad


def test_no_module_imports_its_own_package_init():
    """Inside a package, siblings are imported by their full module path (``import models.digits.mnist as mnist``),
    never through the package (``from models.digits import mnist``): the package's ``__init__`` imports its
    submodules, so going through it closes a cycle (``digits/__init__`` → ``choices`` → ``gan`` → ``digits``)."""
    files = {module_name(p): p for p in MODELS.rglob("*.py")}
    through_init = []
    for mod, path in sorted(files.items()):
        if path.name == "__init__.py":
            continue
        own = [mod.rsplit(".", k)[0] for k in range(1, mod.count("."))]  # its packages, models/ itself excluded
        through_init += [f"{mod}: {t} {names}" for t, names in imports(path) if t in own]
    assert through_init == []


# --- page settings: each session-state key written once (components/settings.py PageSettings) ----------------------
# The prefixes of the pages' keys (as /tmp/keys.py of issue 25 counts them, with Gatys', the interpolation's and the
# hand-off's own): a literal like "seg_opacity" in two modules is a rename that breaks a link or a release silently.
# A page added later is covered by the prefixes of the keys its settings declare (key_literal_pattern).
KEY_PREFIX = (
    r"(?:seg|segtrain|inpaint|rest|gan|style|gatys|interp|face|many|video|vid|portrait|remove|digits|train|share"
    r"|home|admin|handoff)"
)


def key_literal_pattern() -> re.Pattern[str]:
    """The key-like literals: those prefixes, and the first word of every key the catalog pages' settings declare."""
    declared = sorted({k.split("_")[0] for p in _all_page_settings() for k in p.declared_keys()})
    return re.compile(r'"((?:' + "|".join([KEY_PREFIX, *map(re.escape, declared)]) + r')_[a-z0-9_]+)"')


def app_modules() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "components").glob("*.py"))]


def key_literals() -> dict[str, set[str]]:
    """Each key-like string literal of app.py, pages/ and components/ → the modules it is written in."""
    where: dict[str, set[str]] = {}
    pattern = key_literal_pattern()
    for path in app_modules():
        for key in pattern.findall(path.read_text()):
            where.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return where


def test_no_key_literal_is_written_in_two_modules():
    where = key_literals()
    assert where["seg_opacity"] == {"components/segmentation_settings.py"}  # the search finds the declarations
    assert len(where) > 100, len(where)
    twice = {k: sorted(v) for k, v in where.items() if len(v) > 1}
    print(f"{len(where)} key literals; in more than one module: {len(twice)}")
    assert not twice, f"declare these once in the page's settings (components/<page>_settings.py) and read them there: {twice}"


def _all_page_settings():
    import importlib

    from components.catalog import PAGES
    from components.settings import PageSettings

    for page in PAGES:
        importlib.import_module(page.settings)
    return PageSettings.pages()


def test_every_page_declares_its_settings_once():
    """Each catalog page names a settings module with one PageSettings class; no key is declared by two."""
    from components.catalog import PAGES

    pages = _all_page_settings()
    assert {p.__module__ for p in pages} == {page.settings for page in PAGES}
    assert len(pages) == len(PAGES)
    declared = [k for p in pages for k in p.declared_keys()]
    assert len(declared) == len(set(declared)), sorted(k for k in declared if declared.count(k) > 1)
    where = key_literals()
    for page in pages:  # and every declared key literal lives in its page's settings module only
        module = page.__module__.replace(".", "/") + ".py"
        assert all(where.get(k, {module}) == {module} for k in page.declared_keys()), page.__name__


def test_releasable_groups_come_from_the_declarations():
    from components import session_memory
    from components.settings import Key

    pages = _all_page_settings()
    groups = session_memory.releasable()
    assert groups == tuple(g for p in pages for g in p.releasable())
    released = {k for g in groups for k in g}
    declared = {d.key: d for p in pages for d in p.declared() if isinstance(d, Key)}
    assert all(declared[k].release for k in released)  # each one a Key(..., release=...) of a page's settings
    # no key written in session_memory.py itself: the list is not a copy that a rename leaves behind
    source = (ROOT / "components/session_memory.py").read_text()
    assert not [k for k in released if k in source]
    # the groups that were listed by hand before issue 25, unchanged
    assert set(groups) == {
        ("inpaint_last_result",),
        ("video_analysis", "video_run_key"),
        ("style_result",),
        ("gatys_state",),
        ("rest_result",),
        ("handoff_to_inpainting",),
        ("segtrain_sets", "segtrain_job", "segtrain_result"),
    }
