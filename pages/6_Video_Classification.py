"""Video classification: upload a clip → top-5, a per-segment timeline, a frame strip, an annotated WebM."""

from __future__ import annotations

import hashlib

import altair as alt
import pandas as pd
import streamlit as st

from components.availability import choose, failed
from components.model_card import model_card
from components.jobs import run_heavy
from components.page import page_setup
from components.results import download_name
from components.share import share
from components.status import device_badge, require_model, timing_badge
from models import video as V
from models.errors import VisionError
from models.samples import SampleKind, samples
from models.serving import maybe_served
from models.store import Store

page_setup("Video classification", "🎬")  # first Streamlit call: wide layout, tab title

LIMITS = V.Limits()
SAMPLE, UPLOAD = "Sample clip", "Upload"


@st.cache_resource(show_spinner="Loading the classifier (first use only)…", max_entries=4)
def load_classifier(choice_id: str, store_root: str) -> V.VideoClassifier:
    # Served (VISION_SERVE_ADDRESS) when the model server hosts this model, else built here through create().
    return maybe_served("video", choice_id, lambda: V.create(choice_id, Store(store_root)))


st.title("🎬 Video classification")
st.write(
    "Recognise the action in a short clip. **MoViNet** (Kinetics-600) names one of 600 human *actions* from "
    "motion across frames; the A0 stream model watches the clip frame by frame, five frames a second. "
    "A **per-frame ImageNet classifier** (MobileNetV2) tells instead which *objects and scenes* are visible. "
    "Clips are cut into segments on the timeline: each gets its own label."
)
device_badge()
model_card("movinet", "mobilenet_v2")

store = Store()
choices = list(V.MODEL_CHOICES)
share("video", {"video_model": choices, "video_segment": float, "video_pooling": list(V.Pooling),
                "video_annotated": bool, "video_source": [SAMPLE, UPLOAD], "video_sample": samples(SampleKind.CLIP)})
default = choices.index(V.default_choice(store.has))

left, right = st.columns([3, 2])
with left:
    choice = choose(st.selectbox, "Model", choices, lambda c: (c.entry_id, c.labels_entry_id), index=default,
                    key="video_model", format_func=lambda c: c.title)
    if choice is not None:
        st.caption(choice.semantics.blurb)
with right:
    segment_s = st.slider("Segment length (s)", 1.0, 5.0, 2.0, 0.5, key="video_segment",
                          help="The clip is classified in segments of this length (the timeline).")
    pooling = V.Pooling.MEAN
    if choice is not None and choice.semantics is V.Semantics.OBJECTS:  # MoViNets see motion directly: nothing to pool
        pooling = st.radio(
            "Pool over time", list(V.Pooling), key="video_pooling", horizontal=True,
            format_func=lambda p: {"mean": "Mean (what is there most)", "max": "Max (brief things count)"}[p.value],
        )
    annotated = st.checkbox("Make an annotated video", value=True, key="video_annotated")

source = st.radio("Clip", [SAMPLE, UPLOAD], horizontal=True, key="video_source")
data: bytes | None = None
name = ""
if source == SAMPLE:
    clips = samples(SampleKind.CLIP)
    if not clips:
        st.info("No sample clips are installed on this server; upload a clip instead.")
    else:
        clip = st.selectbox("Sample", clips, format_func=lambda s: s.title, key="video_sample")
        data, name = clip.path.read_bytes(), clip.path.name
else:
    upload = st.file_uploader(
        "Upload a clip", type=list(V.SUPPORTED_EXTENSIONS), key="video_upload",
        help=f"{', '.join(V.SUPPORTED_EXTENSIONS)} · up to {LIMITS.max_seconds:.0f} s and "
             f"{LIMITS.max_bytes // 2**20} MB. Nothing you upload is stored.",
    )
    if upload is not None:
        data, name = upload.getvalue(), upload.name
if data is None or choice is None:
    st.stop()

model_path = require_model(choice.entry_id)
labels_path = require_model(choice.labels_entry_id)
if model_path is None or labels_path is None:
    st.stop()
try:
    classifier = load_classifier(choice.id, str(store.root))
except VisionError as exc:  # a corrupt or incompatible model file: say so, keep the page alive
    failed(choice.title, exc)
    st.stop()

