"""Style transfer: Magenta arbitrary stylization (fast) or Gatys VGG19 optimisation (slow, live preview)."""

from __future__ import annotations

import streamlit as st

from components.availability import choose
from components.image_input import image_input
from components.layout import result_first
from components.model_card import model_card
from components.page import page_setup
from components.share import share
from components.status import device_badge, require_model
from components.style_settings import STYLE, Mode
from components.style_view import (
    GatysView,
    fast_stylize,
    gatys_result,
    mode_needs,
    show_picked,
    style_gallery,
)
from models import style as sty
from models.samples import SampleKind
from models.store import Store

page_setup("Style transfer", "🖌️")  # first Streamlit call: wide layout, tab title
st.title("🖌️ Style transfer")
store = Store()
METHODS = {  # the intro names only the methods this server can run (the radio below offers the same)
    Mode.FAST: "**Fast** uses Magenta's arbitrary-stylization networks (one pass, any style)",
    Mode.GATYS: "**Gatys** optimises the pixels against VGG19 features (slow, live preview)",
}
offered = [text for m, text in METHODS.items() if all(store.has(e) for e in mode_needs(m, store.has))]
st.write("Repaint a photo in the style of an artwork." + (f" {'; '.join(offered)}." if offered else ""))
share("style", STYLE.spec())
device_badge()
model_card("magenta", "gatys")

# No method works: one sentence and nothing else (choose stops the page); one works: named, no radio to click.
mode = choose(st.radio, "Method", list(Mode), lambda m: mode_needs(m, store.has), format_func=lambda m: m.value,
              horizontal=True, key=STYLE.mode.key, what="Style transfer", one_as_caption=True)
if mode is None:  # not reached: choose has stopped the page
    st.stop()

options, result_box = result_first("style")  # on a phone the result comes first, the pickers and settings below
with options:
    left, right = st.columns(2)
with left:
    st.subheader("Content")
    content = image_input(STYLE.content.key, label="Content image", kind=SampleKind.PHOTO,
                          default_sample="photo_grace_hopper")
    show_picked(content)
with right:
    st.subheader("Style")
    style_img = image_input(STYLE.style.key, label="Style image", kind=STYLE.style.kind,
                            default_sample="style_starry_night", camera=False)
    show_picked(style_img)

with options:
    style_gallery()

if content is None or style_img is None:  # name only what is missing (a link's upload may be the one)
    missing = [name for name, picked in (("a content image", content), ("a style image", style_img)) if picked is None]
    result_box.info(f"Choose {' and '.join(missing)} to start.")
    st.stop()

options.divider()

# --- Fast mode -----------------------------------------------------------------------------------
if mode is Mode.FAST:
    c1, c2, c3 = options.columns([3, 2, 2])
    backend = choose(c1.selectbox, "Network", list(sty.Backend), lambda b: b.entries, format_func=lambda b: b.label,
                     key=STYLE.backend.key, container=c1, what="Style transfer with a network")
    if backend is None:  # not reached: Fast is offered only when a network is installed
        st.stop()
    strength = STYLE.strength.slider("Style strength", container=c2,
                               help="Blends the style's 100-d bottleneck with the content image's own (0 = content only).")
    max_side = c3.select_slider("Output size (long side, px)", list(backend.spec.max_sides),
                                value=backend.spec.default_max_side, key=STYLE.size.key)
    large = sty.LargeImage.TILES
    if backend.spec.tiles and max_side > sty.TRANSFER_SIZE:
        large = options.radio(
            "Beyond 384 px", list(sty.LargeImage), format_func=lambda m: m.label, horizontal=True,
            key=STYLE.large.key,
            help="The TFLite transfer network only takes 384×384. Tiles stylize overlapping 384-px pieces "
                 "of the full-size photo and feather them together (sharp); Resize stylizes once and scales up.",
        )

    with result_box:
        paths = [require_model(e) for e in backend.entries]
        if any(p is None for p in paths):
            st.stop()
        fast_stylize(backend, content, style_img, strength, max_side, large)

# --- Gatys mode ----------------------------------------------------------------------------------
else:
    with result_box:
        path = require_model(sty.VGG19_ENTRY)
    if path is None:
        st.stop()

    c1, c2, c3, c4 = options.columns(4)
    iterations = STYLE.iterations.slider("Iterations", container=c1)
    size = STYLE.gatys_size.select_slider("Size (long side, px)", container=c2)
    every = STYLE.every.slider("Preview every N steps", container=c3)
    layers = c4.radio("Layer set", list(sty.LayerSet), format_func=lambda s: s.label, key=STYLE.layers.key,
                      help=" · ".join(f"{s.label}: {s.description}" for s in sty.LayerSet))
    w1, w2, w3, w4 = options.columns(4)
    cw = STYLE.content_w.number_input("Content weight", container=w1, format="%.4g")
    sw = STYLE.style_w.number_input("Style weight", container=w2, format="%.4g")
    tw = STYLE.tv_w.number_input("Total-variation weight", container=w3, format="%.1e")
    lr = STYLE.lr.number_input("Learning rate (Adam)", container=w4, format="%.3f")
    config = sty.GatysConfig(iterations=iterations, content_weight=cw, style_weight=sw, tv_weight=tw,
                             layers=layers, max_side=size, learning_rate=lr, preview_every=every)

    # The buttons belong with the result they start and stop (on a phone too, where the settings come after it).
    b1, b2, _ = result_box.columns([2, 1, 4])
    run = b1.button("Run optimisation", type="primary", key="gatys_run", on_click=STYLE.gatys_run.request)
    # A click during a run makes Streamlit rerun the script, which interrupts the loop at its next
    # progress update; the state saved so far is then shown as the result (a link no longer reruns it).
    b2.button("Stop", key="gatys_stop", help="Ends the run; the image so far is kept.", on_click=STYLE.gatys_run.cancel)

    with result_box:
        gatys = GatysView()  # status line, progress bar, live preview and loss chart
        if run or (STYLE.gatys_run.requested() and not STYLE.gatys_state.in_state()):  # a click, or a link's run
            gatys.run(content, style_img, config)
        else:
            gatys.show_last(iterations, every)
        gatys_result(content)
