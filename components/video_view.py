"""The video classification page's parts: the clip picker, the memoised analysis, and the result blocks."""

from __future__ import annotations

import hashlib

import altair as alt
import pandas as pd
import streamlit as st

from components.display import show
from components.feedback import failed
from components.jobs import run_heavy
from components.results import download_name
from components.share import from_link, not_in_link
from components.shared_results import shared
from components.status import timing_badge
from components.video_settings import SAMPLE, VIDEO
from models import video as V
from models.errors import VisionError
from models.samples import SampleKind, samples
from models.store import Store

LIMITS = V.Limits()
SEGMENT = VIDEO.segment  # under its old name (tests read its bounds)


def pick_clip(source: str) -> tuple[bytes | None, str]:
    """The clip's bytes and file name from a sample or an upload; (None, "") until there is one."""
    if source == SAMPLE:
        clips = samples(SampleKind.CLIP)
        if not clips:
            st.info("No sample clips are installed on this server; upload a clip instead.")
            return None, ""
        clip = st.selectbox("Sample", clips, format_func=lambda s: s.title, key=VIDEO.sample.key)
        assert clip.path is not None  # samples() lists only the clips that are installed
        return clip.path.read_bytes(), clip.path.name
    upload = st.file_uploader(
        "Upload a clip",
        type=list(V.SUPPORTED_EXTENSIONS),
        key="video_upload",
        help=f"{', '.join(V.SUPPORTED_EXTENSIONS)} · up to {LIMITS.max_seconds:.0f} s and "
        f"{LIMITS.max_bytes // 2**20} MB. Nothing you upload is stored.",
    )
    if upload is None:
        if from_link(VIDEO.source.key):
            not_in_link("The clip", "upload it again, or pick a sample")
        return None, ""
    return upload.getvalue(), upload.name


def shared_key(choice: V.ModelChoice, options: V.Options, annotated: bool) -> tuple | None:
    """The shared result's key when the clip is a sample (by its id) at the default timeline settings, else None."""
    if VIDEO.source.get() != SAMPLE or options != V.Options(segment_seconds=VIDEO.segment.default):
        return None
    clip = VIDEO.sample.get()
    clip_id = getattr(clip, "id", None)
    if clip_id is None:
        return None
    return ("video", clip_id, choice.id, options, bool(annotated), str(Store().root))


def analysis_for(
    data: bytes, name: str, choice: V.ModelChoice, classifier: V.VideoClassifier, options: V.Options, annotated: bool
) -> V.Analysis | None:
    """The clip's analysis, memoised in session state per input; None (message shown) when it failed."""
    run_key = (hashlib.sha256(data).hexdigest(), name, choice.id, options, annotated)
    if VIDEO.run_key.get() != run_key:
        VIDEO.analysis.pop()
        bar = st.progress(0.0, text="Starting…")

        def progress(f: float, text: str) -> None:
            bar.progress(min(1.0, f), text=text)

        def compute() -> V.Analysis:
            return run_heavy(
                "the video analysis",
                lambda: V.analyze(data, name, classifier, options, LIMITS, annotated=annotated, progress=progress),
                key=f"video_{run_key[0][:16]}",
                auto=True,
            )

        try:
            key = shared_key(choice, options, annotated)
            # A sample clip: analysed once per server, a copy for every session; an upload: here, as always.
            analysis = shared(key, compute) if key is not None else compute()
        except VisionError as exc:  # a file it cannot read (said in plain words), or the model server away
            bar.empty()
            failed(f"Classifying {name}", exc)
            return None
        bar.empty()
        VIDEO.analysis.set(analysis)  # frames are dropped; only results and the WebM are kept
        VIDEO.run_key.set(run_key)
    return VIDEO.analysis.get()


