"""Face-similarity data: option enums, the embedder contract and spec, faces, analyses and verdicts.

Coordinates are image pixels, (x, y) from the top-left; boxes are (x, y, width, height) floats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Protocol

import numpy as np

from models.errors import InputError

# MTCNN is slow on big images (its pyramid grows with the pixel count): detect on a copy whose longer side is
# at most this, then map boxes and landmarks back. 1024 keeps faces of ~25 px in a 2000 px group photo.
DETECT_MAX_SIDE = 1024
# Portraits (verification) need less: 640 px keeps faces ≥ 32 px of a 1-MP photo and is ~2.6× faster to detect.
PORTRAIT_MAX_SIDE = 640
MIN_FACE_PX = 20  # MTCNN's smallest face at detection scale
# Verify mode re-confirms every face found on a reduced copy: MTCNN runs again on a crop around it (the box plus
# half its size on each side) at up to this long side, i.e. the face at ~250 px instead of the ~60 px it may have
# had at 640. A candidate is kept only if that pass finds a face (MIN_CONFIDENCE) overlapping it (IoU ≥
# CONFIRM_IOU). A dark patch that looks like a face at 62×73 px does not at 250 (issue 17: conf 0.956 at 640,
# nothing at 1024 or at full size); a real face does.
CONFIRM_SIDE = 512
CONFIRM_IOU = 0.3
MIN_CONFIDENCE = 0.90  # below this, MTCNN's proposals on real photos are mostly ears, hands and posters
SMALL_FACE_PX = 40  # faces narrower than this (original pixels) give unreliable embeddings: warn
MAX_FACES = 60  # per image; more is a crowd, not a face-comparison task

KEYPOINTS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


class Embedder(str, Enum):
    """The face-embedding networks."""

    DLIB = "dlib"
    SFACE = "sface"


class Metric(str, Enum):
    """Distance between two embeddings."""

    EUCLIDEAN = "euclidean"
    COSINE = "cosine"  # 1 - cosine similarity


class ClusterMethod(str, Enum):
    """How faces are grouped into people."""

    THRESHOLD = "threshold"  # agglomerative, average linkage, cut at the verification threshold
    KMEANS = "kmeans"  # the seed's method: needs the number of people
    DBSCAN = "dbscan"  # density based: chains of close faces; lone faces become "noise"


class FaceEmbedder(Protocol):
    """A face-embedding network: aligned chips cut its own way, then one vector per chip."""

    spec: EmbedderSpec

    def chips(self, rgb: np.ndarray, faces: Sequence[Face]) -> list[np.ndarray]:
        """Aligned (S, S, 3) uint8 crops, one per face, as this network was trained on."""
        ...

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        """(N, spec.dim) float32 embeddings of N chips (N may be 0)."""
        ...


EmbedderFactory = Callable[["EmbedderSpec", "Path | None"], FaceEmbedder]


@dataclass(frozen=True)
class EmbedderSpec:
    """One row of the embedder option table (:data:`models.faces.SPECS`)."""

    embedder: Embedder
    title: str
    dim: int
    thresholds: dict[Metric, float]  # distance below → same person
    # width of the logistic that turns "distance minus threshold" into a confidence (see Verdict)
    confidence_scale: dict[Metric, float]
    store_entry: str | None = None  # None: ships in a wheel, always available
    factory: EmbedderFactory | None = None  # (this spec, the store entry's path or None) → the network
    blurb: str = ""
    served: bool = False  # the model server runs it (VISION_SERVE_ADDRESS set: models.backends hands out its client)

    def threshold(self, metric: Metric) -> float:
        """The default verification threshold (a distance) for ``metric``."""
        return self.thresholds[metric]


@dataclass
class Face:
    """One detected face: box, landmarks, confidence and, once embedded, its aligned chip and embedding."""

    box: np.ndarray  # (x, y, w, h) float, original-image pixels
    confidence: float
    landmarks: np.ndarray  # (5, 2) float, KEYPOINTS order, original-image pixels
    chip: np.ndarray | None = None  # aligned RGB crop (what the embedder saw)
    embedding: np.ndarray | None = None  # (dim,) float32

    @property
    def width(self) -> float:
        """Box width in original-image pixels."""
        return float(self.box[2])

    @property
    def area(self) -> float:
        """Box area in square original-image pixels."""
        return float(self.box[2] * self.box[3])


@dataclass
class Analysis:
    """The faces found in one image, with the detection scale, timings and notes for a person."""

    faces: list[Face]
    image_size: tuple[int, int]  # (width, height)
    detect_scale: float  # detection ran on the image resized by this factor
    detect_ms: float
    embed_ms: float
    messages: list[str] = field(default_factory=list)  # for a person: why no face, small faces, caps

    @property
    def total_ms(self) -> float:
        """Detection plus embedding time, ms."""
        return self.detect_ms + self.embed_ms

    def largest(self) -> int | None:
        """Index of the largest face (by box area), None when there is none."""
        return max(range(len(self.faces)), key=lambda i: self.faces[i].area) if self.faces else None


class FaceAnalysisBackend(Protocol):
    """What the face page needs from an analyzer: local (:class:`models.faces.FaceAnalyzer`) or served."""

    @property
    def spec(self) -> EmbedderSpec:
        """The embedder's row of the option table (dimension, thresholds)."""
        ...

    def analyze(
        self,
        rgb: np.ndarray,
        max_faces: int = MAX_FACES,
        max_side: int | None = None,
        confirm: bool = False,
        original_size: tuple[int, int] | None = None,
    ) -> Analysis:
        """Faces of ``rgb`` ((H, W, 3) uint8) with boxes, landmarks, chips and embeddings, plus notes for a person."""
        ...


@dataclass(frozen=True)
class Verdict:
    """The answer to "same person?": distance, threshold, metric, verdict and its probability."""

    distance: float
    threshold: float
    metric: Metric
    same: bool
    p_same: float  # logistic of the margin (threshold - distance) / scale: 0.5 at the threshold
    # A compared face is narrower than SMALL_FACE_PX (original pixels): its embedding, and so the margin, is not to be
    # trusted; the verdict is shown as a guess, without a confidence.
    too_small: bool = False

    @property
    def confidence(self) -> float:
        """How sure the verdict is: p_same for 'same person', 1 - p_same for 'different people'."""
        return self.p_same if self.same else 1.0 - self.p_same


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two (x, y, w, h) boxes, 0..1."""
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0.0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def as_rgb(img: np.ndarray) -> np.ndarray:
    """Any (H, W), (H, W, 3) or (H, W, 4) image (uint8, or float in [0, 1]) → contiguous (H, W, 3) uint8 RGB.

    Raises :class:`models.errors.InputError` for other shapes.
    """
    img = np.asarray(img)
    if img.ndim == 2:  # grayscale: the networks want three channels
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise InputError(f"expected an RGB image (H, W, 3), got shape {img.shape}")
    img = img[:, :, :3]
    if img.dtype != np.uint8:
        img = np.clip(img * 255.0 if img.max() <= 1.0 else img, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(img)
