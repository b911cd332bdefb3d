"""Real browser: paint a stroke on the canvas in Chromium, inpaint, download the full-size result."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from components.mask_canvas import canvas_size_for
from models.imaging import read_image
from models.samples import skimage_data_dir
from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser

BRUSH = 24  # the page's default brush width, screen px
DILATION = 2  # the page's default "grow mask"
RADIUS = 3


def _painted(page) -> int:
    """Pixels of the canvas's drawing layer that are strongly pink (the brush colour)."""
    return page.locator("canvas.lower-canvas").evaluate_all(
        """cs => cs.reduce((n, c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 90) n++; return n; }, 0)"""
    )


def test_paint_a_stroke_and_inpaint_only_there(page, tmp_path):
    # A photo bigger than the canvas, so the stroke has to be mapped back up (≈ 1.57×).
    original = cv2.resize(read_image(skimage_data_dir() / "chelsea.png").rgb, (1353, 900),
                          interpolation=cv2.INTER_CUBIC)
    buf = io.BytesIO()
    Image.fromarray(original).save(buf, "PNG")

    page.goto(f"{page.app_url}/Inpainting")
    page.get_by_text("Mark what to remove").wait_for()
    wait_idle(page)
    page.get_by_text("Upload", exact=True).click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        {"name": "cat_large.png", "mimeType": "image/png", "buffer": buf.getvalue()}
    )
    page.get_by_text("mapped onto the full 1353×900 image").wait_for()
    wait_idle(page)

    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for()
    canvas.scroll_into_view_if_needed()
    wait_idle(page)
    before = _painted(page)
    box = canvas.bounding_box()
    assert box and (round(box["width"]), round(box["height"])) == canvas_size_for((1353, 900))
    main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert box["x"] + box["width"] <= main["x"] + main["width"]  # fits: no sideways scrolling
    scale = 1353 / box["width"]
    # A real drag: mouse down, 25 moves, mouse up.
    start = (box["x"] + 0.30 * box["width"], box["y"] + 0.30 * box["height"])
    end = (box["x"] + 0.55 * box["width"], box["y"] + 0.40 * box["height"])
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=25)
    page.mouse.up()
    page.wait_for_timeout(500)
    after = _painted(page)
    print(f"brush-coloured canvas pixels: {before} before the drag, {after} after")
    assert after - before > 1000, f"the drag did not paint on the canvas (box {box}, now {canvas.bounding_box()})"

    page.get_by_text("Download").first.wait_for()
    page.get_by_text("⏱️").wait_for()
    wait_idle(page)
    body = page.inner_text("body")
    assert "Traceback" not in body
    assert "Telea" in body and "Navier–Stokes" in body
    screenshot(page, "inpainting_canvas_stroke")
    page.get_by_text("Compare with the original").scroll_into_view_if_needed()
    screenshot(page, "inpainting_results")

    with page.expect_download() as info:
        page.get_by_role("button", name="Telea (PNG, full size)").click()
    path = tmp_path / "telea.png"
    info.value.save_as(path)
    result = np.asarray(Image.open(path).convert("RGB"))
    assert result.shape == original.shape

    changed = np.any(result != original, axis=2)
    assert changed.sum() > 1000
    # Distance of every pixel centre from the dragged segment, in image pixels.
    a = np.array([(start[0] - box["x"]) * scale, (start[1] - box["y"]) * scale])
    b = np.array([(end[0] - box["x"]) * scale, (end[1] - box["y"]) * scale])
    yy, xx = np.mgrid[0 : original.shape[0], 0 : original.shape[1]]
    p = np.stack([xx + 0.5, yy + 0.5], axis=-1)
    t = np.clip(((p - a) @ (b - a)) / ((b - a) @ (b - a)), 0, 1)
    d = np.linalg.norm(p - (a + t[..., None] * (b - a)), axis=-1)
    reach = BRUSH / 2 * scale + DILATION
    print(f"scale {scale:.3f}; changed {int(changed.sum())} px; farthest change {d[changed].max():.1f} px "
          f"from the stroke (brush radius + dilation = {reach:.1f} px)")
    # Only near the stroke (2 px slack for mouse positions rounded to screen pixels)...
    assert d[changed].max() <= reach + 2 * scale
    # ...and all along it.
    core = d <= 0.8 * BRUSH / 2 * scale
    assert changed[core].mean() > 0.9
