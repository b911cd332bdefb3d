"""The Style transfer page's settings: every key its widgets, share link and results use, each written once here
(pages/4_Style_Transfer.py and components/style_view.py read them from :data:`STYLE`)."""

from __future__ import annotations

from enum import Enum

from components.settings import Choice, Image, Key, Number, PageSettings
from components.share import Action
from models import style as sty
from models.samples import SampleKind

SIZES = [256, 384, 512, 768, 1024]
GATYS_SIZES = [128, 192, 256, 384]


class Mode(str, Enum):
    FAST = "Fast — Magenta arbitrary stylization"
    GATYS = "Gatys optimisation — VGG19"


class STYLE(PageSettings):
    """What a Style transfer link carries: the method, both pictures, every setting of both methods and a Gatys
    run on screen; and the results kept in the session."""

    mode = Choice("style_mode", Mode)
    content = Image("style_content")
    style = Image("style_style", SampleKind.STYLE)
    # Fast
    backend = Choice("style_backend", sty.Backend)
    strength = Number("style_strength", 1.0, 0.0, 1.0, 0.05)
    size = Choice("style_size", SIZES)
    large = Choice("style_large", sty.LargeImage)
    # Gatys
    gatys_size = Choice("gatys_size", GATYS_SIZES, default=256)
    layers = Choice("gatys_layers", sty.LayerSet)
    iterations = Number("gatys_iterations", 100, 10, 500, 10)
    every = Number("gatys_every", 10, 1, 50)
    content_w = Number("gatys_cw", 0.025, 0.0, 1e3)
    style_w = Number("gatys_sw", 1.0, 0.0, 1e3)
    tv_w = Number("gatys_tw", 1e-4, 0.0, 1.0, 1e-5)
    lr = Number("gatys_lr", 0.02, 0.001, 0.5)
    # A finished run travels as gatys_done=1 (its inputs: the method, both pictures, the Gatys settings): a link
    # reruns it.
    gatys_run = Action(
        "gatys_done",
        (
            mode.key,
            content.source,
            content.sample,
            style.source,
            style.sample,
            gatys_size.key,
            layers.key,
            *(n.key for n in (iterations, every, content_w, style_w, tv_w, lr)),
        ),
    )
    result = Key("style_result", release="stylization")  # the Fast result (uint8 RGB)
    gatys_state = Key("gatys_state", release="gatys run")  # image, step, total, history, stopped, ms_per_step
