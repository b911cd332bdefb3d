"""The Ray Serve application.

One deployment per model-backed capability, each its own Serve application with a route prefix (``/segmentation``,
``/style``, ``/faces``, ``/video``, ``/digits``), so each scales on its own.

Every deployment loads its models from the model store **on its node** (``VISION_STORE`` in the node's
environment, see :mod:`models.store`), runs the same code as the in-process backends, and speaks
:mod:`models.serving.wire` over HTTP: ``POST /<capability>/<operation>`` with a packed message, answered with a
packed message (200), ``{"error": message}`` (400: the input cannot be used or is outside the bounds of
:mod:`models.serving.limits`; the message is for a person), 401 (no or a wrong ``Authorization: Bearer`` token,
:mod:`models.serving.auth`) or a 500 (a bug or a dying replica; the client retries once, and only then).
``GET /<capability>/info`` (token needed too) answers the served version, the models loaded and those present in
the store (the admin page shows them; no paths, no process ids).

Start: ``serve run deploy/ray/serve_config.yaml`` (see README, "Scale-out with Ray Serve"). Requires ``ray[serve]``
(``requirements-serve.txt``); nothing else in the project imports this module, so the UI never needs Ray.

Dynamic batching (``@serve.batch``) groups concurrent requests of one replica: segmentation and style run each
grouped image through the model in one worker-thread hop; face embedding sends all grouped face chips through
dlib's network in one batched call. ``max_batch_size: 1`` turns it off, which is what
``deploy/ray/serve_config.yaml`` does: on CPU, batching measured slower for all three (``bench/bench_serving.py``).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from ray import serve

from models.backends import option_id
from models.serving.capability import Arrays, CapabilityDeployment, Operation, Result, deployment_store


@serve.deployment(name="Segmentation")
class SegmentationDeployment(CapabilityDeployment):
    """DeepLab V3 (TFLite models of :class:`models.segmentation.SegModel`), any of them by id, loaded on first use.

    ``predict``: arrays ``rgb`` (H, W, 3) uint8; params ``model`` (a SegModel value) → ``class_map`` (H, W) uint8,
    params ``labels``, ``model``, ``timings_ms``.
    """

    capability = "segmentation"

    def __init__(
        self,
        preload: Sequence[str] = ("deeplab_mnv2_513_quant",),
        max_batch_size: int = 4,
        batch_wait_timeout_s: float = 0.005,
    ):
        super().__init__()  # refuses to start without VISION_SERVE_TOKEN
        from models import segmentation as seg

        self.seg = seg
        self.store = deployment_store()
        self.labels = (
            seg.load_labels(self.store.path("pascal_voc_labels"))
            if self.store.has("pascal_voc_labels")
            else seg.VOC_CLASSES
        )
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()
        for model_id in preload:
            self._get(model_id)
        self._batching(self.predict_batch, max_batch_size, batch_wait_timeout_s)

    def _get(self, model_id: str):
        with self._lock:
            if model_id not in self._models:
                if model_id not in self._served():  # unknown here, or a row that runs in the UI process
                    raise ValueError(f"{model_id} is not a segmentation model served here")
                self._models[model_id] = self.seg.segmenter_from_file(
                    model_id, self.store.require(model_id), self.labels
                )
            return self._models[model_id]

    def loaded(self) -> list[str]:
        """Ids of the segmentation models loaded in this replica, sorted."""
        return sorted(self._models)

    def _served(self) -> list[str]:
        # The rows that say served (the store's TFLite DeepLabs) in this process's table.
        return [option_id(option) for option, spec in self.seg.SPECS.items() if spec.served]

    def available(self) -> list[str]:
        """Ids of the served segmentation models whose files are in this node's store."""
        return [m for m in self._served() if self.store.has(m)]

    def _predict(self, model_id: str, rgb: np.ndarray):
        return self._get(model_id).predict(rgb)

    @serve.batch(max_batch_size=4, batch_wait_timeout_s=0.005)
    async def predict_batch(self, items: list[tuple[str, np.ndarray]]) -> list[Any]:
        """Segment a batch of (model id, RGB image) pairs in a worker thread (Serve batches concurrent requests)."""
        return await asyncio.to_thread(lambda: [self._predict(m, rgb) for m, rgb in items])

    def _operations(self) -> dict[str, Operation]:
        return {"predict": self._op_predict}

    async def _op_predict(self, params: dict[str, Any], arrays: Arrays) -> Result:
        item = (str(params["model"]), arrays["rgb"])
        if self.max_batch_size > 1:
            result = await self.predict_batch(item)
        else:
            result = await asyncio.to_thread(self._predict, *item)
        return (
            {"model": result.model, "labels": list(result.labels), "timings_ms": result.timings_ms},
            {"class_map": result.class_map},
        )


def segmentation_app(args: dict[str, Any] | None = None):
    """Serve application builder (``import_path: models.serving.deployments:segmentation_app``)."""
    return SegmentationDeployment.bind(**(args or {}))


