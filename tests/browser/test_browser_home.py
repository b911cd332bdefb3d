"""Real browser: Debian Chromium against `streamlit run app.py`: the home page's cards."""

import pytest

from components.catalog import PAGES
from components.home_cards import TITLE, url_path
from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_home_cards_are_whole_links_with_pictures(page):
    page.goto(page.app_url)
    page.get_by_text(TITLE).wait_for()
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    cards = main.locator("a.vp-card")
    cards.first.wait_for()
    assert cards.count() == len(PAGES)
    for i, p in enumerate(PAGES):
        card = cards.nth(i)
        text = card.inner_text()
        assert p.title in text and p.summary in text
        assert card.get_attribute("href") == url_path(p)
        card.scroll_into_view_if_needed()  # a card below the fold may load its picture only when shown
        width = card.locator("img").evaluate(
            "img => img.complete ? img.naturalWidth : new Promise(r => { img.onload = () => r(img.naturalWidth); "
            "img.onerror = () => r(0); })"
        )
        assert width > 50, (p.title, width)  # the picture loaded
    nav = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Home" in nav and all(p.title in nav for p in PAGES) and "Admin" in nav
    assert "Model store" not in main.inner_text() and "python -m" not in main.inner_text()
    screenshot(page, "home")
    # Clicking anywhere on a card (here: its picture) opens the capability's page.
    cards.nth(0).locator("img").click()
    page.get_by_role("heading", name="Semantic segmentation").first.wait_for()
    assert page.url.rstrip("/").endswith("/Segmentation") or "/Segmentation?" in page.url