options = V.Options(segment_seconds=segment_s, pooling=pooling)
run_key = (hashlib.sha256(data).hexdigest(), name, choice.id, options, annotated)
if st.session_state.get("video_run_key") != run_key:
    st.session_state.pop("video_analysis", None)
    bar = st.progress(0.0, text="Starting…")
    try:
        analysis = run_heavy("the video analysis", lambda: V.analyze(
            data, name, classifier, options, LIMITS, annotated=annotated,
            progress=lambda f, text: bar.progress(min(1.0, f), text=text)), key=f"video_{run_key[0][:16]}", auto=True)
    except VisionError as exc:  # a file it cannot read (said in plain words), or the model server away
        bar.empty()
        failed(f"Classifying {name}", exc)
        st.stop()
    bar.empty()
    st.session_state.video_analysis = analysis  # frames are dropped; only results and the WebM are kept
    st.session_state.video_run_key = run_key
analysis: V.Analysis = st.session_state.video_analysis
info, result = analysis.info, analysis.result

with st.expander("Original clip", expanded=not info.browser_playable):
    if info.container is V.Container.GIF:
        st.image(data)
    elif info.browser_playable:
        mime = "video/webm" if info.container in (V.Container.WEBM, V.Container.MKV) else "video/mp4"
        st.video(data, format=mime)
    elif analysis.preview:
        st.video(analysis.preview, format="video/webm")
        st.caption(f"Your clip is stored as {info.codec.upper() or 'a codec'} in {info.container.value.upper()}, "
                   "which web browsers cannot play, so this is a re-encoded preview of it.")

st.caption(
    f"**{info.name}** · {info.container.value} ({info.codec or '?'}) · {info.source_size[0]}×{info.source_size[1]} · "
    f"{info.duration:.1f} s · {info.frame_count} frames (about {info.fps:.1f} fps) · {len(result.segments)} segment{'s' if len(result.segments) != 1 else ''}"
)
for note in info.notes:
    st.caption(f"ℹ️ {note}")
timing_badge(analysis.timings_ms)

st.subheader(result.semantics.heading)
if result.semantics is V.Semantics.OBJECTS:
    st.info(result.semantics.caveat, icon="🔎")
top = pd.DataFrame({"Label": [label for label, _ in result.top], "Probability": [100 * p for _, p in result.top]})
st.dataframe(
    top, hide_index=True, width="stretch",
    column_config={"Probability": st.column_config.ProgressColumn(
        "Probability", format="%.1f%%", min_value=0, max_value=100)},
)

st.subheader("Timeline")
timeline = pd.DataFrame([
    {"start (s)": r.start_s, "end (s)": r.end_s, "label": V.short_label(r.top(result.labels)[0]),
     "probability": r.top(result.labels)[1]}
    for r in result.segments
])
chart = (
    alt.Chart(timeline)
    .mark_rect(stroke="white", strokeWidth=2)
    .encode(
        x=alt.X("start (s):Q", title="time (s)"), x2="end (s):Q",
        y=alt.Y("probability:Q", title="top-label probability", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        y2=alt.datum(0),
        color=alt.Color("label:N", title="top label per segment", legend=alt.Legend(orient="bottom")),
        tooltip=["start (s)", "end (s)", "label", alt.Tooltip("probability:Q", format=".1%")],
    )
    .properties(height=220)
)
st.altair_chart(chart, width="stretch")
st.download_button("Download timeline (CSV)", timeline.to_csv(index=False).encode(), key="video_csv",
                   file_name=download_name(info.name, "timeline", "csv"), mime="text/csv")

st.subheader("Frames")
for col, (thumb, cap) in zip(st.columns(len(analysis.strip)), analysis.strip, strict=True):
    col.image(thumb, caption=cap, width="stretch")

if annotated:
    st.subheader("Annotated clip")
    player, side = st.columns([3, 2])
    player.video(analysis.webm, format="video/webm", loop=True)
    size = f"{len(analysis.webm) / 1e6:.2f} MB" if len(analysis.webm) >= 1e5 else f"{len(analysis.webm) / 1e3:.0f} kB"
    side.caption(f"{analysis.encoder.label} WebM, {size}. "
                 "Each frame shows its segment's top label and score, and the time.")
    side.download_button("Download annotated WebM", analysis.webm, key="video_download",
                         file_name=download_name(info.name, "annotated", "webm"), mime="video/webm")
