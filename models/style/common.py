"""Style transfer constants, option enums and the image helpers every style backend shares.

Sizes: :func:`output_size` and :func:`resize` keep the (width, height) order their callers have always used;
everything new uses :mod:`models.ops` (height, width).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Final

import numpy as np
from PIL import Image

from models.errors import InputError
from models.ops import resize_lanczos, scaled_size

STYLE_SIZE = 256  # the prediction network's (and the hub model's recommended) style input
TRANSFER_SIZE = 384  # the TFLite transfer network's fixed content size
# How a tile (or a whole image up to 384 px) shorter than the network's square is filled before stylizing (and
# cropped after): numpy.pad's "edge" (repeat the border pixels). Measured on the strength-curve test (3 photos ×
# 3 styles): "reflect", "symmetric" and "wrap" each broke one near-tie there (e.g. edge correlation 0.589 → 0.591
# from strength 0 to 0.25 on cat.jpg); "edge" kept every curve monotonic.
PAD_MODE: Final = "edge"
BOTTLENECK_SHAPE = (1, 1, 1, 100)


PREDICT_ENTRY = "magenta_predict_int8"
SAVED_MODEL_ENTRY = "magenta_style_savedmodel"
VGG19_ENTRY = "vgg19_notop"


class LargeImage(str, Enum):
    """How the fixed-384 TFLite network makes outputs larger than 384 px."""

    TILES = "tiles"  # overlapping 384-px tiles at full resolution, feathered together
    RESIZE = "resize"  # one 384-px pass (aspect kept, mirrored padding to the square), resized up

    @property
    def label(self) -> str:
        """The choice's name for people."""
        return {
            "TILES": "Tiles (sharp, slower)",
            "RESIZE": "Resize (one pass, softer)",
        }[self.name]


def to_float(rgb: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """(H, W, 3) uint8 → float32 [1, h, w, 3] in [0, 1]; ``size`` = (width, height) to resize to first (bilinear)."""
    if size is not None and (rgb.shape[1], rgb.shape[0]) != size:
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))
    return (rgb.astype(np.float32) / 255.0)[None]


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] ((H, W, 3) or [1, H, W, 3]) → (H, W, 3) uint8, clipped and rounded."""
    x = np.asarray(x)
    if x.ndim == 4:
        x = x[0]
    return (np.clip(x, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Lanczos resize to (width, height): :func:`models.ops.resize_lanczos` with this module's argument order."""
    return resize_lanczos(rgb, height, width)


def centre_square(rgb: np.ndarray) -> np.ndarray:
    """The largest centred square of an (H, W, C) image (a view, same dtype): what the style network sees."""
    h, w = rgb.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return rgb[top : top + side, left : left + side]


def output_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(w, h) with the long side = ``max_side`` px (up or down), aspect ratio kept.

    :func:`models.ops.scaled_size` in (width, height) order.
    """
    h, w = scaled_size(height, width, max_side)
    return w, h


def blend_bottlenecks(style_b: np.ndarray, content_b: np.ndarray, strength: float) -> np.ndarray:
    """strength·style + (1−strength)·content, float32 (1, 1, 1, 100): the Magenta way to dial the style down.

    Raises :class:`models.errors.InputError` when ``strength`` is outside [0, 1].
    """
    check_strength(strength)
    return (strength * style_b + (1.0 - strength) * content_b).astype(np.float32)


def check_strength(strength: float) -> None:
    """Raise :class:`models.errors.InputError` unless 0 ≤ ``strength`` ≤ 1."""
    if not 0.0 <= strength <= 1.0:
        raise InputError(f"strength must be within [0, 1], got {strength}")


@dataclass
class StyleResult:
    """A stylized image with timings in ms and notes for a person."""

    image: np.ndarray  # uint8 HxWx3
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
