"""Inpainting: paint a mask (or take one from segmentation / a file), fill it with Telea and Navier–Stokes."""

from __future__ import annotations

import hashlib
from enum import Enum

import numpy as np
import streamlit as st

from components.model_card import model_card
from components.page import page_setup
from components.share import image_keys, share
from components.handoff import clear_inpainting_handoff, take_inpainting_handoff
from components.image_input import image_input, image_uploader
from components.mask_canvas import Tool, mask_canvas
from components.results import before_after, download_name
from components.status import device_badge, timing_badge
from models.errors import VisionError
from models.imaging import encode_png
from models.inpainting_examples import Example, example
from models.inpainting import (
    DEFAULT_RADIUS,
    InpaintOptions,
    InpaintResult,
    Method,
    Strategy,
    check_mask,
    fit_mask,
    inpaint_all,
    load_mask,
)
from models.ops import dilate, fit_within, tint

DISPLAY_MAX_SIDE = 1200  # results are shown at most this big; downloads are full resolution
RESULT_KEY = "inpaint_last_result"


class MaskSource(str, Enum):
    EXAMPLE = "Example"
    DRAW = "Paint it"
    UPLOAD = "Upload a mask"
    HANDOFF = "From segmentation"


def _fingerprint(*parts) -> str:
    h = hashlib.blake2b(digest_size=12)
    for p in parts:
        h.update(p.tobytes() if isinstance(p, np.ndarray) else repr(p).encode())
        if isinstance(p, np.ndarray):
            h.update(repr(p.shape).encode())
    return h.hexdigest()


def run_both(rgb: np.ndarray, mask: np.ndarray, options: InpaintOptions) -> dict[Method, InpaintResult]:
    """Both methods, remembered for this session so widget changes (compare slider) do not redo them."""
    fp = _fingerprint(rgb, mask, options)
    last = st.session_state.get(RESULT_KEY)
    if last is not None and last[0] == fp:
        return last[1]
    with st.spinner("Inpainting with Telea and Navier–Stokes…"):
        results = inpaint_all(rgb, mask, tuple(Method), options)
    st.session_state[RESULT_KEY] = (fp, results)
    return results


page_setup("Inpainting", "🩹")  # first Streamlit call: wide layout, tab title
st.title("🩹 Inpainting")
st.write(
    "Paint over what should disappear — a scratch, a caption, a small object — and OpenCV fills it from the "
    "surrounding pixels: **Telea** (fast marching) and **Navier–Stokes** (fluid-dynamics continuation of edges). "
    "Start from an example, paint on your own photo, or upload a mask. Nothing you upload is stored."
)
share("inpaint", {**image_keys("inpaint_image"), "inpaint_mask_source": [MaskSource.EXAMPLE, MaskSource.DRAW,
                  MaskSource.UPLOAD], "inpaint_example": list(Example), "inpaint_radius": int, "inpaint_dilation": int,
                  "inpaint_crop": bool, "inpaint_compare": list(Method)})
device_badge()
model_card("inpainting")

handoff = take_inpainting_handoff()
sources = [MaskSource.EXAMPLE, MaskSource.DRAW, MaskSource.UPLOAD] + ([MaskSource.HANDOFF] if handoff else [])
source = st.radio(
    "Mask", sources, index=len(sources) - 1 if handoff is not None else 0,
    format_func=lambda s: s.value, horizontal=True, key="inpaint_mask_source",
)

base_mask: np.ndarray | None = None
source_name = "image"  # names the downloads (components.results.download_name)
if source is MaskSource.HANDOFF:
    rgb = handoff.image
    source_name = "segmentation_handoff"
    st.info(f"Mask handed over: **{handoff.source}**. Paint below to add to it.", icon="🎯")
    if st.button("Discard the hand-off", key="inpaint_discard_handoff"):
        clear_inpainting_handoff()
        st.rerun()
    try:
        base_mask = fit_mask(handoff.mask, (rgb.shape[1], rgb.shape[0]), "The handed-over mask").mask
    except VisionError as exc:
        st.error(str(exc))
        st.stop()
elif source is MaskSource.EXAMPLE:
    kind = st.radio("Example", list(Example), format_func=lambda e: e.title, horizontal=True, key="inpaint_example")
    chosen_example = example(kind)
    rgb, base_mask = chosen_example.damaged, chosen_example.mask
    st.caption(f"{kind.blurb} The mask is preset (pink); paint below to add to it.")
