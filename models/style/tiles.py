"""Tiling: run a fixed-size image network over any size by overlapping tiles feathered together."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.style.common import PAD_MODE


def _window(n: int, overlap: int) -> np.ndarray:
    """1-D feathering weights: raised-cosine ramps of length ``overlap`` at both ends, 1 inside."""
    w = np.ones(n, np.float32)
    if overlap > 0:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, overlap + 2, dtype=np.float32)[1:-1])
        w[:overlap] = ramp
        w[-overlap:] = ramp[::-1]
    return w


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride)) + [length - tile]
    return sorted(set(starts))


def tiled(
    fn: Callable[[np.ndarray], np.ndarray],
    image: np.ndarray,
    tile: int,
    overlap: int,
    on_tile: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Apply a fixed-size float image→image function over overlapping tiles and feather the results.

    ``image`` is float HxWx3; sides shorter than ``tile`` are padded first (PAD_MODE) and cropped after.
    """
    h, w = image.shape[:2]
    ph, pw = max(0, tile - h), max(0, tile - w)
    padded = np.pad(image, ((0, ph), (0, pw), (0, 0)), mode=PAD_MODE) if ph or pw else image
    H, W = padded.shape[:2]
    acc = np.zeros((H, W, 3), np.float32)
    weight = np.zeros((H, W, 1), np.float32)
    ys, xs = _starts(H, tile, overlap), _starts(W, tile, overlap)
    done, count = 0, len(ys) * len(xs)
    # Ramps only where a neighbour overlaps; image borders keep full weight (no dark rim).
    for y in ys:
        for x in xs:
            out = fn(padded[y : y + tile, x : x + tile])
            wy = _window(tile, overlap if len(ys) > 1 else 0)
            wx = _window(tile, overlap if len(xs) > 1 else 0)
            if y == ys[0]:
                wy[:overlap] = 1.0
            if y == ys[-1]:
                wy[-overlap:] = 1.0
            if x == xs[0]:
                wx[:overlap] = 1.0
            if x == xs[-1]:
                wx[-overlap:] = 1.0
            wgt = (wy[:, None] * wx[None, :])[..., None]
            acc[y : y + tile, x : x + tile] += out * wgt
            weight[y : y + tile, x : x + tile] += wgt
            done += 1
            if on_tile is not None:
                on_tile(done, count)
    return (acc / np.maximum(weight, 1e-6))[:h, :w]
