"""Face similarity page: verify two photos, or compare many faces (similarity matrix + clustering)."""

from __future__ import annotations

import io
from enum import Enum
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from components.availability import choose
from components.model_card import model_card
from components.page import page_setup
from components.results import download_name
from components.share import image_keys, share
from components.image_input import image_input, image_uploader
from components.jobs import run_heavy
from components.status import device_badge, require_model, timing_badge
from models import face_groups as G
from models import faces as F
from models.errors import VisionError
from models.imaging import LoadedImage, decode_image, encode_jpeg, read_image
from models.samples import SampleKind, samples
from models.serving import InferenceUnavailable, maybe_served
from models.store import Store

MAX_PHOTOS = 12  # "many faces" mode: photos at once
MAX_TOTAL_FACES = 40  # beyond this the matrix is unreadable and clustering slow on this CPU
FACE_SAMPLES = ("skimage:astronaut.png", "photo_face", "photo_grace_hopper", "photo_squat")
# Verify's default pair: Eileen Collins (NASA portrait, scikit-image's astronaut.png) vs Grace Hopper (US Navy
# portrait). Two women, both frontal official portraits in uniform with a flag or dark backdrop: a near case, not a
# trivially different one (dlib distance 0.68 against the 0.6 threshold; the old default, a man in a bar vs Hopper,
# was 0.77). No second photo of one person is available offline (the store's photos each show other people; the
# clips' faces are too small or turned away), so the "same person" case is one toggle away: an edited copy of A
# (mirrored, darker, JPEG q20), distance 0.37.
VERIFY_DEFAULT = ("skimage:astronaut.png", "photo_grace_hopper")


class Mode(str, Enum):
    VERIFY = "🔍 Verify two photos"
    MANY = "👥 Compare many faces & cluster"


CLUSTER_HELP = {
    F.ClusterMethod.THRESHOLD: "Agglomerative clustering (average linkage) cut at the verification threshold. "
    "Default: you need not know how many people there are, and it uses the same threshold as a verification.",
    F.ClusterMethod.KMEANS: "k-means (the seed recipe): you choose the number of people; every face is forced into "
    "one of k groups, so a stranger joins the nearest person.",
    F.ClusterMethod.DBSCAN: "DBSCAN: chains of faces closer than the threshold form a person; a face with no close "
    "neighbour stays on its own. Can merge two look-alikes through a chain of in-between photos.",
}


@st.cache_resource(show_spinner="Loading the MTCNN face detector (first use only)…")
def load_detector() -> F.FaceDetector:
    return F.FaceDetector()


@st.cache_resource(show_spinner="Loading the face-embedding network (first use only)…", max_entries=2)
def load_analyzer(embedder: F.Embedder, store_root: str) -> F.FaceAnalyzer:
    # Served (VISION_SERVE_ADDRESS) when the model server hosts this embedder, else built here through create().
    return maybe_served("faces", embedder, lambda: F.create(embedder, Store(store_root), detector=load_detector()))


@st.cache_data(max_entries=32, show_spinner=False)
def analyze(embedder: F.Embedder, _analyzer: F.FaceAnalyzer, rgb: np.ndarray,
            max_side: int = F.DETECT_MAX_SIDE, confirm: bool = False,
            original_size: tuple[int, int] | None = None) -> F.Analysis:
    # In memory only, keyed on the pixels: moving the threshold or picking another face never reruns the models.
    return _analyzer.analyze(rgb, max_side=max_side, confirm=confirm, original_size=original_size)


@st.cache_data(max_entries=32, show_spinner=False)
def flip_embed(embedder: F.Embedder, _analyzer: F.FaceAnalyzer, chips: tuple[np.ndarray, ...],
               _plain: np.ndarray) -> np.ndarray:
    # Clustering uses flip-averaged vectors (see models/face_groups.py): a face and its mirrored copy group together.
    # A served analyzer (model server) exposes no embedding network here: its plain vectors are used as they are.
    net = getattr(_analyzer, "embedder", None)
    if net is None or not hasattr(net, "embed"):
        return _plain
    return G.mirror_invariant_embeddings(net, list(chips), lock=getattr(_analyzer, "_lock", None))


@st.cache_data(max_entries=16, show_spinner=False)
def decode(data: bytes, name: str) -> LoadedImage:
    return decode_image(data, name=name)


def edited_copy(rgb: np.ndarray) -> np.ndarray:
    """Mirrored, darker, JPEG quality 20: the same person, different pixels."""
    darker = (rgb[:, ::-1].astype(np.float32) * 0.6).astype(np.uint8)
    return np.asarray(Image.open(io.BytesIO(encode_jpeg(darker, 20))).convert("RGB"))


