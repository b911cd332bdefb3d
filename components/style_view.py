"""Style transfer page's parts: cached network loaders, the style gallery, and the Fast and Gatys runs.

The page (``pages/4_Style_Transfer.py``) holds the widgets and the layout; this module loads the networks
(``st.cache_resource``), memoises the style bottlenecks and gallery thumbnails (``st.cache_data``), runs a
stylization or the Gatys optimisation with its live preview, and shows and offers the results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image, ImageOps

from components import backends
from components.display import show
from components.feedback import failed
from components.image_input import Source, sample_id
from components.jobs import run_heavy
from components.results import before_after, download_name, download_png
from components.shared_results import shared
from components.status import timing_badge
from components.style_settings import STYLE
from components.style_settings import Mode as Mode
from models import style as sty
from models.errors import VisionError
from models.imaging import LoadedImage, encode_png, read_image
from models.ops import fit_within, resize_lanczos
from models.runtime import timed
from models.samples import Sample, SampleKind, samples
from models.store import Store


def mode_needs(mode: Mode, present: Callable[[str], bool]) -> tuple[str, ...]:
    """Store entries a method needs: Gatys the VGG19 weights; Fast one network (the entries of the first network
    ``present`` has, else those of the default one, which are then missing). Each network is checked by the page.
    """
    if mode is Mode.GATYS:
        return (sty.VGG19_ENTRY,)
    ready = [b for b in sty.Backend if all(present(e) for e in b.entries)]
    return tuple((ready[0] if ready else sty.default_choice(present)).entries)


HEAVY_SIDE = 1024  # outputs this large (many tiles) go through the heavy-job pool


# --- cached loaders / helpers ----------------------------------------------------------------------
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


def use_style(sample: Sample) -> None:
    """Gallery button callback: select ``sample`` in the style picker."""
    st.session_state[STYLE.style.source] = Source.SAMPLE
    st.session_state[STYLE.style.sample] = sample


def show_picked(image: LoadedImage | None) -> None:
    """The chosen image under its picker, at most 480 px, with its name and size."""
    if image is not None:
        show(fit_within(image.rgb, 480), caption=f"{image.label} · {image.size[0]}×{image.size[1]}")


def style_gallery() -> None:
    """An expander of the store's style samples, each with a "Use" button that picks it as the style."""
    with st.expander("Style gallery — public-domain artworks and textures"):
        gallery = samples(SampleKind.STYLE)
        cols = st.columns(min(5, max(1, len(gallery))))
        for i, s in enumerate(gallery):
            with cols[i % len(cols)]:
                show(thumbnail(str(s.path)), caption=s.title)
                st.button("Use", key=f"gallery_{s.id}", on_click=use_style, args=(s,), width="stretch")


# --- Fast mode -----------------------------------------------------------------------------------
def fast_stylize(
    backend: sty.Backend,
    content: LoadedImage,
    style_img: LoadedImage,
    strength: float,
    max_side: int,
    large: sty.LargeImage,
) -> None:
    """Stylize ``content`` with ``backend`` and show the before/after view, timings and a PNG download.

    The result (uint8 RGB) is kept in ``STYLE.result``. Stops the script with a message when
    a model fails (a file that does not match its contract, the model server away, …).
    """
    try:
        model = backends.backend(sty.BACKENDS, backend, loading="Loading the Magenta style networks (first use only)…")
        with timed() as total:
            bar = st.empty()

            def compute() -> sty.StyleResult:
                return _compute(model, backend, content, style_img, strength, max_side, large, bar)

            key = shared_key(backend, strength, max_side, large)
            # Samples at default settings: computed once per server, a copy for every session; else here.
            result = shared(key, compute) if key is not None else compute()
    except VisionError as exc:
        failed("Stylization", exc)
        st.stop()
    # The download's PNG of a shared result is encoded once too (it was a third of a warm open's server CPU).
    png = shared(("style_png", *key[1:]), lambda: encode_png(result.image)) if key is not None else None
    show_result(backend, content, result, strength, total.ms, png)


def shared_key(backend: sty.Backend, strength: float, max_side: int, large: sty.LargeImage) -> tuple | None:
    """The key of the shared result when both pictures are samples and the settings are the page's defaults, else
    None (an upload or camera photo, or settings a visitor changed: computed in the session, as always)."""
    content_id, style_id = sample_id(STYLE.content.key), sample_id(STYLE.style.key)
    defaults = strength == STYLE.strength.default and max_side == backend.spec.default_max_side
    if content_id is None or style_id is None or not defaults or large is not sty.LargeImage.TILES:
        return None
    return ("style", content_id, style_id, backend.value, strength, max_side, large.value, str(Store().root))


