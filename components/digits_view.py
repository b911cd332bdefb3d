"""The DCGAN digits page's parts: cached loaders, the restoration inputs and action, and the result blocks."""

from __future__ import annotations

import hashlib
import random
from typing import Any

import numpy as np
import streamlit as st

from components.digits_settings import ANY, GAN, SOURCES
from components.digits_settings import View as View
from components.display import Size, show
from components.feedback import bad_input
from components.image_input import image_uploader
from components.jobs import run_heavy
from components.results import download_name, download_png
from components.share import from_link, not_in_link
from components.status import require_model, timing_badge
from models import digits as dcgan
from models.digits import guesser as digit_guesser
from models.digits import judge as digit_judge
from models.digits import mnist
from models.digits.masks import MaskPreset
from models.errors import VisionError
from models.imaging import decode_image
from models.inpainting import read_mask
from models.runtime import timed

SCALE = 4  # on-screen enlargement of 28-px digits
MNIST_TEST = ("mnist_test_images", "mnist_test_labels")
PRESETS = [p.value for p in MaskPreset]


# --- loaders ---------------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the DCGAN discriminator…")
def load_discriminator():
    # In-process restoration only: served (VISION_SERVE_ADDRESS), restoration runs on the model server.
    return dcgan.load_discriminator()


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


def weights_present() -> bool:
    """True when the generator, judge and guesser weights (shipped with the repository) are all there."""
    return all(p.exists() for p in (dcgan.GENERATOR_WEIGHTS, digit_judge.JUDGE_WEIGHTS, digit_guesser.GUESSER_WEIGHTS))


def verdict(judge, digits: np.ndarray) -> list[str]:
    """One markdown line per digit: the judge's reading and its probability."""
    p = judge.probabilities(digits)
    return [f"judge: **{k}** ({100 * p[i, k]:.0f} %)" for i, k in enumerate(p.argmax(1))]


def surprise() -> None:
    """ "Surprise me": a random seed and digit (a button callback, so it may overwrite the widgets' state)."""
    GAN.seed.set(random.randrange(0, 1_000_000))
    GAN.digit.set(random.choice([ANY, *range(10)]))


# --- generate --------------------------------------------------------------------------------------
def show_generation(
    images: np.ndarray,
    labels: np.ndarray,
    pred: np.ndarray,
    seed: int,
    digit_choice: Any,
    cols: int,
    ms: dict[str, float],
) -> None:
    """The sheet of generated digits, the judge's agreement, a download and the disagreements."""
    sheet = dcgan.grid(images, cols, scale=SCALE)
    wrong = np.flatnonzero(pred != labels)
    left, right = st.columns([3, 2])
    framed = f" · red frame: the judge read another digit ({len(wrong)})" if len(wrong) else ""
    show(
        dcgan.mark_cells(sheet, wrong, cols, scale=SCALE),
        caption=f"{cols * cols} generated digits · seed {seed}{framed}",
        size=Size.FILL,
        where=left,
    )
    with right:
        agree = int((pred == labels).sum())
        st.metric("Judge agrees with the requested digit", f"{agree} / {len(labels)}")
        download_png(
            sheet,
            download_name(f"dcgan_seed{seed}", f"digits_{digit_choice}", "png"),
            label="⬇️ Download grid PNG",
            key="gan_download",
        )
        timing_badge(ms)
        # Optional details last, so the elements above keep their place across reruns (no stale copies).
        if digit_choice == ANY:
            st.caption("Requested digits, row by row:")
            st.code("\n".join(" ".join(str(v) for v in labels[r * cols : (r + 1) * cols]) for r in range(cols)))
        if len(wrong):
            st.caption(
                "Disagreements (requested → judge): "
                + ", ".join(f"#{i + 1}: {labels[i]}→{pred[i]}" for i in wrong[:12])
            )


# --- interpolate -----------------------------------------------------------------------------------
def show_interpolation(
    frames: np.ndarray, judge, seed_a: int, seed_b: int, digit_a: int, digit_b: int, steps: int, ms: dict[str, float]
) -> None:
    """The strip of frames, the animation, their downloads and the judge's reading along the path."""
    strip = dcgan.grid(frames, len(frames), scale=SCALE)
    show(strip, caption=f"Seed {seed_a} ({digit_a}) → seed {seed_b} ({digit_b}), {steps} frames", size=Size.FILL)
    gif = dcgan.animation_gif(frames, scale=6)
    a, b = st.columns([1, 3])
    show(gif, caption="Animation", size=Size.DIGIT, where=a)
    with b:
        st.download_button(
            "⬇️ Download animation (GIF)", gif, f"dcgan_interp_{seed_a}_{seed_b}.gif", mime="image/gif", key="interp_gif"
        )
        download_png(
            strip,
            download_name(f"dcgan_seed{seed_a}", f"interpolation_to_seed{seed_b}", "png"),
            label="⬇️ Download strip PNG",
            key="interp_png",
        )
        st.caption("Judge along the path: " + " ".join(str(p) for p in judge.predict(frames)))
        timing_badge(ms)