# --- style (fast, Magenta TFLite pair) ------------------------------------------------------------
@serve.deployment(name="Style")
class StyleDeployment(CapabilityDeployment):
    """Magenta arbitrary stylization, TFLite pair (:class:`models.style.MagentaTFLite`).

    ``backend`` = a :class:`models.style.Backend` value other than the SavedModel.

    ``bottleneck``: ``rgb`` uint8, params ``crop`` → ``bottleneck`` (1, 1, 1, 100) float32.
    ``stylize``: ``content`` uint8 and ``style`` uint8 (or ``style_bottleneck`` / ``content_bottleneck``), params
    ``strength``, ``max_side``, ``large`` → ``image`` uint8, params ``timings_ms``.
    """

    capability = "style"

    def __init__(
        self, preload: Sequence[str] = ("tflite_int8",), max_batch_size: int = 4, batch_wait_timeout_s: float = 0.005
    ):
        super().__init__()  # refuses to start without VISION_SERVE_TOKEN
        from models import style as sty

        self.sty = sty
        self.store = deployment_store()
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()
        for backend in preload:
            self._get(backend)
        self._batching(self.stylize_batch, max_batch_size, batch_wait_timeout_s)

    def _get(self, backend: str):
        with self._lock:
            if backend not in self._models:
                b = self.sty.Backend(backend)
                if not self.sty.SPECS[b].served:
                    raise ValueError("this deployment serves the TFLite style networks only")
                self._models[backend] = self.sty.MagentaTFLite.from_store(b, self.store)
            return self._models[backend]

    def loaded(self) -> list[str]:
        """Ids of the style backends loaded in this replica, sorted."""
        return sorted(self._models)

    def available(self) -> list[str]:
        """Ids of the served style backends whose files are all in this node's store."""
        return [
            b.value for b, spec in self.sty.SPECS.items() if spec.served and all(self.store.has(e) for e in b.entries)
        ]

    def _stylize(self, params: dict[str, Any], arrays: Arrays):
        model = self._get(str(params["backend"]))
        return model.stylize(
            arrays["content"],
            arrays.get("style"),
            float(params["strength"]),
            int(params["max_side"]),
            self.sty.LargeImage(params["large"]),
            style_bottleneck=arrays.get("style_bottleneck"),
            content_bottleneck=arrays.get("content_bottleneck"),
        )

    @serve.batch(max_batch_size=4, batch_wait_timeout_s=0.005)
    async def stylize_batch(self, items: list[tuple[dict[str, Any], Arrays]]) -> list[Any]:
        """Stylize a batch of (params, arrays) requests in a worker thread (Serve batches concurrent requests)."""
        return await asyncio.to_thread(lambda: [self._stylize(p, a) for p, a in items])

    def _operations(self) -> dict[str, Operation]:
        return {"stylize": self._op_stylize, "bottleneck": self._op_bottleneck}

    async def _op_stylize(self, params: dict[str, Any], arrays: Arrays) -> Result:
        if self.max_batch_size > 1:
            result = await self.stylize_batch((params, arrays))
        else:
            result = await asyncio.to_thread(self._stylize, params, arrays)
        return {"timings_ms": result.timings_ms, "notes": result.notes}, {"image": result.image}

    async def _op_bottleneck(self, params: dict[str, Any], arrays: Arrays) -> Result:
        model = self._get(str(params["backend"]))
        b = await asyncio.to_thread(model.bottleneck, arrays["rgb"], bool(params.get("crop", False)))
        return {}, {"bottleneck": np.asarray(b, np.float32)}


def style_app(args: dict[str, Any] | None = None):
    """The Serve application of style transfer (``args``: the deployment's constructor arguments)."""
    return StyleDeployment.bind(**(args or {}))


# --- faces (MTCNN + dlib ResNet) ----------------------------------------------------------------------
class _BatchedEmbedder:
    """The dlib embedder with its network calls batched by Serve.

    Wraps the dlib embedder so that ``embed`` (called from a worker thread inside
    :meth:`models.faces.FaceAnalyzer.analyze`) goes through the deployment's ``@serve.batch`` queue on the
    replica's event loop: chips of concurrent requests share one batched network call.
    """

    def __init__(
        self,
        inner: Any,
        chip_lock: threading.Lock,
        embed: Callable[[list[np.ndarray]], Any],
        loop: asyncio.AbstractEventLoop | None,
    ):
        # loop None: ``embed`` is a plain function (no batching); else a coroutine function run on ``loop``.
        self.inner, self._chip_lock, self._embed, self._loop = inner, chip_lock, embed, loop
        self.spec = inner.spec

    def chips(self, rgb: np.ndarray, faces: Sequence[Any]) -> list[np.ndarray]:
        with self._chip_lock:  # dlib's shape predictor is shared by the replica's threads
            return self.inner.chips(rgb, faces)

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        if not chips:
            return self.inner.embed([])
        if self._loop is None:
            return self._embed(list(chips))
        return asyncio.run_coroutine_threadsafe(self._embed(list(chips)), self._loop).result()


