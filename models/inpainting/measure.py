"""Measuring an inpainting against the truth: a mean-colour baseline and PSNR over the filled pixels."""

from __future__ import annotations

import math

import numpy as np


def mean_fill(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Baseline: every masked pixel gets the mean colour of the known pixels."""
    out = rgb.copy()
    out[mask] = np.round(rgb[~mask].reshape(-1, 3).mean(axis=0)).astype(np.uint8)
    return out


def psnr(reference: np.ndarray, test: np.ndarray, mask: np.ndarray | None = None) -> float:
    """PSNR in dB over the masked pixels (all pixels when ``mask`` is None), 8-bit peak."""
    a = reference.astype(np.float64)
    b = test.astype(np.float64)
    if mask is not None:
        a, b = a[mask], b[mask]
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * math.log10(255.0**2 / mse)
