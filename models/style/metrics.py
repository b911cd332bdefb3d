"""Image-quality measures used by the style tests and bench: structure kept (edges) and palette moved (Lab)."""

from __future__ import annotations

import numpy as np

from models.style.common import resize


def edge_map(rgb: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of the luminance, float32 HxW."""
    from skimage.color import rgb2gray
    from skimage.filters import sobel

    return sobel(rgb2gray(rgb)).astype(np.float32)


def edge_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of the two edge maps (``b`` resized to ``a``): 1 = same structure, 0 = none."""
    b = resize(b, a.shape[1], a.shape[0])
    ea, eb = edge_map(a).ravel(), edge_map(b).ravel()
    return float(np.corrcoef(ea, eb)[0, 1])


def colour_stats(rgb: np.ndarray) -> np.ndarray:
    """Mean and standard deviation of L*, a*, b* (6 numbers): the palette and its contrast."""
    from skimage.color import rgb2lab

    lab = rgb2lab(rgb).reshape(-1, 3)
    return np.concatenate([lab.mean(0), lab.std(0)])


def colour_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between the Lab colour statistics of two images (ΔE-like units)."""
    return float(np.linalg.norm(colour_stats(a) - colour_stats(b)))
