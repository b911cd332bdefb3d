"""What every digit model shares: the weights folder, the number of classes, one-hot labels, augmentation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

# Weights this project trains itself, committed with the code.
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
NUM_CLASSES = 10  # MNIST digits 0-9


def onehot(labels: Sequence[int] | np.ndarray) -> np.ndarray:
    """(N,) int digits 0-9 -> (N, 10) float32 one-hot rows."""
    labels = np.asarray(labels, dtype=np.int64)
    return np.eye(NUM_CLASSES, dtype=np.float32)[labels]


def shift(x: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Random shift augmentation of a digit batch.

    A batch (N, 28, 28[, C]) moved by one random whole-pixel offset of at most ``max_shift`` in x and y,
    zero-filled (training augmentation: MNIST digits are centred only roughly).
    """
    out = np.zeros_like(x)
    dx, dy = rng.integers(-max_shift, max_shift + 1, size=2)
    src = x[:, max(0, -dy) : 28 - max(0, dy), max(0, -dx) : 28 - max(0, dx)]
    out[:, max(0, dy) : max(0, dy) + src.shape[1], max(0, dx) : max(0, dx) + src.shape[2]] = src
    return out
