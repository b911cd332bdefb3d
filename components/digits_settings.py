"""The DCGAN digits page's settings: every key its widgets, share link and restoration use, each written once here
(pages/3_Digit_GAN.py and components/digits_view.py read them from :data:`GAN`)."""

from __future__ import annotations

from enum import Enum

from components.settings import Choice, Key, Number, PageSettings
from components.share import Action
from models import digits as dcgan
from models.digits.masks import MaskPreset

GRIDS = {"4 × 4": 4, "6 × 6": 6, "8 × 8": 8, "10 × 10": 10}
ANY = "any"
SOURCES = ("Held-out MNIST digit", "Draw a digit", "Upload an image")
MASKS = [p.value for p in MaskPreset] + ["Draw the damage", "Upload a mask"]
HINTS = ["unknown", *range(10)]
_PSI_MIN, _PSI_MAX, _PSI_DEFAULT = dcgan.SPECS[dcgan.DigitModel.DCGAN].truncation
_SEEDS = 2**31 - 1


class View(str, Enum):
    """The page's three views: a radio (st.tabs keeps no state, so a link could not open one)."""

    GENERATE = "🎲 Generate"
    INTERPOLATE = "🔀 Interpolate"
    RESTORE = "🩹 Restore a digit"


class GAN(PageSettings):
    """What a DCGAN digits link carries: the view and every setting of the three; a restoration on screen."""

    view = Choice("gan_view", View)
    # Generate
    digit = Choice("gan_digit", [ANY, *range(10)])
    grid = Choice("gan_grid", list(GRIDS))
    seed = Number("gan_seed", 42, 0, _SEEDS)
    psi = Number("gan_psi", _PSI_DEFAULT, _PSI_MIN, _PSI_MAX, 0.05)
    # Interpolate
    seed_a = Number("interp_a", 1, 0, _SEEDS)
    seed_b = Number("interp_b", 2, 0, _SEEDS)
    digit_a = Choice("interp_from", list(range(10)))
    digit_b = Choice("interp_to", list(range(10)))
    frames = Number("interp_steps", 10, 5, 24)
    # Restore
    source = Choice("rest_source", SOURCES)
    index = Number("rest_index", 0, 0, 9_999)  # the MNIST test set's 10 000 digits (fewer: capped when drawn)
    mask_mode = Choice("rest_mask_mode", MASKS)
    mask_seed = Number("rest_mask_seed", 0, 0, 10_000)
    hint = Choice("rest_hint", HINTS)
    steps = Number("rest_steps", dcgan.RestoreConfig.steps, 50, 400, 50)
    # A restoration on screen travels in a link as rest_done=1 (its inputs: the widgets above): the link reruns it.
    restore = Action("rest_done", (source.key, index.key, mask_mode.key, mask_seed.key, hint.key, steps.key))
    result = Key("rest_result", release="digit restoration")
