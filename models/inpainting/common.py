"""Inpainting constants, options and results, and the mask error."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np

from models.errors import InputError

DEFAULT_RADIUS = 3
# Masks covering more than this share of the image are refused: nothing is left to fill them from.
MAX_MASK_FRACTION = 0.95
# Above this share, results get poor; say so.
WARN_MASK_FRACTION = 0.5
# Uploaded masks whose aspect ratio differs from the image's by at most this much are resized to fit.
ASPECT_TOLERANCE = 0.02


class MaskError(InputError):
    """A mask that cannot be used; the message says why in plain words."""


class Method(str, Enum):
    """OpenCV's inpainting algorithms: Telea's fast marching or Navier–Stokes."""

    TELEA = "telea"
    NS = "ns"

    @property
    def title(self) -> str:  # type: ignore[override]  # the method's name, not str.title()
        """The method's name for people."""
        return {Method.TELEA: "Telea", Method.NS: "Navier–Stokes"}[self]

    @property
    def flag(self) -> int:
        """OpenCV's ``cv2.INPAINT_*`` flag."""
        return {Method.TELEA: cv2.INPAINT_TELEA, Method.NS: cv2.INPAINT_NS}[self]


class Strategy(str, Enum):
    """How the mask is handed to OpenCV: the whole frame, or crops around its clusters."""

    FULL = "full"  # one cv2.inpaint call on the whole frame
    # One call per cluster of mask pixels on a box around it (tiles for long sparse clusters), pasted
    # back; falls back to one full-frame call when the cost model says that is cheaper.
    CROP = "crop"


@dataclass(frozen=True)
class InpaintOptions:
    """Inpainting settings: neighbourhood radius, mask dilation and strategy."""

    radius: int = DEFAULT_RADIUS  # neighbourhood (px) each filled pixel is computed from
    dilation: int = 0  # grow the mask by this many px first (covers anti-aliased stroke edges, halos)
    strategy: Strategy = Strategy.CROP


@dataclass
class InpaintResult:
    """An inpainted image with the time it took and the regions processed."""

    method: Method
    image: np.ndarray  # (H, W, 3) uint8, same size as the input
    ms: float
    regions: list[tuple[int, int, int, int]]  # boxes (x0, y0, x1, y1) actually processed
    processed_pixels: int  # pixels handed to OpenCV (the whole frame for Strategy.FULL)
