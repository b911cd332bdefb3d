"""DCGAN digits: sample a conditional DCGAN trained by this project, interpolate, restore damaged digits."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import streamlit as st

from components.image_input import image_uploader
from components.availability import choose, unavailable
from components.model_card import model_card
from components.jobs import run_heavy
from components.page import page_setup
from components.share import share
from components.results import download_name, download_png
from components.status import device_badge, require_model, timing_badge
from models import digits as dcgan
from models.digits import guesser as digit_guesser
from models.digits import judge as digit_judge
from models.digits import mnist
from models.digits.masks import MaskPreset
from models.errors import VisionError
from models.imaging import decode_image
from models.inpainting import read_mask
from models.runtime import timed
from models.serving import InferenceUnavailable, is_served, maybe_served, restore_digits

GRIDS = {"4 × 4": 4, "6 × 6": 6, "8 × 8": 8, "10 × 10": 10}
ANY = "any"
SCALE = 4  # on-screen enlargement of 28-px digits
SOURCES = ("Held-out MNIST digit", "Draw a digit", "Upload an image")
MNIST_TEST = ("mnist_test_images", "mnist_test_labels")
MASKS = [p.value for p in MaskPreset] + ["Draw the damage", "Upload a mask"]


@st.cache_resource(show_spinner="Loading the DCGAN generator and discriminator…")
def load_gan():
    # Served mode (VISION_SERVE_ADDRESS): generation and restoration run on the model server (no discriminator here).
    if is_served("digits"):
        return maybe_served("digits", None, lambda: dcgan.create(dcgan.DigitModel.DCGAN)), None
    return dcgan.create(dcgan.DigitModel.DCGAN), dcgan.load_discriminator()


@st.cache_resource(show_spinner="Loading the digit guesser…")
def load_guesser():
    return digit_guesser.load()


@st.cache_resource(show_spinner="Loading the digit judge…")
def load_judge():
    return digit_judge.load()


@st.cache_data(show_spinner="Reading held-out MNIST digits…")
def held_out_digits() -> tuple[np.ndarray, np.ndarray, str]:
    split = mnist.load()
    return split.x_held, split.y_held, split.describe()


def verdict(judge, digits: np.ndarray) -> list[str]:
    logits = judge.logits(digits)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    return [f"judge: **{k}** ({100 * p[i, k]:.0f} %)" for i, k in enumerate(p.argmax(1))]


def surprise() -> None:
    st.session_state.gan_seed = random.randrange(0, 1_000_000)
    st.session_state.gan_digit = random.choice([ANY, *range(10)])


page_setup("DCGAN digits", "🔢")  # first Streamlit call: wide layout, tab title
st.title("🔢 DCGAN digits")
st.write(
    "A class-conditional **DCGAN** trained by this project on MNIST (weights shipped in the repository, so "
    "it works fully offline). A small classifier, also trained here, judges every digit."
)
device_badge()
model_card("dcgan")
share("gan", {"gan_digit": [ANY, *range(10)], "gan_grid": list(GRIDS), "gan_seed": int, "gan_psi": float,
              "interp_a": int, "interp_b": int, "interp_from": list(range(10)), "interp_to": list(range(10)),
              "interp_steps": int, "rest_source": list(SOURCES), "rest_index": int,
              "rest_mask_mode": list(MASKS), "rest_mask_seed": int})

if not all(p.exists() for p in (dcgan.GENERATOR_WEIGHTS, digit_judge.JUDGE_WEIGHTS, digit_guesser.GUESSER_WEIGHTS)):
    unavailable("The digit generator")  # the weights ship with the repository; README says how to retrain
    st.stop()
gen, disc = load_gan()
try:
    if disc is None:  # served mode: say so at once, in the visitor's words, when the model server is away
        gen.generate(1, 0, 0)
except InferenceUnavailable as exc:
    st.error(str(exc), icon="🛑")
    st.button("Try again", key="gan_retry")
    st.stop()
judge = load_judge()

tab_gen, tab_interp, tab_restore = st.tabs(["🎲 Generate", "🔀 Interpolate", "🩹 Restore a digit"])

# ------------------------------------------------------------------------------------------- generate
with tab_gen:
    # Defaults through session state (not widget arguments) so "Surprise me" may overwrite them.
    st.session_state.setdefault("gan_seed", 42)
    st.session_state.setdefault("gan_digit", ANY)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
    digit_choice = c1.selectbox("Digit", [ANY, *range(10)], key="gan_digit",
                                format_func=lambda d: "any digit" if d == ANY else str(d))
    grid_label = c2.selectbox("Grid", list(GRIDS), index=2, key="gan_grid")
    seed = c3.number_input("Seed", 0, 2**31 - 1, key="gan_seed")
    c4.button("🎲 Surprise me", on_click=surprise, key="gan_surprise", width="stretch")
    psi = st.slider("Variety (truncation ψ)", *dcgan.SPECS[dcgan.DigitModel.DCGAN].truncation, 0.05, key="gan_psi",
                    help="Latents are drawn from N(0, ψ²): lower ψ gives cleaner, more typical digits; "
                         "ψ = 1 is the untruncated GAN with the most variety.")
    cols = GRIDS[grid_label]
    digit = None if digit_choice == ANY else int(digit_choice)
    with timed() as t_gen:
        images, labels = gen.with_truncation(psi).generate(cols * cols, digit, int(seed))
    with timed() as t_judge:
        pred = judge.predict(images)
    sheet = dcgan.grid(images, cols, scale=SCALE)
    left, right = st.columns([3, 2])
    left.image(sheet, caption=f"{cols * cols} generated digits · seed {seed}", width="stretch")
    with right:
        agree = int((pred == labels).sum())
        st.metric("Judge agrees with the requested digit", f"{agree} / {len(labels)}")
        download_png(sheet, download_name(f"dcgan_seed{seed}", f"digits_{digit_choice}", "png"), label="⬇️ Download grid PNG",
                     key="gan_download")
        timing_badge({"generator": t_gen.ms, "judge": t_judge.ms})
        # Optional details last, so the elements above keep their place across reruns (no stale copies).
        if digit is None:
            st.caption("Requested digits, row by row:")
            st.code("\n".join(" ".join(str(v) for v in labels[r * cols:(r + 1) * cols]) for r in range(cols)))
        wrong = np.flatnonzero(pred != labels)
        if len(wrong):
            st.caption("Disagreements (requested → judge): "
                       + ", ".join(f"#{i + 1}: {labels[i]}→{pred[i]}" for i in wrong[:12]))

# ------------------------------------------------------------------------------------------- interpolate
with tab_interp:
    st.caption("Walk through the latent space between two seeds (spherical interpolation); the digit label "
               "can morph too.")
    c1, c2, c3, c4, c5 = st.columns(5)
    seed_a = c1.number_input("Seed A", 0, 2**31 - 1, 1, key="interp_a")
    seed_b = c2.number_input("Seed B", 0, 2**31 - 1, 2, key="interp_b")
    digit_a = c3.selectbox("Digit at A", list(range(10)), index=3, key="interp_from")
    digit_b = c4.selectbox("Digit at B", list(range(10)), index=8, key="interp_to")
    steps = c5.slider("Frames", 5, 24, 10, key="interp_steps")
    with timed() as t_int:
        frames = gen.interpolate(int(seed_a), int(seed_b), int(digit_a), int(digit_b), steps=steps)
    strip = dcgan.grid(frames, len(frames), scale=SCALE)
    st.image(strip, caption=f"Seed {seed_a} ({digit_a}) → seed {seed_b} ({digit_b}), {steps} frames",
             width="stretch")
    gif = dcgan.animation_gif(frames, scale=6)
    a, b = st.columns([1, 3])
    a.image(gif, caption="Animation", width=168)
    with b:
        st.download_button("⬇️ Download animation (GIF)", gif, f"dcgan_interp_{seed_a}_{seed_b}.gif",
                           mime="image/gif", key="interp_gif")
        download_png(strip, download_name(f"dcgan_seed{seed_a}", f"interpolation_to_seed{seed_b}", "png"), label="⬇️ Download strip PNG",
                     key="interp_png")
        st.caption("Judge along the path: " + " ".join(str(p) for p in judge.predict(frames)))
        timing_badge({"generator": t_int.ms})

# ------------------------------------------------------------------------------------------- restore

with tab_restore:
    st.caption("Mask part of a digit and recover it by optimising the DCGAN's latent vector against the pixels "
               "that are left (context loss) while the discriminator still finds it real (prior loss) — "
               "Yeh et al. 2017 — and the digit guesser still reads the result as the chosen digit. "
               "OpenCV Telea inpainting is shown for comparison.")
    left, right = st.columns(2)
    digit_img: np.ndarray | None = None
    truth: int | None = None
    with left:
        source = choose(st.radio, "Digit", SOURCES, lambda s: MNIST_TEST if s == SOURCES[0] else (),
                        horizontal=True, key="rest_source", title_of=lambda s: "The held-out MNIST test set")
        if source == SOURCES[0]:
            if require_model("mnist_test_images") and require_model("mnist_test_labels"):
                xs, ys, desc = held_out_digits()
                idx = st.number_input(f"Index (0–{len(xs) - 1})", 0, len(xs) - 1, 0, key="rest_index")
                digit_img, truth = xs[int(idx)], int(ys[int(idx)])
                st.caption(f"Never seen in training: {desc}. True label: **{truth}**.")
        elif source == SOURCES[1]:
            from components.mask_canvas import mask_canvas  # the canvas loads only when used

            st.caption("Draw one digit, large and centred (white on black).")
            drawn = mask_canvas(np.zeros((280, 280, 3), np.uint8), key="rest_draw", brush_px=22,
                                colour="#ffffff", max_size=(280, 280))
            if drawn.mask.any():
                digit_img = dcgan.normalize_digit(drawn.mask.astype(np.uint8) * 255)
            else:
                st.info("Draw a digit on the canvas to continue.")
        else:
            up = image_uploader("Image of one digit", "rest_upload")
            if up is not None:
                try:
                    digit_img = dcgan.normalize_digit(decode_image(up.getvalue(), name=up.name).rgb)
                except VisionError as exc:
                    st.error(str(exc))
    mask: np.ndarray | None = None
    with right:
        mask_mode = st.selectbox("Damage (masked region)", MASKS, index=MASKS.index(MaskPreset.RANDOM_BLOCK_30.value),
                                 key="rest_mask_mode")
        if digit_img is not None:
            if mask_mode in [p.value for p in MaskPreset]:
                mask_seed = st.number_input("Mask seed", 0, 10_000, 0, key="rest_mask_seed") \
                    if mask_mode == MaskPreset.RANDOM_BLOCK_30.value else 0
                mask = dcgan.preset_mask(MaskPreset(mask_mode), seed=int(mask_seed))
            elif mask_mode == "Draw the damage":
                from components.mask_canvas import mask_canvas

                st.caption("Paint over the part to remove.")
                drawn_mask = mask_canvas(np.repeat(dcgan.upscale(digit_img, 10)[..., None], 3, -1),
                                         key="rest_mask_canvas", brush_px=40, max_size=(280, 280))
                mask = dcgan.downsample_mask(drawn_mask.mask) if drawn_mask.mask.any() else None
                if mask is None:
                    st.info("Paint the damaged region on the digit.")
            else:
                up_mask = image_uploader("Mask image (white = missing)", "rest_mask_upload")
                if up_mask is not None:
                    try:
                        mask = dcgan.downsample_mask(read_mask(up_mask.getvalue(), up_mask.name), threshold=0.5)
                    except VisionError as exc:
                        st.error(str(exc))
            if mask is not None and not mask.any():
                st.warning("The mask is empty: nothing to restore.")
                mask = None
            elif mask is not None and mask.all():
                st.warning("The mask covers the whole digit: nothing is left to restore from.")
                mask = None
            if mask is not None:
                st.image(dcgan.tint_mask(digit_img, mask, scale=SCALE),
                         caption=f"Masked: {100 * mask.mean():.0f} % of the pixels", width=112)
        c1, c2 = st.columns(2)
        hint = c1.selectbox("Which digit is it?", ["unknown", *range(10)], key="rest_hint",
                            help="Unknown: a small network trained on damaged digits proposes its three best "
                                 "guesses; the GAN restores each and the best fit (weighed with the guess) wins. "
                                 "Naming the digit is faster and more reliable.")
        opt_steps = c2.slider("Optimisation steps", 50, 400, dcgan.RestoreConfig.steps, step=50, key="rest_steps")
    go = st.button("🩹 Restore", type="primary", key="rest_go", disabled=digit_img is None or mask is None)

    if go and digit_img is not None and mask is not None:
        damaged = np.where(mask, 0, digit_img).astype(np.uint8)
        bar = st.progress(0.0, text="Optimising the latent vector…")
        cands = None if hint == "unknown" else [int(hint)]
        cfg = dcgan.RestoreConfig(steps=opt_steps)

        def progress(f: float) -> None:
            bar.progress(f, text=f"Optimising the latent vector… {f:.0%}")

        def _restore():  # a heavy job: through the bounded pool (place in the queue + Cancel while waiting)
            with timed() as t:
                out = restore_digits(damaged, mask, cfg, cands, progress=progress, local=lambda: dcgan.restore(
                    gen, disc, damaged, mask, cfg, candidates=cands, guesser=load_guesser(), progress=progress))
            return out, t
        res, t_rest = run_heavy("the restoration", _restore, key="dcgan_restore")
        with timed() as t_tel:
            tel = dcgan.telea(damaged, mask)
        bar.empty()
        key = hashlib.blake2b(digit_img.tobytes() + mask.tobytes(), digest_size=6).hexdigest()
        st.session_state.rest_result = {"key": key, "digit": digit_img, "mask": mask, "damaged": damaged,
                                        "restored": res.restored[0], "generated": res.generated[0],
                                        "best": int(res.digit[0]), "telea": tel, "truth": truth,
                                        "tried": [(int(c), float(p), float(f)) for c, p, f in
                                                  zip(res.candidates[0], res.candidate_prob[0],
                                                      res.candidate_loss[0])] if cands is None else [],
                                        "ms": {"DCGAN restoration": t_rest.ms, "Telea": t_tel.ms}}

    result = st.session_state.get("rest_result")
    if result is not None and digit_img is not None and mask is not None:
        same = result["key"] == hashlib.blake2b(digit_img.tobytes() + mask.tobytes(), digest_size=6).hexdigest()
        if not same:
            st.info("Inputs changed: press **Restore** again.")
        else:
            shown = [result["digit"], result["damaged"], result["restored"], result["telea"]]
            names = ["Original", "Damaged", "DCGAN restoration", "OpenCV Telea"]
            verdicts = verdict(judge, np.stack(shown))
            for col, name, im, v in zip(st.columns(4), names, shown, verdicts):
                view = dcgan.tint_mask(im, result["mask"], SCALE) if name == "Damaged" else dcgan.upscale(im, SCALE)
                col.image(view, caption=name, width=168)
                col.markdown(v)
            m = result["mask"]
            mse_gan = dcgan.masked_mse(result["restored"], result["digit"], m)
            mse_tel = dcgan.masked_mse(result["telea"], result["digit"], m)
            c1, c2, c3 = st.columns(3)
            c1.metric("Masked-region MSE, DCGAN", f"{mse_gan:.4f}")
            c2.metric("Masked-region MSE, Telea", f"{mse_tel:.4f}", delta=f"{mse_tel - mse_gan:+.4f} vs DCGAN",
                      delta_color="off")
            c3.metric("Best-fitting digit", str(result["best"]))
            if result["tried"]:
                st.caption("Digits tried: " + " · ".join(
                    f"**{c}** (guess {100 * p:.0f} %, fit loss {f:.1f})" for c, p, f in result["tried"]))
            download_png(dcgan.upscale(result["restored"], SCALE), download_name("digit", "restored", "png"),
                         label="⬇️ Download restored digit", key="rest_download")
            timing_badge(result["ms"])
