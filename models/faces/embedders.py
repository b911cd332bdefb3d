"""The face-embedding networks and their option table.

The face-embedding networks behind :class:`models.faces.FaceEmbedder` (dlib ResNet, in a wheel; SFace, from the
store) and their option table :data:`SPECS`.

Adding an embedder = one registry entry (``models/registry.py``, unless it ships in a wheel) + one row in
:data:`SPECS` (and a member of :class:`Embedder`; a new kind of network also needs its class here). The page
and the CLIs pick it up from the table through ``models.faces.create``.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from models.faces.align import align_by_landmarks
from models.faces.data import Embedder, EmbedderSpec, Face, FaceEmbedder, Metric

DLIB_CHIP = 150  # dlib ResNet input size
DLIB_PADDING = 0.25  # dlib's default chip margin around the landmarks


@cache
def dlib_models_dir() -> Path:
    """Folder of face_recognition_models' .dat files, found by path: importing it needs pkg_resources."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("face-recognition-models is not installed (pip install face-recognition-models)")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class DlibEmbedder:
    """dlib's ResNet-29: chips cut by dlib's own 5-point landmark model (seeded by the MTCNN box), 128-d out."""

    def __init__(self, models_dir: Path | None = None, spec: EmbedderSpec | None = None):
        self.spec = spec or SPECS[Embedder.DLIB]
        import dlib  # noqa: PLC0415 - dlib loads only when its embedder is chosen

        folder = Path(models_dir) if models_dir else dlib_models_dir()
        self._dlib = dlib
        self._shape = dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat"))
        self._net = dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat"))

    def chips(self, rgb: np.ndarray, faces: Sequence[Face]) -> list[np.ndarray]:
        """Aligned uint8 RGB chips, one per face, as this network was trained on."""
        out = []
        for f in faces:
            x, y, w, h = (float(v) for v in f.box)
            rect = self._dlib.rectangle(int(round(x)), int(round(y)), int(round(x + w)), int(round(y + h)))
            shape = self._shape(rgb, rect)
            out.append(np.asarray(self._dlib.get_face_chip(rgb, shape, size=DLIB_CHIP, padding=DLIB_PADDING)))
        return out

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        """(N, spec.dim) float32 embeddings of N chips."""
        if not chips:
            return np.zeros((0, self.spec.dim), np.float32)
        # batch call: dlib runs all chips through the network in one go
        vectors = self._net.compute_face_descriptor([np.ascontiguousarray(c) for c in chips])
        return np.asarray([np.asarray(v) for v in vectors], dtype=np.float32)


class SFaceEmbedder:
    """SFace ONNX via OpenCV; any ONNX with input [1,3,112,112] (BGR) and a [1,D] output works the same way."""

    def __init__(self, model_path: Path | str, spec: EmbedderSpec | None = None):
        self.spec = spec or SPECS[Embedder.SFACE]
        self._net = cv2.FaceRecognizerSF.create(str(model_path), "")
        self._lock = threading.Lock()  # cv2.dnn nets keep per-call state

    def chips(self, rgb: np.ndarray, faces: Sequence[Face]) -> list[np.ndarray]:
        """Aligned uint8 RGB chips, one per face, as this network was trained on."""
        return [align_by_landmarks(rgb, f.landmarks, 112) for f in faces]

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        """(N, spec.dim) float32 embeddings of N chips."""
        out = []
        with self._lock:
            for c in chips:
                feat = np.asarray(self._net.feature(cv2.cvtColor(c, cv2.COLOR_RGB2BGR)), np.float32).reshape(-1)
                out.append(feat / max(float(np.linalg.norm(feat)), 1e-12))
        return np.asarray(out, np.float32).reshape(len(out), -1)


def _dlib(spec: EmbedderSpec, path: Path | None) -> FaceEmbedder:
    return DlibEmbedder(spec=spec)


def _onnx(spec: EmbedderSpec, path: Path | None) -> FaceEmbedder:
    if path is None:
        raise ValueError(f"{spec.title} needs its model file")
    return SFaceEmbedder(path, spec)


SPECS: dict[Embedder, EmbedderSpec] = {
    Embedder.DLIB: EmbedderSpec(
        Embedder.DLIB,
        "dlib ResNet (128-d)",  # short: the picker sits in a narrow column
        128,
        # dlib descriptors have norm ≈ 1.4, so cosine distance ≈ euclidean² / (2·1.4²): 0.6 → 0.09
        {Metric.EUCLIDEAN: 0.6, Metric.COSINE: 0.09},
        {Metric.EUCLIDEAN: 0.05, Metric.COSINE: 0.015},
        factory=_dlib,
        blurb="Ships in a wheel: always available offline.",
        served=True,
    ),
    Embedder.SFACE: EmbedderSpec(
        Embedder.SFACE,
        "SFace (OpenCV Zoo, 128-d)",
        128,
        {Metric.EUCLIDEAN: 1.128, Metric.COSINE: 0.637},
        {Metric.EUCLIDEAN: 0.08, Metric.COSINE: 0.06},
        store_entry="sface",
        factory=_onnx,
        blurb="ONNX through OpenCV; from the model store.",
    ),
}
