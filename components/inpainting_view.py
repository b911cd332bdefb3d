"""Inpainting page parts: where the starting mask comes from, the settings, the session memo and the result blocks.

The page (pages/2_Inpainting.py) holds the layout, the painting canvas and one call per step; everything here renders
into the current Streamlit container, its widgets keyed by the page's settings (components/inpainting_settings.py).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import partial

import numpy as np
import streamlit as st
from PIL import Image

from components.display import show
from components.feedback import bad_input
from components.handoff import MaskHandoff, clear_inpainting_handoff
from components.image_input import image_input, image_uploader
from components.inpainting_settings import INPAINT, MaskSource
from components.results import before_after, download_name
from components.share import from_link, not_in_link, refresh
from components.shared_results import shared
from components.status import timing_badge
from models.errors import VisionError
from models.imaging import encode_png
from models.inpainting import (
    InpaintOptions,
    InpaintResult,
    Method,
    Strategy,
    fit_mask,
    inpaint_all,
    inverted_hint,
    load_mask,
)
from models.inpainting.examples import Example, example
from models.ops import fit_within, tint

DISPLAY_MAX_SIDE = 1200  # results are shown at most this big; downloads are full resolution
RADIUS, DILATION = INPAINT.radius, INPAINT.dilation  # under their old names (the browser tests read their bounds)


def lost_handoff(sources: list[MaskSource]) -> None:
    """Before the mask radio: a link made from a segmentation hand-off (its photo and mask live in the sender's
    session) is said so in one sentence and opens on the example."""
    chosen = INPAINT.mask_source.get()
    if chosen is None or chosen in sources:
        return
    if from_link(INPAINT.mask_source.key):
        not_in_link(
            "The mask",
            "open Segmentation's “Remove an object” to hand one over; here is the example",
            was="was handed over from Segmentation",
        )
    INPAINT.mask_source.set(MaskSource.EXAMPLE)
    refresh()


def painted(any_stroke: bool, source: MaskSource) -> None:
    """After the canvas: ``INPAINT.drawn`` says whether strokes are part of the mask (a link cannot carry them);
    opened from a link that had some, one sentence says they are missing until painted again."""
    any_stroke = bool(any_stroke)  # numpy.bool_ is no bool: the link would read "False"
    if not any_stroke and from_link(INPAINT.drawn.key) and INPAINT.drawn.get():
        then = "paint it again below" if source is MaskSource.DRAW else "the result below is without them"
        not_in_link(
            "The painted mask" if source is MaskSource.DRAW else "The strokes painted",
            then,
            was="was a drawing" if source is MaskSource.DRAW else "were a drawing",
        )
        return  # the link's claim stays: the strokes are still missing
    if INPAINT.drawn.get() != any_stroke:
        INPAINT.drawn.set(any_stroke)
        refresh()


@dataclass(frozen=True)
class Start:
    """The photo to fill and the mask it starts with, before any painting."""

    rgb: np.ndarray  # (H, W, 3) uint8 RGB, full resolution
    base_mask: np.ndarray | None  # (H, W) bool, True = fill; None = nothing preset
    name: str  # names the downloads (components.results.download_name)
    removing_object: bool  # an object-sized hole: Navier–Stokes is the better default to compare
    example: str | None = None  # the example's id when the photo and preset mask are one of the page's examples


def starting_point(source: MaskSource, handoff: MaskHandoff | None) -> Start:
    """The photo and preset mask for the chosen source; stops the page while one is missing or unusable."""
    if source is MaskSource.HANDOFF and handoff is not None:
        return _from_handoff(handoff)
    if source is MaskSource.EXAMPLE:
        return _from_example()
    return _from_image(source)


def _from_handoff(handoff: MaskHandoff) -> Start:
    rgb = handoff.image
    st.info(f"Mask handed over: **{handoff.source}**. Paint below to add to it.", icon="🎯")
    if handoff.mask.mean() > 0.1:  # bench/bench_inpainting_objects.py: object-sized holes are where these smear
        st.caption(
            f"This mask covers {handoff.mask.mean():.0%} of the photo. These methods fill from the border "
            "inwards: thin and small areas vanish cleanly, a large object leaves a smooth smear."
        )
    if st.button("Discard the hand-off", key="inpaint_discard_handoff"):
        clear_inpainting_handoff()
        st.rerun()
    try:
        base_mask = fit_mask(handoff.mask, (rgb.shape[1], rgb.shape[0]), "The handed-over mask").mask
    except VisionError as exc:
        bad_input(exc)
        st.stop()
    return Start(rgb, base_mask, "segmentation_handoff", removing_object=True)


def _from_example() -> Start:
    kind = Example(
        st.radio("Example", list(Example), format_func=lambda e: e.title, horizontal=True, key=INPAINT.example.key)
    )
    chosen = example(kind)
    st.caption(f"{kind.blurb} The mask is preset (pink); paint below to add to it.")
    return Start(chosen.damaged, chosen.mask, "image", removing_object=kind is Example.OBJECT, example=kind.value)


def _from_image(source: MaskSource) -> Start:
    loaded = image_input(INPAINT.image.key, label="Image", default_sample="skimage:chelsea.png")
    # Rendered even while no image is chosen: a widget skipped in one run loses its file (replacing the photo
    # runs the page once without any, and the uploaded mask must survive that).
    upload = None
    if source is MaskSource.UPLOAD:
        upload = image_uploader(
            "Mask image: any non-zero (white, coloured or opaque) pixel = fill, black or transparent = keep",
            "inpaint_mask_upload",
        )
    if loaded is None:
        st.stop()
    rgb = loaded.rgb
    base_mask: np.ndarray | None = None
    if source is MaskSource.UPLOAD:
        if upload is not None:
            try:
                fitted = load_mask(upload.getvalue(), upload.name, (rgb.shape[1], rgb.shape[0]))
            except VisionError as exc:
                bad_input(exc)
                st.stop()
            base_mask = _maybe_inverted(fitted.mask)
            if fitted.warning:
                st.warning(fitted.warning, icon="⚠️")
            for note in fitted.notes:
                st.caption(f"ℹ️ {note}")
        elif from_link(INPAINT.mask_source.key):
            not_in_link("The mask", "upload it again, or paint one below")
        else:
            st.caption("Upload a mask the size of the image, or paint one below.")
    return Start(rgb, base_mask, loaded.name, removing_object=False)


def _maybe_inverted(mask: np.ndarray) -> np.ndarray:
    """An uploaded mask, inverted when the visitor asks; a hint when it looks drawn the other way round."""
    hint = inverted_hint(mask)
    if hint and not INPAINT.invert_mask.get():  # once inverted, the hint has been taken
        st.warning(hint, icon="🔄")
    invert = INPAINT.invert_mask.toggle(
        "Invert the mask", help="Fill what the mask leaves unmarked instead (white = keep)."
    )
    return ~mask if invert else mask


def settings() -> InpaintOptions:
    """The "Settings" expander: radius, mask growth and crop strategy."""
    with st.expander("Settings", icon="⚙️"):
        radius = INPAINT.radius.slider(
            "Radius (px)",
            help="How far around each missing pixel OpenCV looks for known pixels. 3 suits thin scratches.",
        )
        dilation = INPAINT.dilation.slider(
            "Grow mask (px)",
            help="Grows the mask before filling, so soft edges and halos around what you painted go too.",
        )
        crop = INPAINT.crop.toggle(
            "Work only around the mask",
            help="Processes boxes around the mask at full resolution and pastes them back (same result, "
            "faster on large photos). Off: the whole frame in one call.",
        )
    return InpaintOptions(radius=radius, dilation=dilation, strategy=Strategy.CROP if crop else Strategy.FULL)


def _fingerprint(*parts: object) -> str:
    h = hashlib.blake2b(digest_size=12)
    for p in parts:
        h.update(p.tobytes() if isinstance(p, np.ndarray) else repr(p).encode())
        if isinstance(p, np.ndarray):
            h.update(repr(p.shape).encode())
    return h.hexdigest()


def run_both(
    rgb: np.ndarray, mask: np.ndarray, options: InpaintOptions, *, example: str | None = None
) -> dict[Method, InpaintResult]:
    """Both methods, remembered for this session so widget changes (compare slider) do not redo them.

    ``example``: the page's example id when ``rgb`` and ``mask`` are exactly that example (nothing painted on it):
    its results are then computed once per server and shared by every session (components/shared_results.py)."""
    fp = _fingerprint(rgb, mask, options)
    last = INPAINT.result.get()
    if last is not None and last[0] == fp:
        return last[1]

    def compute() -> dict[Method, InpaintResult]:
        with st.spinner("Inpainting with Telea and Navier–Stokes…"):
            return inpaint_all(rgb, mask, tuple(Method), options)

    results = shared(("inpaint", example, options), compute) if example is not None else compute()
    INPAINT.result.set((fp, results))
    return results


def result_grid(
    rgb: np.ndarray,
    final_mask: np.ndarray,
    results: dict[Method, InpaintResult],
    *,
    example: str | None = None,
    options: InpaintOptions | None = None,
) -> None:
    """Timings, a caption on what was processed, and original / mask / both results side by side.

    ``example`` (with the ``options`` that made ``results``): the four pictures are the example's, encoded once per
    server and shared (the PNG encoding is most of what this page costs the server: issue 26)."""
    first = results[Method.TELEA]
    timing_badge({m.title: r.ms for m, r in results.items()})
    share = first.processed_pixels / (rgb.shape[0] * rgb.shape[1])
    if len(first.regions) > 1 or share < 1:
        regions = "region" if len(first.regions) == 1 else "regions"
        processed = f"{len(first.regions)} {regions} around the mask, {share:.0%} of the frame processed"
    else:
        processed = "whole frame processed in one call"
    st.caption(f"Mask: {final_mask.mean():.1%} of the image · " + processed)
    cols = st.columns(4)

    def pictures() -> dict[str, np.ndarray]:
        shown = {"Original": rgb, "Mask": tint(rgb, final_mask), **{f"{m.title}": r.image for m, r in results.items()}}
        return {caption: fit_within(img, DISPLAY_MAX_SIDE) for caption, img in shown.items()}

    if example is not None:
        # The same PNG bytes st.image makes of an array (PIL, no other options): the same pictures either way.
        encoded = shared(("inpaint_png", example, options), lambda: {c: _png(a) for c, a in pictures().items()})
        for col, (caption, png) in zip(cols, encoded.items(), strict=True):
            show(png, caption=caption, output_format="PNG", where=col)
        return
    for col, (caption, img) in zip(cols, pictures().items(), strict=True):
        show(img, caption=caption, output_format="PNG", where=col)


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(arr)).save(buf, format="PNG")
    return buf.getvalue()


def compare(rgb: np.ndarray, results: dict[Method, InpaintResult], removing_object: bool) -> None:
    """A method picker and a before/after slider against the original."""
    # Object-sized holes: Navier–Stokes measured best inside the hole (bench/bench_inpainting_objects.py, 12 cases:
    # 16.22 dB vs Telea 16.18; xphoto's FSR / shift-map and PatchMatch 15.69 / 15.01 lower); scratches and captions:
    # Telea.
    default = list(Method).index(Method.NS if removing_object else Method.TELEA)
    chosen = Method(
        st.radio(
            "Method",
            list(Method),
            format_func=lambda m: m.title,
            horizontal=True,
            key=INPAINT.compare.key,
            index=default,
        )
    )
    before_after(
        fit_within(rgb, DISPLAY_MAX_SIDE),
        fit_within(results[chosen].image, DISPLAY_MAX_SIDE),
        key="inpaint_ba",
        labels=("Original", chosen.title),
    )


def downloads(results: dict[Method, InpaintResult], final_mask: np.ndarray, name: str) -> None:
    """Full-size PNGs of both results, encoded only when a button is clicked (12 MP takes a second), and the mask.

    The mask's PNG is encoded with the run (one channel: 4 ms at 900×600, 90 ms at 12 MP): a deferred download's
    id is dropped by Streamlit (1.67) as soon as the next run draws the button again, so a click that meets a
    rerun (the canvas's own report, a setting just changed) gets "Deferred file … not found" on the server and
    nothing in the browser; bytes keep one URL across runs. The two full-size results stay deferred: their cost
    on every run would be worse than a click that must be repeated in that rare case."""
    dl = st.columns(3)
    for col, (m, r) in zip(dl[:2], results.items(), strict=True):
        col.download_button(
            f"⬇️ {m.title} (PNG, full size)",
            partial(encode_png, r.image),
            file_name=download_name(name, f"inpainted_{m.value}", "png"),
            mime="image/png",
            key=f"inpaint_dl_{m.value}",
        )
    dl[2].download_button(
        "⬇️ Mask (PNG)",
        _mask_png(final_mask),
        file_name=download_name(name, "mask", "png"),
        mime="image/png",
        key="inpaint_dl_mask",
    )


def _mask_png(mask: np.ndarray) -> bytes:
    """(H, W) bool mask → 8-bit greyscale PNG bytes: 255 = fill, 0 = keep."""
    return encode_png(mask.astype(np.uint8) * 255)
