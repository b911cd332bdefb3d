"""Face alignment: a similarity transform that puts MTCNN's 5 landmarks on the ArcFace 112×112 template."""

from __future__ import annotations

import cv2
import numpy as np

# ArcFace / SFace landmark template for a 112×112 crop (left eye, right eye, nose, mouth left, mouth right; image
# left/right, the same order as MTCNN's keypoints).
ARCFACE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2×3 matrix of the rotation + uniform scale + translation that best maps ``src`` points onto ``dst``."""
    matrix, _ = cv2.estimateAffinePartial2D(np.asarray(src, np.float32), np.asarray(dst, np.float32), method=cv2.LMEDS)
    if matrix is None:  # degenerate landmarks (all on one point): fall back to plain least squares
        from skimage.transform import SimilarityTransform  # noqa: PLC0415 - only for degenerate landmarks

        matrix = SimilarityTransform.from_estimate(src, dst).params[:2]
    return matrix


def align_by_landmarks(rgb: np.ndarray, landmarks: np.ndarray, size: int = 112, margin: float = 0.0) -> np.ndarray:
    """Crop warped so the 5 landmarks land on the ArcFace template; ``margin`` > 0 shows more around the face."""
    template = ARCFACE_112 * (size / 112.0)
    centre = np.array([size / 2, size / 2], np.float32)
    template = centre + (template - centre) / (1.0 + 2.0 * margin)
    matrix = similarity_transform(landmarks, template)
    return cv2.warpAffine(rgb, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
