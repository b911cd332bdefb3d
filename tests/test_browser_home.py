"""Real browser: Debian Chromium against `streamlit run app.py`."""

import pytest

from components.catalog import PAGES
from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_home_shows_six_capabilities_and_store_status(page):
    page.goto(page.app_url)
    page.get_by_text("Computer-vision playground").wait_for()
    page.get_by_text("How to fetch").or_(page.get_by_text("entries present")).first.wait_for()
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    for p in PAGES:
        main.get_by_text(p.title, exact=True).first.wait_for(timeout=20_000)
    main.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
    page.wait_for_timeout(1000)  # the grid paints its canvas after attaching it
    body = main.inner_text()
    nav = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Home" in nav and all(p.title in nav for p in PAGES if p.exists), nav
    # Every built page is a working link from the home page.
    hrefs = main.locator('a[data-testid="stPageLink-NavLink"]').evaluate_all("els => els.map(e => e.href)")
    assert len(hrefs) == sum(p.exists for p in PAGES), hrefs
    assert "Model store" in body
    path = screenshot(page, "home")
    assert path.stat().st_size > 10_000