def _compute(
    model: sty.StyleBackend,
    backend: sty.Backend,
    content: LoadedImage,
    style_img: LoadedImage,
    strength: float,
    max_side: int,
    large: sty.LargeImage,
    bar: Any,
) -> sty.StyleResult:
    """The stylization itself: bottlenecks (cached), the transfer (a heavy job when large), its timings.
    ``bar``: the page's slot for the tile progress (made by the caller, so a shared result leaves the same page)."""
    with timed() as t:
        sb = bottleneck(model, backend.value, style_img.rgb, crop=True)
        cb = bottleneck(model, backend.value, content.rgb, crop=False) if strength < 1 else None

    def on_tile(done: int, count: int) -> None:
        bar.progress(done / count, text=f"Stylizing tile {done} of {count}…")

    def _stylize() -> sty.StyleResult:
        with st.spinner("Stylizing…"):
            return model.stylize(
                content.rgb,
                style_img.rgb,
                strength,
                max_side,
                large,
                style_bottleneck=sb,
                content_bottleneck=cb,
                on_tile=on_tile,
            )

    # Large tiled outputs are heavy jobs (bounded pool); small ones are light and never queue.
    if max_side >= HEAVY_SIDE:
        result = run_heavy("the large stylization", _stylize, key="large_stylization", auto=True)
    else:
        result = _stylize()
    bar.empty()
    if sb is not None:  # the network exposes its style vector: its (cached) prediction time
        result.timings_ms["style predict"] = t.ms
    return result


def show_result(
    backend: sty.Backend,
    content: LoadedImage,
    result: sty.StyleResult,
    strength: float,
    total_ms: float,
    png: bytes | None = None,
) -> None:
    """The before/after view, timings, output size and the PNG download of a stylization."""
    STYLE.result.set(result.image)
    h, w = result.image.shape[:2]
    shown_content = resize_lanczos(content.rgb, h, w)
    before_after(
        shown_content, result.image, key="style_compare", labels=("Content", f"Stylized · strength {strength:.2f}")
    )
    timing_badge({**result.timings_ms, "total": total_ms})
    st.caption(f"Output {w}×{h} px · {backend.label}")
    download_png(
        result.image,
        download_name(content.name, f"stylized_{strength:.2f}", "png"),
        label="Download stylized PNG",
        key="style_download",
        png=png,
    )


# --- Gatys mode ----------------------------------------------------------------------------------
class GatysView:
    """The Gatys run's status line, progress bar, live preview and loss chart (empty slots, filled as it runs).

    Built where the page wants them; its state (``STYLE.gatys_state``) is a dict with ``image``
    (uint8 RGB), ``step``, ``total``, ``history`` (per-step losses), ``stopped`` and ``ms_per_step`` (None until
    a run finished).
    """

    def __init__(self) -> None:
        self.status = st.empty()
        self.bar = st.empty()
        view, chart_col = st.columns(2)
        self.preview = view.empty()
        self.chart = chart_col.empty()

    def show(self, state: dict[str, Any]) -> None:
        show(state["image"], caption=f"Step {state['step']} of {state['total']}", where=self.preview)
        if state["history"]:
            losses = pd.DataFrame(state["history"]).set_index("step")
            # log10 so the four terms fit one axis; a zero (content loss at step 1) is left out, not -inf.
            self.chart.line_chart(np.log10(losses.where(losses > 0)), x_label="step", y_label="log10 loss", height=300)

    def run(self, content: LoadedImage, style_img: LoadedImage, config: sty.GatysConfig) -> None:
        """Optimise (a heavy job), previewing every ``config.preview_every`` steps; a rerun (Stop) interrupts it."""
        model = load_vgg(str(Store().root), config.layers)
        progress = self.bar.progress(0.0, text="Starting…")
        state: dict[str, Any] = {
            "image": fit_within(content.rgb, config.max_side),
            "step": 0,
            "total": config.iterations,
            "history": [],
            "stopped": False,
            "ms_per_step": None,
        }
        STYLE.gatys_state.set(state)

        def on_step(p: sty.GatysProgress) -> None:
            # Called every step; touching a Streamlit element lets a Stop click interrupt the run here.
            state["history"].append({"step": p.step, **p.losses})
            state["step"] = p.step
            progress.progress(p.step / p.total, text=f"Step {p.step}/{p.total} · loss {p.losses['total']:.4g}")
            if p.preview is not None:
                state["image"] = p.preview
                self.show(state)

        try:
            result = run_heavy(
                "the optimisation",
                lambda: sty.gatys_transfer(content.rgb, style_img.rgb, model, config, on_step=on_step),
                key="gatys",
            )
        except VisionError as exc:
            failed("The optimisation", exc)
            st.stop()
        state.update(image=result.image, ms_per_step=result.ms_per_step)
        self.bar.empty()
        self.status.success(f"Done: {result.steps} steps at {result.ms_per_step:.0f} ms per step.")
        self.show(state)

    def show_last(self, iterations: int, every: int) -> None:
        """Without a run this time: the last (or stopped) run's state, or how to start one."""
        state = STYLE.gatys_state.get()
        if state is None:
            self.status.info(
                f"Press **Run optimisation**: about {iterations} steps; a preview appears every {every} steps."
            )
            return
        if state["ms_per_step"] is None:
            self.status.warning(f"Stopped after {state['step']} of {state['total']} steps; the image so far is kept.")
        else:
            self.status.info(f"Last run: {state['step']} steps at {state['ms_per_step']:.0f} ms per step.")
        self.show(state)


def gatys_result(content: LoadedImage) -> None:
    """Timings and a PNG download of the kept Gatys image, when there is one."""
    state = STYLE.gatys_state.get()
    if state is None:
        return
    if state["ms_per_step"] is not None:
        timing_badge({"per step": state["ms_per_step"], "total": state["ms_per_step"] * state["step"]})
    download_png(
        state["image"], download_name(content.name, "gatys", "png"), label="Download PNG", key="gatys_download"
    )
