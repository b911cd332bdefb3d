"""DCGAN digits: sample a conditional DCGAN trained by this project, interpolate, restore damaged digits."""

from __future__ import annotations

import streamlit as st

from components.availability import choose
from components.backends import backend
from components.digits_settings import ANY, GAN, GRIDS, HINTS, MASKS, SOURCES, View
from components.digits_view import (
    MNIST_TEST,
    load_discriminator,
    load_judge,
    pick_digit,
    pick_mask,
    restore,
    restored,
    show_generation,
    show_interpolation,
    show_restoration,
    surprise,
    weights_present,
)
from components.feedback import not_installed, server_unavailable
from components.model_card import model_card
from components.page import page_setup
from components.share import share
from components.status import device_badge
from models import digits as dcgan
from models.backends import is_served
from models.digits.masks import MaskPreset
from models.runtime import timed
from models.serving import InferenceUnavailable

page_setup("DCGAN digits", "🔢")  # first Streamlit call: wide layout, tab title
st.title("🔢 DCGAN digits")
st.write(
    "A class-conditional **DCGAN** trained by this project on MNIST (weights shipped in the repository, so "
    "it works fully offline). A small classifier, also trained here, judges every digit."
)
share("gan", GAN.spec())  # the Share button under the intro, as on every page
device_badge()
model_card("dcgan")

if not weights_present():
    not_installed("The digit generator")  # the weights ship with the repository; README says how to retrain
    st.stop()
gen = backend(dcgan.BACKENDS, dcgan.DigitModel.DCGAN, loading="Loading the DCGAN generator…")
# Served mode (VISION_SERVE_ADDRESS): generation and restoration run on the model server (no discriminator here).
disc = None if is_served(dcgan.BACKENDS, dcgan.DigitModel.DCGAN) else load_discriminator()
try:
    if disc is None:  # served mode: say so at once, in the visitor's words, when the model server is away
        gen.generate(1, 0, 0)
except InferenceUnavailable as exc:
    server_unavailable(exc, retry_key="gan_retry")
    st.stop()
judge = load_judge()

# One view at a time, picked by a radio a link can carry (st.tabs has no state a link could set).
view = st.radio("View", list(View), format_func=lambda v: v.value, horizontal=True, key=GAN.view.key,
                label_visibility="collapsed")

# ------------------------------------------------------------------------------------------- generate
if view is View.GENERATE:
    # Defaults through session state (not widget arguments) so "Surprise me" may overwrite them.
    st.session_state.setdefault(GAN.seed.key, GAN.seed.default)
    st.session_state.setdefault(GAN.digit.key, ANY)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
    digit_choice = c1.selectbox("Digit", [ANY, *range(10)], key=GAN.digit.key,
                                format_func=lambda d: "any digit" if d == ANY else str(d))
    grid_label = c2.selectbox("Grid", list(GRIDS), index=2, key=GAN.grid.key)
    seed = GAN.seed.number_input("Seed", container=c3)
    c4.button("🎲 Surprise me", on_click=surprise, key="gan_surprise", width="stretch")
    psi = GAN.psi.slider("Variety (truncation ψ)",
                     help="Latents are drawn from N(0, ψ²): lower ψ gives cleaner, more typical digits; "
                     "ψ = 1 is the untruncated GAN with the most variety.")
    cols = GRIDS[grid_label]
    digit = None if digit_choice == ANY else int(digit_choice)
    with timed() as t_gen:
        images, labels = gen.with_truncation(psi).generate(cols * cols, digit, int(seed))
    with timed() as t_judge:
        pred = judge.predict(images)
    show_generation(images, labels, pred, seed, digit_choice, cols, {"generator": t_gen.ms, "judge": t_judge.ms})

# ------------------------------------------------------------------------------------------- interpolate
elif view is View.INTERPOLATE:
    st.caption("Walk through the latent space between two seeds (spherical interpolation); the digit label "
               "can morph too.")
    c1, c2, c3, c4, c5 = st.columns(5)
    seed_a = GAN.seed_a.number_input("Seed A", container=c1)
    seed_b = GAN.seed_b.number_input("Seed B", container=c2)
    digit_a = c3.selectbox("Digit at A", list(range(10)), index=3, key=GAN.digit_a.key)
    digit_b = c4.selectbox("Digit at B", list(range(10)), index=8, key=GAN.digit_b.key)
    steps = GAN.frames.slider("Frames", container=c5)
    with timed() as t_int:
        frames = gen.interpolate(int(seed_a), int(seed_b), int(digit_a), int(digit_b), steps=steps)
    show_interpolation(frames, judge, seed_a, seed_b, digit_a, digit_b, steps, {"generator": t_int.ms})

# ------------------------------------------------------------------------------------------- restore
else:
    st.caption("Mask part of a digit and recover it by optimising the DCGAN's latent vector against the pixels "
               "that are left (context loss) while the discriminator still finds it real (prior loss) — "
               "Yeh et al. 2017 — and the digit guesser still reads the result as the chosen digit. "
               "OpenCV Telea inpainting is shown for comparison.")
    left, right = st.columns(2)
    with left:
        source = choose(st.radio, "Digit", SOURCES, lambda s: MNIST_TEST if s == SOURCES[0] else (),
                        horizontal=True, key=GAN.source.key, title_of=lambda s: "The held-out MNIST test set")
        digit_img, truth = pick_digit(source)
    mask = None
    with right:
        mask_mode = st.selectbox("Damage (masked region)", MASKS, index=MASKS.index(MaskPreset.RANDOM_BLOCK_30.value),
                                 key=GAN.mask_mode.key)
        if digit_img is not None:
            mask = pick_mask(mask_mode, digit_img)
        c1, c2 = st.columns(2)
        hint = c1.selectbox("Which digit is it?", HINTS, key=GAN.hint.key,
                            help="Unknown: a small network trained on damaged digits proposes its three best "
                                 "guesses; the GAN restores each and the best fit (weighed with the guess) wins. "
                                 "Naming the digit is faster and more reliable.")
        opt_steps = GAN.steps.slider("Optimisation steps", container=c2)
    go = st.button("🩹 Restore", type="primary", key="rest_go", disabled=digit_img is None or mask is None,
                   on_click=GAN.restore.request)

    if digit_img is not None and mask is not None:
        if go or (GAN.restore.requested() and not restored(digit_img, mask)):  # a click, or a link's restoration
            restore(gen, disc, digit_img, mask, hint, opt_steps, truth)
        show_restoration(judge, digit_img, mask)
