"""Face similarity page: verify two photos, or compare many faces (similarity matrix + clustering)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import faces_view as fv
from components.availability import choose
from components.backends import backend
from components.faces_settings import FACES, Mode
from components.feedback import server_unavailable
from components.image_input import image_input
from components.layout import result_first
from components.model_card import model_card
from components.page import page_setup
from components.share import share
from components.status import device_badge, require_model, timing_badge
from models import faces as F
from models.serving import InferenceUnavailable


def verify_mode(embedder: F.Embedder, analyzer: F.FaceAnalysisBackend, metric: F.Metric, threshold: float) -> None:
    result_box = st.container(border=True)  # filled last, shown first: the verdict stays in view
    small = FACES.small.toggle(f"Find small faces too (detect at {F.DETECT_MAX_SIDE} px instead of "
                               f"{F.PORTRAIT_MAX_SIDE} px; slower)")
    side = F.DETECT_MAX_SIDE if small else F.PORTRAIT_MAX_SIDE
    col_a, col_b = st.columns(2)
    with col_a:
        st.subheader("Photo A")
        img_a = image_input(FACES.a.key, label="Photo A", default_sample=fv.VERIFY_DEFAULT[0])
    with col_b:
        st.subheader("Photo B")
        copy_of_a = FACES.b_copy.toggle("Use an edited copy of photo A (mirrored, darker, JPEG q20)",
                                        wrap=True)  # in a column Streamlit truncates a label by default ("…JPE…")
        img_b = None if copy_of_a else image_input(FACES.b.key, label="Photo B", default_sample=fv.VERIFY_DEFAULT[1])
    if img_a is None or (img_b is None and not copy_of_a):
        result_box.info("Choose two photos to compare.")
        return
    rgb_a = img_a.rgb
    rgb_b = fv.edited_copy(rgb_a) if copy_of_a else img_b.rgb
    with result_box, st.spinner("Finding and embedding faces…"):
        # Verify compares one face per photo: every face found on the reduced copy is confirmed on a larger crop.
        res_a = fv.analyze(embedder, analyzer, rgb_a, side, True, img_a.original_size)
        res_b = fv.analyze(embedder, analyzer, rgb_b, side, True, img_a.original_size if copy_of_a else img_b.original_size)
    with col_a:
        face_a = fv.show_analysis(rgb_a, res_a, FACES.a_which, f"{img_a.label} · {fv.faces_count(len(res_a.faces))}")
    with col_b:
        face_b = fv.show_analysis(rgb_b, res_b, FACES.b_which, "edited copy of A" if copy_of_a else
                               f"{img_b.label} · {fv.faces_count(len(res_b.faces))}")
    if face_a is None or face_b is None:
        result_box.info("A verdict needs one face in each photo.")
        return
    v = F.verify(face_a, face_b, analyzer.spec, metric, threshold)
    with result_box:
        fv.show_verdict(v, face_a, face_b, metric, res_a, res_b)
    # The verdict box sits above the photos; on a phone the photos stack below it, so repeat it where one works.
    st.caption(fv.verdict_caption(v))


def many_mode(embedder: F.Embedder, analyzer: F.FaceAnalysisBackend, metric: F.Metric, threshold: float) -> None:
    top_l, top_r = st.columns([3, 2])
    with top_l:
        images = fv.many_inputs()
    with top_r:
        add_copies = FACES.copies.toggle("Add an edited copy of each photo (mirrored, darker)", wrap=True,
                                         help="Each sample shows a different person; the copies show one person's photos "
                                    "grouping together.")
        method = st.selectbox("Clustering", list(F.ClusterMethod), key=FACES.method.key,
                              format_func=lambda m: fv.CLUSTER_LABELS[m.value])
        st.caption(fv.CLUSTER_HELP[method])
    if not images:
        st.info("Choose or upload at least one photo (a group photo works on its own).")
        return
    photos = [(img.label, img.rgb, img.original_size) for img in images]
    if add_copies:
        photos += [(f"{name} (edited)", fv.edited_copy(rgb), size) for name, rgb, size in photos]

    results = fv.analyze_photos(embedder, analyzer, photos)
    faces = [f for res in results for f in res.faces]
    labels = [f"P{k + 1}#{i + 1}" for k, res in enumerate(results) for i in range(len(res.faces))]
    det_ms, emb_ms = sum(r.detect_ms for r in results), sum(r.embed_ms for r in results)
    photos_box, result_box = result_first("many")  # on a phone the matrix and people come before the photos
    with photos_box:
        fv.show_photos(photos, results, len(faces))
    with result_box:
        faces, labels = fv.comparable(faces, labels)
    if len(faces) < 2:
        result_box.info(f"Comparing needs at least two faces {F.SMALL_FACE_PX} px wide or more: add photos.")
        return

    emb = fv.flip_embed(embedder, analyzer, tuple(f.chip for f in faces), np.array([f.embedding for f in faces]))
    FACES.embeddings.set(emb)  # what the matrix and clustering used (tests read it)
    k = None
    if method is F.ClusterMethod.KMEANS:
        guess = F.estimate_people(emb, metric, threshold)
        with top_r:
            k = FACES.people.number_input("Number of people (k)", max_value=len(faces), default=guess,
                                       help=f"Default: {guess}, what the threshold clustering finds.")
    people = F.cluster(emb, method, metric, threshold, k)
    FACES.people_found.set(dict(zip(labels, people.tolist(), strict=True)))  # face label → person

    left, right = result_box.columns([3, 2])
    with left:
        fv.show_matrix(F.pairwise_distances(emb, metric), labels, metric, threshold)
    with right:
        fv.show_people(people, faces, labels)
    timing_badge({"detect": det_ms, "embed": emb_ms, "total": det_ms + emb_ms})


# --- page ---------------------------------------------------------------------------------------------
page_setup("Face similarity", "🙂")  # first Streamlit call: wide layout, tab title
st.title("🙂 Face similarity")
st.caption("MTCNN finds faces and 5 landmarks → each face is aligned → a network turns it into a 128-number "
           "embedding → faces closer than a threshold are the same person.")
st.info("**Privacy:** nothing you upload is stored. Photos are processed in memory for your session only "
        "and are gone when you leave or pick other photos.", icon="🔒")

share("face", FACES.spec())
c1, c2, c3, c4 = st.columns([2, 2, 3, 2])
embedder = choose(c1.selectbox, "Embedding model", list(F.Embedder), lambda e: F.SPECS[e].store_entry,
                  format_func=lambda e: F.SPECS[e].title, key=FACES.embedder.key, container=c1,
                  required=False) or F.Embedder.DLIB
metric = c2.radio("Distance", list(F.Metric), format_func=lambda m: m.value.capitalize(), horizontal=True,
                  key=FACES.metric.key)
entry = F.SPECS[embedder].store_entry
if entry is not None and require_model(entry) is None:
    st.info("Using the offline dlib model meanwhile.")
    embedder = F.Embedder.DLIB
spec = F.SPECS[embedder]
default_t = spec.threshold(metric)
threshold = FACES.threshold.of(embedder, metric).slider(
    "Threshold (distance below → same person)", container=c3,
    help=f"Default {default_t} for {spec.title}. The server's administrator can calibrate it on labelled photos.",
)
with c4:
    mode = st.radio("Mode", list(Mode), format_func=lambda m: m.value, key=FACES.mode.key)
    device_badge()
    model_card("faces")

analyzer = backend(F.BACKENDS, embedder, loading="Loading the face-embedding network (first use only)…")
try:
    if mode is Mode.VERIFY:
        verify_mode(embedder, analyzer, metric, threshold)
    else:
        many_mode(embedder, analyzer, metric, threshold)
except InferenceUnavailable as exc:  # served mode: the model server is unreachable; the message is for the visitor
    server_unavailable(exc, retry_key="face_retry")

fv.how_it_works()
