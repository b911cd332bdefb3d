"""The DCGAN digits capability's registration (the committed generator: it needs nothing from the store)."""

from __future__ import annotations

import numpy as np

from models.capabilities import THUMB, Holdings, Page, Registration
from models.digits.display import grid
from models.digits.gan import DEFAULT_TRUNCATION, load_generator
from models.imaging import fit_within
from models.registry import Capability


def example(store: Holdings) -> tuple[np.ndarray, bool]:
    """A sheet of 24 invented digits."""
    gen = load_generator()
    images, _ = gen.with_truncation(DEFAULT_TRUNCATION).generate(24, None, 7)
    sheet = np.asarray(grid(images, 8, scale=2))
    if sheet.ndim == 2:
        sheet = np.repeat(sheet[..., None], 3, -1)
    return fit_within(sheet.astype(np.uint8), THUMB), True


CAPABILITY = Registration(
    name=Capability.DCGAN,
    pages=(
        Page(
            "pages/3_Digit_GAN.py",
            "🔢",
            "DCGAN digits",
            "Invents handwritten digits that never existed, morphs between them and repairs damaged ones.",
            "components.digits_settings",
        ),
    ),
    defaults=("mnist_test_images", "mnist_test_labels"),
    example=example,
    fallback="coffee.png",
    served=True,
    order=50,
)
