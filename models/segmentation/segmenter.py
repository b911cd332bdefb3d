"""The DeepLab backends: one :class:`Segmenter` over a TFLite model or a TF1 frozen graph, and its loaders.

A model kind (:class:`Backend`) fixes the input tensor (dtype, size, value range) and the output (class map or
logits); a :class:`ModelSpec` names one file of that kind. Sizes follow :mod:`models.ops` (height, width).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from models import runtime
from models.errors import InputError, ModelFileError
from models.ops import resize, scaled_size
from models.segmentation.classes import NUM_CLASSES, VOC_CLASSES, Segmentation
from models.segmentation.geometry import letterbox, logits_to_class_map, resize_nearest

FROZEN_INPUT = "ImageTensor:0"
FROZEN_OUTPUT = "SemanticPredictions:0"
FROZEN_LONG_SIDE = 513  # what the official DeepLab demo resizes to before feeding the frozen graph


class Backend(str, Enum):
    """How a segmentation model is run."""

    TFLITE_CLASSMAP = "tflite_classmap"  # uint8 square input, ArgMax output
    TFLITE_LOGITS = "tflite_logits"  # float32 square input in [-1, 1], logits output
    FROZEN_GRAPH = "frozen_graph"  # TF1 graph, any input size, class map output
    KERAS_TRAINED = "keras_trained"  # a model this project trained (models/weights/segmentation/<id>/), logits


@dataclass(frozen=True)
class ModelSpec:
    """One row of the segmentation option table (see :mod:`models.segmentation.choices`)."""

    title: str
    backend: Backend
    input_size: int  # square side for TFLite; long side for frozen graphs (pixels)
    blurb: str
    entry_id: str = ""  # the model file's store entry (registry id); also the option id
    labels_entry_id: str = "pascal_voc_labels"  # class names; the built-in VOC list when absent
    builtin: str = ""  # a model folder shipped in models/weights/segmentation/ (no store entry needed)
    class_set: str = "PASCAL VOC"  # the name of the class set, as visitors read it ("one of 11 CamVid classes")
    data_entry: str = ""  # the store entry of the data it was trained on (its street samples, its licence)
    # The model server can run it (VISION_SERVE_ADDRESS set: models.backends hands out the served client). Off by
    # default: the server runs its own process, so a row registered at run time is local-only unless the server
    # registers the same row.
    served: bool = False

    @property
    def store_entries(self) -> tuple[str, ...]:
        """The model-store entries this option needs (none for a model shipped with the project)."""
        return () if self.builtin else (self.entry_id,)

    @property
    def has_person(self) -> bool:
        """Whether the class set has VOC's person class (portrait mode and the remove-object hand-off need it)."""
        return self.backend is not Backend.KERAS_TRAINED


Predictor = Callable[..., list[np.ndarray]]


class Segmenter:
    """Any-size RGB image → :class:`Segmentation` at the same size, through one DeepLab model.

    Implements :class:`models.segmentation.SegmentationBackend`.
    """

    def __init__(self, predictor: Predictor, spec: ModelSpec, labels: Sequence[str] = VOC_CLASSES):
        if len(labels) < NUM_CLASSES:
            raise ModelFileError(f"DeepLab PASCAL VOC needs {NUM_CLASSES} labels, got {len(labels)}")
        self.predictor = predictor
        self.spec = spec
        self.labels = tuple(labels[:NUM_CLASSES])

    def model_input(self, rgb: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """The model's input tensor for ``rgb`` and the image's size inside it.

        The exact tensor fed to the model ([1, h, w, 3] uint8 or float32 in [-1, 1]), and the (h, w) of the
        image inside it.
        """
        size = self.spec.input_size
        if self.spec.backend is Backend.FROZEN_GRAPH:
            h, w = scaled_size(rgb.shape[0], rgb.shape[1], size)
            return resize(rgb, h, w)[None], (h, w)
        if self.spec.backend is Backend.TFLITE_CLASSMAP:
            # uint8 with scale 1/128, zero point 128: padding with 128 means 0.0, DeepLab's mean-pixel pad.
            canvas, valid = letterbox(rgb, size, 128)
            return canvas[None], valid
        canvas, valid = letterbox(rgb, size, 128)
        x = canvas.astype(np.float32) * (1.0 / 127.5) - 1.0
        x[valid[0] :, :] = 0.0
        x[:, valid[1] :] = 0.0
        return x[None], valid

    def predict(self, rgb: np.ndarray) -> Segmentation:
        """(H, W, 3) uint8 RGB → :class:`Segmentation` with an (H, W) uint8 class map and timings in ms.

        Raises :class:`models.errors.InputError` for anything but an (H, W, 3) uint8 array.
        """
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InputError(f"expected an (H, W, 3) uint8 RGB image, got {rgb.shape} {rgb.dtype}")
        height, width = rgb.shape[:2]
        timings: dict[str, float] = {}
        with runtime.timed() as t:
            x, (vh, vw) = self.model_input(rgb)
        timings["preprocess"] = t.ms
        with runtime.timed() as t:
            out = np.asarray(self.predictor(x)[0])
        timings["model"] = t.ms
        with runtime.timed() as t:
            out = out[0]
            if self.spec.backend is Backend.TFLITE_LOGITS:
                class_map = logits_to_class_map(out[:vh, :vw], height, width)
            else:
                class_map = resize_nearest(out[:vh, :vw].astype(np.uint8), height, width)
        timings["postprocess"] = t.ms
        return Segmentation(np.ascontiguousarray(class_map), self.labels, self.spec.entry_id, timings)


def load_labels(path: Path | str | None) -> tuple[str, ...]:
    """Class names from the store's labels file (first 21 lines), or the built-in VOC list when ``path`` is None.

    Raises :class:`ModelFileError` when the file holds fewer than 21 non-empty names.
    """
    if path is None:
        return VOC_CLASSES
    names = runtime.read_labels(path, limit=NUM_CLASSES)
    if len(names) != NUM_CLASSES or not all(names):
        raise ModelFileError(f"{Path(path).name}: expected {NUM_CLASSES} class names in its first lines")
    return tuple(names)


def build_segmenter(spec: ModelSpec, path: Path | str, labels: Sequence[str] = VOC_CLASSES) -> Segmenter:
    """Load one model file (a .tflite, or a frozen-graph .pb / tensorflow.org tarball) as ``spec`` describes.

    Raises :class:`ModelFileError` when a TFLite file's input or output does not match ``spec``.
    """
    if spec.backend is Backend.FROZEN_GRAPH:
        predictor = runtime.load_frozen_graph(path, [FROZEN_INPUT], [FROZEN_OUTPUT])
        return Segmenter(predictor, spec, labels)
    tflite = runtime.load_tflite(path)
    (inp,), (outp,) = tflite.inputs, tflite.outputs
    want_dtype = np.uint8 if spec.backend is Backend.TFLITE_CLASSMAP else np.float32
    if inp.shape != (1, spec.input_size, spec.input_size, 3) or inp.dtype != want_dtype:
        raise ModelFileError(f"{Path(path).name}: input {inp.shape} {inp.dtype} does not match {spec.title}")
    want_rank = 3 if spec.backend is Backend.TFLITE_CLASSMAP else 4
    if len(outp.shape) != want_rank or outp.shape[1:3] != (spec.input_size, spec.input_size):
        raise ModelFileError(f"{Path(path).name}: output {outp.shape} does not match {spec.title}")
    return Segmenter(tflite, spec, labels)
