"""Face detection: MTCNN (weights ship inside the ``mtcnn`` wheel), with an optional confirming second pass."""

from __future__ import annotations

import threading

import cv2
import numpy as np

from models.faces.data import (
    CONFIRM_IOU,
    CONFIRM_SIDE,
    DETECT_MAX_SIDE,
    KEYPOINTS,
    MIN_CONFIDENCE,
    MIN_FACE_PX,
    Face,
    as_rgb,
    box_iou,
)
from models.runtime import tf

# A 1-bit (bilevel, dithered) picture is smoothed this much (Gaussian σ, px) before detection: MTCNN's filters see
# the dither dots, not the face, until they are blended into greys (a dithered portrait: no face → found at 0.999).
BILEVEL_SIGMA = 1.2


def is_bilevel(rgb: np.ndarray) -> bool:
    """Whether an (H, W, 3) uint8 image holds only two grey levels (a mode-"1" file, a fax, a dithered print)."""
    grey = rgb[..., 0]
    if not (np.array_equal(grey, rgb[..., 1]) and np.array_equal(grey, rgb[..., 2])):
        return False
    lo, hi = grey.min(), grey.max()
    return bool(lo < hi and np.all((grey == lo) | (grey == hi)))


def detectable(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` as the detector should see it: bilevel images lightly blurred (BILEVEL_SIGMA), others unchanged."""
    return cv2.GaussianBlur(rgb, (0, 0), BILEVEL_SIGMA) if is_bilevel(rgb) else rgb


class FaceDetector:
    """MTCNN (weights ship inside the ``mtcnn`` wheel) behind a lock: browser sessions share one instance."""

    def __init__(self, max_side: int = DETECT_MAX_SIDE, min_confidence: float = MIN_CONFIDENCE):
        tf()  # GPU memory growth before mtcnn builds its Keras models
        from mtcnn import MTCNN

        self._mtcnn = MTCNN()
        self.max_side = max_side
        self.min_confidence = min_confidence
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray, max_side: int | None = None, confirm: bool = False) -> tuple[list[Face], float]:
        """Faces in ``rgb`` ((H, W, 3) uint8) sorted left to right, and the scale detection ran at (≤ 1).

        ``confirm``: when detection ran on a reduced copy (scale < 1), keep only faces that a second MTCNN pass
        on a larger crop around each one finds again (see CONFIRM_SIDE); at full scale there is nothing to gain.
        A bilevel (1-bit) image is smoothed first (:func:`detectable`).
        """
        rgb = detectable(as_rgb(rgb))  # boxes and landmarks keep the image's coordinates
        h, w = rgb.shape[:2]
        scale = min(1.0, (max_side or self.max_side) / max(h, w))
        small = (
            rgb if scale == 1.0 else cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        )
        faces = self._run(small, scale)
        if confirm and scale < 1.0:
            faces = [f for f in faces if self.confirmed(rgb, f, scale)]
        faces.sort(key=lambda f: (f.box[0], f.box[1]))
        return faces, scale

    def _run(self, rgb: np.ndarray, scale: float, offset: tuple[float, float] = (0.0, 0.0)) -> list[Face]:
        """MTCNN on ``rgb`` (a copy of the image resized by ``scale``, starting at ``offset`` (x, y) in it)."""
        with self._lock:
            found = self._mtcnn.detect_faces(rgb, min_face_size=MIN_FACE_PX)
        ox, oy = offset
        faces = []
        for f in found:
            if float(f["confidence"]) < self.min_confidence:
                continue
            box = np.asarray(f["box"], dtype=np.float32) / scale + np.array([ox, oy, 0, 0], np.float32)
            marks = np.asarray([f["keypoints"][k] for k in KEYPOINTS], dtype=np.float32) / scale + np.array([ox, oy])
            faces.append(Face(box=box, confidence=float(f["confidence"]), landmarks=marks.astype(np.float32)))
        return faces

    def confirmed(self, rgb: np.ndarray, face: Face, scale: float) -> bool:
        """Does MTCNN find ``face`` again on a crop around it, with the face larger than at ``scale``?"""
        x, y, bw, bh = (float(v) for v in face.box)
        m = 0.5 * max(bw, bh)
        h, w = rgb.shape[:2]
        x0, y0 = int(max(0, x - m)), int(max(0, y - m))
        x1, y1 = int(min(w, x + bw + m)), int(min(h, y + bh + m))
        crop = rgb[y0:y1, x0:x1]
        s = min(1.0, CONFIRM_SIDE / max(crop.shape[:2]))
        if s <= scale * 1.5:  # not meaningfully larger than the first pass: nothing new to learn
            return True
        small = (
            crop
            if s == 1.0
            else cv2.resize(crop, (round(crop.shape[1] * s), round(crop.shape[0] * s)), interpolation=cv2.INTER_AREA)
        )
        return any(box_iou(face.box, f.box) >= CONFIRM_IOU for f in self._run(small, s, (x0, y0)))
