"""Real browser: Debian Chromium against `streamlit run app.py`."""

import pytest

from components.catalog import PAGES
from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_home_shows_six_capabilities_and_store_status(page):
    page.goto(page.app_url)
    page.get_by_text("Computer-vision playground").wait_for()
    wait_idle(page)
    body = page.inner_text("body")
    for p in PAGES:
        assert p.title in body, p.title
    assert "Model store" in body
    path = screenshot(page, "home")
    assert path.stat().st_size > 10_000
