"""Real browser (issue 27): Box, Circle and Line draw by touch on a phone, and still by mouse at desktop size.

streamlit-drawable-canvas 0.13 adds those shapes only for ``button === 0`` (a TouchEvent has none), so before the
page's touch shim a finger drag left "The mask is empty". Each tool is dragged once, on its own part of the
canvas, with real input events (CDP ``Input.dispatchTouchEvent`` for the finger); the page's full-resolution mask
download then shows what each drag added: its coverage, compared with the shape's exact area, and its centroid,
compared with the drag's centre, both in image pixels.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PIL import Image

from components.mask_canvas import Tool, canvas_size_for
from models.imaging import read_image
from models.samples import skimage_data_dir
from tests.browser.test_browser_inpainting import BRUSH, _png
from tests.conftest import choose, screenshot, wait_idle

pytestmark = pytest.mark.browser

SIZE = (1353, 900)  # the photo (w, h): bigger than the canvas, so every shape is mapped up (≈ 1.93×)
# Drag (start, end) per tool, in fractions of the canvas, far enough apart that no two shapes touch.
DRAGS = {
    Tool.BOX: ((0.06, 0.15), (0.30, 0.45)),
    Tool.CIRCLE: ((0.38, 0.55), (0.62, 0.80)),
    Tool.LINE: ((0.70, 0.15), (0.94, 0.60)),
    Tool.BRUSH: ((0.04, 0.86), (0.28, 0.86)),  # freehand by touch worked before: the shim must not break it
}
DEFAULT_GROW = 2  # the page's default "Grow mask (px)"
_MASK_CAPTION = "% of the image ·"  # the page's "Mask: 12.4% of the image · …" caption under the results


def _expected_area(tool: Tool, a: np.ndarray, b: np.ndarray, scale: float, dilation: int) -> float:
    """Image pixels the page's mask should cover for a drag from ``a`` to ``b`` (canvas px): the shape with its
    stroke (``BRUSH`` canvas px wide, round joins), scaled to the image, grown by ``dilation`` image px."""
    s = BRUSH
    d = np.abs(b - a)
    if tool is Tool.BOX:
        area, perimeter = (d[0] + s) * (d[1] + s) - (4 - math.pi) * (s / 2) ** 2, 2 * (d[0] + d[1] + 2 * s)
    elif tool is Tool.CIRCLE:  # the tool's circle has the drag as its diameter
        r = math.hypot(*d) / 2 + s / 2
        area, perimeter = math.pi * r**2, 2 * math.pi * r
    else:  # a line or a straight brush stroke: round caps
        length = math.hypot(*d)
        area, perimeter = length * s + math.pi * (s / 2) ** 2, 2 * length + math.pi * s
    return area * scale**2 + perimeter * scale * dilation


def _shape_centre(tool: Tool, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Centre (canvas px) of the shape a drag from ``a`` to ``b`` draws, as the canvas shows it. Fabric.js puts the
    OUTER edge (stroke included) of a Box or Circle at the press point, so their centre lies half a stroke past
    the drag's centre: diagonally for the box, along the drag for the circle. A line is centred on the drag."""
    mid = (a + b) / 2
    if tool is Tool.BOX:
        return mid + BRUSH / 2
    if tool is Tool.CIRCLE:
        return mid + BRUSH / 2 * (b - a) / np.linalg.norm(b - a)
    return mid


def _open_canvas(page, url: str, photo: np.ndarray):
    page.goto(f"{url}/Inpainting?inpaint_mask_source=draw")
    page.get_by_text("Mark what to remove").wait_for()
    wait_idle(page)
    choose(page, "Paint it", page.get_by_text("Upload", exact=True))
    page.get_by_text("Upload", exact=True).click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        {"name": "cat_large.png", "mimeType": "image/png", "buffer": _png(photo)})
    page.get_by_text(f"mapped onto the full {SIZE[0]}×{SIZE[1]} image").wait_for()
    wait_idle(page)
    page.locator("canvas.upper-canvas").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # the fresh canvas's own report (a fragment run) settles before the first drag
    wait_idle(page)


def _settled(page) -> None:
    """Wait for the run an input has started to finish, and for the page to apply it (wait_idle alone misses short
    runs: Streamlit shows its running indicator only after a delay)."""
    page.wait_for_timeout(500)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    wait_idle(page)
    page.wait_for_timeout(500)


def _drag(page, how: str, start: tuple[float, float], end: tuple[float, float], steps: int = 15) -> None:
    """A real drag in screen (CSS) px: a finger (touch events through CDP) or the mouse's left button."""
    if how == "mouse":
        page.mouse.move(*start)
        page.mouse.down()
        page.mouse.move(*end, steps=steps)
        page.mouse.up()
        return
    cdp = page.context.new_cdp_session(page)
    for i in range(steps + 1):
        x, y = (start[k] + (end[k] - start[k]) * i / steps for k in (0, 1))
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart" if i == 0 else "touchMove",
                                              "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


_CAPTION_JS = (
    "t => [...document.querySelectorAll('[data-testid=\"stCaptionContainer\"]')].map(e => e.innerText)"
    ".find(x => x.includes(t)) || ''"
)


def _caption(page) -> str:
    """The page's mask caption ("Mask: 9.9% of the image · …"), '' while no result is shown."""
    return page.evaluate(_CAPTION_JS, _MASK_CAPTION)


