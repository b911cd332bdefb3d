"""components/st_compat.py: every Streamlit internal the app touches still exists, and nothing else reaches them.

After a Streamlit upgrade this is the test that names what moved (one line per internal)."""

from __future__ import annotations

import ast
import importlib
import logging
import re

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from components import st_compat
from tests.conftest import ROOT


@pytest.mark.parametrize("module,path", st_compat.INTERNALS, ids=[f"{m}:{p}" for m, p in st_compat.INTERNALS])
def test_each_internal_still_exists(module, path):
    obj = importlib.import_module(module)
    head, _, attr = path.rpartition(".")
    for part in filter(None, head.split(".")):
        obj = getattr(obj, part)
    # dataclass fields without a default are in __dataclass_fields__ / __annotations__, not attributes
    fields = getattr(obj, "__dataclass_fields__", {}) or getattr(obj, "__annotations__", {})
    assert hasattr(obj, attr) or attr in fields, f"Streamlit {streamlit.__version__}: {module}.{path} is gone"


def test_the_pinned_version_is_the_one_checked():
    pinned = re.search(r"^streamlit==([\d.]+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert pinned and streamlit.__version__ == pinned.group(1)
    assert f"{'.'.join(streamlit.__version__.split('.')[:2])}" in st_compat.__doc__


PRIVATE = re.compile(r"\.(_session_mgr|fragment_storage|_clean_problem_modules|client_context)\b")


def test_no_module_but_the_compat_one_reaches_streamlit_internals():
    offenders = []
    for path in [*ROOT.glob("components/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py", *ROOT.rglob("models/**/*.py")]:
        if path.name == "st_compat.py":
            continue
        text = path.read_text()
        tree = ast.parse(text)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [f"{path.relative_to(ROOT)}: import {n}" for n in names
                          if n.startswith(("streamlit.runtime", "streamlit.web.server"))]
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in PRIVATE.finditer(text)]
    assert offenders == []


def _page_script():
    from components.page import page_setup

    page_setup("Timed page", "⏱️")
    import streamlit as st

    st.write("ran")


def test_every_page_run_logs_one_line_with_its_whole_run_time(caplog):
    from components import diagnostics
    from components.page import WHOLE_RUN

    with caplog.at_level(logging.INFO, logger="vision.page"):
        at = AppTest.from_function(_page_script, default_timeout=30).run()
        assert not at.exception
        at.run()
    lines = [r.getMessage() for r in caplog.records if r.name == "vision.page"]
    assert len(lines) == 2 and all(re.fullmatch(r"page run: Timed page \d+ ms", m) for m in lines), lines
    recorded = [t for t in diagnostics.timings() if t.page == "Timed page"]
    assert len(recorded) >= 2 and all(set(t.parts_ms) == {WHOLE_RUN} and t.parts_ms[WHOLE_RUN] >= 0
                                      for t in recorded)


def test_a_failing_after_run_hook_is_logged_not_raised(caplog):
    calls = []

    def broken() -> None:
        calls.append(1)
        raise RuntimeError("boom")

    from streamlit.runtime.scriptrunner import script_runner

    import components.page  # noqa: F401  (installs the replacement)

    st_compat.after_every_run(broken)
    st_compat.after_every_run(broken)  # idempotent: registered once
    try:
        with caplog.at_level(logging.ERROR, logger="components.st_compat"):
            script_runner._clean_problem_modules()
    finally:
        st_compat._after_run.remove(broken)
    assert calls == [1]
    assert any("after-run hook broken failed" in r.getMessage() for r in caplog.records)
