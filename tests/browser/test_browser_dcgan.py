"""Real browser: open the DCGAN page, generate a grid of one digit, download it, interpolate, restore."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from models.digits import judge as digit_judge
from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser


def pick(tab, label: str, option: str) -> None:
    tab.get_by_label(label, exact=True).first.click()
    tab.get_by_role("option", name=option, exact=True).click()
    wait_idle(tab)


def view(tab, name: str) -> None:
    """Pick one of the page's views (a radio: a link can open it, unlike st.tabs)."""
    tab.locator("[data-testid='stRadio'] label").filter(has_text=name).first.click()
    wait_idle(tab)


def test_generate_grid_download_interpolate_restore(page, shared_assets):
    page.goto(f"{page.app_url}/Digit_GAN")  # st.navigation drops the "3_" prefix of pages/3_Digit_GAN.py
    page.get_by_text("Judge agrees with the requested digit").wait_for(timeout=120_000)
    wait_idle(page)
    pick(page, "Digit", "4")
    pick(page, "Grid", "6 × 6")
    seed = page.get_by_label("Seed", exact=True)
    seed.fill("2024")
    seed.press("Enter")
    wait_idle(page)
    page.get_by_text("36 generated digits · seed 2024").wait_for()
    screenshot(page, "dcgan_generate")

    with page.expect_download() as dl:
        page.get_by_role("button", name="Download grid PNG").click()
    download = dl.value
    assert download.suggested_filename == "dcgan_seed2024_digits_4.png"  # <source stem>_<what>.<ext>
    sheet = np.asarray(Image.open(io.BytesIO(download_bytes(download))).convert("L"))
    assert sheet.shape == (4 * (6 * 30 + 2), 4 * (6 * 30 + 2))  # 6x6 digits of 28 px + 2 px gaps, x4
    # Cut the grid back into digits and let the judge read them: they must be 4s.
    small = sheet[::4, ::4]
    digits = np.stack([small[2 + r * 30:2 + r * 30 + 28, 2 + c * 30:2 + c * 30 + 28] for r in range(6) for c in range(6)])
    pred = digit_judge.load().predict(digits)
    print("judge on the downloaded grid:", np.bincount(pred, minlength=10).tolist())
    assert (pred == 4).mean() >= 0.85

    view(page, "Interpolate")
    page.get_by_text("Judge along the path").wait_for()
    screenshot(page, "dcgan_interpolate")

    view(page, "Restore a digit")
    page.get_by_role("button", name="Restore").click()
    page.get_by_text("Error in the damage, DCGAN").wait_for(timeout=120_000)
    wait_idle(page)
    body = page.inner_text("body")
    assert "OpenCV Telea" in body and "Best-fitting digit" in body
    page.get_by_text("Error in the damage, DCGAN").scroll_into_view_if_needed()  # the app scrolls in its own container
    screenshot(page, "dcgan_restore")


def download_bytes(download) -> bytes:
    from pathlib import Path

    return Path(download.path()).read_bytes()
