"""Segmentation scores as in the FCN paper and the DeepLab papers.

The confusion matrix, per-class IoU (intersection over union, "IU"), mean IoU over classes, and pixel accuracy, with
void pixels ignored.

IoU_c = TP_c / (TP_c + FP_c + FN_c) from the confusion matrix ``cm[true, predicted]``; mIoU averages the classes
that occur in the ground truth or the prediction (a class absent from both has no IoU, NaN, and is left out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def confusion(truth: np.ndarray, predicted: np.ndarray, classes: int, void: int | None = None) -> np.ndarray:
    """Confusion matrix of a predicted class map against the truth.

    (classes, classes) int64 matrix, rows = true class, columns = predicted class, over the pixels whose true
    label is a class (values ≥ ``classes`` or equal to ``void`` are ignored). ``truth`` and ``predicted``: integer
    arrays of the same shape.

    Raises ValueError when the shapes differ.
    """
    if truth.shape != predicted.shape:
        raise ValueError(f"label {truth.shape} and prediction {predicted.shape} differ in shape")
    t = truth.ravel().astype(np.int64)
    p = predicted.ravel().astype(np.int64)
    keep = (t < classes) & (t >= 0) & (p < classes) & (p >= 0)
    if void is not None:
        keep &= t != void
    return np.bincount(t[keep] * classes + p[keep], minlength=classes * classes).reshape(classes, classes)


@dataclass(frozen=True)
class Scores:
    """Figures from one confusion matrix; ``iou`` per class in [0, 1] (NaN where the class never occurs)."""

    matrix: np.ndarray  # (C, C) int64, rows true, columns predicted
    iou: np.ndarray  # (C,) float64
    miou: float  # mean over classes with an IoU, 0..1
    pixel_accuracy: float  # correct / counted pixels, 0..1
    class_accuracy: np.ndarray  # (C,) recall per class (NaN where absent from the truth)

    def as_dict(self, names: tuple[str, ...] | list[str]) -> dict:
        """JSON-friendly: per-class IoU by name (None for NaN), mIoU, pixel accuracy, the matrix."""

        def num(v: float) -> float | None:
            return None if np.isnan(v) else round(float(v), 6)

        return {
            "miou": num(self.miou),
            "pixel_accuracy": num(self.pixel_accuracy),
            "iou": {n: num(v) for n, v in zip(names, self.iou)},
            "class_accuracy": {n: num(v) for n, v in zip(names, self.class_accuracy)},
            "confusion": self.matrix.tolist(),
        }


def scores(matrix: np.ndarray) -> Scores:
    """Per-class IoU, mIoU, pixel accuracy and per-class accuracy of a confusion matrix."""
    m = matrix.astype(np.float64)
    tp = np.diag(m)
    union = m.sum(0) + m.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, tp / union, np.nan)
        acc = np.where(m.sum(1) > 0, tp / m.sum(1), np.nan)
    total = m.sum()
    miou = float(np.nanmean(iou)) if np.any(~np.isnan(iou)) else float("nan")
    return Scores(matrix.astype(np.int64), iou, miou, float(tp.sum() / total) if total else float("nan"), acc)


def median_frequency_weights(frequencies: np.ndarray) -> np.ndarray:
    """Median-frequency balancing (Eigen & Fergus 2015, used by SegNet on CamVid).

    Weight_c = median(f) / f_c, where f_c = pixels of class c / pixels of the images where c occurs. (C,) float32; 0 for
    an absent class.
    """
    f = np.asarray(frequencies, dtype=np.float64)
    present = f > 0
    med = np.median(f[present]) if present.any() else 1.0
    with np.errstate(divide="ignore"):
        return np.where(present, med / f, 0.0).astype(np.float32)


def class_frequencies(labels: list[np.ndarray], classes: int, void: int | None = None) -> np.ndarray:
    """f_c of :func:`median_frequency_weights`: pixels of class c over the pixels of the images that contain c."""
    pixels = np.zeros(classes, dtype=np.float64)
    image_pixels = np.zeros(classes, dtype=np.float64)
    for lab in labels:
        counts = np.bincount(lab.ravel().astype(np.int64), minlength=256)[:classes].astype(np.float64)
        valid = lab.size - (int((lab == void).sum()) if void is not None else 0)
        pixels += counts
        image_pixels += np.where(counts > 0, valid, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(image_pixels > 0, pixels / image_pixels, 0.0)
