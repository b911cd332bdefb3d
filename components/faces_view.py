"""Face similarity page's parts: cached detector/embedder loaders, per-photo analysis memo, and result views.

The page (``pages/5_Face_Similarity.py``) holds the widgets and the layout; this module loads MTCNN and the
embedding network (``st.cache_resource``), memoises each photo's analysis and the flip-averaged embeddings
(``st.cache_data``, keyed on the pixels), and draws the faces found, the verify verdict, the similarity heatmap
and the groups of people.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

import models.faces.groups as G
from components.display import Size, decode, show
from components.faces_settings import FACES, MANY_SOURCES, MAX_TOTAL_FACES
from components.feedback import bad_input
from components.image_input import image_uploader
from components.jobs import run_heavy
from components.results import download_name
from components.settings import Choice
from components.share import from_link, not_in_link
from components.status import timing_badge
from models import faces as F
from models.errors import VisionError
from models.imaging import LoadedImage, encode_jpeg, read_image
from models.samples import SampleKind, samples

MAX_PHOTOS = 12  # "many faces" mode: photos at once
FACE_SAMPLES = ("skimage:astronaut.png", "photo_face", "photo_grace_hopper", "photo_squat")
# Verify's default pair: Eileen Collins (NASA portrait, scikit-image's astronaut.png) vs Grace Hopper (US Navy
# portrait). Two women, both frontal official portraits in uniform with a flag or dark backdrop: a near case, not a
# trivially different one (dlib distance 0.68 against the 0.6 threshold; the old default, a man in a bar vs Hopper,
# was 0.77). No second photo of one person is available offline (the store's photos each show other people; the
# clips' faces are too small or turned away), so the "same person" case is one toggle away: an edited copy of A
# (mirrored, darker, JPEG q20), distance 0.37. With an empty store, B is scikit-image's cameraman (another person,
# a 58-px face: dlib distance 0.83, "different people"), not the first sample (the astronaut again: distance 0).
VERIFY_DEFAULT = ("skimage:astronaut.png", ("photo_grace_hopper", "skimage:camera.png"))
CLUSTER_LABELS = {"threshold": "Threshold (agglomerative)", "kmeans": "k-means", "dbscan": "DBSCAN"}
CLUSTER_HELP = {
    F.ClusterMethod.THRESHOLD: "Agglomerative clustering (average linkage) cut at the verification threshold. "
    "Default: you need not know how many people there are, and it uses the same threshold as a verification.",
    F.ClusterMethod.KMEANS: "k-means (the seed recipe): you choose the number of people; every face is forced into "
    "one of k groups, so a stranger joins the nearest person.",
    F.ClusterMethod.DBSCAN: f"DBSCAN: chains of faces closer than {F.DBSCAN_EPS_FACTOR:.0%} of the threshold form a "
    "person (at the threshold itself, chains joined different people); a face with no close neighbour stays on its "
    "own, so a person can come out split in two.",
}

# A photo to analyse in "many faces" mode: (name, uint8 RGB, original (width, height) before any reduction).
Photo = tuple[str, np.ndarray, tuple[int, int]]


# --- cached loaders / memo ---------------------------------------------------------------------------
@st.cache_data(max_entries=32, show_spinner=False)
def analyze(
    embedder: F.Embedder,
    _analyzer: F.FaceAnalysisBackend,
    rgb: np.ndarray,
    max_side: int = F.DETECT_MAX_SIDE,
    confirm: bool = False,
    original_size: tuple[int, int] | None = None,
) -> F.Analysis:
    # In memory only, keyed on the pixels: moving the threshold or picking another face never reruns the models.
    return _analyzer.analyze(rgb, max_side=max_side, confirm=confirm, original_size=original_size)


@st.cache_data(max_entries=32, show_spinner=False)
def flip_embed(
    embedder: F.Embedder, _analyzer: F.FaceAnalysisBackend, chips: tuple[np.ndarray, ...], _plain: np.ndarray
) -> np.ndarray:
    # Clustering uses flip-averaged vectors (see models/faces/groups.py): a face and its mirrored copy group together.
    # A served analyzer (model server) exposes no embedding network here: its plain vectors are used as they are.
    net = getattr(_analyzer, "embedder", None)
    if net is None or not hasattr(net, "embed"):
        return _plain
    return G.mirror_invariant_embeddings(net, list(chips), lock=getattr(_analyzer, "_lock", None))


def edited_copy(rgb: np.ndarray) -> np.ndarray:
    """Mirrored, darker, JPEG quality 20: the same person, different pixels."""
    darker = (rgb[:, ::-1].astype(np.float32) * 0.6).astype(np.uint8)
    return np.asarray(Image.open(io.BytesIO(encode_jpeg(darker, 20))).convert("RGB"))


# --- verify ------------------------------------------------------------------------------------------
def chip(face: F.Face) -> np.ndarray:
    """The face's aligned chip (uint8 RGB); every face from ``FaceAnalyzer.analyze`` carries one."""
    assert face.chip is not None, "faces from FaceAnalyzer.analyze carry their aligned chip"
    return face.chip