else:
    loaded = image_input("inpaint_image", label="Image", default_sample="skimage:chelsea.png")
    # Rendered even while no image is chosen: a widget skipped in one run loses its file (replacing the photo
    # runs the page once without any, and the uploaded mask must survive that).
    upload = image_uploader(
        "Mask image: any non-zero (white, coloured or opaque) pixel = fill, black or transparent = keep",
        "inpaint_mask_upload",
    ) if source is MaskSource.UPLOAD else None
    if loaded is None:
        st.stop()
    rgb = loaded.rgb
    source_name = loaded.name
    if source is MaskSource.UPLOAD:
        if upload is not None:
            try:
                fitted = load_mask(upload.getvalue(), upload.name, (rgb.shape[1], rgb.shape[0]))
            except VisionError as exc:
                st.error(str(exc))
                st.stop()
            base_mask = fitted.mask
            if fitted.warning:
                st.warning(fitted.warning, icon="⚠️")
            for note in fitted.notes:
                st.caption(f"ℹ️ {note}")
        else:
            st.caption("Upload a mask the size of the image, or paint one below.")

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
if drawn.skipped:
    st.caption(f"Ignored shapes that mark no area: {', '.join(sorted(set(drawn.skipped)))}.")
mask = drawn.mask | base_mask if base_mask is not None else drawn.mask

if not mask.any():
    st.info("The mask is empty: paint over what should be removed (or upload a mask) to see the result.", icon="🖌️")
    st.stop()

with st.expander("Settings", icon="⚙️"):
    radius = st.slider(
        "Radius (px)", 1, 15, DEFAULT_RADIUS, key="inpaint_radius",
        help="How far around each missing pixel OpenCV looks for known pixels. 3 suits thin scratches.",
    )
    dilation = st.slider(
        "Grow mask (px)", 0, 15, 2, key="inpaint_dilation",
        help="Grows the mask before filling, so soft edges and halos around what you painted go too.",
    )
    crop = st.toggle(
        "Work only around the mask", value=True, key="inpaint_crop",
        help="Processes boxes around the mask at full resolution and pastes them back (same result, "
        "faster on large photos). Off: the whole frame in one call.",
    )
options = InpaintOptions(radius=radius, dilation=dilation, strategy=Strategy.CROP if crop else Strategy.FULL)
try:
    for warning in check_mask(dilate(mask, dilation), rgb.shape):
        st.warning(warning)
    results = run_both(rgb, mask, options)
except VisionError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Result")
first = results[Method.TELEA]
timing_badge({m.title: r.ms for m, r in results.items()})
share = first.processed_pixels / (rgb.shape[0] * rgb.shape[1])
final_mask = dilate(mask, dilation)
st.caption(
    f"Mask: {final_mask.mean():.1%} of the image · "
    + (f"{len(first.regions)} {'region' if len(first.regions) == 1 else 'regions'} around the mask, "
       f"{share:.0%} of the frame processed" if len(first.regions) > 1 or share < 1
       else "whole frame processed in one call")
)
cols = st.columns(4)
shown = {
    "Original": rgb,
    "Mask": tint(rgb, final_mask),
    **{f"{m.title}": r.image for m, r in results.items()},
}
for col, (caption, img) in zip(cols, shown.items(), strict=True):
    col.image(fit_within(img, DISPLAY_MAX_SIDE), caption=caption, width="stretch", output_format="PNG")

st.subheader("Compare with the original")
# Object-sized holes: Navier–Stokes measured best inside the hole (bench/bench_inpainting_objects.py: 16.22 dB
# vs Telea 16.18, and xphoto's FSR / shift-map lower); thin scratches and captions: Telea.
removing_object = source is MaskSource.HANDOFF or (source is MaskSource.EXAMPLE and kind is Example.OBJECT)
chosen = st.radio("Method", list(Method), format_func=lambda m: m.title, horizontal=True, key="inpaint_compare",
                  index=list(Method).index(Method.NS if removing_object else Method.TELEA))
before_after(fit_within(rgb, DISPLAY_MAX_SIDE), fit_within(results[chosen].image, DISPLAY_MAX_SIDE),
             key="inpaint_ba", labels=("Original", chosen.title))

st.subheader("Download")
# Full-size PNGs are encoded only when a button is clicked (a 12-MP PNG takes a second or more).
dl = st.columns(3)
for col, (m, r) in zip(dl[:2], results.items(), strict=True):
    col.download_button(
        f"⬇️ {m.title} (PNG, full size)", lambda img=r.image: encode_png(img), file_name=download_name(source_name, f"inpainted_{m.value}", "png"),
        mime="image/png", key=f"inpaint_dl_{m.value}",
    )
dl[2].download_button(
    "⬇️ Mask (PNG)", lambda m=final_mask: encode_png(m.astype(np.uint8) * 255), file_name=download_name(source_name, "mask", "png"),
    mime="image/png", key="inpaint_dl_mask",
)
