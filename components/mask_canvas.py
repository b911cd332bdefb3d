"""Draw a mask over an image in the browser and get it back at the image's OWN resolution.

Built on streamlit-drawable-canvas 0.13. The canvas shows a scaled preview of the image (it is sent as a
data URL); the strokes' geometry (Fabric.js JSON) is redrawn at the original resolution by
:func:`models.inpainting.drawing_to_mask`, so a mask drawn on a 700-px preview of a 12-MP photo lands on
the right original pixels with sharp edges. Undo, redo and clear are in the canvas toolbar (hover it).
Every tool draws with a mouse or a finger: a small script (:data:`TOUCH_SHIM_JS`) makes the package's Box,
Circle and Line tools accept touches, which they otherwise ignore.

    from components.mask_canvas import mask_canvas
    drawn = mask_canvas(rgb, key="my_canvas")      # drawn.mask: (H, W) bool, True where painted
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import streamlit as st

from components.st_compat import changed_widgets
from models.imaging import encode_jpeg
from models.inpainting import drawing_to_mask
from models.ops import resize, resize_nearest, tint

# (width, height) of the canvas on screen, at most. 700 px fits Streamlit's centred layout (704 px of
# content): a wider canvas would scroll sideways under the brush.
DEFAULT_MAX_SIZE = (700, 560)


class Tool(str, Enum):
    BRUSH = "freedraw"
    BOX = "rect"
    CIRCLE = "circle"
    LINE = "line"

    @property
    def title(self) -> str:  # type: ignore[override]  # the tool's name, not str.title()
        return {Tool.BRUSH: "🖌️ Brush", Tool.BOX: "⬛ Box", Tool.CIRCLE: "⚫ Circle", Tool.LINE: "➖ Line"}[self]


@dataclass
class CanvasMask:
    mask: np.ndarray  # (H, W) bool at the image's resolution; all False when nothing is drawn
    objects: int  # shapes on the canvas
    canvas_size: tuple[int, int]  # (width, height) of the canvas on screen
    skipped: list[str] = field(default_factory=list)  # shapes that mark no area (ignored)

    @property
    def scale(self) -> float:
        """Image pixels per canvas pixel (horizontal)."""
        return self.mask.shape[1] / self.canvas_size[0]


def canvas_size_for(image_size: tuple[int, int], max_size: tuple[int, int] = DEFAULT_MAX_SIZE) -> tuple[int, int]:
    """(width, height) of a canvas showing an image of ``image_size`` (w, h): same aspect, never upscaled."""
    w, h = image_size
    scale = min(1.0, max_size[0] / w, max_size[1] / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _rgba(colour: str, alpha: float) -> str:
    c = colour.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


_INLINE_KEY = "_mask_canvas_inline"  # True while a full page run executes the canvas fragment


_SEEN_KEY = "_mask_canvas_shapes_seen"  # {canvas key: shapes its last full page run used}, one entry per canvas


def _shapes(json_data: dict | None) -> str:
    """The drawn shapes of a canvas state, as a comparable string (the background is not a shape)."""
    return json.dumps((json_data or {}).get("objects", []), sort_keys=True)


@st.fragment
def _canvas_fragment(params: dict, canvas_key: str):
    """The canvas in a fragment of its own, so that its own reports rerun only this fragment.

    Why: a freshly mounted canvas (a new photo) reports the fit of its background image to Python, which
    asks for a rerun — while the page's first run is still sending its results. A full rerun then replaces
    result images half-way (broken ``<img>`` frames) and runs the page twice per upload. Inside a fragment
    that report reruns only the canvas; the page reruns (once) only when the shapes drawn really changed.
    """
    # Imported here: the package registers its component at import time, which needs a running
    # Streamlit (the helpers above stay importable from plain tests and scripts).
    from streamlit_drawable_canvas import st_canvas  # noqa: PLC0415

    result = st_canvas(**params, key=canvas_key)
    if st.session_state.get(_INLINE_KEY, False):
        return result  # run by the page itself
    if st.session_state.get(_SEEN_KEY, {}).get(canvas_key) != _shapes(result.json_data):
        st.rerun()  # a stroke, undo or clear: the whole page recomputes the mask and the results
    if changed_widgets() - {canvas_key}:
        # a page widget changed in the same browser batch as this canvas's report (a click as the canvas mounts):
        # the browser ran only this fragment, the page below still shows the old value (st_compat.changed_widgets)
        st.rerun()
    return result


PHONE_MARGIN_PX = 48  # viewport width the main column does not give to its content on a narrow screen


def fit_width_css(canvas_key: str, canvas_width: int) -> str:
    """CSS that zooms the canvas down to the viewport's width on a narrow screen (a phone): one media query per
    10-px band of viewport width. Fabric.js maps pointer and touch positions through the canvas's on-screen
    size, so strokes still land on the right canvas pixels (and :func:`drawing_to_mask` maps those to the image).
    Streamlit gives the element of a widget with key ``k`` the class ``st-key-k``."""
    rules = []
    for v in range(canvas_width + PHONE_MARGIN_PX, 239, -10):  # widest first: the narrowest match wins
        rules.append(
            f"@media (max-width: {v}px) {{ .st-key-{canvas_key} {{ zoom: "
            f"{(v - 10 - PHONE_MARGIN_PX) / canvas_width:.4f}; }} }}"
        )
    return "<style>" + "".join(rules) + "</style>"


# streamlit-drawable-canvas 0.13's Box, Circle and Line tools add their shape on "mouse:down" only when
# ``event.button === 0`` (andfanilo/streamlit-drawable-canvas#105). Fabric.js sends a finger's ``touchstart`` to
# the same handler, but a TouchEvent has no ``button``: the shape is never added and a finger drag draws nothing
# (freehand does not look at the button, so it works). The canvas is mounted in the page (no iframe), so a
# capture-phase listener on the document sees each touchstart before Fabric does and gives a one-finger touch on
# a Fabric drawing layer the primary button. Installed once per tab; pinch and two-finger touches are left alone.
# Remove it once the package fixes #105 (its upstream fix, #106, covers the Box only and is unmerged).
TOUCH_SHIM_JS = """<script>
(() => {
  if (window.__maskCanvasTouchShim) return;
  window.__maskCanvasTouchShim = true;
  document.addEventListener("touchstart", (e) => {
    const target = e.composedPath()[0];
    if (e.touches.length === 1 && !("button" in e) && target instanceof HTMLCanvasElement
        && target.classList.contains("upper-canvas")) {
      Object.defineProperty(e, "button", { value: 0 });
    }
  }, { capture: true, passive: true });
})();
</script>"""


def _hidden_css(container_key: str) -> str:
    """CSS hiding the (empty) container of the shim with its layout wrapper, which would otherwise add a row gap
    above the canvas. A browser without ``:has()`` (before 2022-23) just shows that 1-rem gap."""
    return f'<style>[data-testid="stLayoutWrapper"]:has(> .st-key-{container_key}) {{ display: none; }}</style>'


def mask_canvas(
    image: np.ndarray,
    *,
    key: str,
    brush_px: int = 24,
    colour: str = "#ff0050",
    tool: Tool = Tool.BRUSH,
    overlay: np.ndarray | None = None,
    max_size: tuple[int, int] = DEFAULT_MAX_SIZE,
) -> CanvasMask:
    """Show ``image`` (H, W, 3 uint8) on a drawing canvas; return what was painted as a mask at (H, W).

    ``brush_px`` is the brush width on screen. ``overlay`` (an (H, W) bool mask, e.g. one handed over by
    another page) is tinted on the background so strokes can add to it. A different image gives a fresh,
    empty canvas; a different overlay keeps the strokes (and costs no extra rerun).
    """
    h, w = image.shape[:2]
    cw, ch = canvas_size_for((w, h), max_size)
    preview = resize(image, ch, cw)
    # Keyed by the image (not the overlay): strokes belong to one image and reset when it changes. A new
    # overlay (an uploaded or handed-over mask) only swaps the background of the same canvas.
    digest = hashlib.blake2b(np.ascontiguousarray(preview).tobytes(), digest_size=6).hexdigest()
    if overlay is not None and overlay.any():
        small = resize_nearest(overlay.astype(bool), ch, cw)
        preview = tint(preview, small)
    params = {
        "fill_color": _rgba(colour, 0.45),
        "stroke_width": int(brush_px),
        "stroke_color": _rgba(colour, 0.7),
        "background_image": encode_jpeg(preview, quality=88),
        "update_streamlit": True,
        "width": cw,
        "height": ch,
        "drawing_mode": tool.value,
    }
    canvas_key = f"{key}_{digest}"
    shim_key = f"{key}_touch_shim"
    st.html(fit_width_css(canvas_key, cw) + _hidden_css(shim_key))
    with st.container(key=shim_key):  # one per canvas (a key is unique per page); the script installs once
        st.html(TOUCH_SHIM_JS, unsafe_allow_javascript=True)
    st.session_state[_INLINE_KEY] = True
    try:
        result = _canvas_fragment(params, canvas_key)
    finally:
        st.session_state[_INLINE_KEY] = False
    # One entry per logical canvas (``key``): the shapes of an older image's canvas are forgotten.
    seen = {k: v for k, v in st.session_state.get(_SEEN_KEY, {}).items() if not k.startswith(f"{key}_")}
    st.session_state[_SEEN_KEY] = {**seen, canvas_key: _shapes(result.json_data)}
    drawn = drawing_to_mask(result.json_data, (cw, ch), (w, h))
    return CanvasMask(drawn.mask, drawn.objects, (cw, ch), drawn.skipped)