# --- restore: inputs -------------------------------------------------------------------------------
def pick_digit(source: str) -> tuple[np.ndarray | None, int | None]:
    """The digit to damage (uint8 28×28) from the chosen source, and its true label when known."""
    if source == SOURCES[0]:
        if require_model("mnist_test_images") and require_model("mnist_test_labels"):
            xs, ys, desc = held_out_digits()
            idx = GAN.index.number_input(f"Index (0–{len(xs) - 1})", max_value=min(len(xs) - 1, GAN.index.max))
            truth = int(ys[int(idx)])
            # desc (how the MNIST test set is split) is for the admin; a visitor only needs what the digit is.
            st.caption(f"A handwritten digit from the MNIST test set, never seen in training. True label: **{truth}**.")
            return xs[int(idx)], truth
    elif source == SOURCES[1]:
        from components.mask_canvas import mask_canvas

        st.caption("Draw one digit, large and centred (white on black).")
        drawn = mask_canvas(
            np.zeros((280, 280, 3), np.uint8), key="rest_draw", brush_px=22, colour="#ffffff", max_size=(280, 280)
        )
        if drawn.mask.any():
            return dcgan.normalize_digit(drawn.mask.astype(np.uint8) * 255), None
        if from_link(GAN.source.key):
            not_in_link("The digit", "draw one, or pick a held-out MNIST digit", was="was a drawing")
        else:
            st.info("Draw a digit on the canvas to continue.")
    else:
        up = image_uploader("Image of one digit", "rest_upload")
        if up is None and from_link(GAN.source.key):
            not_in_link("The digit", "upload it again, or pick a held-out MNIST digit")
        if up is not None:
            try:
                return dcgan.normalize_digit(decode_image(up.getvalue(), name=up.name).rgb), None
            except VisionError as exc:
                bad_input(exc)
    return None, None


def _mask_from(mask_mode: str, digit_img: np.ndarray) -> np.ndarray | None:
    if mask_mode in PRESETS:
        mask_seed = GAN.mask_seed.number_input("Mask seed") if mask_mode == MaskPreset.RANDOM_BLOCK_30.value else 0
        return dcgan.preset_mask(MaskPreset(mask_mode), seed=int(mask_seed))
    if mask_mode == "Draw the damage":
        from components.mask_canvas import mask_canvas

        st.caption("Paint over the part to remove.")
        drawn_mask = mask_canvas(
            np.repeat(dcgan.upscale(digit_img, 10)[..., None], 3, -1),
            key="rest_mask_canvas",
            brush_px=40,
            max_size=(280, 280),
        )
        if drawn_mask.mask.any():
            return dcgan.downsample_mask(drawn_mask.mask)
        if from_link(GAN.mask_mode.key):
            not_in_link("The damage", "paint it again, or choose a preset", was="was a drawing")
        else:
            st.info("Paint the damaged region on the digit.")
        return None
    up_mask = image_uploader("Mask image (white = missing)", "rest_mask_upload")
    if up_mask is None and from_link(GAN.mask_mode.key):
        not_in_link("The damage", "upload the mask again, or choose a preset")
    if up_mask is not None:
        try:
            return dcgan.downsample_mask(read_mask(up_mask.getvalue(), up_mask.name), threshold=0.5)
        except VisionError as exc:
            bad_input(exc)
    return None


def pick_mask(mask_mode: str, digit_img: np.ndarray) -> np.ndarray | None:
    """The damage (bool 28×28, True = missing) for the chosen mode; None (with a word why) when unusable."""
    mask = _mask_from(mask_mode, digit_img)
    if mask is not None and not mask.any():
        st.warning("The mask is empty: nothing to restore.")
        return None
    if mask is not None and mask.all():
        st.warning("The mask covers the whole digit: nothing is left to restore from.")
        return None
    if mask is not None:
        show(
            dcgan.tint_mask(digit_img, mask, scale=SCALE),
            caption=f"Masked: {100 * mask.mean():.0f} % of the pixels",
            size=Size.DIGIT_SMALL,
        )
    return mask


