"""Masks of missing pixels for 28×28 digits (True = missing): presets, random blocks, and masks drawn larger."""

from __future__ import annotations

from enum import Enum

import numpy as np


class MaskPreset(str, Enum):
    """The missing-pixel masks a visitor can pick for a 28×28 digit."""

    TOP_HALF = "top half"
    BOTTOM_HALF = "bottom half"
    LEFT_HALF = "left half"
    RIGHT_HALF = "right half"
    CENTRE_BLOCK = "centre block"
    RANDOM_BLOCK_30 = "random 30 % block"


def block_mask(rng: np.random.Generator, fraction: float = 0.3, size: int = 28) -> np.ndarray:
    """A random rectangle covering ``fraction`` of the image, kept inside the 20x20 box where MNIST ink is."""
    area = fraction * size * size
    h = int(rng.integers(12, 20))
    w = int(round(area / h))
    w = min(w, 22)
    h = int(round(area / w))
    y0 = int(rng.integers(3, size - 3 - h + 1))
    x0 = int(rng.integers(3, size - 3 - w + 1))
    m = np.zeros((size, size), bool)
    m[y0 : y0 + h, x0 : x0 + w] = True
    return m


def preset_mask(preset: MaskPreset, seed: int = 0, size: int = 28) -> np.ndarray:
    """True = missing pixel."""
    m = np.zeros((size, size), bool)
    half = size // 2
    if preset is MaskPreset.TOP_HALF:
        m[:half] = True
    elif preset is MaskPreset.BOTTOM_HALF:
        m[half:] = True
    elif preset is MaskPreset.LEFT_HALF:
        m[:, :half] = True
    elif preset is MaskPreset.RIGHT_HALF:
        m[:, half:] = True
    elif preset is MaskPreset.CENTRE_BLOCK:
        m[9:19, 8:20] = True
    else:
        m = block_mask(np.random.default_rng(seed), 0.3, size)
    return m


def downsample_mask(mask: np.ndarray, size: int = 28, threshold: float = 0.3) -> np.ndarray:
    """A mask drawn on an enlarged view -> size x size; a cell is masked when >= ``threshold`` of it is painted."""
    import cv2

    m = np.asarray(mask, np.float32)
    if m.shape == (size, size):
        return m > 0.5
    return cv2.resize(m, (size, size), interpolation=cv2.INTER_AREA) >= threshold