def face_label(i: int, face: F.Face) -> str:
    return f"#{i + 1} ({face.width:.0f} px wide, {face.confidence:.0%} sure it is a face)"


def show_analysis(rgb: np.ndarray, result: F.Analysis, key: str, caption: str) -> F.Face | None:
    for message in result.messages:
        (st.warning if result.faces else st.error)(message)
    selected = result.largest()
    if len(result.faces) > 1:
        selected = st.selectbox(
            f"{len(result.faces)} faces found: compare which one?", range(len(result.faces)), index=selected,
            format_func=lambda i: face_label(i, result.faces[i]), key=f"{key}_which",
        )
    st.image(F.draw_faces(rgb, result.faces, selected), caption=caption, width="stretch")
    return result.faces[selected] if selected is not None else None


# --- verify ----------------------------------------------------------------------------------------
def verify_mode(embedder: F.Embedder, analyzer: F.FaceAnalyzer, metric: F.Metric, threshold: float) -> None:
    result_box = st.container(border=True)  # filled last, shown first: the verdict stays in view
    small = st.toggle(f"Find small faces too (detect at {F.DETECT_MAX_SIDE} px instead of {F.PORTRAIT_MAX_SIDE} px; "
                      "slower)", key="face_small")
    side = F.DETECT_MAX_SIDE if small else F.PORTRAIT_MAX_SIDE
    col_a, col_b = st.columns(2)
    with col_a:
        st.subheader("Photo A")
        img_a = image_input("face_a", label="Photo A", default_sample=VERIFY_DEFAULT[0])
    with col_b:
        st.subheader("Photo B")
        copy_of_a = st.toggle("Use an edited copy of photo A (mirrored, darker, JPEG q20)", key="face_b_copy")
        img_b = None if copy_of_a else image_input("face_b", label="Photo B", default_sample=VERIFY_DEFAULT[1])
    if img_a is None or (img_b is None and not copy_of_a):
        result_box.info("Choose two photos to compare.")
        return
    rgb_a = img_a.rgb
    rgb_b = edited_copy(rgb_a) if copy_of_a else img_b.rgb
    with result_box, st.spinner("Finding and embedding faces…"):
        # Verify compares one face per photo: every face found on the reduced copy is confirmed on a larger crop.
        res_a = analyze(embedder, analyzer, rgb_a, side, True, img_a.original_size)
        res_b = analyze(embedder, analyzer, rgb_b, side, True, img_a.original_size if copy_of_a else img_b.original_size)
    with col_a:
        face_a = show_analysis(rgb_a, res_a, "face_a", f"{img_a.name} · {len(res_a.faces)} face(s)")
    with col_b:
        face_b = show_analysis(rgb_b, res_b, "face_b", "edited copy of A" if copy_of_a else
                               f"{img_b.name} · {len(res_b.faces)} face(s)")
    if face_a is None or face_b is None:
        result_box.info("A verdict needs one face in each photo.")
        return

    v = F.verify(face_a, face_b, analyzer.spec, metric, threshold)
    with result_box:
        chip_a, chip_b, numbers = st.columns([1, 1, 4], vertical_alignment="center")
        chip_a.image(face_a.chip, caption="A, aligned", width="stretch")
        chip_b.image(face_b.chip, caption="B, aligned", width="stretch")
        with numbers:
            verdict = "Same person" if v.same else "Different people"
            (st.success if v.same else st.warning)(f"**{verdict}** — confidence {v.confidence:.0%}",
                                                  icon="✅" if v.same else "🙅")
            m1, m2 = st.columns(2)
            m1.metric(f"{metric.value.capitalize()} distance", f"{v.distance:.3f}",
                      delta=f"{v.distance - v.threshold:+.3f} vs threshold", delta_color="inverse")
            m2.metric("Threshold", f"{v.threshold:.3f}")
            st.caption("Distance below the threshold → same person. Confidence is the margin to the threshold "
                       "through a logistic; it is 50 % right at the threshold.")
            timing_badge({"detect": res_a.detect_ms + res_b.detect_ms, "embed": res_a.embed_ms + res_b.embed_ms,
                          "total": res_a.total_ms + res_b.total_ms})


# --- many faces --------------------------------------------------------------------------------------
def many_inputs() -> list[LoadedImage]:
    source = st.radio("Photos", ["Samples", "Upload"], horizontal=True, key="many_source")
    images: list[LoadedImage] = []
    if source == "Samples":
        options = [s for s in samples(SampleKind.PHOTO) if s.available]
        default = [s for s in options if s.id in FACE_SAMPLES]
        chosen = st.multiselect("Sample photos", options, default=default, format_func=lambda s: s.title,
                                key="many_samples")
        images = [read_image(s.path) for s in chosen]
    else:
        uploads = image_uploader("Upload several photos or one group photo", "many_upload", multiple=True)
        for up in (uploads or [])[:MAX_PHOTOS]:
            try:
                images.append(decode(up.getvalue(), up.name))
            except VisionError as exc:
                st.error(str(exc))
        if uploads and len(uploads) > MAX_PHOTOS:
            st.warning(f"Only the first {MAX_PHOTOS} of {len(uploads)} photos are used.")
    return images[:MAX_PHOTOS]


