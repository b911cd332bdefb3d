"""Segmentation page parts: cached model and image steps, the legend, and the three result views.

The page (pages/1_Segmentation.py) holds the top widgets and calls one view per mode; everything here renders into
the current Streamlit container, its widgets keyed by the page's settings (components/segmentation_settings.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from components.display import decode, show
from components.feedback import bad_input
from components.handoff import INPAINTING_PAGE, MaskHandoff, send_to_inpainting
from components.image_input import image_uploader
from components.results import download_name
from components.segmentation_classes import class_id_help, legend, model_name
from components.segmentation_settings import SEG, View
from components.share import from_link, not_in_link, refresh
from models import segmentation as seg
from models.errors import VisionError
from models.imaging import LoadedImage, encode_png
from models.ops import fit_within, tint
from models.runtime import timed

# Work on at most this long side: keeps every rerun (overlay, portrait, PNG) fast on 40-MP uploads.
WORK_MAX_SIDE = 2048
ROOT = Path(__file__).resolve().parent.parent  # the app's root: page paths are relative to it


def loading_message(option: str) -> str:
    """The spinner text while ``option``'s model loads, naming that model ("Loading the FCN-8s model…")."""
    return f"Loading the {model_name(seg.spec_of(option))} model (first use only)…"


@st.cache_data(max_entries=12, show_spinner=False)
def predict(model_id: str, _segmenter: seg.SegmentationBackend, rgb: np.ndarray) -> seg.Segmentation:
    # Keyed on the model id and the pixels: changing opacity, view or classes never reruns the model.
    return _segmenter.predict(rgb)


@st.cache_data(max_entries=4, show_spinner=False)
def working_copy(rgb: np.ndarray) -> np.ndarray:
    # Cached: a LANCZOS reduction of a 40-MP upload takes seconds and must not rerun on every click.
    return fit_within(rgb, WORK_MAX_SIDE)


def full_size(result: seg.Segmentation, image: LoadedImage) -> seg.Segmentation:
    """The result at the uploaded image's size (for downloads; computed when a button is clicked)."""
    return result.resized(image.rgb.shape[0], image.rgb.shape[1])


def drawn_palette(view: View, rgb: np.ndarray, result: seg.Segmentation, opacity: float) -> np.ndarray:
    """(256, 3) uint8 colours the view draws: the colour map uses the model's palette as it is; an overlay moves
    each class colour until it stands out from the photo under it (``seg.readable_palette``)."""
    if view is View.COLOUR_MAP:
        return result.palette
    return seg.readable_palette(rgb, result.class_map, opacity, result.palette, result.background)


def render(
    view: View,
    rgb: np.ndarray,
    result: seg.Segmentation,
    opacity: float,
    visible: list[int],
    palette: np.ndarray | None = None,
) -> np.ndarray:
    """(H, W, 3) uint8 picture of one view in ``palette`` ((256, 3) uint8; the result's own when None); the
    overlay leaves the result's background class (if it has one) and hidden classes untouched."""
    colours = result.palette if palette is None else palette
    if view is View.OVERLAY:
        return seg.overlay(rgb, result.class_map, opacity, visible, colours, result.background)
    if view is View.COLOUR_MAP:
        return seg.colorize(result.class_map, visible, colours)
    return seg.side_by_side(rgb, render(View.OVERLAY, rgb, result, opacity, visible, colours))


def segment_view(rgb: np.ndarray, result: seg.Segmentation, image: LoadedImage, class_set: str) -> float:
    """Overlay / colour map / side by side with the legend and the two downloads; returns the render time (ms)."""
    left, right = st.columns([5, 2], gap="medium")
    with right:
        view = View(st.radio("View", list(View), format_func=lambda v: v.value, key=SEG.view.key))
        opacity = SEG.opacity.slider("Overlay opacity")
        # Worked out on the working copy and reused for the full-size download: the legend shows what is drawn.
        palette = drawn_palette(view, rgb, result, opacity)
        visible = legend(result, class_set, palette)
    with timed() as t:
        shown = render(view, rgb, result, opacity, visible, palette)
    with left:
        names = ", ".join(result.labels[i] for i in visible) or "no classes"
        detail = f" at {opacity:.0%} opacity" if view is not View.COLOUR_MAP else ""
        show(shown, caption=f"{view.value} · {rgb.shape[1]}×{rgb.shape[0]} · showing {names}{detail}")
        c1, c2 = st.columns(2)
        # Downloads at the uploaded size, made when clicked (a 12-MP PNG takes a second or more).
        c1.download_button(
            "⬇️ Class-id mask (PNG)",
            lambda: seg.class_png(full_size(result, image).class_map, result.palette),
            file_name=download_name(image.name, "classes", "png"),
            mime="image/png",
            key="seg_dl_mask",
            on_click="ignore",
            help=class_id_help(result),
        )
        c2.download_button(
            f"⬇️ {view.value} (PNG)",
            lambda: encode_png(render(view, image.rgb, full_size(result, image), opacity, visible, palette)),
            file_name=download_name(image.name, view.name.lower(), "png"),
            mime="image/png",
            key="seg_dl_view",
            on_click="ignore",
        )
    return t.ms


