"""Real browser: the style page's before/after handle follows a mouse drag and a touch drag, at desktop and phone
sizes; the comparison is never wider than the image's real pixels nor than the screen."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser

PATH = "/Style_Transfer"
BOX = ".cmp"  # the component's root (CSS locators pierce its shadow root)


def _open(page, width: int, height: int):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(page.app_url + PATH)
    page.get_by_role("heading", name="Style transfer").wait_for()
    box = page.locator(BOX).first
    box.wait_for(timeout=180_000)
    wait_idle(page)
    page.wait_for_function(
        "() => { const h = [...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)"
        ".concat([document]).flatMap(r => [...r.querySelectorAll('.cmp img')]);"
        " return h.length >= 2 && h.every(i => i.complete && i.naturalWidth > 0); }"
    )
    box.scroll_into_view_if_needed()
    return box


def _clip_right(box) -> float:
    """Percent of the width hidden on the right of the top ('before') image: 100 - handle position."""
    style = box.locator("img.top").evaluate("e => e.style.clipPath")  # inset(0px 50% 0px 0px)
    return float(style.split()[1].rstrip("%"))


def _pixel(page, x: float, y: float) -> tuple[int, int, int]:
    from io import BytesIO

    import numpy as np
    from PIL import Image

    shot = np.asarray(Image.open(BytesIO(page.screenshot())).convert("RGB"))
    return tuple(int(v) for v in shot[int(y), int(x)])


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_compare_handle_follows_drag(page, size):
    box = _open(page, *size)
    b = box.bounding_box()
    natural = box.locator("img.bottom").evaluate("i => [i.naturalWidth, i.naturalHeight]")
    print(f"viewport {size}: compare box {b['width']:.0f}×{b['height']:.0f} CSS px, image {natural}")
    assert natural == [437, 512]  # Grace Hopper at the default 512-px long side
    assert b["width"] <= natural[0] + 0.5  # never blown up beyond its pixels
    assert b["width"] <= size[0]  # fits the phone
    assert b["height"] == pytest.approx(b["width"] * natural[1] / natural[0], abs=1.5)  # aspect kept
    assert float(box.get_attribute("data-pos")) == 50.0
    screenshot(page, f"style_compare_{size[0]}_start")

    y = b["y"] + b["height"] * 0.5
    x_probe = b["x"] + b["width"] * 0.6  # right of the start position: the stylized image shows there
    stylized = _pixel(page, x_probe, y + 30)

    # mouse: press near the handle, drag to 80 % of the width
    page.mouse.move(b["x"] + b["width"] * 0.5, y)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] * 0.65, y, steps=5)
    page.mouse.move(b["x"] + b["width"] * 0.8, y, steps=5)
    page.mouse.up()
    pos = float(box.get_attribute("data-pos"))
    assert pos == pytest.approx(80, abs=1.5)
    assert _clip_right(box) == pytest.approx(100 - pos, abs=0.2)
    content = _pixel(page, x_probe, y + 30)  # the same screen point now shows the content photo
    print(f"pixel at 60 %: stylized {stylized} → content {content}")
    assert sum(abs(a - c) for a, c in zip(stylized, content, strict=True)) > 30
    screenshot(page, f"style_compare_{size[0]}_dragged")

    # touch (pointer events of type 'touch'): drag to 20 %
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, x: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", b["x"] + b["width"] * 0.8)
    for f in (0.6, 0.4, 0.2):
        touch("touchMove", b["x"] + b["width"] * f)
    touch("touchEnd", 0)
    assert float(box.get_attribute("data-pos")) == pytest.approx(20, abs=1.5)

    # keyboard: focused handle, arrow right moves 5 %
    box.focus()
    page.keyboard.press("ArrowRight")
    assert float(box.get_attribute("data-pos")) == pytest.approx(25, abs=1.5)
