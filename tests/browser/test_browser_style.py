"""Real browser: stylize a sample on the style-transfer page, switch style from the gallery, download, Gatys offline."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser

# st.navigation infers the URL path from the file name without its number prefix: 4_Style_Transfer.py.
PATH = "/Style_Transfer"


def _result_src(tab) -> str:
    # The stylized image is the bottom layer of the before/after compare element (components/compare.py).
    return tab.locator(".cmp img.bottom").first.get_attribute("src")


def _settled(tab) -> None:
    """Script finished and every image element has actually loaded (before looking or screenshotting)."""
    wait_idle(tab)
    tab.wait_for_function(
        "() => { const imgs = [...document.querySelectorAll('[data-testid=\"stImage\"] img')];"
        " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }"
    )


def test_stylize_sample_switch_style_and_download(page):
    page.set_viewport_size({"width": 1400, "height": 2400})  # Streamlit scrolls inside; show it all
    page.goto(page.app_url + PATH)
    page.get_by_role("heading", name="Style transfer").wait_for()
    page.locator(".cmp").first.wait_for(timeout=120_000)
    assert page.locator(".cmp .lbl.r").first.inner_text() == "Stylized · strength 1.00"
    page.get_by_role("button", name="Download stylized PNG").wait_for()
    _settled(page)
    assert page.url.rstrip("/").endswith(PATH)
    body = page.inner_text("body")
    assert "Output 512" in body or "Output 437×512" in body  # default long side 512 (timings: admin page)
    assert "Traceback" not in body
    first = _result_src(page)
    screenshot(page, "style_fast_starry_night")

    # Download the stylized PNG and check it is a real, non-trivial image.
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download stylized PNG").click()
    data = Path(dl.value.path()).read_bytes()
    img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert img.shape == (512, 437, 3) and img.std() > 20  # default long side 512

    # Pick another artwork from the gallery: the result must change.
    page.get_by_text("Style gallery").click()
    page.locator(".st-key-gallery_style_great_wave button").click()
    for _ in range(240):  # the compare element is in a shadow root: poll through Playwright's piercing locator
        if _result_src(page) not in (None, first):
            break
        page.wait_for_timeout(500)
    assert _result_src(page) != first
    _settled(page)
    assert "Great Wave" in page.inner_text("body")
    screenshot(page, "style_fast_great_wave")

    # Gatys without VGG19 weights is not offered; one plain sentence says so (no command, no path).
    page.get_by_text("Gatys optimisation — VGG19 is not installed on this server").first.wait_for()
    assert "python -m" not in page.inner_text("body")
    screenshot(page, "style_gatys_offline")
