"""Production launcher: a failure raised by Streamlit's own widget validation (a value above a slider's max) gets
the same error-id path as any page error: the visitor sees an id, no traceback; the log holds the id and the trace."""

from __future__ import annotations

import re
import sys
import time

import pytest

from tests.conftest import wait_idle
from tests.deploy.deploy_helpers import app_tree_with_hooks, start_production_app, stop


@pytest.fixture(scope="module")
def production_app(tmp_path_factory):
    work = tmp_path_factory.mktemp("errors")
    app = start_production_app(sys.executable, app_tree_with_hooks(work / "app"), work / "app.log")
    yield app
    stop(app.proc)


@pytest.mark.browser
def test_widget_validation_error_shows_an_error_id(chromium, production_app):
    context = chromium.new_context()
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(f"{production_app.url}/Hook_widget_error")
        tab.get_by_text(re.compile(r"quote error id [0-9A-F]{10}")).wait_for()
        wait_idle(tab)
        body = tab.inner_text("body")
    finally:
        context.close()
    error_id = re.search(r"error id ([0-9A-F]{10})", body)[1]
    for leak in ("Traceback", "StreamlitValueAboveMaxError", "encountered an error", ".py"):
        assert leak not in body, f"{leak!r} shown to the visitor:\n{body}"
    deadline = time.time() + 10
    while error_id not in production_app.log_text() and time.time() < deadline:
        time.sleep(0.2)
    line = next(ln for ln in production_app.log_text().splitlines() if error_id in ln)
    assert "StreamlitValueAboveMaxError" in line, line
