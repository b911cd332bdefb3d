"""Style transfer: Magenta arbitrary stylization (fast) or Gatys VGG19 optimisation (slow, live preview)."""

from __future__ import annotations

from enum import Enum

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image, ImageOps

from components.availability import choose, failed
from components.model_card import model_card
from components.page import page_setup
from components.share import image_keys, share
from components.image_input import Source, image_input
from components.jobs import run_heavy
from components.results import before_after, download_name, download_png
from components.status import device_badge, require_model, timing_badge
from models import style as sty
from models.errors import VisionError
from models.imaging import read_image
from models.ops import fit_within, resize_lanczos
from models.runtime import timed
from models.samples import SampleKind, samples
from models.serving import maybe_served
from models.store import Store


class Mode(str, Enum):
    FAST = "Fast — Magenta arbitrary stylization"
    GATYS = "Gatys optimisation — VGG19"


# Store entries each method needs at least (Fast: one of the networks; each network is checked below).
MODE_NEEDS = {Mode.FAST: (), Mode.GATYS: (sty.VGG19_ENTRY,)}


SIZES = [256, 384, 512, 768, 1024]
GATYS_SIZES = [128, 192, 256, 384]
HEAVY_SIDE = 1024  # outputs this large (many tiles) go through the heavy-job pool
STYLE_KEY = "style_style"  # image_input key of the style picker


# --- cached loaders / helpers ----------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the Magenta style networks (first use only)…")
def load_backend(backend: sty.Backend, store_root: str) -> sty.StyleBackend:
    # Served (VISION_SERVE_ADDRESS) when the model server hosts this network, else built here through create().
    return maybe_served("style", backend, lambda: sty.create(backend, Store(store_root)))


@st.cache_resource(show_spinner="Loading VGG19 ImageNet weights…")
def load_vgg(store_root: str, layers: sty.LayerSet):
    return sty.load_vgg19_from_store(layers, Store(store_root))


@st.cache_data(max_entries=32, show_spinner=False)
def bottleneck(_model: sty.StyleBackend, model_key: str, rgb: np.ndarray, crop: bool) -> np.ndarray | None:
    # Cached per image, so moving the strength slider only reruns the transfer network. The style image is
    # centre-cropped to the network's square (crop=True); the photo's own style uses the whole photo.
    return _model.bottleneck(rgb, crop=crop)


@st.cache_data(max_entries=32, show_spinner=False)
def thumbnail(path: str) -> np.ndarray:
    # Square crops keep the gallery grid even whatever the artwork's shape.
    return np.asarray(ImageOps.fit(Image.fromarray(read_image(path).rgb), (160, 160)))


def use_style(sample) -> None:
    st.session_state[f"{STYLE_KEY}_source"] = Source.SAMPLE
    st.session_state[f"{STYLE_KEY}_sample"] = sample


# --- page ----------------------------------------------------------------------------------------
page_setup("Style transfer", "🖌️")  # first Streamlit call: wide layout, tab title
st.title("🖌️ Style transfer")
st.write(
    "Repaint a photo in the style of an artwork. **Fast** uses Magenta's arbitrary-stylization networks "
    "(one pass, any style); **Gatys** optimises the pixels against VGG19 features (slow, live preview)."
)
device_badge()
model_card("magenta", "gatys")
share("style", {"style_mode": list(Mode), **image_keys("style_content"),
                **image_keys(STYLE_KEY, SampleKind.STYLE),
                "style_backend": list(sty.Backend), "style_strength": float, "style_size": list(SIZES),
                "style_large": list(sty.LargeImage)})

mode = choose(st.radio, "Method", list(Mode), lambda m: MODE_NEEDS[m], format_func=lambda m: m.value,
              horizontal=True, key="style_mode")
if mode is None:
    st.stop()

left, right = st.columns(2)
with left:
    st.subheader("Content")
    content = image_input("style_content", label="Content image", kind=SampleKind.PHOTO,
                          default_sample="photo_grace_hopper")
    if content is not None:
        st.image(fit_within(content.rgb, 480), caption=f"{content.name} · {content.size[0]}×{content.size[1]}")
