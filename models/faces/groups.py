"""Grouping many faces: which faces are fit to compare, and a mirror-invariant embedding for clustering.

No Streamlit here. Kept apart from :mod:`models.faces` (detection, alignment, embedders) so either can change
without the other.

- **Size gate.** A face narrower than :data:`models.faces.SMALL_FACE_PX` (the size the page warns about) gives an
  unreliable embedding; clustering it with real faces invents or merges people. :func:`split_by_size` leaves
  such faces out and says which and how big they were.
- **Flip-averaged embedding.** A face recognition network is not exactly symmetric: a face and its mirror image
  land ~0.1–0.6 apart in dlib's space (0.6065 against the 0.6 threshold was seen on a sample and its mirrored
  copy). The standard test-time flip augmentation (embed the aligned face and its horizontal flip, average the two
  vectors; used e.g. by SphereFace/ArcFace evaluation code and InsightFace's ``flip`` test option) makes the vector
  of a face and of its mirrored copy the same up to the alignment's own pixel differences, because the flip of a
  mirrored face's chip is the original face's chip.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from models.faces.data import SMALL_FACE_PX, Face


class ChipEmbedder(Protocol):
    """What grouping needs of an embedder: one vector per aligned chip."""

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        """(N, D) embeddings of N aligned RGB chips."""


@dataclass(frozen=True)
class SizeSplit:
    """Face indices split by box width: wide enough to compare, and too small."""

    kept: list[int]  # indices (into the faces given) of faces at least ``min_px`` wide, in order
    skipped: list[int]  # indices of faces narrower than ``min_px``, in order
    min_px: float

    def widths(self, faces: Sequence[Face], which: Sequence[int]) -> list[float]:
        """Box widths (original-image pixels) of the faces at indices ``which``."""
        return [faces[i].width for i in which]


def split_by_size(faces: Sequence[Face], min_px: float = SMALL_FACE_PX) -> SizeSplit:
    """Faces fit to compare (box width ≥ ``min_px``, in the pixels of the image they were found in) and the rest."""
    kept = [i for i, f in enumerate(faces) if f.width >= min_px]
    skipped = [i for i, f in enumerate(faces) if f.width < min_px]
    return SizeSplit(kept, skipped, float(min_px))


def flip_averaged(vectors: np.ndarray, flipped: np.ndarray) -> np.ndarray:
    """Mean of each embedding and its mirror image's, rescaled to the pair's mean L2 norm.

    ``vectors``, ``flipped``: (N, D) float. Returns (N, D) float32. The direction is the normalised mean (the usual
    flip augmentation); the length is the mean length of the two inputs, so a model's distance threshold still
    applies (dlib's vectors are not unit length and its 0.6 is a Euclidean distance in that scale; for unit-length
    models such as SFace this is plain L2 normalisation).
    """
    a, b = np.asarray(vectors, np.float64), np.asarray(flipped, np.float64)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"expected two (N, D) arrays of one shape, got {a.shape} and {b.shape}")
    mean = (a + b) / 2.0
    length = (np.linalg.norm(a, axis=1, keepdims=True) + np.linalg.norm(b, axis=1, keepdims=True)) / 2.0
    unit = mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
    return (unit * length).astype(np.float32)


def mirror_invariant_embeddings(
    embedder: ChipEmbedder, chips: Sequence[np.ndarray], lock: threading.Lock | None = None
) -> np.ndarray:
    """(N, D) float32 flip-averaged embeddings of aligned face chips ((h, w, 3) uint8 each, as the embedder cut them).

    ``lock``: held around the network calls (``FaceAnalyzer`` shares one network between browser sessions).
    """
    if not chips:
        return np.zeros((0, 0), np.float32)
    mirrored = [np.ascontiguousarray(c[:, ::-1]) for c in chips]
    with lock or nullcontext():
        both = np.asarray(embedder.embed([*chips, *mirrored]), np.float64)
    n = len(chips)
    return flip_averaged(both[:n], both[n:])