def portrait_view(rgb: np.ndarray, result: seg.Segmentation, image: LoadedImage) -> float:
    present = result.found()[0]
    if not present:
        st.info("Nothing to keep: no class other than the background was found in this image.")
        return 0.0
    ids = [s.index for s in present]
    person = result.labels.index("person") if "person" in result.labels else None
    default = [person] if person in ids else [ids[0]]
    left, right = st.columns([5, 2], gap="medium")
    with right:
        keep = st.multiselect("Keep sharp", ids, format_func=lambda i: result.labels[i], key=_keep_key(ids, default))
        refresh()  # the choice may have been fitted to this photo
        mode = seg.BackgroundMode(
            st.radio(
                "Background",
                list(seg.BackgroundMode),
                format_func=lambda m: m.value,
                horizontal=True,
                key=SEG.background.key,
            )
        )
        options: dict[str, Any] = {"mode": mode}
        if mode is seg.BackgroundMode.BLUR:
            options["blur_radius"] = float(SEG.blur.slider("Blur strength (px)"))
        elif mode is seg.BackgroundMode.COLOUR:
            picked = SEG.colour.picker("Colour")
            options["colour"] = seg.parse_hex_colour(picked)
        else:
            upload = image_uploader(
                "Background image",
                "seg_bg_upload",
                help="Scaled to cover the photo, never stretched. Nothing you upload is stored.",
            )
            if upload is not None:
                try:
                    bg = decode(upload.getvalue(), upload.name).rgb
                except VisionError as exc:
                    bad_input(exc)
                    return 0.0
                options["image"] = fit_within(bg, WORK_MAX_SIDE)
            elif from_link(SEG.background.key):  # the sender's upload is not in the link: the rest of the result is
                not_in_link("The background image", "shown with a blur background instead (upload one to use it)")
                options = {"mode": seg.BackgroundMode.BLUR, "blur_radius": float(SEG.blur.default)}
            else:
                st.caption("Upload a background image to continue.")
                return 0.0
        options["feather_px"] = float(SEG.feather.slider("Edge feather (px)"))
    if not keep:
        with left:
            st.warning("Choose at least one class to keep sharp.")
        return 0.0
    with timed() as t:
        out = seg.portrait(rgb, result.mask(keep), seg.PortraitOptions(**options))
    with left:
        a, b = st.columns(2)
        show(rgb, caption="Original", where=a)
        show(out, caption=f"Portrait: {', '.join(result.labels[i] for i in keep)} kept", where=b)
        st.download_button(
            "⬇️ Portrait (PNG)",
            lambda: encode_png(full_portrait(image, result, keep, options, rgb)),
            file_name=download_name(image.name, "portrait", "png"),
            mime="image/png",
            key="seg_dl_portrait",
            on_click="ignore",
        )
    return t.ms


def _keep_key(ids: list[int], default: list[int]) -> str:
    """The "Keep sharp" key, its value made one of ``ids`` first: the classes kept that this photo has, or (none
    of them: another photo, a link's stale value) its main subject; an emptied choice stays empty (a warning)."""
    kept = SEG.keep.get()
    if not isinstance(kept, list) or kept and not [i for i in kept if i in ids]:
        SEG.keep.set(default)
    else:
        SEG.keep.set([i for i in kept if i in ids])
    return SEG.keep.key


def full_portrait(
    image: LoadedImage, result: seg.Segmentation, keep: list[int], options: dict[str, Any], rgb: np.ndarray
) -> np.ndarray:
    """The portrait at the uploaded size: blur and feather widths scale with the image."""
    f = image.rgb.shape[1] / rgb.shape[1]
    scaled = dict(options, feather_px=options["feather_px"] * f)
    if "blur_radius" in scaled:
        scaled["blur_radius"] = scaled["blur_radius"] * f
    return seg.portrait(image.rgb, full_size(result, image).mask(keep), seg.PortraitOptions(**scaled))


def remove_view(rgb: np.ndarray, result: seg.Segmentation) -> float:
    present = result.found()[0]
    if not present:
        st.info("Nothing to remove: no class other than the background was found in this image.")
        return 0.0
    left, right = st.columns([5, 2], gap="medium")
    with right:
        found = [s.index for s in present]
        if SEG.remove_class.get(found[0]) not in found:  # another photo's or a link's stale class
            SEG.remove_class.pop()
        target = st.selectbox("Object class", found, format_func=lambda i: result.labels[i], key=SEG.remove_class.key)
        refresh()
        grow = SEG.dilate.slider(
            "Grow mask (px)",
            help="Covers the object's soft edge and shadow so no halo is left after inpainting.",
        )
    with timed() as t:
        mask = seg.dilate(result.mask([target]), grow)
        preview = tint(rgb, mask)
    with left:
        show(
            preview,
            caption=f"Mask to fill: {result.labels[target]} grown by {grow} px ({mask.mean():.1%} of the image)",
        )
    with right:
        ready = (ROOT / INPAINTING_PAGE).is_file()
        if st.button("Send to inpainting ➜", type="primary", key="seg_send", disabled=not ready):
            try:
                send_to_inpainting(MaskHandoff(rgb, mask, f"Segmentation: {result.labels[target]} (dilated {grow} px)"))
            except StreamlitPageNotFoundError:  # page run on its own, outside app.py's navigation
                st.warning("The mask is ready, but the inpainting page is not part of this app here.")
        if not ready:
            st.caption("The inpainting page is not installed on this server.")
    return t.ms
