"""Numerical proof that the slim ``.npy`` tensors landed in the right Keras layers.

Reference: Google's MobileNetV2 1.0 224 ImageNet classifier as TFLite (store entry ``mobilenet_v2_224_quant``, a
quantisation-aware-trained copy of the same network). For each photo, the encoder's global-average-pooled
1280-d features are compared with the TFLite graph's own ``AvgPool`` tensor (cosine similarity), and classified with
the TFLite classifier's 1×1 kernel (dequantised) plus the checkpoint's 1001 biases: the top-1 class must be the
TFLite model's. A layer fed the wrong tensor, or channels in the wrong order, breaks both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from models.segmentation.backbone import preprocess

POOL_TENSOR = "MobilenetV2/Logits/AvgPool"
KERNEL_TENSOR = "MobilenetV2/Logits/Conv2d_1c_1x1/Conv2D"
SOFTMAX_TENSOR = "MobilenetV2/Predictions/Softmax"


@dataclass(frozen=True)
class Agreement:
    """Per-photo agreement of the converted encoder with the TFLite classifier (cosine of features, top-1 class)."""

    cosines: list[float]  # per photo, pooled features vs the TFLite model's, -1..1
    top1_same: list[bool]  # per photo, our top-1 ImageNet class == the TFLite model's
    ours: list[int]  # our top-1 class ids (1001-way, 0 = background)
    theirs: list[int]

    @property
    def mean_cosine(self) -> float:
        """Mean of :attr:`cosines`."""
        return float(np.mean(self.cosines))


def _tensor(details: list[dict], prefix: str) -> dict:
    return next(d for d in details if d["name"].startswith(prefix))


def compare_with_tflite(encoder: Any, tflite_path: Path | str, biases: np.ndarray, photos: list[Path]) -> Agreement:
    """How well a converted encoder agrees with the TFLite classifier.

    :class:`Agreement` of an output-stride-32 ``encoder`` (from :mod:`models.segmentation.backbone`) with the TFLite
    classifier on ``photos`` (each resized to 224×224 RGB). ``biases``: the checkpoint's (1001,) classifier biases.
    """
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415 - only this check reads inner tensors

    it = Interpreter(str(tflite_path), experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    details = it.get_tensor_details()
    pool, kernel, soft = (_tensor(details, n) for n in (POOL_TENSOR, KERNEL_TENSOR, SOFTMAX_TENSOR))
    k_scale, k_zero = kernel["quantization"]
    w = (it.get_tensor(kernel["index"]).astype(np.float32) - k_zero) * k_scale
    w = w.reshape(w.shape[0], -1)  # (1001, 1280)
    p_scale, p_zero = pool["quantization"]
    cosines, same, ours, theirs = [], [], [], []
    for path in photos:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB").resize((224, 224), Image.Resampling.BILINEAR))
        it.set_tensor(it.get_input_details()[0]["index"], rgb[None])
        it.invoke()
        ref = (it.get_tensor(pool["index"]).astype(np.float32).ravel() - p_zero) * p_scale
        top_ref = int(np.argmax(it.get_tensor(soft["index"])))
        feat = np.asarray(encoder(preprocess(rgb)[None], training=False)).mean(axis=(1, 2)).ravel()
        cos = float(feat @ ref / (np.linalg.norm(feat) * np.linalg.norm(ref) + 1e-12))
        cosines.append(cos if np.isfinite(cos) else -1.0)  # NaN features (e.g. a negative variance) agree with nothing
        top = int(np.argmax(w @ feat + biases))
        same.append(top == top_ref)
        ours.append(top)
        theirs.append(top_ref)
    return Agreement(cosines, same, ours, theirs)
