"""The inpainting capability's registration (OpenCV: it needs nothing from the store)."""

from __future__ import annotations

import numpy as np

from models.capabilities import THUMB, Holdings, Page, Registration
from models.imaging import fit_within, read_image
from models.inpainting.common import Method
from models.inpainting.fill import inpaint
from models.registry import Capability
from models.samples import skimage_data_dir


def example(store: Holdings) -> tuple[np.ndarray, bool]:
    """Scratches across the cat photo: the left half damaged, the right half filled in."""
    import cv2  # noqa: PLC0415

    rgb = fit_within(read_image(str(skimage_data_dir() / "chelsea.png")).rgb, THUMB)
    mask = np.zeros(rgb.shape[:2], np.uint8)
    h, w = rgb.shape[:2]
    for i in range(5):  # scratches across the photo
        y0 = int(h * (0.15 + 0.17 * i))
        cv2.line(mask, (int(w * 0.05), y0), (int(w * 0.95), y0 + int(h * 0.08)), 255, 4)
    damaged = rgb.copy()
    damaged[mask > 0] = (255, 255, 255)
    fixed = inpaint(damaged, mask > 0, Method.TELEA).image
    half = w // 2
    out = fixed.copy()
    out[:, :half] = damaged[:, :half]  # left: damaged, right: filled
    out[:, half - 1 : half + 1] = (255, 255, 255)
    return out, True


CAPABILITY = Registration(
    name=Capability.INPAINTING,
    pages=(
        Page(
            "pages/2_Inpainting.py",
            "🩹",
            "Inpainting",
            "Paint over scratches or a small object and let the photo fill the gap in.",
            "components.inpainting_settings",
        ),
    ),
    example=example,
    fallback="chelsea.png",
    order=15,
)