def face_label(i: int, face: F.Face) -> str:
    return f"#{i + 1} ({face.width:.0f} px wide, {face.confidence:.0%} sure it is a face)"


def show_analysis(rgb: np.ndarray, result: F.Analysis, which: Choice, caption: str) -> F.Face | None:
    """The photo with its faces boxed; with several faces, the ``which`` selectbox picks one (the largest by
    default). Returns the picked face, or None when none was found (the analysis' messages say why)."""
    for message in result.messages:
        (st.warning if result.faces else st.error)(message)
    selected = result.largest()
    if len(result.faces) > 1:
        if which.get(0) not in range(len(result.faces)):  # a link's or another photo's
            which.pop()
        selected = st.selectbox(
            f"{len(result.faces)} faces found: compare which one?",
            range(len(result.faces)),
            index=selected,
            format_func=lambda i: face_label(i, result.faces[i]),
            key=which.key,
        )
    show(F.draw_faces(rgb, result.faces, selected), caption=caption)
    return result.faces[selected] if selected is not None else None


def show_verdict(
    v: F.Verdict, face_a: F.Face, face_b: F.Face, metric: F.Metric, res_a: F.Analysis, res_b: F.Analysis
) -> None:
    """The two aligned chips, the verdict with its confidence, the distance against the threshold, timings."""
    chip_a, chip_b, numbers = st.columns([1, 1, 4], vertical_alignment="center")
    show(chip(face_a), caption="A, aligned", where=chip_a)
    show(chip(face_b), caption="B, aligned", where=chip_b)
    with numbers:
        verdict = "Same person" if v.same else "Different people"
        if v.too_small:
            # a face this small gives an embedding the margin cannot be trusted on: no confidence figure
            st.warning(
                f"**Not sure: {verdict.lower()}?** A compared face is under {F.SMALL_FACE_PX} px wide, too small "
                "for a reliable answer. Try a photo where the face is larger.",
                icon="❔",
            )
        else:
            (st.success if v.same else st.warning)(
                f"**{verdict}** — confidence {v.confidence:.0%}", icon="✅" if v.same else "🙅"
            )
        m1, m2 = st.columns(2)
        m1.metric(
            f"{metric.value.capitalize()} distance",
            f"{v.distance:.3f}",
            delta=f"{v.distance - v.threshold:+.3f} vs threshold",
            delta_color="inverse",
        )
        m2.metric("Threshold", f"{v.threshold:.3f}")
        st.caption(
            "Distance below the threshold → same person. Confidence is the margin to the threshold "
            "through a logistic; it is 50 % right at the threshold."
        )
        timing_badge(
            {
                "detect": res_a.detect_ms + res_b.detect_ms,
                "embed": res_a.embed_ms + res_b.embed_ms,
                "total": res_a.total_ms + res_b.total_ms,
            }
        )


def verdict_caption(v: F.Verdict) -> str:
    """The verdict in one line, repeated under the photos (on a phone the verdict box is far above them)."""
    said = (
        f"❔ Not sure (a face under {F.SMALL_FACE_PX} px)"
        if v.too_small
        else "✅ Same person"
        if v.same
        else "🙅 Different people"
    )
    return f"{said}: distance {v.distance:.3f} vs threshold {v.threshold:.3f} (details at the top)."


# --- many faces --------------------------------------------------------------------------------------
def faces_count(n: int) -> str:
    """``"1 face"``, ``"3 faces"``, ``"no face"``."""
    return "no face" if n == 0 else f"{n} face" if n == 1 else f"{n} faces"


