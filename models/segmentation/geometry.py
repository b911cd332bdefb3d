"""Geometry of DeepLab's input and output: letterboxing, pixel-centre nearest resize, logits upsampling.

Sizes follow :mod:`models.ops`: arguments ``height, width``, tuples ``(height, width)``.
"""

from __future__ import annotations

import cv2
import numpy as np

from models.ops import resize, scaled_size

# Bilinear upsampling of 21-channel logits costs 84 bytes per output pixel; above this many pixels the
# logits are upsampled to this budget and the class map taken from there by nearest sampling.
LOGITS_UPSAMPLE_MAX_PIXELS = 4_000_000


def letterbox(rgb: np.ndarray, size: int, pad_value: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Letterbox an image into a square canvas.

    (H, W, 3) uint8 scaled into a ``size``×``size`` uint8 canvas at the top-left (long side = ``size``), the
    rest filled with ``pad_value`` (0..255); returns (canvas, valid (height, width) of the image in it).
    """
    h, w = scaled_size(rgb.shape[0], rgb.shape[1], size)
    canvas = np.full((size, size, 3), pad_value, dtype=np.uint8)
    canvas[:h, :w] = resize(rgb, h, w)
    return canvas, (h, w)


def _centre_index(out_len: int, in_len: int) -> np.ndarray:
    # Output pixel i covers [i, i+1); its centre (i + 0.5) lands at (i + 0.5) * in/out in the source.
    idx = ((np.arange(out_len) + 0.5) * (in_len / out_len)).astype(np.int64)
    return np.minimum(idx, in_len - 1)


def resize_nearest(labels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of a label map with pixel-centre alignment (no half-pixel shift)."""
    if labels.shape[:2] == (height, width):
        return labels
    rows = _centre_index(height, labels.shape[0])
    cols = _centre_index(width, labels.shape[1])
    # Two 1-D takes are ~3× faster than one 2-D fancy index on megapixel maps.
    return np.take(np.take(labels, rows, axis=0), cols, axis=1)


def logits_to_class_map(logits: np.ndarray, height: int, width: int) -> np.ndarray:
    """(h, w, C) logits → (height, width) uint8 class map, upsampling the logits bilinearly."""
    th, tw = height, width
    if height * width > LOGITS_UPSAMPLE_MAX_PIXELS:
        th, tw = scaled_size(
            height, width, int(max(height, width) * (LOGITS_UPSAMPLE_MAX_PIXELS / (height * width)) ** 0.5)
        )
    # Bilinear with pixel-centre alignment (cv2's INTER_LINEAR), all 21 channels in one call.
    up = cv2.resize(np.ascontiguousarray(logits, dtype=np.float32), (tw, th), interpolation=cv2.INTER_LINEAR)
    return resize_nearest(up.reshape(th, tw, -1).argmax(axis=-1).astype(np.uint8), height, width)
