"""Segmenters this project trains (FCN-8s / DeepLabV3+ on MobileNetV2, :mod:`models.segmentation.training`).

The model folder, the backend behind the page's contract, and the TFLite export.

A model folder holds ``model.weights.h5`` and ``model.json`` (architecture, class names and colours, void, the
recipe and the val figures; written by :func:`models.segmentation.train.write_model`). The ones trained on CamVid
ship in ``models/weights/segmentation/<id>/``, like the DCGAN's weights: no store entry is needed.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from models import runtime
from models.errors import InputError, ModelFileError
from models.ops import resize, scaled_size
from models.segmentation.backbone import preprocess
from models.segmentation.classes import Segmentation, palette_of
from models.segmentation.geometry import logits_to_class_map

TRAINED_DIR = Path(__file__).resolve().parent.parent / "weights" / "segmentation"
WORK_LONG_SIDE = 480  # CamVid's scale: the models saw objects at this size


def read_card(folder: Path | str) -> dict:
    """The ``model.json`` of a model folder. Raises :class:`ModelFileError` when it is missing or unreadable."""
    path = Path(folder) / "model.json"
    try:
        card = json.loads(path.read_text())
        card["arch"], card["classes"]  # the two keys every reader needs
    except (OSError, ValueError, KeyError) as exc:
        raise ModelFileError(f"{Path(folder).name}: no readable model.json") from exc
    return card


def load_model(folder: Path | str) -> tuple[Any, dict]:
    """(keras logits model, card) from a model folder; raises :class:`ModelFileError` on a bad folder."""
    from models.segmentation.architectures import build

    card = read_card(folder)
    model = build(card["arch"], len(card["classes"]))
    try:
        model.load_weights(str(Path(folder) / "model.weights.h5"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{Path(folder).name}: the weights do not fit {card['arch']}") from exc
    return model, card


class TrainedSegmenter:
    """Any-size RGB image → :class:`Segmentation` through a trained Keras model (its own class set).

    The image is scaled so its long side is ``long_side`` (the training scale), the logits are upsampled
    bilinearly to the image's size and arg-maxed. Implements :class:`models.segmentation.SegmentationBackend`.
    """

    def __init__(self, model: Any, card: dict, spec: Any, long_side: int = WORK_LONG_SIDE, mirror: bool = False):
        self.model, self.card, self.spec = model, card, spec
        # mirror: average the logits of the image and of its left-right mirror (the FCN/DeepLab papers' test-time
        # flip; +0.9 mIoU points for FCN-8s on CamVid val at twice the model time). The exported TFLite model is
        # the plain network, so a visitor's own model (whose download is checked against the page) runs without it.
        self.mirror = mirror
        self.labels = tuple(card["classes"])
        self.palette = palette_of(card.get("colours") or [])
        self.long_side = long_side
        self._lock = threading.Lock()  # one forward pass at a time: predictable memory on a shared server

    def logits(self, rgb: np.ndarray) -> np.ndarray:
        """(h, w, C) float32 logits at the working size (long side ``long_side``)."""
        h, w = scaled_size(rgb.shape[0], rgb.shape[1], self.long_side)
        x = preprocess(resize(rgb, h, w))[None]
        with self._lock:
            out = np.asarray(self.model(x, training=False))[0]
            if self.mirror:
                out = 0.5 * (out + np.asarray(self.model(x[:, :, ::-1], training=False))[0][:, ::-1])
            return out

    def predict(self, rgb: np.ndarray) -> Segmentation:
        """(H, W, 3) uint8 RGB → :class:`Segmentation` (H, W) with timings in ms; raises ``InputError``."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InputError(f"expected an (H, W, 3) uint8 RGB image, got {rgb.shape} {rgb.dtype}")
        with runtime.timed() as t:
            out = self.logits(rgb)
        with runtime.timed() as t2:
            class_map = logits_to_class_map(out, rgb.shape[0], rgb.shape[1])
        timings = {"model": t.ms, "postprocess": t2.ms}
        return Segmentation(class_map, self.labels, self.spec.entry_id, timings, self.palette, background=None)


def export_tflite(model: Any, height: int, width: int) -> bytes:
    """Export ``model`` as TFLite bytes for a fixed input size.

    A float32 TFLite flatbuffer of ``model`` for a fixed (1, height, width, 3) input in [-1, 1] → logits
    (1, height, width, C). What the browser's "download TFLite" gives.

    Through a SavedModel (Keras ``model.export``, in a temporary folder deleted at once): converting a
    ``tf.function`` of a Keras 3 model directly keeps its weights as resource variables that the TFLite file
    never initialises, so every output was NaN.
    """
    tf = runtime.tf()
    with tempfile.TemporaryDirectory(prefix="vision-tflite-") as folder:
        spec = [tf.TensorSpec([1, height, width, 3], tf.float32)]
        model.export(folder, format="tf_saved_model", input_signature=spec, verbose=False)
        return tf.lite.TFLiteConverter.from_saved_model(folder).convert()


def tflite_class_map(path_or_bytes: Path | str | bytes, rgb: np.ndarray) -> np.ndarray:
    """(H, W) uint8 class map of ``rgb`` (resized to the TFLite model's input size) through an exported model.

    The check that a downloaded model gives the page's answer.
    """
    written: str | None = None
    path: Path | str
    if isinstance(path_or_bytes, bytes):
        with tempfile.NamedTemporaryFile(suffix=".tflite", delete=False) as f:
            f.write(path_or_bytes)
            path = written = f.name
    else:
        path = path_or_bytes
    try:
        model = runtime.load_tflite(path)
        (inp,) = model.inputs
        _, h, w, _ = inp.shape
        out = np.asarray(model(preprocess(resize(rgb, h, w))[None])[0])[0]
    finally:
        if written is not None:  # the interpreter has read the file: no copy of a model left behind
            os.unlink(written)
    return logits_to_class_map(out, rgb.shape[0], rgb.shape[1])