def many_inputs() -> list[LoadedImage]:
    """Photos for "many faces" mode: sample photos (multiselect) or uploads, at most :data:`MAX_PHOTOS`."""
    source = st.radio("Photos", MANY_SOURCES, horizontal=True, key=FACES.many_source.key)
    images: list[LoadedImage] = []
    if source == MANY_SOURCES[0]:
        options = [s for s in samples(SampleKind.PHOTO) if s.available]
        default = [s for s in options if s.id in FACE_SAMPLES]
        if not FACES.many_samples.valid(FACES.many_samples.get([]), options):
            FACES.many_samples.set([s for s in FACES.many_samples.get() if s in options])
        kept = FACES.many_samples.in_state()  # a link's choice (or the visitor's): no default beside it
        chosen = st.multiselect(
            "Sample photos",
            options,
            default=None if kept else default,
            format_func=lambda s: s.title,
            key=FACES.many_samples.key,
        )
        images = [replace(read_image(s.path), title=s.title) for s in chosen if s.path is not None]  # all available
    else:
        uploads = image_uploader("Upload several photos or one group photo", "many_upload", multiple=True)
        if not uploads and from_link(FACES.many_source.key):
            not_in_link("The photos", "upload them again, or choose samples", was="were uploads")
        for up in (uploads or [])[:MAX_PHOTOS]:
            try:
                images.append(decode(up.getvalue(), up.name))
            except VisionError as exc:
                bad_input(exc)
        if uploads and len(uploads) > MAX_PHOTOS:
            st.warning(f"Only the first {MAX_PHOTOS} of {len(uploads)} photos are used.")
    return images[:MAX_PHOTOS]


def analyze_photos(embedder: F.Embedder, analyzer: F.FaceAnalysisBackend, photos: list[Photo]) -> list[F.Analysis]:
    """Find and embed the faces of every photo (one analysis per photo, in order) as a heavy job, with progress."""
    progress = st.progress(0.0, text="Finding faces…")

    def _analyze_all():  # many photos: a heavy job through the bounded pool
        found = []
        for k, (_name, rgb, size) in enumerate(photos):
            found.append(analyze(embedder, analyzer, rgb, original_size=size))
            progress.progress((k + 1) / len(photos), text=f"Finding faces… {k + 1}/{len(photos)} photos")
        return found

    results = run_heavy("finding and comparing the faces", _analyze_all, key="faces_many", auto=True)
    progress.empty()
    return results


def show_photos(photos: list[Photo], results: list[F.Analysis], n_faces: int) -> None:
    """An expander with each photo, its faces boxed, labelled P1, P2, … as in the matrix."""
    with st.expander(f"{len(photos)} photos, {n_faces} faces", expanded=True):
        cols = st.columns(4)
        for k, ((name, rgb, _size), res) in enumerate(zip(photos, results, strict=True)):
            with cols[k % 4]:
                show(
                    F.draw_faces(rgb, res.faces),
                    caption=f"P{k + 1}: {Path(name).name} · {faces_count(len(res.faces))}",
                )
                for m in res.messages:
                    st.caption(f"⚠️ {m}")


def comparable(faces: list[F.Face], labels: list[str]) -> tuple[list[F.Face], list[str]]:
    """The faces (and their labels) to compare: faces under ``F.SMALL_FACE_PX`` wide are shown as skipped, and at
    most :data:`MAX_TOTAL_FACES` are kept (with a warning)."""
    split = G.split_by_size(faces)
    if split.skipped:
        n_skip = len(split.skipped)
        st.markdown(
            f"**Skipped: {n_skip} face{'s' if n_skip > 1 else ''} under {F.SMALL_FACE_PX} px wide** "
            "— too small for a reliable comparison, so not grouped. A larger photo of them would be."
        )
        show(
            [chip(faces[i]) for i in split.skipped],
            caption=[f"{labels[i]} · {faces[i].width:.0f} px" for i in split.skipped],
            size=Size.FACE_CHIP,
        )
        faces, labels = [faces[i] for i in split.kept], [labels[i] for i in split.kept]
    if len(faces) > MAX_TOTAL_FACES:
        st.warning(f"{len(faces)} faces found; the first {MAX_TOTAL_FACES} are compared.")
        faces, labels = faces[:MAX_TOTAL_FACES], labels[:MAX_TOTAL_FACES]
    return faces, labels