# --- restore: action and result --------------------------------------------------------------------
def _input_key(digit_img: np.ndarray, mask: np.ndarray) -> str:
    # The settings too: a result shown is the one its inputs and settings make (a link reruns exactly that).
    settings = repr((GAN.hint.get(), GAN.steps.get())).encode()
    return hashlib.blake2b(digit_img.tobytes() + mask.tobytes() + settings, digest_size=6).hexdigest()


def restored(digit_img: np.ndarray, mask: np.ndarray) -> bool:
    """True when the restoration kept in the session is the one of these inputs and settings."""
    result = GAN.result.get()
    return result is not None and result["key"] == _input_key(digit_img, mask)


def restore(gen, disc, digit_img: np.ndarray, mask: np.ndarray, hint: Any, opt_steps: int, truth: int | None) -> None:
    """Restore the masked digit (DCGAN, as a heavy job; Telea for comparison) into ``GAN.result``."""
    damaged = np.where(mask, 0, digit_img).astype(np.uint8)
    bar = st.progress(0.0, text="Optimising the latent vector…")
    cands = None if hint == "unknown" else [int(hint)]
    cfg = dcgan.RestoreConfig(steps=opt_steps)

    def progress(f: float) -> None:
        bar.progress(f, text=f"Optimising the latent vector… {f:.0%}")

    def _restore():  # a heavy job: through the bounded pool (place in the queue + Cancel while waiting)
        with timed() as t:
            out = dcgan.restore_digits(
                damaged,
                mask,
                cfg,
                cands,
                progress=progress,
                local=lambda: dcgan.restore(
                    gen, disc, damaged, mask, cfg, candidates=cands, guesser=load_guesser(), progress=progress
                ),
            )
        return out, t

    res, t_rest = run_heavy("the restoration", _restore, key="dcgan_restore")
    with timed() as t_tel:
        tel = dcgan.telea(damaged, mask)
    bar.empty()
    tried = (
        [
            (int(c), float(p), float(f))
            for c, p, f in zip(res.candidates[0], res.candidate_prob[0], res.candidate_loss[0])
        ]
        if cands is None
        else []
    )
    GAN.result.set(
        {
            "key": _input_key(digit_img, mask),
            "digit": digit_img,
            "mask": mask,
            "damaged": damaged,
            "restored": res.restored[0],
            "generated": res.generated[0],
            "best": int(res.digit[0]),
            "telea": tel,
            "truth": truth,
            "tried": tried,
            "ms": {"DCGAN restoration": t_rest.ms, "Telea": t_tel.ms},
        }
    )


def show_restoration(judge, digit_img: np.ndarray, mask: np.ndarray) -> None:
    """The last restoration of these inputs side by side with Telea, judged and scored; a word if inputs changed."""
    result = GAN.result.get()
    if result is None:
        return
    if not restored(digit_img, mask):
        st.info("Inputs changed: press **Restore** again.")
        return
    shown = [result["digit"], result["damaged"], result["restored"], result["telea"]]
    names = ["Original", "Damaged", "DCGAN restoration", "OpenCV Telea"]
    verdicts = verdict(judge, np.stack(shown))
    for col, name, im, v in zip(st.columns(4), names, shown, verdicts):
        view = dcgan.tint_mask(im, result["mask"], SCALE) if name == "Damaged" else dcgan.upscale(im, SCALE)
        show(view, caption=name, size=Size.DIGIT, where=col)
        col.markdown(v)
    m = result["mask"]
    mse_gan = dcgan.masked_mse(result["restored"], result["digit"], m)
    mse_tel = dcgan.masked_mse(result["telea"], result["digit"], m)
    c1, c2, c3 = st.columns(3)
    why = (
        "Mean squared pixel error inside the damaged area, against the undamaged digit (0 = perfect; lower is better)."
    )
    c1.metric("Error in the damage, DCGAN", f"{mse_gan:.4f}", help=why)
    c2.metric(
        "Error in the damage, Telea",
        f"{mse_tel:.4f}",
        delta=f"{mse_tel - mse_gan:+.4f} vs DCGAN",
        delta_color="off",
        help=why,
    )
    c3.metric("Best-fitting digit", str(result["best"]))
    if result["tried"]:
        st.caption(
            "Digits tried: "
            + " · ".join(f"**{c}** (guess {100 * p:.0f} %, fit loss {f:.1f})" for c, p, f in result["tried"])
        )
    download_png(
        dcgan.upscale(result["restored"], SCALE),
        download_name("digit", "restored", "png"),
        label="⬇️ Download restored digit",
        key="rest_download",
    )
    timing_badge(result["ms"])
