"""The style-transfer capability's registration."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.capabilities import THUMB, Holdings, Page, Registration
from models.imaging import fit_within, read_image
from models.registry import Capability
from models.samples import photo_or_sample
from models.style.choices import SPECS, Backend
from models.style.common import VGG19_ENTRY
from models.style.magenta import MagentaTFLite

EXAMPLE_STYLE = "style_starry_night"


def example(store: Holdings) -> tuple[np.ndarray, bool]:
    """Grace Hopper in the Starry Night's style (the fp16 TFLite pair)."""
    content = fit_within(read_image(str(photo_or_sample(store, "photo_grace_hopper", "astronaut.png"))).rgb, THUMB)
    backend = Backend.TFLITE_FP16
    if not all(store.has(e) for e in backend.entries) or not store.has(EXAMPLE_STYLE):
        return content, False
    model = MagentaTFLite.from_paths(*(store.path(e) for e in backend.entries))
    style = read_image(str(store.path(EXAMPLE_STYLE))).rgb
    return fit_within(model.stylize(content, style, 1.0, 384).image, THUMB), True


def ready(present: Callable[[str], bool]) -> bool:
    """A Magenta network with all its files, or the VGG19 weights (Gatys alone)."""
    networks = any(all(present(e) for e in spec.entries) for spec in SPECS.values())
    return networks or present(VGG19_ENTRY)


CAPABILITY = Registration(
    name=Capability.STYLE,
    pages=(
        Page(
            "pages/4_Style_Transfer.py",
            "🖌️",
            "Style transfer",
            "Repaints a photo in the style of a famous painting, as strongly as you like.",
            "components.style_settings",
        ),
    ),
    defaults=("magenta_predict_int8", "magenta_transfer_f16", "photo_grace_hopper", EXAMPLE_STYLE),
    example=example,
    example_needs=("magenta_predict_int8", "magenta_transfer_f16", "photo_grace_hopper", EXAMPLE_STYLE),
    fallback="astronaut.png",
    served=True,
    ready=ready,
    order=20,
)