@serve.deployment(name="Faces")
class FacesDeployment(CapabilityDeployment):
    """Face detection (MTCNN) + alignment + embedding (dlib ResNet 128-d): :meth:`models.faces.FaceAnalyzer.analyze`.

    ``analyze``: ``rgb`` (H, W, 3) uint8, params ``max_faces``, ``max_side``, ``confirm``, ``original_size`` →
    ``boxes`` (N, 4) float32, ``confidences`` (N,), ``landmarks`` (N, 5, 2), ``chips`` (N, S, S, 3) uint8,
    ``embeddings`` (N, 128) float32, params ``image_size``, ``detect_scale``, ``detect_ms``, ``embed_ms``,
    ``messages``.
    """

    capability = "faces"

    def __init__(self, max_batch_size: int = 8, batch_wait_timeout_s: float = 0.005):
        super().__init__()  # refuses to start without VISION_SERVE_TOKEN
        from models import faces as F

        self.F = F
        self.detector = F.FaceDetector()
        self.embedder = F.DlibEmbedder()
        self._chip_lock = threading.Lock()
        self._embed_lock = threading.Lock()
        # Own thread pools: an analysis thread waits for its batched embedding, so the embedding must never queue
        # behind analyses in one shared pool (asyncio's default has cpu+4 threads: 8 concurrent requests on a
        # 2-CPU node would hold all 6 and deadlock).
        self._analyze_pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="faces-analyze")
        self._embed_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="faces-embed")
        self._batching(self.embed_batch, max_batch_size, batch_wait_timeout_s)

    def loaded(self) -> list[str]:
        """The networks loaded in this replica."""
        return ["mtcnn", "dlib_resnet_v1"]

    def _embed(self, chips: list[np.ndarray]) -> np.ndarray:
        with self._embed_lock:
            return self.embedder.embed(chips)

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.005)
    async def embed_batch(self, requests: list[list[np.ndarray]]) -> list[np.ndarray]:
        """Embed the chips of concurrent requests in one network call; one (n_i, 128) array per request."""
        flat = [c for chips in requests for c in chips]
        vectors = await asyncio.get_running_loop().run_in_executor(self._embed_pool, self._embed, flat)
        out, start = [], 0
        for chips in requests:
            out.append(vectors[start : start + len(chips)])
            start += len(chips)
        return out

    def _operations(self) -> dict[str, Operation]:
        return {"analyze": self._op_analyze}

    async def _op_analyze(self, params: dict[str, Any], arrays: Arrays) -> Result:
        F = self.F
        if self.max_batch_size > 1:
            embedder: Any = _BatchedEmbedder(
                self.embedder, self._chip_lock, self.embed_batch, asyncio.get_running_loop()
            )
        else:
            embedder = _BatchedEmbedder(self.embedder, self._chip_lock, self._embed, None)
        analyzer = F.FaceAnalyzer(embedder, self.detector)  # per request: its lock must not serialise batching
        size = params.get("original_size")
        rgb = np.array(arrays["rgb"])  # writable, contiguous: dlib and MTCNN want their own buffer
        a = await asyncio.get_running_loop().run_in_executor(
            self._analyze_pool,
            functools.partial(
                analyzer.analyze,
                rgb,
                int(params.get("max_faces", F.MAX_FACES)),
                None if params.get("max_side") is None else int(params["max_side"]),
                bool(params.get("confirm", False)),
                tuple(size) if size else None,
            ),
        )
        n = len(a.faces)
        chips = np.stack([f.chip for f in a.faces]) if n else np.zeros((0, 1, 1, 3), np.uint8)
        out: dict[str, np.ndarray] = {
            "boxes": np.asarray([f.box for f in a.faces], np.float32).reshape(n, 4),
            "confidences": np.asarray([f.confidence for f in a.faces], np.float64).reshape(n),
            "landmarks": np.asarray([f.landmarks for f in a.faces], np.float32).reshape(n, 5, 2),
            "chips": chips.astype(np.uint8),
            "embeddings": np.asarray([f.embedding for f in a.faces], np.float32).reshape(n, -1),
        }
        return (
            {
                "image_size": list(a.image_size),
                "detect_scale": a.detect_scale,
                "detect_ms": a.detect_ms,
                "embed_ms": a.embed_ms,
                "messages": a.messages,
            },
            out,
        )


def faces_app(args: dict[str, Any] | None = None):
    """The Serve application of face analysis (``args``: the deployment's constructor arguments)."""
    return FacesDeployment.bind(**(args or {}))


# Video and digits live in their own module (size); re-exported for serve_config.yaml's import paths.
from models.serving.clip_deployments import DigitsDeployment, VideoDeployment, digits_app, video_app  # noqa: E402

__all__ = [
    "DigitsDeployment",
    "FacesDeployment",
    "SegmentationDeployment",
    "StyleDeployment",
    "VideoDeployment",
    "digits_app",
    "faces_app",
    "segmentation_app",
    "style_app",
    "video_app",
]

BUILDERS: dict[str, Callable[[dict[str, Any] | None], Any]] = {
    "segmentation": segmentation_app,
    "style": style_app,
    "faces": faces_app,
    "video": video_app,
    "digits": digits_app,
}
