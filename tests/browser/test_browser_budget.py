"""Real browser + real server: a 400-MP PNG of ~50 kB uploaded to the Segmentation page is refused from its header;
the server's peak memory (``/proc/<pid>/status`` VmHWM) stays within the decode budget above what it held before."""

from __future__ import annotations

import re

import pytest

from models.imaging import DECODE_BUDGET_BYTES
from tests.big_images import bilevel_png
from tests.conftest import app_server_memory, screenshot, wait_idle

pytestmark = pytest.mark.browser
MB = 2**20


def test_400_megapixel_png_upload_keeps_server_memory_within_budget(page, shared_assets, tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bilevel_png(20000, 20000))  # the 1.2 MB PNG, only better compressed
    page.goto(page.app_url + "/Segmentation")
    page.get_by_text(re.compile(r"cat — \d+\.\d%")).wait_for(timeout=120_000)  # the default sample's result
    page.locator('[data-testid="stRadio"]').filter(has_text="Camera").get_by_text("Upload", exact=True).click()
    wait_idle(page)
    rss_before, _ = app_server_memory()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(bomb))
    page.get_by_text(re.compile(r"bomb\.png is too large \(20000×20000, 400 megapixels\)")).wait_for()
    wait_idle(page)
    _, peak = app_server_memory()
    screenshot(page, "segmentation_400mp_png_refused")
    print(f"server RSS before the upload {rss_before / MB:.0f} MB, peak after {peak / MB:.0f} MB, "
          f"budget {DECODE_BUDGET_BYTES / MB:.0f} MB")
    assert peak - rss_before < DECODE_BUDGET_BYTES, (rss_before / MB, peak / MB)
    assert "Traceback" not in page.content() and "/work/" not in page.inner_text("body")
