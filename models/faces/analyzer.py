"""One image → its faces with chips and embeddings (:class:`FaceAnalyzer`), and ``create`` for an option."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from models.faces.choices import create_embedder
from models.faces.data import (
    MAX_FACES,
    MIN_FACE_PX,
    SMALL_FACE_PX,
    Analysis,
    Embedder,
    EmbedderSpec,
    FaceEmbedder,
    as_rgb,
)
from models.faces.detect import FaceDetector
from models.runtime import timed

if TYPE_CHECKING:
    from models.store import Store


class FaceAnalyzer:
    """Detection + alignment + embedding for one image; thread-safe (one lock around the networks)."""

    def __init__(self, embedder: FaceEmbedder, detector: FaceDetector | None = None):
        self.embedder = embedder
        self.detector = detector or FaceDetector()
        self._lock = threading.Lock()

    @property
    def spec(self) -> EmbedderSpec:
        """The embedder's row of the option table (dimension, thresholds)."""
        return self.embedder.spec

    @classmethod
    def create(cls, embedder: Embedder = Embedder.DLIB, model_path: Path | str | None = None) -> FaceAnalyzer:
        """The analyzer for an option, its embedder file ``model_path`` or taken from the store (see :func:`create`)."""
        return cls(create_embedder(embedder, model_path=model_path))

    def analyze(
        self,
        rgb: np.ndarray,
        max_faces: int = MAX_FACES,
        max_side: int | None = None,
        confirm: bool = False,
        original_size: tuple[int, int] | None = None,
    ) -> Analysis:
        """Faces of ``rgb`` ((H, W, 3) uint8) with chips and embeddings, plus messages for a person.

        ``max_side``: long side detection runs at (default the detector's, DETECT_MAX_SIDE). ``confirm``: re-find
        each face on a larger crop (verify mode; see :meth:`FaceDetector.detect`). ``original_size``: (width,
        height) of the file as uploaded, when ``rgb`` is a reduced decode of it: messages quote that size, and
        pixel widths in them are converted to it.
        """
        rgb = as_rgb(rgb)
        h, w = rgb.shape[:2]
        ow, oh = original_size or (w, h)
        messages: list[str] = []
        with timed() as t_det:
            faces, scale = self.detector.detect(rgb, max_side, confirm=confirm)
        if len(faces) > max_faces:
            messages.append(f"{len(faces)} faces found; only the {max_faces} largest are used.")
            faces = sorted(sorted(faces, key=lambda f: -f.area)[:max_faces], key=lambda f: (f.box[0], f.box[1]))
        with timed() as t_emb, self._lock:
            chips = self.embedder.chips(rgb, faces)
            vectors = self.embedder.embed(chips)
        for f, c, v in zip(faces, chips, vectors, strict=True):
            f.chip, f.embedding = c, v
        if not faces:
            smallest = MIN_FACE_PX / scale * (ow / w)
            messages.append(
                "No face found. Faces must be roughly frontal, not heavily covered, and at least "
                f"{smallest:.0f} px wide in this {ow}×{oh} photo."
            )
        small = [i + 1 for i, f in enumerate(faces) if f.width < SMALL_FACE_PX]
        if small:
            messages.append(
                f"Face{'s' if len(small) > 1 else ''} {', '.join(f'#{i}' for i in small)} "
                f"{'are' if len(small) > 1 else 'is'} under {SMALL_FACE_PX} px wide: comparisons are unreliable."
            )
        return Analysis(faces, (w, h), scale, t_det.ms, t_emb.ms, messages)


_detector: FaceDetector | None = None
_detector_lock = threading.Lock()


def shared_detector() -> FaceDetector:
    """The process's one MTCNN detector (built on first use), shared by the analyzers of every embedder."""
    global _detector
    with _detector_lock:
        if _detector is None:
            _detector = FaceDetector()
        return _detector


def create(
    choice: Embedder | str = Embedder.DLIB, store: Store | None = None, detector: FaceDetector | None = None
) -> FaceAnalyzer:
    """The analyzer (MTCNN + the option's embedder) for an option; ``detector`` lets callers share one MTCNN.

    Raises ``models.store.ModelMissingError`` when the embedder's file is missing and cannot be fetched.
    """
    return FaceAnalyzer(create_embedder(choice, store), detector)
