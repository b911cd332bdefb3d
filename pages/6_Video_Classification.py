"""Video classification: upload a clip → top-5, a per-segment timeline, a frame strip, an annotated WebM."""

from __future__ import annotations

import streamlit as st

from components.availability import choose
from components.backends import backend
from components.feedback import failed
from components.model_card import model_card
from components.page import page_setup
from components.share import share
from components.status import device_badge, require_model
from components.video_settings import SAMPLE, UPLOAD, VIDEO
from components.video_view import (
    analysis_for,
    pick_clip,
    show_annotated,
    show_clip,
    show_frames,
    show_timeline,
    show_top,
)
from models import video as V
from models.errors import VisionError
from models.store import Store

page_setup("Video classification", "🎬")  # first Streamlit call: wide layout, tab title

st.title("🎬 Video classification")
st.write(
    "Recognise the action in a short clip. **MoViNet** (Kinetics-600) names one of 600 human *actions* from "
    "motion across frames; the A0 stream model watches the clip frame by frame, five frames a second. "
    "A **per-frame ImageNet classifier** (MobileNetV2) tells instead which *objects and scenes* are visible. "
    "Clips are cut into segments on the timeline: each gets its own label."
)
store = Store()
choices = list(V.MODEL_CHOICES)
share("video", VIDEO.spec())
device_badge()
model_card("movinet", "mobilenet_v2")
default = choices.index(V.default_choice(store.has))

left, right = st.columns([3, 2])
with left:
    choice = choose(st.selectbox, "Model", choices, lambda c: (c.entry_id, c.labels_entry_id), index=default,
                    key=VIDEO.model.key, format_func=lambda c: c.title)
    if choice is not None:
        st.caption(choice.semantics.blurb)
with right:
    segment_s = VIDEO.segment.slider("Segment length (s)",
                               help="The clip is classified in segments of this length (the timeline).")
    pooling = V.Pooling.MEAN
    if choice is not None and choice.semantics is V.Semantics.OBJECTS:  # MoViNets see motion directly: nothing to pool
        pooling = st.radio(
            "Pool over time", list(V.Pooling), key=VIDEO.pooling.key, horizontal=True,
            format_func=lambda p: {"mean": "Mean (what is there most)", "max": "Max (brief things count)"}[p.value],
        )
    annotated = VIDEO.annotated.checkbox("Make an annotated video")

source = st.radio("Clip", [SAMPLE, UPLOAD], horizontal=True, key=VIDEO.source.key)
data, name = pick_clip(source)
if data is None or choice is None:
    st.stop()

model_path = require_model(choice.entry_id)
labels_path = require_model(choice.labels_entry_id)
if model_path is None or labels_path is None:
    st.stop()
try:
    classifier = backend(V.BACKENDS, choice.id, str(store.root), loading="Loading the classifier (first use only)…")
except VisionError as exc:  # a corrupt or incompatible model file: say so, keep the page alive
    failed(choice.title, exc)
    st.stop()

options = V.Options(segment_seconds=segment_s, pooling=pooling)
analysis = analysis_for(data, name, choice, classifier, options, annotated)
if analysis is None:  # the reason is already on the page
    st.stop()

show_clip(data, analysis)
show_top(analysis.result)
show_timeline(analysis)
show_frames(analysis)
if annotated:
    show_annotated(analysis)
