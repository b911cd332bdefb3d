"""One-click inpainting examples: a photo with a preset mask, so the page's first screen shows a result.

Built from the photos that ship inside the scikit-image wheel (no download, no store), deterministic (seeded), so
the same example always gives the same mask:

- **Scratches**: thin bright scratches drawn over the astronaut portrait, the mask is exactly the scratches —
  what OpenCV's Telea / Navier–Stokes methods are made for (thin holes filled from the border inwards).
- **Caption**: a white caption burned into the cat photo, the mask is the lettering grown by 2 px.
- **Object**: the lightning mast right of the rocket (``rocket.jpg``), a tall thin object against the evening
  sky: an object-sized hole, where border-inward methods start to smear.

    from models.inpainting.examples import Example, example
    ex = example(Example.SCRATCHES)        # ex.damaged (H, W, 3) uint8, ex.mask (H, W) bool, ex.original
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import cv2
import numpy as np

from models.imaging import read_image
from models.samples import skimage_data_dir


class Example(Enum):
    """The built-in inpainting examples."""

    SCRATCHES = "scratches"
    CAPTION = "caption"
    OBJECT = "object"

    @property
    def title(self) -> str:
        """The example's name for people."""
        return {
            Example.SCRATCHES: "Scratched photo",
            Example.CAPTION: "Caption over a photo",
            Example.OBJECT: "Remove an object (the mast)",
        }[self]

    @property
    def blurb(self) -> str:
        """One sentence on what the example shows."""
        return {
            Example.SCRATCHES: "Thin scratches over a portrait: the classical methods' home ground.",
            Example.CAPTION: "Burned-in text: the letters are removed and the fur continued.",
            Example.OBJECT: "A whole object against the sky: large holes are harder, compare the methods.",
        }[self]


@dataclass(frozen=True)
class InpaintExample:
    """A built-in example: the damaged photo, the mask to fill and the undamaged original."""

    kind: Example
    damaged: np.ndarray  # (H, W, 3) uint8: the photo as the visitor gets it (scratches / caption drawn in)
    mask: np.ndarray  # (H, W) bool, True = fill
    original: np.ndarray  # (H, W, 3) uint8: the photo before damage (the truth under the scratches / caption)
    source_name: str  # file name of the scikit-image photo


def _scratches(rgb: np.ndarray, seed: int = 17, n: int = 14) -> tuple[np.ndarray, np.ndarray]:
    """Thin curved scratches (1–3 px, light grey) at seeded random places."""
    rng = np.random.default_rng(seed)
    h, w = rgb.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    for _ in range(n):
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        angle, length = rng.uniform(0, np.pi), rng.uniform(0.2, 0.6) * max(h, w)
        bend = rng.uniform(-0.25, 0.25)
        t = np.linspace(0, 1, 40)
        xs = x0 + np.cos(angle + bend * t) * length * t
        ys = y0 + np.sin(angle + bend * t) * length * t
        pts = np.stack([xs, ys], 1).round().astype(np.int32)
        cv2.polylines(mask, [pts], False, 255, int(rng.integers(1, 4)), cv2.LINE_8)
    damaged = rgb.copy()
    damaged[mask > 0] = (235, 232, 225)
    return damaged, mask > 0


def _caption(rgb: np.ndarray, text: str = "CHELSEA 2026") -> tuple[np.ndarray, np.ndarray]:
    """White lettering in the lower left (over fur, clear of the eyes and the nose)."""
    h, w = rgb.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    scale = w / 600
    org = (round(0.04 * w), h - round(0.06 * h))
    cv2.putText(mask, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, 255, max(1, round(2 * scale)), cv2.LINE_AA)
    letters = mask > 96
    damaged = rgb.copy()
    damaged[letters] = 255
    grown = cv2.dilate(letters.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))) > 0
    return damaged, grown


# The right-hand lightning mast of rocket.jpg (640×427): its thin pole, then the lattice tower to the ground.
_MAST = np.array(
    [[439, 106], [453, 106], [455, 196], [470, 206], [474, 427], [428, 427], [432, 206], [438, 196]], np.int32
)


@lru_cache(maxsize=3)
def example(kind: Example) -> InpaintExample:
    """The example photo, its preset mask and the undamaged original (cached: a few hundred kB each)."""
    if kind is Example.SCRATCHES:
        original = read_image(skimage_data_dir() / "astronaut.png").rgb
        damaged, mask = _scratches(original)
        name = "astronaut.png"
    elif kind is Example.CAPTION:
        original = read_image(skimage_data_dir() / "chelsea.png").rgb
        damaged, mask = _caption(original)
        name = "chelsea.png"
    else:
        original = read_image(skimage_data_dir() / "rocket.jpg").rgb
        m = np.zeros(original.shape[:2], np.uint8)
        cv2.fillPoly(m, [_MAST], 255)
        damaged, mask, name = original, m > 0, "rocket.jpg"
    for a in (damaged, mask, original):
        a.setflags(write=False)  # shared by every session through the cache
    return InpaintExample(kind, damaged, mask, original, name)
