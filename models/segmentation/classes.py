"""PASCAL VOC classes, their colours, and the :class:`Segmentation` result (class map + per-class shares)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from models.segmentation.geometry import resize_nearest

# PASCAL VOC class names in model index order; used when the labels file is not in the store.
VOC_CLASSES: tuple[str, ...] = (
    "background",
    "aeroplane",
    "bicycle",
    "bird",
    "boat",
    "bottle",
    "bus",
    "car",
    "cat",
    "chair",
    "cow",
    "diningtable",
    "dog",
    "horse",
    "motorbike",
    "person",
    "pottedplant",
    "sheep",
    "sofa",
    "train",
    "tvmonitor",
)
NUM_CLASSES = len(VOC_CLASSES)
BACKGROUND = 0
PERSON = VOC_CLASSES.index("person")


def voc_palette(n: int = 256) -> np.ndarray:
    """The standard PASCAL VOC colour map (bit-interleaved), (n, 3) uint8; class 0 is black."""
    palette = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        palette[i] = (r, g, b)
    return palette


PALETTE = voc_palette()


def hex_colour(index: int, palette: np.ndarray = PALETTE) -> str:
    """The colour of class ``index`` in ``palette`` ((256, 3) uint8; VOC's by default) as "#rrggbb"."""
    r, g, b = palette[index]
    return f"#{r:02x}{g:02x}{b:02x}"


def palette_of(colours: Iterable[Iterable[int]]) -> np.ndarray:
    """(256, 3) uint8 palette with ``colours`` (R, G, B in 0..255) for the first class ids, black for the rest."""
    palette = np.zeros((256, 3), dtype=np.uint8)
    rows = [tuple(c) for c in colours]
    if rows:
        palette[: len(rows)] = np.asarray(rows, dtype=np.uint8)
    return palette


# --- results ---------------------------------------------------------------------------------------
# A class is listed in the legend only when it covers at least this share of the image. DeepLab decides on a
# grid of output-stride-16 cells (33×33 at 513 px), each about 0.1 % of the image, and bilinear upsampling
# smears each decision over its neighbours: a class owning under five cells' worth of pixels is a fringe of a
# boundary or a stray decision (the "sheep 0.0 %" from 14 px, "cat 0.2 %" on a photo without a cat),
# not an object a person would name. 0.5 % is still a 36×36-px object at 513 px, a 140×140-px one at 2048.


MIN_LEGEND_SHARE = 0.005


@dataclass(frozen=True)
class ClassShare:
    """How much of the image one class covers."""

    index: int
    name: str
    pixels: int
    share: float  # of all pixels, 0..1
    colour: str  # "#rrggbb"


@dataclass
class Segmentation:
    """A class map with its class set: names, colours and which id (if any) is the background.

    The class set belongs to the model (VOC's 21 by default; a CamVid model has 11 and no background).
    """

    class_map: np.ndarray  # (H, W) uint8 class ids, same size as the input image
    labels: tuple[str, ...]
    model: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    palette: np.ndarray = field(default_factory=lambda: PALETTE)  # (256, 3) uint8 colour per class id
    background: int | None = BACKGROUND  # the id left uncoloured in overlays; None when every class is a thing

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the class map."""
        h, w = self.class_map.shape
        return h, w

    @cached_property
    def counts(self) -> np.ndarray:
        """Pixels per class id (256 bins); computed once, the legend asks several times per rerun."""
        return cv2.calcHist([self.class_map], [0], None, [256], [0, 256]).ravel().astype(np.int64)

    def shares(self, include_background: bool = True) -> list[ClassShare]:
        """Classes present, largest first, with their pixel share."""
        counts = self.counts
        total = int(self.class_map.size)
        out = [
            ClassShare(i, self.labels[i], int(n), n / total, hex_colour(i, self.palette))
            for i, n in enumerate(counts[: len(self.labels)])
            if n and (include_background or i != self.background)
        ]
        return sorted(out, key=lambda s: -s.pixels)

    def present(self) -> list[int]:
        """Class ids present (largest first), background included."""
        return [s.index for s in self.shares()]

    def found(self, min_share: float = MIN_LEGEND_SHARE) -> tuple[list[ClassShare], list[ClassShare]]:
        """Foreground classes split into (listed, traces).

        ``listed`` cover at least ``min_share`` (0..1) of the pixels, largest first; ``traces`` are the rest (a few
        stray pixels, not an object).
        """
        fg = self.shares(include_background=False)
        return [s for s in fg if s.share >= min_share], [s for s in fg if s.share < min_share]

    def resized(self, height: int, width: int) -> Segmentation:
        """The same result at (height, width).

        The class map enlarged (or reduced) nearest-neighbour, so every pixel keeps a class id the model gave
        (no blended ids). Used for downloads at the uploaded size.
        """
        if self.class_map.shape == (height, width):
            return self
        return Segmentation(
            resize_nearest(self.class_map, height, width),
            self.labels,
            self.model,
            dict(self.timings_ms),
            self.palette,
            self.background,
        )

    def mask(self, classes: Iterable[int]) -> np.ndarray:
        """(H, W) bool mask of the pixels of ``classes``."""
        return class_mask(self.class_map, classes)

    def dominant_foreground(self) -> int | None:
        """The largest non-background class id, None when only background is present."""
        fg = self.shares(include_background=False)
        return fg[0].index if fg else None


def class_mask(class_map: np.ndarray, classes: Iterable[int]) -> np.ndarray:
    """(H, W) bool mask of the pixels whose class id (uint8 map) is one of ``classes``."""
    lut = np.zeros(256, dtype=np.uint8)
    lut[list(classes)] = 1
    return cv2.LUT(np.ascontiguousarray(class_map, dtype=np.uint8), lut).view(bool)