def heatmap(d: np.ndarray, labels: list[str], threshold: float) -> alt.Chart:
    """An n×n Altair heatmap of distances ``d`` (float, n×n), diverging at ``threshold``; values shown up to 16."""
    n = len(labels)
    df = pd.DataFrame({"A": np.repeat(labels, n), "B": np.tile(labels, n), "distance": d.reshape(-1)})
    base = alt.Chart(df).encode(x=alt.X("B:N", sort=labels, title=None), y=alt.Y("A:N", sort=labels, title=None))
    step = 34 if n <= 16 else 18
    cells = base.mark_rect().encode(
        color=alt.Color(
            "distance:Q",
            scale=alt.Scale(scheme="redyellowgreen", reverse=True, domainMid=threshold),
            title="distance",
            legend=alt.Legend(orient="bottom"),  # below: the cells get the column's whole width
        ),
        tooltip=["A", "B", alt.Tooltip("distance:Q", format=".3f")],
    )
    chart = cells
    if n <= 16:
        # The chart is as wide as its column: on a phone 14 cells get ~22 px each, where 10-px "0.79"s ran into
        # each other. The font follows the cell width (Vega's `width` signal: the plot's width in px), 10 px at most.
        font = alt.expr(f"min(10, width / {n} / 2.3)")
        chart = cells + base.mark_text(fontSize=font).encode(
            text=alt.Text("distance:Q", format=".2f"),
            # white on the dark ends of the scale (deep green / deep red), black on the pale middle
            color=alt.condition(
                (alt.datum.distance < 0.5 * threshold) | (alt.datum.distance > 1.35 * threshold),
                alt.value("white"),
                alt.value("black"),
            ),
        )
    return chart.properties(width=alt.Step(step), height=alt.Step(step - 8))


def show_matrix(d: np.ndarray, labels: list[str], metric: F.Metric, threshold: float) -> None:
    """The similarity matrix (heatmap) with a CSV download of the distances."""
    st.subheader("Similarity matrix")
    st.caption(
        f"{metric.value.capitalize()} distance between every pair of faces (each face embedded as seen "
        f"and mirrored, averaged); green below the threshold ({threshold:.3f}) means the same person."
    )
    st.altair_chart(heatmap(d, labels, threshold), width="stretch")
    csv = pd.DataFrame(d, index=labels, columns=labels).round(4).to_csv()
    st.download_button(
        "⬇️ Distance matrix (CSV)",
        csv,
        file_name=download_name("faces", "distances", "csv"),
        mime="text/csv",
        key="many_csv",
        on_click="ignore",
    )


def show_people(people: np.ndarray, faces: list[F.Face], labels: list[str]) -> None:
    """One row of aligned chips per person found (``people``: int cluster id per face, 0..n-1)."""
    n_people = len(np.unique(people))
    st.subheader(f"{n_people} {'person' if n_people == 1 else 'people'}")
    for c in range(n_people):
        members = np.flatnonzero(people == c)
        st.markdown(f"**Person {c + 1}** · {len(members)} face{'s' if len(members) > 1 else ''}")
        show([chip(faces[i]) for i in members], caption=[labels[i] for i in members], size=Size.FACE_CHIP)


def how_it_works() -> None:
    """The page's closing expander: the pipeline, thresholds and how to calibrate."""
    with st.expander("How it works, and how to calibrate"):
        st.markdown(
            f"""
- **Detection:** MTCNN (weights ship in the `mtcnn` wheel), run on a copy at most {F.DETECT_MAX_SIDE} px on the
  long side; boxes and landmarks are mapped back. Faces under ~{F.MIN_FACE_PX} px at that scale are missed, and
  faces under {F.SMALL_FACE_PX} px get a warning.
- **Alignment + embedding:** dlib ResNet (offline, default: its own 5-point landmark model refines the MTCNN box,
  `get_face_chip` cuts a 150×150 chip with 25 % margin) or SFace (ONNX from the model store; MTCNN's 5 landmarks
  are warped onto the ArcFace 112×112 template).
- **Thresholds:** dlib Euclidean 0.6 (dlib's published value), cosine 0.09; SFace cosine distance 0.637, L2 1.128.
- **Calibrate:** on a folder of photos named by identity, the project's calibration tool prints accuracy,
  precision and recall per threshold and the best threshold (see the README).
"""
        )