def _grow_mask(page) -> int:
    """The "Grow mask (px)" setting of the page's last run (its slider's range input, in the Settings expander)."""
    return int(page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stSlider"]')]
              .find(e => e.textContent.includes('Grow mask')).querySelector('input[type="range"]').value"""))


def _mask(page, tmp_path, name: str) -> np.ndarray:
    with page.expect_download() as info:
        page.get_by_role("button", name="Mask (PNG)").click()
    path = tmp_path / f"{name}.png"
    info.value.save_as(path)
    return np.asarray(Image.open(path)) > 0


def _draw_each_tool(page, how: str, tmp_path) -> None:
    """Drag every tool of ``DRAGS`` in turn and check, per tool, what the drag added to the page's mask."""
    canvas = np.array(canvas_size_for(SIZE), float)  # (w, h) in canvas px
    scale = SIZE[0] / canvas[0]  # image px per canvas px
    previous = np.zeros(SIZE[::-1], bool)
    for tool, (f0, f1) in DRAGS.items():
        page.locator('[data-testid="stRadio"]').filter(has_text="Box").get_by_text(tool.title, exact=True).click()
        _settled(page)  # the canvas has the new tool before the drag starts (a visitor waits for it too)
        layer = page.locator("canvas.upper-canvas")
        layer.scroll_into_view_if_needed()  # a drag is only felt where the canvas is on screen
        box = layer.bounding_box()
        screen = np.array([box["width"], box["height"]])
        origin = np.array([box["x"], box["y"]])
        start, end = origin + np.array(f0) * screen, origin + np.array(f1) * screen
        view = np.array([page.viewport_size["width"], page.viewport_size["height"]])
        assert (start >= 0).all() and (end >= 0).all() and (start < view).all() and (end < view).all(), box
        before = _caption(page)
        _drag(page, how, tuple(start), tuple(end))
        try:
            page.wait_for_function(f"([t, c]) => ({_CAPTION_JS})(t) !== c", arg=[_MASK_CAPTION, before],
                                   timeout=60_000)
        except Exception:
            screenshot(page, f"canvas_{how}_{tool.name.lower()}_nothing")
            body = page.inner_text("body")
            pytest.fail(f"{how} drag with {tool.name}: the mask did not change "
                        f"({'the page says the mask is empty' if 'mask is empty' in body else before!r})")
        _settled(page)  # the caption shows first; that run's download buttons are in once the script stops
        mask = _mask(page, tmp_path, f"{how}_{tool.name}")
        layer.scroll_into_view_if_needed()
        screenshot(page, f"canvas_{how}_{tool.name.lower()}")
        assert mask.shape == previous.shape
        added = mask & ~previous
        previous = mask
        assert added.any(), f"{how} drag with {tool.name}: the page's mask download gained no pixel"
        ys, xs = np.nonzero(added)
        centroid = np.array([xs.mean() + 0.5, ys.mean() + 0.5])
        a, b = np.array(f0) * canvas, np.array(f1) * canvas
        centre = _shape_centre(tool, a, b) * scale
        error = float(np.linalg.norm(centroid - centre))
        # The "Grow mask" slider keeps its default through the run that stopped on the empty mask (it fell to 0
        # before components.settings.held); the mask is grown by it: between the bare shape and the grown one.
        grow = _grow_mask(page)
        assert grow == DEFAULT_GROW, grow
        bare, grown = (_expected_area(tool, a, b, scale, d) / added.size * 100 for d in (0, grow))
        got = added.mean() * 100
        px = SIZE[0] / screen[0]  # image px per screen px
        print(f"{how} {tool.name:6s}: coverage {got:5.2f} % (the shape's exact area {bare:5.2f} %, "
              f"{grown:5.2f} % grown by {grow} px), centroid ({centroid[0]:.1f}, {centroid[1]:.1f}) vs the shape's centre "
              f"({centre[0]:.1f}, {centre[1]:.1f}): error {error:.1f} image px ({error / px:.2f} screen px)")
        assert 0.97 * bare <= got <= 1.03 * grown, (tool, got, bare, grown)
        assert error <= 2 * px + 1, (tool, error)


def _photo() -> np.ndarray:
    return cv2.resize(read_image(skimage_data_dir() / "chelsea.png").rgb, SIZE, interpolation=cv2.INTER_CUBIC)


def test_shapes_draw_by_touch_on_a_phone(chromium, app_server, tmp_path):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                   device_scale_factor=2, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        _open_canvas(page, app_server, _photo())
        assert page.evaluate("() => navigator.maxTouchPoints") > 0
        box = page.locator("canvas.upper-canvas").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # zoomed to the column
        _draw_each_tool(page, "touch", tmp_path)
        page.locator("canvas.upper-canvas").scroll_into_view_if_needed()
        screenshot(page, "canvas_touch_phone_shapes")
        assert not page.locator('[data-testid="stException"]').count()
    finally:
        context.close()


def test_shapes_still_draw_by_mouse_at_desktop(page, tmp_path):
    _open_canvas(page, page.app_url, _photo())
    _draw_each_tool(page, "mouse", tmp_path)
    page.locator("canvas.upper-canvas").scroll_into_view_if_needed()
    screenshot(page, "canvas_mouse_desktop_shapes")
    assert not page.locator('[data-testid="stException"]').count()