with right:
    st.subheader("Style")
    style_img = image_input(STYLE_KEY, label="Style image", kind=SampleKind.STYLE,
                            default_sample="style_starry_night", camera=False)
    if style_img is not None:
        st.image(fit_within(style_img.rgb, 480), caption=f"{style_img.name} · {style_img.size[0]}×{style_img.size[1]}")

with st.expander("Style gallery — public-domain artworks and textures"):
    gallery = samples(SampleKind.STYLE)
    cols = st.columns(min(5, max(1, len(gallery))))
    for i, s in enumerate(gallery):
        with cols[i % len(cols)]:
            st.image(thumbnail(str(s.path)), caption=s.title)
            st.button("Use", key=f"gallery_{s.id}", on_click=use_style, args=(s,), width="stretch")

if content is None or style_img is None:
    st.info("Choose a content image and a style image to start.")
    st.stop()

st.divider()

# --- Fast mode -----------------------------------------------------------------------------------
if mode is Mode.FAST:
    c1, c2, c3 = st.columns([3, 2, 2])
    backend = choose(c1.selectbox, "Network", list(sty.Backend), lambda b: b.entries, format_func=lambda b: b.label,
                     key="style_backend", container=c1)
    if backend is None:
        st.stop()
    strength = c2.slider("Style strength", 0.0, 1.0, 1.0, 0.05, key="style_strength",
                         help="Blends the style's 100-d bottleneck with the content image's own (0 = content only).")
    max_side = c3.select_slider("Output size (long side, px)", list(backend.spec.max_sides),
                                value=backend.spec.default_max_side, key="style_size")
    large = sty.LargeImage.TILES
    if backend.spec.tiles and max_side > sty.TRANSFER_SIZE:
        large = st.radio(
            "Beyond 384 px", list(sty.LargeImage), format_func=lambda m: m.label, horizontal=True,
            key="style_large",
            help="The TFLite transfer network only takes 384×384. Tiles stylize overlapping 384-px pieces "
                 "of the full-size photo and feather them together (sharp); Resize stylizes once and scales up.",
        )

    paths = [require_model(e) for e in backend.entries]
    if any(p is None for p in paths):
        st.stop()

    try:
        model = load_backend(backend, str(Store().root))
        with timed() as total:
            with timed() as t:
                sb = bottleneck(model, backend.value, style_img.rgb, crop=True)
                cb = bottleneck(model, backend.value, content.rgb, crop=False) if strength < 1 else None
            bar = st.empty()

            def on_tile(done: int, count: int) -> None:
                bar.progress(done / count, text=f"Stylizing tile {done} of {count}…")

            def _stylize():
                with st.spinner("Stylizing…"):
                    return model.stylize(content.rgb, style_img.rgb, strength, max_side, large,
                                         style_bottleneck=sb, content_bottleneck=cb, on_tile=on_tile)

            # Large tiled outputs are heavy jobs (bounded pool); small ones are light and never queue.
            result = (run_heavy("the large stylization", _stylize, key="style_large", auto=True)
                      if max_side >= HEAVY_SIDE else _stylize())
            bar.empty()
            if sb is not None:  # the network exposes its style vector: its (cached) prediction time
                result.timings_ms["style predict"] = t.ms
    except VisionError as exc:  # a model file that does not match its contract, the model server away, …
        failed("Stylization", exc)
        st.stop()

    st.session_state["style_result"] = result.image
    h, w = result.image.shape[:2]
    shown_content = resize_lanczos(content.rgb, h, w)
    before_after(shown_content, result.image, key="style_compare", labels=("Content", f"Stylized · strength {strength:.2f}"))
    timing_badge({**result.timings_ms, "total": total.ms})
    st.caption(f"Output {w}×{h} px · {backend.label}")
    download_png(result.image, download_name(content.name, f"stylized_{strength:.2f}", "png"), label="Download stylized PNG", key="style_download")

