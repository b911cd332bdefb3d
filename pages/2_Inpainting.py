"""Inpainting: paint a mask (or take one from segmentation / a file), fill it with Telea and Navier–Stokes."""

from __future__ import annotations

import streamlit as st

from components.feedback import failed
from components.handoff import take_inpainting_handoff
from components.inpainting_settings import INPAINT, MaskSource
from components.inpainting_view import (
    compare,
    downloads,
    lost_handoff,
    painted,
    result_grid,
    run_both,
    settings,
    starting_point,
)
from components.mask_canvas import Tool, mask_canvas
from components.model_card import model_card
from components.page import page_setup
from components.share import share
from components.status import device_badge
from models.errors import VisionError
from models.inpainting import check_mask
from models.ops import dilate

page_setup("Inpainting", "🩹")  # first Streamlit call: wide layout, tab title
st.title("🩹 Inpainting")
st.write(
    "Paint over what should disappear — a scratch, a caption, a small object — and OpenCV fills it from the "
    "surrounding pixels: **Telea** (fast marching) and **Navier–Stokes** (fluid-dynamics continuation of edges). "
    "Start from an example, paint on your own photo, or upload a mask. Nothing you upload is stored."
)
share("inpaint", INPAINT.spec())
device_badge()
model_card("inpainting")

handoff = take_inpainting_handoff()
sources = [MaskSource.EXAMPLE, MaskSource.DRAW, MaskSource.UPLOAD] + ([MaskSource.HANDOFF] if handoff else [])
lost_handoff(sources)  # a link made from a hand-off: say so, open on the example
source = st.radio(
    "Mask", sources, index=len(sources) - 1 if handoff is not None else 0,
    format_func=lambda s: s.value, horizontal=True, key=INPAINT.mask_source.key,
)
start = starting_point(source, handoff)
rgb, base_mask = start.rgb, start.base_mask

st.subheader("Mark what to remove")
tool_col, brush_col, colour_col = st.columns([3, 3, 1], vertical_alignment="bottom")
tool = tool_col.radio("Tool", list(Tool), format_func=lambda t: t.title, horizontal=True, key="inpaint_tool")
brush = brush_col.slider("Brush size", 2, 80, 24, key="inpaint_brush", help="Width of the brush on screen, in px.")
colour = colour_col.color_picker("Colour", "#ff0050", key="inpaint_colour")
st.caption(
    "Paint with the mouse or a finger. Undo, redo and clear: the small toolbar at the canvas's top-right corner "
    f"(it appears when you point at or tap the canvas). The mask is mapped onto the full {rgb.shape[1]}×{rgb.shape[0]} image."
)
drawn = mask_canvas(rgb, key="inpaint_canvas", brush_px=brush, colour=colour, tool=tool, overlay=base_mask)
painted(drawn.mask.any(), source)  # the link says strokes were painted; a link's missing strokes are named
if drawn.skipped:
    st.caption(f"Ignored shapes that mark no area: {', '.join(sorted(set(drawn.skipped)))}.")
mask = drawn.mask | base_mask if base_mask is not None else drawn.mask

if not mask.any():
    st.info("The mask is empty: paint over what should be removed (or upload a mask) to see the result.", icon="🖌️")
    st.stop()

options = settings()
example = start.example if not drawn.mask.any() else None  # the example as it is: results shared by every session
try:
    for warning in check_mask(dilate(mask, options.dilation), rgb.shape):
        st.warning(warning)
    results = run_both(rgb, mask, options, example=example)
except VisionError as exc:
    failed("Inpainting", exc)
    st.stop()

final_mask = dilate(mask, options.dilation)
st.subheader("Result")
result_grid(rgb, final_mask, results, example=example, options=options)

st.subheader("Compare with the original")
compare(rgb, results, start.removing_object)

st.subheader("Download")
downloads(results, final_mask, start.name)
