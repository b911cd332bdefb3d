"""Semantic segmentation page: overlay, legend with per-class controls, portrait mode, remove-object."""

from __future__ import annotations

import time

import streamlit as st

from components.availability import choose
from components.backends import backend
from components.feedback import failed
from components.image_input import image_input
from components.layout import result_first
from components.model_card import model_card
from components.page import page_setup
from components.segmentation_classes import Mode, default_sample, follow_model, mode_radio, page_caption
from components.segmentation_settings import SEG
from components.segmentation_view import (
    loading_message,
    portrait_view,
    predict,
    remove_view,
    segment_view,
    working_copy,
)
from components.share import share
from components.status import device_badge, require_model, timing_badge
from models import segmentation as seg
from models.cards import segmentation_card
from models.errors import VisionError

PAGE_START = time.perf_counter()
page_setup("Semantic segmentation", "🎨")  # first Streamlit call: wide layout, tab title
st.title("🎨 Semantic segmentation")
caption = st.empty()  # follows the chosen model's class set (filled once the model is chosen)

models = seg.options()
share("seg", SEG.spec())
options, result_box = result_first("seg")  # on a phone the result comes first, the options below it
with options:
    top_l, top_r = st.columns([3, 2], gap="large")
with top_l:
    model = choose(st.selectbox, "Model", models, lambda m: seg.spec_of(m).store_entries,
                   format_func=lambda m: seg.spec_of(m).title, key=SEG.model.key)
    if model is None:
        st.stop()
    spec = seg.spec_of(model)
    caption.caption(page_caption(model))
    st.caption(spec.blurb)
    follow_model(model)  # a road-scene model opens on a street scene, not on the cat
    image = image_input(SEG.image.key, label="Image", kind=SEG.image.kind, default_sample=default_sample(spec))
with top_r:
    mode = mode_radio(spec)
    device_badge()
    model_card(segmentation_card(model))

with result_box:
    if image is None:
        st.stop()

    if spec.store_entries and require_model(spec.entry_id) is None:
        st.stop()
    try:
        segmenter = backend(seg.BACKENDS, spec.entry_id, loading=loading_message(spec.entry_id))
    except VisionError as exc:  # e.g. a model file that does not match its option
        failed(spec.title, exc)
        st.stop()

    rgb = working_copy(image.rgb)
    if rgb.shape != image.rgb.shape:
        st.caption(f"ℹ️ Working at {rgb.shape[1]}×{rgb.shape[0]} (reduced from {image.rgb.shape[1]}×{image.rgb.shape[0]}). "
                   f"Downloads are {image.rgb.shape[1]}×{image.rgb.shape[0]}: the class map is enlarged "
                   "nearest-neighbour, so every pixel keeps a class the model gave.")

    start = time.perf_counter()
    try:
        with st.spinner(f"Segmenting with {spec.title}…"):
            result = predict(spec.entry_id, segmenter, rgb)
    except VisionError as exc:  # e.g. the model server is unreachable (served mode): the message is for the visitor
        failed(f"Segmenting with {spec.title}", exc, retry_key="seg_retry")  # a retry reruns: nothing cached
        st.stop()
    fresh_ms = (time.perf_counter() - start) * 1000.0

    st.divider()
    if mode is Mode.SEGMENT:
        render_ms = segment_view(rgb, result, image, spec.class_set)
    elif mode is Mode.PORTRAIT:
        render_ms = portrait_view(rgb, result, image)
    else:
        render_ms = remove_view(rgb, result)

    timings = {k: v for k, v in result.timings_ms.items()}
    timings["render"] = render_ms
    # A cache miss always costs at least the model time; a hit is a dictionary lookup and a copy.
    cached = fresh_ms < 0.5 * result.timings_ms.get("model", 0.0)
    # Whole script run, widgets included: what one click costs on the server.
    timings["page rerun (cached prediction)" if cached else "page rerun"] = (time.perf_counter() - PAGE_START) * 1000.0
    timing_badge(timings)