# --- Gatys mode ----------------------------------------------------------------------------------
else:
    path = require_model(sty.VGG19_ENTRY)
    if path is None:
        st.stop()

    c1, c2, c3, c4 = st.columns(4)
    iterations = c1.slider("Iterations", 10, 500, 100, 10, key="gatys_iterations")
    size = c2.select_slider("Size (long side, px)", GATYS_SIZES, value=256, key="gatys_size")
    every = c3.slider("Preview every N steps", 1, 50, 10, key="gatys_every")
    layers = c4.radio("Layer set", list(sty.LayerSet), format_func=lambda l: l.label, key="gatys_layers",
                      help=" · ".join(f"{l.label}: {l.description}" for l in sty.LayerSet))
    w1, w2, w3, w4 = st.columns(4)
    cw = w1.number_input("Content weight", 0.0, 1e3, 0.025, format="%.4g", key="gatys_cw")
    sw = w2.number_input("Style weight", 0.0, 1e3, 1.0, format="%.4g", key="gatys_sw")
    tw = w3.number_input("Total-variation weight", 0.0, 1.0, 1e-4, format="%.1e", step=1e-5, key="gatys_tw")
    lr = w4.number_input("Learning rate (Adam)", 0.001, 0.5, 0.02, format="%.3f", key="gatys_lr")
    config = sty.GatysConfig(iterations=iterations, content_weight=cw, style_weight=sw, tv_weight=tw,
                             layers=layers, max_side=size, learning_rate=lr, preview_every=every)

    b1, b2, _ = st.columns([2, 1, 4])
    run = b1.button("Run optimisation", type="primary", key="gatys_run")
    # A click during a run makes Streamlit rerun the script, which interrupts the loop at its next
    # progress update; the state saved so far is then shown as the result.
    b2.button("Stop", key="gatys_stop", help="Ends the run; the image so far is kept.")

    status = st.empty()
    bar = st.empty()
    view, chart_col = st.columns(2)
    preview = view.empty()
    chart = chart_col.empty()

    def show(state: dict) -> None:
        preview.image(state["image"], caption=f"Step {state['step']} of {state['total']}", width="stretch")
        if state["history"]:
            losses = pd.DataFrame(state["history"]).set_index("step")
            # log10 so the four terms fit one axis; a zero (content loss at step 1) is left out, not -inf.
            chart.line_chart(np.log10(losses.where(losses > 0)), x_label="step", y_label="log10 loss", height=300)

    if run:
        model = load_vgg(str(Store().root), layers)
        progress = bar.progress(0.0, text="Starting…")
        state = {"image": fit_within(content.rgb, size), "step": 0, "total": iterations, "history": [],
                 "stopped": False, "ms_per_step": None}
        st.session_state["gatys_state"] = state

        def on_step(p: sty.GatysProgress) -> None:
            # Called every step; touching a Streamlit element lets a Stop click interrupt the run here.
            state["history"].append({"step": p.step, **p.losses})
            state["step"] = p.step
            progress.progress(p.step / p.total, text=f"Step {p.step}/{p.total} · loss {p.losses['total']:.4g}")
            if p.preview is not None:
                state["image"] = p.preview
                show(state)

        try:
            result = run_heavy("the optimisation", lambda: sty.gatys_transfer(
                content.rgb, style_img.rgb, model, config, on_step=on_step), key="gatys")
        except VisionError as exc:
            failed("The optimisation", exc)
            st.stop()
        state.update(image=result.image, ms_per_step=result.ms_per_step)
        bar.empty()
        status.success(f"Done: {result.steps} steps at {result.ms_per_step:.0f} ms per step.")
        show(state)
    elif "gatys_state" in st.session_state:
        state = st.session_state["gatys_state"]
        if state["ms_per_step"] is None:
            status.warning(f"Stopped after {state['step']} of {state['total']} steps; the image so far is kept.")
        else:
            status.info(f"Last run: {state['step']} steps at {state['ms_per_step']:.0f} ms per step.")
        show(state)
    else:
        status.info(f"Press **Run optimisation**: about {iterations} steps; a preview appears every {every} steps.")

    if "gatys_state" in st.session_state:
        state = st.session_state["gatys_state"]
        if state["ms_per_step"] is not None:
            timing_badge({"per step": state["ms_per_step"], "total": state["ms_per_step"] * state["step"]})
        download_png(state["image"], download_name(content.name, "gatys", "png"), label="Download PNG", key="gatys_download")
