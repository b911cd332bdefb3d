"""Real browser on a phone (390×844, touch) and on a desktop (1440×900): nothing is wider than the screen, the result
comes before the long option lists on a phone (components/layout.py) and after them on a desktop, no widget label
is cut off, the Share box shows its copy button, and the home title keeps "Computer‑vision" on one line.

Screenshots (the whole page: the viewport is made as tall as Streamlit's scrolling main block) go to
test-artifacts/screenshots/phone_*.png and desktop_*.png.
"""

from __future__ import annotations

import re

import pytest

from components.catalog import PAGES
from components.home_cards import TITLE
from tests.conftest import SCREENSHOTS, wait_idle

pytestmark = pytest.mark.browser

PHONE = (390, 844)
DESKTOP = (1440, 900)


@pytest.fixture
def tab(chromium, app_server, request):
    """A tab of the size ``request.param`` (``PHONE``: a touch phone; ``DESKTOP``)."""
    w, h = request.param
    phone = w < 800
    context = chromium.new_context(viewport={"width": w, "height": h}, is_mobile=phone, has_touch=phone)
    t = context.new_page()
    t.set_default_timeout(240_000)
    t.app_url = app_server
    yield t
    context.close()


def _top(tab, selector: str) -> float:
    """Top of the first element matching ``selector`` in the page's content (px from the top of Streamlit's
    scrolling main block, whatever its scroll position)."""
    return tab.evaluate(
        "s => { const e = document.querySelector(s); const m = document.querySelector('[data-testid=\"stMain\"]');"
        " if (!e) throw new Error('no element ' + s); return e.getBoundingClientRect().top + m.scrollTop; }",
        selector,
    )


def _whole_page_shot(tab, name: str) -> None:
    """A screenshot of the whole page; the viewport is restored afterwards."""
    size = tab.viewport_size
    height = tab.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    tab.set_viewport_size({"width": size["width"], "height": min(height + 40, 16_000)})
    tab.wait_for_timeout(1500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    tab.set_viewport_size(size)
    tab.wait_for_timeout(500)


def _check(tab, name: str, result: str, options: dict[str, str]) -> None:
    """scrollWidth is the viewport's; the result (selector) is above each option list on a phone and below it on
    a desktop; no widget label is truncated; then a whole-page screenshot."""
    width = tab.viewport_size["width"]
    phone = width < 800
    scroll_width = tab.evaluate("() => document.documentElement.scrollWidth")
    result_top = _top(tab, result)
    tops = {label: _top(tab, sel) for label, sel in options.items()}
    print(f"{name} at {width}px: scrollWidth {scroll_width}, result top {result_top:.0f} px, option lists {tops}")
    assert scroll_width == width
    for label, top in tops.items():
        assert (result_top < top) if phone else (result_top > top), (label, result_top, top)
    cut = tab.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stWidgetLabel\"] [data-testid=\"stMarkdownContainer\"]')]"
        ".filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"
    )
    assert not cut, f"labels cut off: {cut}"
    _whole_page_shot(tab, f"{'phone' if phone else 'desktop'}_{name}")


def _pictures_loaded(tab) -> None:
    wait_idle(tab)
    tab.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')].every(i => i.complete && i.naturalWidth)"
    )


@pytest.mark.parametrize("tab", [PHONE, DESKTOP], ids=["phone", "desktop"], indirect=True)
def test_segmentation(tab):
    tab.goto(tab.app_url + "/Segmentation")
    tab.get_by_text(re.compile(r"cat — \d+\.\d%")).wait_for()
    _pictures_loaded(tab)
    _check(tab, "segmentation", ".st-key-seg__result [data-testid='stImage']",
           {"model": ".st-key-seg__options [data-testid='stSelectbox']",
            "what to do": ".st-key-seg__options [data-testid='stRadio']"})
    # The legend's colour swatch sits beside its checkbox (left of it, on the same line), never above it.
    swatch = tab.locator(".st-key-seg__result div[title^='#']").first.bounding_box()
    box = tab.locator(".st-key-seg__result [data-testid='stCheckbox']").first.bounding_box()
    print(f"legend swatch {swatch}, checkbox {box}")
    assert swatch["x"] + swatch["width"] <= box["x"]
    assert abs((swatch["y"] + swatch["height"] / 2) - (box["y"] + box["height"] / 2)) < 4
    # The Share box: its copy button is visible without hovering (a touch screen has no hover).
    tab.get_by_role("button", name="🔗 Share").click()
    copy = tab.get_by_role("button", name="Copy to clipboard")
    copy.wait_for(state="visible", timeout=10_000)
    box = copy.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= tab.viewport_size["width"]


@pytest.mark.parametrize("tab", [PHONE, DESKTOP], ids=["phone", "desktop"], indirect=True)
def test_style_with_the_gallery_open(tab):
    tab.goto(tab.app_url + "/Style_Transfer")
    tab.locator(".cmp").first.wait_for()
    tab.get_by_text("Style gallery").click()
    tab.locator("[class*='st-key-gallery_style_'] button").first.wait_for()
    _pictures_loaded(tab)
    _check(tab, "style_gallery_open", ".st-key-style__result [data-testid='stTabs']",
           {"content image": ".st-key-style__options [data-testid='stRadio']",
            "style gallery": ".st-key-style__options [data-testid='stExpander']"})


@pytest.mark.parametrize("tab", [PHONE, DESKTOP], ids=["phone", "desktop"], indirect=True)
def test_faces_compare_many(tab):
    tab.goto(tab.app_url + "/Face_Similarity")
    tab.get_by_text("Compare many faces & cluster").click()
    tab.get_by_text("Similarity matrix").wait_for()
    tab.get_by_text("Person 7").wait_for()
    _pictures_loaded(tab)
    tab.wait_for_function("() => document.querySelector('[data-testid=\"stVegaLiteChart\"] canvas, "
                          "[data-testid=\"stVegaLiteChart\"] svg')")
    _check(tab, "faces_compare_many", ".st-key-many__result [data-testid='stVegaLiteChart']",
           {"photos": ".st-key-many__options [data-testid='stExpander']"})
    chart = tab.locator(".st-key-many__result [data-testid='stVegaLiteChart']").first.bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= tab.viewport_size["width"]  # the matrix fits


@pytest.mark.parametrize("tab", [PHONE], ids=["phone"], indirect=True)
def test_home_title_on_one_line_per_word_and_cards_counted(tab):
    tab.goto(tab.app_url)
    tab.get_by_text(TITLE).wait_for()
    wait_idle(tab)
    # "Computer‑vision" must not break at its hyphen: the word's text range is one line box.
    lines = tab.evaluate(
        "w => { const h = document.querySelector('h1'); const n = [...h.querySelectorAll('*'), h]"
        ".flatMap(e => [...e.childNodes]).find(t => t.nodeType === 3 && t.data.includes(w));"
        " const r = document.createRange(); const i = n.data.indexOf(w); r.setStart(n, i); r.setEnd(n, i + w.length);"
        " return r.getClientRects().length; }",
        TITLE.split(" ")[0],
    )
    assert lines == 1
    cards = tab.locator("a.vp-card")
    cards.first.wait_for()
    intro = tab.get_by_text("things to try with computer vision").inner_text()
    print(f"home intro: {intro[:40]}…, {cards.count()} cards")
    assert cards.count() == len([p for p in PAGES if p.exists]) == 7 and intro.startswith("Seven things")
    assert tab.evaluate("() => document.documentElement.scrollWidth") == PHONE[0]
    _whole_page_shot(tab, "phone_home")
