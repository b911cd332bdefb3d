"""Train a segmenter: FCN-8s or DeepLabV3+ on your own labelled images (or a CamVid sample), in the browser."""

from __future__ import annotations

import streamlit as st

from components.availability import require
from components.model_card import model_card
from components.page import page_setup
from components.seg_training_settings import ARCHS, LENGTHS, SEGTRAIN
from components.seg_training_view import (
    BACKBONE,
    choose_set,
    describe,
    downloads,
    ended_note,
    length_label,
    live,
    results,
    start,
    trained_in_link,
    use_model,
)
from components.share import share
from components.status import device_badge
from models.segmentation.session_training import LENGTHS as RUN_LENGTHS
from models.store import Store

page_setup("Train a segmenter", "🧑‍🏫")  # first Streamlit call: wide layout, tab title
st.title("🧑‍🏫 Train a segmenter")
st.write(
    "Teach a segmentation network **your own classes**: upload a zip of images with pixel labels (or use a "
    "CamVid street sample), pick FCN-8s or DeepLabV3+ on an ImageNet MobileNetV2 encoder, and watch it learn. "
    "Your set and your model stay in this browser session only."
)
share("segtrain", SEGTRAIN.spec())
device_badge()
model_card("seg_training")

store = Store()
require([BACKBONE], "Training a segmenter", store)  # the ImageNet encoder both networks start from

sets = choose_set()
running = SEGTRAIN.job.in_state()
if sets is not None:
    describe(sets)
    c1, c2 = st.columns(2)
    arch = c1.radio("Architecture", list(ARCHS), format_func=ARCHS.get, horizontal=True, key=SEGTRAIN.arch.key)
    length = c2.radio("Training length", LENGTHS, format_func=lambda n: length_label(n, sets, arch),
                      horizontal=True, key=SEGTRAIN.length.key)
    epochs = next(x.epochs for x in RUN_LENGTHS if x.name == length)
    if st.button("Train", type="primary", key="segtrain_go", disabled=running):
        start(sets, arch, epochs, store.path(BACKBONE))
        running = True

ended_note()
if running:
    live()
elif SEGTRAIN.result.in_state():
    result = SEGTRAIN.result.get()
    st.divider()
    results(result)
    st.divider()
    use_model(result)
    downloads(result)
trained_in_link()