def heatmap(d: np.ndarray, labels: list[str], threshold: float) -> alt.Chart:
    n = len(labels)
    df = pd.DataFrame({"A": np.repeat(labels, n), "B": np.tile(labels, n), "distance": d.reshape(-1)})
    base = alt.Chart(df).encode(x=alt.X("B:N", sort=labels, title=None), y=alt.Y("A:N", sort=labels, title=None))
    step = 34 if n <= 16 else 18
    cells = base.mark_rect().encode(
        color=alt.Color("distance:Q", scale=alt.Scale(scheme="redyellowgreen", reverse=True, domainMid=threshold),
                        title="distance"),
        tooltip=["A", "B", alt.Tooltip("distance:Q", format=".3f")],
    )
    chart = cells
    if n <= 16:
        chart = cells + base.mark_text(fontSize=10).encode(
            text=alt.Text("distance:Q", format=".2f"),
            # white on the dark ends of the scale (deep green / deep red), black on the pale middle
            color=alt.condition((alt.datum.distance < 0.5 * threshold) | (alt.datum.distance > 1.35 * threshold),
                                alt.value("white"), alt.value("black")),
        )
    return chart.properties(width=alt.Step(step), height=alt.Step(step - 8))


def many_mode(embedder: F.Embedder, analyzer: F.FaceAnalyzer, metric: F.Metric, threshold: float) -> None:
    top_l, top_r = st.columns([3, 2])
    with top_l:
        images = many_inputs()
    with top_r:
        add_copies = st.toggle("Add an edited copy of each photo (mirrored, darker)", value=True, key="many_copies",
                               help="Each sample shows a different person; the copies show one person's photos "
                                    "grouping together.")
        method = st.selectbox("Clustering", list(F.ClusterMethod), key="many_method",
                              format_func=lambda m: {"threshold": "Threshold (agglomerative)", "kmeans": "k-means",
                                                     "dbscan": "DBSCAN"}[m.value])
        st.caption(CLUSTER_HELP[method])
    if not images:
        st.info("Choose or upload at least one photo (a group photo works on its own).")
        return
    photos = [(img.name, img.rgb, img.original_size) for img in images]
    if add_copies:
        photos += [(f"{name} (edited)", edited_copy(rgb), size) for name, rgb, size in photos]

    faces: list[F.Face] = []
    labels: list[str] = []
    det_ms = emb_ms = 0.0
    progress = st.progress(0.0, text="Finding faces…")

    def _analyze_all():  # many photos: a heavy job through the bounded pool
        found = []
        for k, (_name, rgb, size) in enumerate(photos):
            found.append(analyze(embedder, analyzer, rgb, original_size=size))
            progress.progress((k + 1) / len(photos), text=f"Finding faces… {k + 1}/{len(photos)} photos")
        return found

    results = run_heavy("finding and comparing the faces", _analyze_all, key="faces_many", auto=True)
    for k, res in enumerate(results):
        det_ms, emb_ms = det_ms + res.detect_ms, emb_ms + res.embed_ms
        for i, f in enumerate(res.faces):
            faces.append(f)
            labels.append(f"P{k + 1}#{i + 1}")
    progress.empty()

    with st.expander(f"{len(photos)} photos, {len(faces)} faces", expanded=True):
        cols = st.columns(4)
        for k, ((name, rgb, _size), res) in enumerate(zip(photos, results, strict=True)):
            with cols[k % 4]:
                st.image(F.draw_faces(rgb, res.faces), caption=f"P{k + 1}: {Path(name).name} · {len(res.faces)} face(s)",
                         width="stretch")
                for m in res.messages:
                    st.caption(f"⚠️ {m}")
    split = G.split_by_size(faces)
    if split.skipped:
        n_skip = len(split.skipped)
        st.markdown(f"**Skipped: {n_skip} face{'s' if n_skip > 1 else ''} under {F.SMALL_FACE_PX} px wide** "
                    "— too small for a reliable comparison, so not grouped. A larger photo of them would be.")
        st.image([faces[i].chip for i in split.skipped],
                 caption=[f"{labels[i]} · {faces[i].width:.0f} px" for i in split.skipped], width=64)
        faces, labels = [faces[i] for i in split.kept], [labels[i] for i in split.kept]
    if len(faces) > MAX_TOTAL_FACES:
        st.warning(f"{len(faces)} faces found; the first {MAX_TOTAL_FACES} are compared.")
        faces, labels = faces[:MAX_TOTAL_FACES], labels[:MAX_TOTAL_FACES]
    if len(faces) < 2:
        st.info(f"Comparing needs at least two faces {F.SMALL_FACE_PX} px wide or more: add photos.")
        return

    emb = flip_embed(embedder, analyzer, tuple(f.chip for f in faces), np.array([f.embedding for f in faces]))
    st.session_state["many_embeddings"] = emb  # what the matrix and clustering used (tests read it)
    d = F.pairwise_distances(emb, metric)
    k = None
    if method is F.ClusterMethod.KMEANS:
        guess = F.estimate_people(emb, metric, threshold)
        with top_r:
            k = st.number_input("Number of people (k)", 1, len(faces), guess, key="many_k",
                                help=f"Default: {guess}, what the threshold clustering finds.")
    people = F.cluster(emb, method, metric, threshold, k)
    st.session_state["many_people"] = dict(zip(labels, people.tolist(), strict=True))  # face label → person

    left, right = st.columns([3, 2])
    with left:
        st.subheader("Similarity matrix")
        st.caption(f"{metric.value.capitalize()} distance between every pair of faces (each face embedded as seen "
                   f"and mirrored, averaged); green below the threshold ({threshold:.3f}) means the same person.")
        st.altair_chart(heatmap(d, labels, threshold), width="stretch")
        csv = pd.DataFrame(d, index=labels, columns=labels).round(4).to_csv()
        st.download_button("⬇️ Distance matrix (CSV)", csv, file_name=download_name("faces", "distances", "csv"), mime="text/csv",
                           key="many_csv", on_click="ignore")
    with right:
        n_people = len(np.unique(people))
        st.subheader(f"{n_people} {'person' if n_people == 1 else 'people'}")
        for c in range(n_people):
            members = np.flatnonzero(people == c)
            st.markdown(f"**Person {c + 1}** · {len(members)} face{'s' if len(members) > 1 else ''}")
            st.image([faces[i].chip for i in members], caption=[labels[i] for i in members], width=88)
    timing_badge({"detect": det_ms, "embed": emb_ms, "total": det_ms + emb_ms})


