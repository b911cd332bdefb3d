"""Real browser, desktop and phone: the face page's default verify pair and the compare-many grouping."""

from __future__ import annotations

import re

import pytest

from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_default_pair_and_grouping(page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(page.app_url + "/Face_Similarity")
    alert = page.locator('[data-testid="stAlert"]').filter(has_text=re.compile("Same person|Different people"))
    alert.first.wait_for(timeout=180_000)
    wait_idle(page)
    verdict = alert.first.inner_text()
    print(size, verdict.strip())
    assert "Different people" in verdict  # Eileen Collins vs Grace Hopper
    screenshot(page, f"faces_verify_default_{size[0]}")

    page.get_by_text("Compare many faces & cluster").click()
    page.get_by_text("Similarity matrix").wait_for(timeout=180_000)
    wait_idle(page)
    page.get_by_text("Person 7").wait_for()
    body = page.inner_text("body")
    assert re.search(r"\b7 people\b", body), body[:2000]  # 7 faces + their edited copies: 7 people of 2 faces
    assert body.count("· 2 faces") == 7
    page.get_by_text("7 people").scroll_into_view_if_needed()
    page.wait_for_function(  # every chip and photo loaded, and the matrix drawn, before looking
        "() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')].every(i => i.complete && i.naturalWidth)"
        " && document.querySelector('[data-testid=\"stVegaLiteChart\"] canvas, [data-testid=\"stVegaLiteChart\"] svg')",
        timeout=60_000)
    page.wait_for_timeout(500)
    screenshot(page, f"faces_many_default_{size[0]}")
    width = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth")
    print(f"main block scrollWidth {width} at viewport {size[0]}")