def show_clip(data: bytes, analysis: V.Analysis) -> None:
    """The original clip (or a re-encoded preview), its facts, notes and timings."""
    info, result = analysis.info, analysis.result
    with st.expander("Original clip", expanded=not info.browser_playable):
        if info.container is V.Container.GIF:
            show(data)
        elif info.browser_playable:
            mime = "video/webm" if info.container in (V.Container.WEBM, V.Container.MKV) else "video/mp4"
            st.video(data, format=mime)
        elif analysis.preview:
            st.video(analysis.preview, format="video/webm")
            st.caption(
                f"Your clip is stored as {info.codec.upper() or 'a codec'} in {info.container.value.upper()}, "
                "which web browsers cannot play, so this is a re-encoded preview of it."
            )
    segments = len(result.segments)
    st.caption(
        f"**{info.name}** · {info.container.value} ({info.codec or '?'}) · {info.source_size[0]}×{info.source_size[1]} · "
        f"{info.duration:.1f} s · {info.frame_count} frames (about {info.fps:.1f} fps) · "
        f"{segments} segment{'s' if segments != 1 else ''}"
    )
    for note in info.notes:
        st.caption(f"ℹ️ {note}")
    timing_badge(analysis.timings_ms)


def show_top(result: V.Classification) -> None:
    """The heading for what the model names, its caveat, and the top labels as a table of probabilities."""
    st.subheader(result.semantics.heading)
    if result.semantics is V.Semantics.OBJECTS:
        st.info(result.semantics.caveat, icon="🔎")
    top = pd.DataFrame({"Label": [label for label, _ in result.top], "Probability": [100 * p for _, p in result.top]})
    st.dataframe(
        top,
        hide_index=True,
        width="stretch",
        column_config={
            "Probability": st.column_config.ProgressColumn("Probability", format="%.1f%%", min_value=0, max_value=100)
        },
    )


def timeline_table(result: V.Classification) -> pd.DataFrame:
    """One row per segment: start and end (s), its top label (short) and that label's probability (0–1)."""
    return pd.DataFrame(
        [
            {
                "start (s)": r.start_s,
                "end (s)": r.end_s,
                "label": V.short_label(r.top(result.labels)[0]),
                "probability": r.top(result.labels)[1],
            }
            for r in result.segments
        ]
    )


def timeline_chart(timeline: pd.DataFrame) -> alt.Chart:
    """Segments as bars along time, as tall as their top label's probability, coloured by that label.

    The time axis ends where the clip ends (Vega's "nice" rounding drew a 10-s clip up to 11 s)."""
    end = float(timeline["end (s)"].max()) if len(timeline) else 1.0
    return (
        alt.Chart(timeline)
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(
            x=alt.X("start (s):Q", title="time (s)", scale=alt.Scale(domain=[0, end], nice=False)),
            x2="end (s):Q",
            y=alt.Y(
                "probability:Q",
                title="probability",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            y2=alt.datum(0),
            color=alt.Color("label:N", title="top label per segment", legend=alt.Legend(orient="bottom")),
            tooltip=["start (s)", "end (s)", "label", alt.Tooltip("probability:Q", format=".1%")],
        )
        .properties(height=240)
    )


def show_timeline(analysis: V.Analysis) -> None:
    """The per-segment timeline chart and its CSV download."""
    st.subheader("Timeline")
    timeline = timeline_table(analysis.result)
    st.altair_chart(timeline_chart(timeline), width="stretch")
    st.download_button(
        "Download timeline (CSV)",
        timeline.to_csv(index=False).encode(),
        key="video_csv",
        file_name=download_name(analysis.info.name, "timeline", "csv"),
        mime="text/csv",
    )


def show_frames(analysis: V.Analysis) -> None:
    """A strip of thumbnails across the clip, each captioned with its time and label."""
    st.subheader("Frames")
    for col, (thumb, cap) in zip(st.columns(len(analysis.strip)), analysis.strip, strict=True):
        show(thumb, caption=cap, where=col)


def show_annotated(analysis: V.Analysis) -> None:
    """The annotated WebM player, its size and its download (the encoder is named in its tooltip only)."""
    st.subheader("Annotated clip")
    player, side = st.columns([3, 2])
    player.video(analysis.webm, format="video/webm", loop=True)
    n = len(analysis.webm)
    size = f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"
    encoder = f"encoded with {analysis.encoder.label}" if analysis.encoder is not None else None
    side.caption(f"WebM, {size}. Each frame shows its segment's top label and score, and the time.", help=encoder)
    side.download_button(
        "Download annotated WebM",
        analysis.webm,
        key="video_download",
        file_name=download_name(analysis.info.name, "annotated", "webm"),
        mime="video/webm",
    )