# --- page ---------------------------------------------------------------------------------------------
page_setup("Face similarity", "🙂")  # first Streamlit call: wide layout, tab title
st.title("🙂 Face similarity")
st.caption("MTCNN finds faces and 5 landmarks → each face is aligned → a network turns it into a 128-number "
           "embedding → faces closer than a threshold are the same person.")
st.info("**Privacy:** nothing you upload is stored. Photos are processed in memory for your session only "
        "and are gone when you leave or pick other photos.", icon="🔒")

share("face", {"face_embedder": list(F.Embedder), "face_metric": list(F.Metric), "face_mode": list(Mode),
               **image_keys("face_a"), **image_keys("face_b")})
c1, c2, c3, c4 = st.columns([2, 2, 3, 2])
embedder = choose(c1.selectbox, "Embedding model", list(F.Embedder), lambda e: F.SPECS[e].store_entry,
                  format_func=lambda e: F.SPECS[e].title, key="face_embedder", container=c1) or F.Embedder.DLIB
metric = c2.radio("Distance", list(F.Metric), format_func=lambda m: m.value.capitalize(), horizontal=True,
                  key="face_metric")
entry = F.SPECS[embedder].store_entry
if entry is not None and require_model(entry) is None:
    st.info("Using the offline dlib model meanwhile.")
    embedder = F.Embedder.DLIB
spec = F.SPECS[embedder]
default_t = spec.threshold(metric)
threshold = c3.slider(
    "Threshold (distance below → same person)", 0.0, round(max(1.0, default_t * 2.5), 2), default_t, 0.005,
    key=f"face_threshold_{embedder.value}_{metric.value}",
    help=f"Default {default_t} for {spec.title}. The server's administrator can calibrate it on labelled photos.",
)
with c4:
    mode = st.radio("Mode", list(Mode), format_func=lambda m: m.value, key="face_mode")
    device_badge()
    model_card("faces")

analyzer = load_analyzer(embedder, str(Store().root))
try:
    if mode is Mode.VERIFY:
        verify_mode(embedder, analyzer, metric, threshold)
    else:
        many_mode(embedder, analyzer, metric, threshold)
except InferenceUnavailable as exc:  # served mode: the model server is unreachable; the message is for the visitor
    st.error(str(exc), icon="🛑")
    st.button("Try again", key="face_retry")

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
