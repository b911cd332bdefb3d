"""Acceptance 4 (second half) of issue 24 in a real browser: upload a tiny labelled zip, train Short, the live
chart's data grows, the results show, "Use this model" segments an upload, and the downloaded TFLite model gives
the page's class map (within 1 % of pixels)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import screenshot, wait_idle
from tests.shapes_set import H, W, pair, shapes_zip

pytestmark = pytest.mark.browser
PATH = "/Train_segmenter"
STEP = re.compile(r"Step (\d+) of (\d+)")


def _step(tab) -> int | None:
    bar = tab.locator('[data-testid="stProgress"]')
    if not bar.count():
        return None
    try:  # the bar goes when the run ends: between count() and the read is enough (seen in CI)
        text = bar.first.inner_text(timeout=1000)
    except Exception:
        return None
    m = STEP.search(text)
    return int(m.group(1)) if m else None


def _shots(tab, name: str, anchor) -> None:
    """Screenshots at 1440×900 and 390×844 with ``anchor`` (a locator) scrolled into view (Streamlit scrolls
    inside its main block, so a full-page shot would show only the top)."""
    for w, h in ((1440, 900), (390, 844)):  # the step counter is read before: shots never hide an update
        tab.set_viewport_size({"width": w, "height": h})
        tab.wait_for_timeout(1200)  # the sidebar collapses on a narrow screen: let it finish
        anchor.first.scroll_into_view_if_needed()
        screenshot(tab, f"{name}_{w}")
    tab.set_viewport_size({"width": 1440, "height": 900})


def test_train_on_an_uploaded_zip_use_the_model_and_download_it(page, tmp_path, shared_assets):
    zip_path = tmp_path / "shapes.zip"
    zip_path.write_bytes(shapes_zip(8, 4))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(page.app_url + PATH)
    page.get_by_role("heading", name="Train a segmenter").wait_for()
    wait_idle(page)
    page.get_by_text("Upload a zip", exact=True).click()  # the page opens on the CamVid sample set
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.wait_for(state="attached")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(zip_path))
    page.get_by_text("8 training and 4 validation pairs").wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()

    # The live part: the step counter (and with it the loss chart's data) grows while the run goes on.
    seen: list[int] = []
    deadline = time.monotonic() + 240
    shot = False
    while time.monotonic() < deadline:
        if page.get_by_text("with the best checkpoint").count() or page.get_by_text("error id").count():
            break
        step = _step(page)
        if step and (not seen or step != seen[-1]):
            seen.append(step)
            if not shot and len(seen) >= 2 and page.locator('[data-testid="stVegaLiteChart"]').count():
                _shots(page, "train_segmenter_during", page.locator('[data-testid="stProgress"]'))
                shot = True
        page.wait_for_timeout(150)
    assert len(seen) >= 2 and seen == sorted(seen), seen  # at least two chart updates, in order
    page.get_by_text("with the best checkpoint").wait_for(timeout=120_000)
    page.get_by_text("ground truth (void black)").nth(2).wait_for(timeout=60_000)  # the results' last part
    wait_idle(page)
    body = page.inner_text("body")
    assert "IoU per class" in body and "Confusion matrix" in body and "Traceback" not in body
    for name in ("ground", "square", "disc"):
        assert name in body
    assert page.get_by_text("ground truth (void black)").count() == 3  # three val images beside their truth

    # "Use this model" on a new image of the set's kind, at the validation size.
    rgb, _ = pair(5000)
    photo = tmp_path / "new_shapes.png"
    Image.fromarray(rgb).save(photo)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').nth(1).set_input_files(str(photo))
    page.get_by_role("button", name="Download class-id PNG").wait_for(timeout=60_000)
    wait_idle(page)
    _shots(page, "train_segmenter_results", page.get_by_text("IoU per class"))
    _shots(page, "train_segmenter_use", page.get_by_role("button", name="Download class-id PNG"))
    with page.expect_download() as info:
        page.get_by_role("button", name="Download class-id PNG").click()
    shown = np.asarray(Image.open(info.value.path()))
    assert shown.shape == (H, W)
    assert set(np.unique(shown)) <= {0, 1, 2}

    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name=re.compile("Download TFLite")).click()
    lite_bytes = Path(info.value.path()).read_bytes()
    from models.segmentation.trained import tflite_class_map

    lite = tflite_class_map(lite_bytes, rgb)
    assert (lite != shown).mean() < 0.01, (lite != shown).mean()
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download model (.keras)").click()
    assert Path(info.value.path()).stat().st_size > 1_000_000
