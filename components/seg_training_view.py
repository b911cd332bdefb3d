"""The "Train a segmenter" page's pieces: the set, the run (a background heavy job with a live chart, Stop and
the queue), the results, "Use this model" and the downloads.

The training runs in a thread of its own (:class:`models.serving.job_pool.BackgroundJob`, through the heavy-job
pool), so the page stays responsive: a fragment redraws its progress every second and a Stop click asks the
trainer to end after the current step (the best checkpoint is kept). A run nobody watches any more (tab closed,
page left for :data:`ABANDON_S`) stops by itself. The set, the run and the trained model live in this session's
state and in the run's bounded temp folder (:mod:`models.segmentation.session_training`), released with the
session's other large results (components/session_memory.py).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from components.availability import not_installed_sentence
from components.display import Size, show
from components.feedback import failed
from components.image_input import image_uploader
from components.jobs import queue_line
from components.results import download_name
from components.seg_training_settings import SEGTRAIN, SOURCES
from components.session_memory import touch
from components.share import from_link, not_in_link, refresh
from models.errors import VisionError
from models.imaging import decode_image
from models.segmentation import render
from models.segmentation import session_training as sess
from models.segmentation.backbone import ENCODER_ENTRY
from models.segmentation.classes import hex_colour
from models.segmentation.labelled import LabelledSet, read_labelled
from models.serving.job_pool import BackgroundJob, heavy_pool
from models.store import Store

BACKBONE = ENCODER_ENTRY
CAMVID = "camvid"
ABANDON_S = 120.0  # a run whose page has not polled it for this long stops (its best checkpoint is kept)
ZIP_HELP = (
    "A .zip of images and label PNGs paired by file name: CamVid layout (train/ trainannot/ val/ valannot/), "
    "images/ + labels/, or PASCAL VOC (JPEGImages/ + SegmentationClass/); optional labels.txt "
    "(“index Name R,G,B” per line). Nothing you upload is stored."
)


@dataclass
class Sets:
    digest: str
    name: str
    train: LabelledSet
    val: LabelledSet


@dataclass
class Watched:
    """A run as the page sees it: the job, the run and the progress its callbacks record."""

    job: Any  # the BackgroundJob (set right after this record exists: the job's thread writes into it)
    run: sess.SessionRun
    name: str
    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    total: int = 0
    seen: float = field(default_factory=time.monotonic)


@st.cache_resource(show_spinner="Reading the CamVid sample set…", max_entries=1)
def camvid_sets(path: str) -> tuple[LabelledSet, LabelledSet]:
    # The store's own sample, the same for every visitor: read once per server.
    return sess.camvid_sample(path)


def choose_set() -> Sets | None:
    """The source widgets; the chosen set (kept in this session), or None with a message shown."""
    store = Store()
    has_camvid = store.has(CAMVID)
    # The sample first when there is one: a newcomer sees a run without having a labelled set at hand.
    options = [SOURCES[1], SOURCES[0]] if has_camvid else [SOURCES[0]]
    source = st.radio("Labelled images", options, horizontal=True, key=SEGTRAIN.source.key)
    if not has_camvid:
        st.caption(not_installed_sentence(["The CamVid sample set"]))
    if source == SOURCES[1]:
        train, val = camvid_sets(str(store.path(CAMVID)))
        return Sets("camvid", "CamVid sample", train, val)
    upload = st.file_uploader("Your labelled set (.zip)", type=["zip"], key="segtrain_zip", help=ZIP_HELP)
    if upload is None:
        if from_link(SEGTRAIN.source.key):
            not_in_link("The labelled set", "upload it again, or use the CamVid sample set")
        else:
            st.caption("Choose a .zip to continue, or use the CamVid sample set.")
        return None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    kept = SEGTRAIN.sets.get()
    if isinstance(kept, Sets) and kept.digest == digest:
        return kept
    name = upload.name.rsplit(".", 1)[0] or "upload"
    try:
        with st.spinner("Reading your set…"):
            train, val = read_labelled(data, name=name, limits=sess.BROWSER_LIMITS)
    except VisionError as exc:
        SEGTRAIN.sets.pop()
        failed("Reading the set", exc)
        return None
    sets = Sets(digest, name, train, val)
    SEGTRAIN.sets.set(sets)
    return sets


def describe(sets: Sets) -> None:
    cs = sets.train.classes
    h, w = sets.val.images[0].shape[:2]
    st.caption(
        f"**{sets.name}**: {len(sets.train)} training and {len(sets.val)} validation pairs "
        f"(validation images {w}×{h} px) · {cs.size} classes: {', '.join(cs.names)}"
    )


def length_label(name: str, sets: Sets, arch: str) -> str:
    length = next(x for x in sess.LENGTHS if x.name == name)
    cfg = sess.browser_config(arch, length.epochs, sets.train)
    minutes = sess.estimate_seconds(cfg, len(sets.train), sets.val) / 60
    return f"{name} · {length.epochs} epochs · about {max(1, round(minutes))} min"


def start(sets: Sets, arch: str, epochs: int, npy: Any) -> None:
    """Queue a new run (the last one's model and folder are dropped); nothing while one is under way."""
    if SEGTRAIN.job.in_state():
        return
    old = SEGTRAIN.result.pop()
    if isinstance(old, sess.TrainedResult):
        old.workspace.remove()
    run = sess.SessionRun.create(sets.train, sets.val, arch, epochs)
    watched = Watched(None, run, sets.name, total=run.cfg.epochs * max(1, len(sets.train) // run.cfg.batch))

    def work(job: BackgroundJob) -> sess.TrainedResult:
        def progress(step: int, total: int, loss: float) -> None:
            watched.total = total
            watched.steps.append(step)
            watched.losses.append(loss)

        def stop() -> bool:
            return job.stopping() or time.monotonic() - watched.seen > ABANDON_S

        run.train(npy, progress, watched.evals.append, stop)
        result = run.finish()
        result.step_losses = (list(watched.steps), list(watched.losses))  # the live chart's own points
        return result

    watched.job = BackgroundJob(heavy_pool(), "the training", work)  # its thread starts here
    SEGTRAIN.job.set(watched)


def curves(steps: list[int], losses: list[float], evals: list[dict]) -> None:
    """Loss per step and val mIoU per evaluation, side by side."""
    left, right = st.columns(2)
    with left:
        st.markdown("**Training loss** (per step)")
        if steps:
            st.line_chart(pd.DataFrame({"loss": losses}, index=pd.Index(steps, name="step")), height=220)
    with right:
        st.markdown("**Validation mIoU %** (per epoch)")
        if len(evals) == 1:  # one point draws an empty chart with a fractional axis: say it in words
            st.metric(f"after epoch {evals[0]['epoch']}", f"{100 * evals[0]['miou']:.1f} %")
        elif evals:
            frame = pd.DataFrame(
                {"val mIoU %": [100 * e["miou"] for e in evals]},
                index=pd.Index([e["epoch"] for e in evals], name="epoch"),
            )
            st.line_chart(frame, height=220)


@st.fragment(run_every=1.0)
def live() -> None:
    """The running job: its queue place (Cancel), or its progress, chart and Stop; a full rerun when it ends."""
    watched = SEGTRAIN.job.get()
    if not isinstance(watched, Watched):
        return
    watched.seen = time.monotonic()
    touch()  # a long run is activity: the idle-session sweeper must not drop it
    job = watched.job
    state = job.state
    if state == "waiting":
        with st.container(border=True):
            st.info(queue_line(job.label, job.ahead(), job.ticket.waited_s))
            st.button("Cancel", key="segtrain_cancel", on_click=job.cancel, help="Leave the queue; nothing is trained.")
        return
    if state == "running":
        steps, losses, evals = list(watched.steps), list(watched.losses), list(watched.evals)
        done = steps[-1] if steps else 0
        best = max((e["miou"] for e in evals), default=None)
        text = (
            f"Step {done} of {watched.total}"
            + (f" · loss {losses[-1]:.3f}" if losses else " · preparing the model…")
            + (f" · best val mIoU {100 * best:.1f} %" if best is not None else "")
        )
        if job.stopping():
            text += " · stopping after this step…"
        st.progress(done / max(1, watched.total), text=text)
        st.button(
            "Stop",
            key="segtrain_stop",
            on_click=job.stop,
            disabled=job.stopping(),
            help="Ends the training after the current step; the best checkpoint so far is kept.",
        )
        curves(steps, losses, evals)
        return
    SEGTRAIN.job.pop()
    if state == "done":
        SEGTRAIN.result.set(job.result)
    else:
        watched.run.workspace.remove()
        SEGTRAIN.ended.set(state if job.error is None else job.error)
    st.rerun(scope="app")


def ended_note() -> None:
    """What happened to a run that left no model (cancelled, failed), shown once."""
    ended = SEGTRAIN.ended.pop()
    if ended == "cancelled":
        st.info("You left the queue; nothing was trained.", icon="✋")
    elif isinstance(ended, BaseException):
        failed("The training", ended)


def results(result: sess.TrainedResult) -> None:
    """Figures, examples, "Use this model" and the downloads of a finished run."""
    card, scores, history = result.card, result.scores, result.history
    epochs = card["recipe"]["epochs"]
    ran = history.evals[-1]["epoch"] if history.evals else 0
    stopped = (
        f" The run was stopped after epoch {ran} of {epochs}; the best checkpoint was kept." if ran < epochs else ""
    )
    st.success(
        f"Val mIoU **{100 * scores.miou:.1f} %** (pixel accuracy {100 * scores.pixel_accuracy:.1f} %, void ignored) "
        f"with the best checkpoint, epoch {card['best_epoch']}; {history.seconds / 60:.1f} min of training.{stopped}"
    )
    steps, losses = result.step_losses if result.step_losses[0] else (history.step, history.loss)
    curves(steps, losses, history.evals)
    names = list(result.names)
    score_tables(names, scores)
    st.markdown("**Validation images**: image · ground truth · prediction")
    truth_palette = sess.truth_palette(result)
    for stem, image, truth, pred in result.examples:
        a, b, c = st.columns(3)
        show(image, caption=stem, size=Size.FILL, where=a)
        show(
            render.colorize(truth, palette=truth_palette), caption="ground truth (void black)", size=Size.FILL, where=b
        )
        show(render.colorize(pred, palette=result.palette), caption="prediction", size=Size.FILL, where=c)
    legend_strip(names, result.palette)


def score_tables(names: list[str], scores: Any) -> None:
    """IoU and accuracy per class and the row-normalised confusion matrix (``scores``: metrics.Scores of
    ``len(names)`` classes), each as tall as its rows and as wide as its columns: side by side where both fit,
    one above the other where not (an 11-class matrix is ~760 px wide: in a fixed column beside the IoU table it
    scrolled inside its frame on a 1440-px screen)."""
    pct = st.column_config.NumberColumn(format="%.1f")
    table = pd.DataFrame(
        {
            "class": names,
            "IoU %": [None if np.isnan(v) else round(100 * float(v), 1) for v in scores.iou],
            "accuracy %": [None if np.isnan(v) else round(100 * float(v), 1) for v in scores.class_accuracy],
        }
    )
    cm = pd.DataFrame(100 * sess.confusion_table(scores), index=names, columns=names)
    with st.container(horizontal=True, wrap=True, gap="medium"):
        with st.container(width="content"):
            st.markdown("**IoU per class** (validation)")
            st.dataframe(
                table,
                hide_index=True,
                width="content",
                height="content",
                column_config={"IoU %": pct, "accuracy %": pct},
            )
        with st.container(width="content"):
            st.markdown("**Confusion matrix** (% of each true class's pixels; rows: truth, columns: prediction)")
            st.dataframe(
                cm.style.format("{:.0f}", na_rep="—").background_gradient(cmap="Blues", vmin=0, vmax=100),
                width="content",
                height="content",
            )


def legend_strip(names: list[str], palette: np.ndarray, shares: dict[int, float] | None = None) -> None:
    chips = []
    for i, name in enumerate(names):
        if shares is not None and i not in shares:
            continue
        share = f" {shares[i]:.1%}" if shares is not None else ""
        chips.append(
            f"<span style='display:inline-block;margin:0 .8rem .3rem 0'><span style='display:inline-block;"
            f"width:1em;height:1em;border:1px solid #888;border-radius:3px;vertical-align:middle;"
            f"background:{hex_colour(i, palette)}'></span> {name}{share}</span>"
        )
    st.markdown("".join(chips), unsafe_allow_html=True)


def use_model(result: sess.TrainedResult) -> None:
    """Segment an uploaded image with the trained model: overlay, legend, class-id PNG."""
    st.subheader("Use this model")
    h, w = result.size
    upload = image_uploader(
        "Image to segment",
        "segtrain_use",
        help=f"Any photo; it is segmented at the validation images' scale ({w}×{h}).",
    )
    if upload is None:
        return
    try:
        image = decode_image(upload.getvalue(), name=upload.name)
        seg = result.segmenter().predict(image.rgb)
    except VisionError as exc:
        failed("Segmenting the image", exc)
        return
    left, right = st.columns([3, 1])
    show(
        render.overlay(image.rgb, seg.class_map, 0.6, palette=result.palette, background=None),
        caption=f"{image.name}: your model's classes over the image",
        size=Size.FILL,
        where=left,
    )
    with right:
        st.markdown("**Classes found**")
        legend_strip(list(result.names), result.palette, {s.index: s.share for s in seg.shares()})
        st.download_button(
            "Download class-id PNG",
            render.class_png(seg.class_map, result.palette),
            file_name=download_name(image.name, "classes", "png"),
            mime="image/png",
            key="segtrain_use_png",
            on_click="ignore",
        )


def downloads(result: sess.TrainedResult) -> None:
    st.subheader("Downloads")
    arch, (h, w) = result.card["arch"], result.size
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Download model (.keras)",
        result.keras_bytes,
        file_name=f"{arch}_trained.keras",
        mime="application/octet-stream",
        key="segtrain_dl_keras",
        on_click="ignore",
    )
    c2.download_button(
        f"Download TFLite ({w}×{h})",
        result.tflite_bytes,
        file_name=f"{arch}_trained.tflite",
        mime="application/octet-stream",
        key="segtrain_dl_tflite",
        on_click="ignore",
        help="Float32; input (1, H, W, 3) RGB scaled to [-1, 1], output logits per class. "
        "Prepared when you click (a few seconds).",
    )
    c3.download_button(
        "Download report (.zip)",
        sess.report_zip(result),
        file_name=f"{arch}_report.zip",
        mime="application/zip",
        key="segtrain_dl_report",
        on_click="ignore",
        help="report.md, report.json (history and val figures), curves.png, model.json",
    )


def trained_in_link() -> None:
    """Last on the page: ``SEGTRAIN.trained`` tells a link whether a trained model was on screen. A model is
    trained in its sender's session (minutes of a shared worker), so a link does not retrain it: opened from one
    that had a model, one sentence says so and the set and settings are ready for **Train**."""
    has = SEGTRAIN.result.in_state()
    if not has and not SEGTRAIN.job.in_state() and from_link(SEGTRAIN.trained.key) and SEGTRAIN.trained.get():
        not_in_link(
            "The trained model",
            "press **Train** to train it again on the same set and settings",
            was="was trained in its sender's session",
        )
        return  # the link's claim stays until a model is trained here
    if SEGTRAIN.trained.get() != has:
        SEGTRAIN.trained.set(has)
        refresh()
