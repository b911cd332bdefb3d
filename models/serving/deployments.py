"""The Ray Serve application: one deployment per model-backed capability, each its own Serve application with a
route prefix (``/segmentation``, ``/style``, ``/faces``, ``/video``, ``/digits``), so each scales on its own.

Every deployment loads its models from the model store **on its node** (``VISION_STORE`` in the node's
environment, see :mod:`models.store`), runs the same code as the in-process backends, and speaks
:mod:`models.serving.wire` over HTTP: ``POST /<capability>/<operation>`` with a packed message, answered with a
packed message (200), ``{"error": message}`` (400: the input cannot be used; the message is for a person) or
a 500 (a bug or a dying replica; the client retries once). ``GET /<capability>/info`` answers the served version,
the models loaded and those present in the store (the admin page shows them).

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
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import ray
from ray import serve
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from models.errors import VisionError
from models.serving import wire

SERVICE_VERSION = "1"  # bump when an operation's parameters or results change
LOGGER = logging.getLogger("vision.serving")

Arrays = dict[str, np.ndarray]
Result = tuple[dict[str, Any], Arrays]
Operation = Callable[[dict[str, Any], Arrays], Awaitable[Result]]


def _store():
    from models.store import Store  # noqa: PLC0415

    return Store()


class _Capability:
    """HTTP plumbing shared by the deployments: routing by the last path segment, wire decoding, errors."""

    capability = ""
    max_batch_size = 1

    def _operations(self) -> dict[str, Operation]:
        raise NotImplementedError

    def loaded(self) -> list[str]:
        """Model ids loaded in this replica."""
        raise NotImplementedError

    def available(self) -> list[str]:
        """Model ids this deployment can serve that are present in the store of this node."""
        return self.loaded()

    def info(self) -> dict[str, Any]:
        ctx = serve.get_replica_context()
        return {
            "capability": self.capability, "version": SERVICE_VERSION, "ray": ray.__version__,
            "models": self.loaded(), "available": self.available(), "max_batch_size": self.max_batch_size,
            "replica": ctx.replica_id.unique_id if ctx else "", "pid": os.getpid(),
            "store": os.environ.get("VISION_STORE", ""),
        }

    async def __call__(self, request: Request) -> Response:
        op = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        if request.method == "GET":
            return JSONResponse(self.info())
        handler = self._operations().get(op)
        if handler is None:
            return JSONResponse({"error": f"unknown operation {op!r} for {self.capability}"}, status_code=404)
        try:
            params, arrays = wire.unpack(await request.body())
            out_params, out_arrays = await handler(params, arrays)
        except (VisionError, ValueError, KeyError) as exc:  # the input cannot be used: say why, replica stays up
            return JSONResponse({"error": str(exc), "kind": type(exc).__name__}, status_code=400)
        return Response(wire.pack(out_params, out_arrays), media_type=wire.CONTENT_TYPE)

    def check_health(self) -> None:
        if not self.loaded():
            raise RuntimeError(f"{self.capability}: no model loaded")

    def _batching(self, method: Any, max_batch_size: int, wait_s: float) -> None:
        self.max_batch_size = max(1, int(max_batch_size))
        method.set_max_batch_size(self.max_batch_size)
        method.set_batch_wait_timeout_s(float(wait_s))


# --- segmentation ----------------------------------------------------------------------------------
@serve.deployment(name="Segmentation")
class SegmentationDeployment(_Capability):
    """DeepLab V3 (TFLite models of :class:`models.segmentation.SegModel`), any of them by id, loaded on first use.

    ``predict``: arrays ``rgb`` (H, W, 3) uint8; params ``model`` (a SegModel value) → ``class_map`` (H, W) uint8,
    params ``labels``, ``model``, ``timings_ms``.
    """

    capability = "segmentation"

    def __init__(self, preload: Sequence[str] = ("deeplab_mnv2_513_quant",), max_batch_size: int = 4,
                 batch_wait_timeout_s: float = 0.005):
        from models import segmentation as seg  # noqa: PLC0415

        self.seg = seg
        self.store = _store()
        self.labels = seg.load_labels(self.store.path("pascal_voc_labels")) if self.store.has("pascal_voc_labels") \
            else seg.VOC_CLASSES
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()
        for model_id in preload:
            self._get(model_id)
        self._batching(self.predict_batch, max_batch_size, batch_wait_timeout_s)

    def _get(self, model_id: str):
        with self._lock:
            if model_id not in self._models:
                model = self.seg.SegModel(model_id)  # ValueError for an unknown id
                self._models[model_id] = self.seg.load_segmenter(model, self.store.require(model.value), self.labels)
            return self._models[model_id]

    def loaded(self) -> list[str]:
        return sorted(self._models)

    def available(self) -> list[str]:
        return [m.value for m in self.seg.SegModel if self.store.has(m.value)]

    def _predict(self, model_id: str, rgb: np.ndarray):
        return self._get(model_id).predict(rgb)

    @serve.batch(max_batch_size=4, batch_wait_timeout_s=0.005)
    async def predict_batch(self, items: list[tuple[str, np.ndarray]]) -> list[Any]:
        return await asyncio.to_thread(lambda: [self._predict(m, rgb) for m, rgb in items])

    def _operations(self) -> dict[str, Operation]:
        return {"predict": self._op_predict}

    async def _op_predict(self, params: dict[str, Any], arrays: Arrays) -> Result:
        item = (str(params["model"]), arrays["rgb"])
        if self.max_batch_size > 1:
            result = await self.predict_batch(item)
        else:
            result = await asyncio.to_thread(self._predict, *item)
        return ({"model": result.model, "labels": list(result.labels), "timings_ms": result.timings_ms},
                {"class_map": result.class_map})


def segmentation_app(args: dict[str, Any] | None = None):
    """Serve application builder (``import_path: models.serving.deployments:segmentation_app``)."""
    return SegmentationDeployment.bind(**(args or {}))


# --- style (fast, Magenta TFLite pair) ------------------------------------------------------------
@serve.deployment(name="Style")
class StyleDeployment(_Capability):
    """Magenta arbitrary stylization, TFLite pair (:class:`models.style.MagentaTFLite`); ``backend`` = a
    :class:`models.style.Backend` value other than the SavedModel.

    ``bottleneck``: ``rgb`` uint8, params ``crop`` → ``bottleneck`` (1, 1, 1, 100) float32.
    ``stylize``: ``content`` uint8 and ``style`` uint8 (or ``style_bottleneck`` / ``content_bottleneck``), params
    ``strength``, ``max_side``, ``large`` → ``image`` uint8, params ``timings_ms``.
    """

    capability = "style"

    def __init__(self, preload: Sequence[str] = ("tflite_int8",), max_batch_size: int = 4,
                 batch_wait_timeout_s: float = 0.005):
        from models import style as sty  # noqa: PLC0415

        self.sty = sty
        self.store = _store()
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()
        for backend in preload:
            self._get(backend)
        self._batching(self.stylize_batch, max_batch_size, batch_wait_timeout_s)

    def _get(self, backend: str):
        with self._lock:
            if backend not in self._models:
                b = self.sty.Backend(backend)
                if b is self.sty.Backend.SAVED_MODEL:
                    raise ValueError("this deployment serves the TFLite style networks only")
                self._models[backend] = self.sty.MagentaTFLite.from_store(b, self.store)
            return self._models[backend]

    def loaded(self) -> list[str]:
        return sorted(self._models)

    def available(self) -> list[str]:
        return [b.value for b in self.sty.Backend
                if b is not self.sty.Backend.SAVED_MODEL and all(self.store.has(e) for e in b.entries)]

    def _stylize(self, params: dict[str, Any], arrays: Arrays):
        model = self._get(str(params["backend"]))
        return model.stylize(
            arrays["content"], arrays.get("style"), float(params["strength"]), int(params["max_side"]),
            self.sty.LargeImage(params["large"]), style_bottleneck=arrays.get("style_bottleneck"),
            content_bottleneck=arrays.get("content_bottleneck"))

    @serve.batch(max_batch_size=4, batch_wait_timeout_s=0.005)
    async def stylize_batch(self, items: list[tuple[dict[str, Any], Arrays]]) -> list[Any]:
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
    return StyleDeployment.bind(**(args or {}))


# --- faces (MTCNN + dlib ResNet) ----------------------------------------------------------------------
class _BatchedEmbedder:
    """Wraps the dlib embedder so that ``embed`` (called from a worker thread inside
    :meth:`models.faces.FaceAnalyzer.analyze`) goes through the deployment's ``@serve.batch`` queue on the
    replica's event loop: chips of concurrent requests share one batched network call."""

    def __init__(self, inner: Any, chip_lock: threading.Lock, embed: Callable[[list[np.ndarray]], Any],
                 loop: asyncio.AbstractEventLoop | None):
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
class FacesDeployment(_Capability):
    """Face detection (MTCNN) + alignment + embedding (dlib ResNet 128-d): :meth:`models.faces.FaceAnalyzer.analyze`.

    ``analyze``: ``rgb`` (H, W, 3) uint8, params ``max_faces``, ``max_side``, ``confirm``, ``original_size`` →
    ``boxes`` (N, 4) float32, ``confidences`` (N,), ``landmarks`` (N, 5, 2), ``chips`` (N, S, S, 3) uint8,
    ``embeddings`` (N, 128) float32, params ``image_size``, ``detect_scale``, ``detect_ms``, ``embed_ms``,
    ``messages``.
    """

    capability = "faces"

    def __init__(self, max_batch_size: int = 8, batch_wait_timeout_s: float = 0.005):
        from models import faces as F  # noqa: PLC0415

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
        return ["mtcnn", "dlib_resnet_v1"]

    def _embed(self, chips: list[np.ndarray]) -> np.ndarray:
        with self._embed_lock:
            return self.embedder.embed(chips)

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.005)
    async def embed_batch(self, requests: list[list[np.ndarray]]) -> list[np.ndarray]:
        flat = [c for chips in requests for c in chips]
        vectors = await asyncio.get_running_loop().run_in_executor(self._embed_pool, self._embed, flat)
        out, start = [], 0
        for chips in requests:
            out.append(vectors[start:start + len(chips)])
            start += len(chips)
        return out

    def _operations(self) -> dict[str, Operation]:
        return {"analyze": self._op_analyze}

    async def _op_analyze(self, params: dict[str, Any], arrays: Arrays) -> Result:
        F = self.F
        if self.max_batch_size > 1:
            embedder: Any = _BatchedEmbedder(self.embedder, self._chip_lock, self.embed_batch,
                                             asyncio.get_running_loop())
        else:
            embedder = _BatchedEmbedder(self.embedder, self._chip_lock, self._embed, None)
        analyzer = F.FaceAnalyzer(embedder, self.detector)  # per request: its lock must not serialise batching
        size = params.get("original_size")
        rgb = np.array(arrays["rgb"])  # writable, contiguous: dlib and MTCNN want their own buffer
        a = await asyncio.get_running_loop().run_in_executor(self._analyze_pool, functools.partial(
            analyzer.analyze, rgb, int(params.get("max_faces", F.MAX_FACES)),
            None if params.get("max_side") is None else int(params["max_side"]), bool(params.get("confirm", False)),
            tuple(size) if size else None))
        n = len(a.faces)
        chips = np.stack([f.chip for f in a.faces]) if n else np.zeros((0, 1, 1, 3), np.uint8)
        out = {
            "boxes": np.asarray([f.box for f in a.faces], np.float32).reshape(n, 4),
            "confidences": np.asarray([f.confidence for f in a.faces], np.float64).reshape(n),
            "landmarks": np.asarray([f.landmarks for f in a.faces], np.float32).reshape(n, 5, 2),
            "chips": chips.astype(np.uint8),
            "embeddings": np.asarray([f.embedding for f in a.faces], np.float32).reshape(n, -1),
        }
        return ({"image_size": list(a.image_size), "detect_scale": a.detect_scale, "detect_ms": a.detect_ms,
                 "embed_ms": a.embed_ms, "messages": a.messages}, out)


def faces_app(args: dict[str, Any] | None = None):
    return FacesDeployment.bind(**(args or {}))


# --- video (MoViNet-A0 stream) ----------------------------------------------------------------------
@serve.deployment(name="Video")
class VideoDeployment(_Capability):
    """MoViNet stream classification (:class:`models.video.StreamClassifier`) of frames already sampled and fitted
    by the client (see :class:`models.serving.client.ServedStreamClassifier`): only those frames travel.

    ``score``: ``frames`` (M, S, S, 3) uint8, ``times`` (M,) float64 seconds, params ``duration``, ``segments``
    [[index, start_s, end_s], …], ``pooling``, ``choice`` → ``probs`` (C,), ``segment_probs`` (K, C) float32,
    ``segment_frames`` (sum of lengths,) int64 positions into ``frames``, ``segment_lengths`` (K,) int64.
    ``labels``: → params ``labels``, ``size``, ``rate``, ``fit``.
    """

    capability = "video"

    def __init__(self, choices: Sequence[str] = ("movinet_a0_stream",)):
        from models import video as V  # noqa: PLC0415

        self.V = V
        store = _store()
        self._models = {c: V.create(c, store) for c in choices}
        for c, m in self._models.items():
            if not isinstance(m, V.StreamClassifier):
                raise ValueError(f"{c}: only MoViNet stream models are served")

    def loaded(self) -> list[str]:
        return sorted(self._models)

    def _get(self, choice: str):
        if choice not in self._models:
            raise ValueError(f"the video model {choice!r} is not served here (served: {', '.join(self._models)})")
        return self._models[choice]

    def _operations(self) -> dict[str, Operation]:
        return {"score": self._op_score, "labels": self._op_labels}

    async def _op_labels(self, params: dict[str, Any], arrays: Arrays) -> Result:
        m = self._get(str(params["choice"]))
        return {"labels": m.labels, "size": m.size, "rate": m.rate, "fit": m.fit.value}, {}

    def _score(self, params: dict[str, Any], arrays: Arrays):
        V = self.V
        m = self._get(str(params["choice"]))
        frames = arrays["frames"]
        video = V.DecodedVideo(frames, np.asarray(arrays["times"], np.float64), float(params["duration"]), 0.0,
                               (int(frames.shape[2]), int(frames.shape[1])), V.Container.MP4)
        segments = [V.Segment(int(i), float(a), float(b)) for i, a, b in params["segments"]]
        return m.score(video, segments, V.Pooling(params["pooling"]))

    async def _op_score(self, params: dict[str, Any], arrays: Arrays) -> Result:
        s = await asyncio.to_thread(self._score, params, arrays)
        lengths = np.asarray([len(f) for f in s.segment_frames], np.int64)
        flat = np.concatenate([np.asarray(f, np.int64) for f in s.segment_frames]) if len(lengths) else \
            np.zeros(0, np.int64)
        return {}, {"probs": s.probs, "segment_probs": np.stack(s.segment_probs).astype(np.float32),
                    "segment_frames": flat, "segment_lengths": lengths}


def video_app(args: dict[str, Any] | None = None):
    return VideoDeployment.bind(**(args or {}))


# --- digits (DCGAN generate + restore) ----------------------------------------------------------------
@serve.deployment(name="Digits")
class DigitsDeployment(_Capability):
    """The project's DCGAN (weights in ``models/weights/``): sampling, interpolation and restoration.

    ``generate``: params ``n``, ``digit`` (or null), ``seed``, ``truncation`` → ``images`` (n, 28, 28) uint8,
    ``labels`` (n,) int64. ``interpolate``: params ``seed_a``, ``seed_b``, ``digit_a``, ``digit_b``, ``steps``,
    ``spherical``, ``truncation`` → ``frames`` (steps, 28, 28) uint8. ``restore``: ``images`` (N, 28, 28) uint8,
    ``masks`` (N, 28, 28) bool, params ``config`` (RestoreConfig fields), ``candidates`` (or null), ``guesser``
    (bool) → the :class:`models.digits.Restoration` fields.
    """

    capability = "digits"

    def __init__(self):
        from models import digits as D  # noqa: PLC0415
        from models.digits import guesser  # noqa: PLC0415

        self.D = D
        self.gen = D.load_generator()
        self.disc = D.load_discriminator()
        self.guesser = guesser.load()
        self._lock = threading.Lock()  # restore builds tf.functions and an optimiser: one at a time

    def loaded(self) -> list[str]:
        return ["dcgan_generator", "dcgan_discriminator", "digit_guesser"]

    def _operations(self) -> dict[str, Operation]:
        return {"generate": self._op_generate, "interpolate": self._op_interpolate, "restore": self._op_restore}

    def _gen(self, params: dict[str, Any]):
        t = params.get("truncation")
        return self.gen if t is None else self.gen.with_truncation(float(t))

    async def _op_generate(self, params: dict[str, Any], arrays: Arrays) -> Result:
        digit = params.get("digit")
        images, labels = await asyncio.to_thread(self._gen(params).generate, int(params["n"]),
                                                 None if digit is None else int(digit), int(params["seed"]))
        return {}, {"images": images, "labels": np.asarray(labels, np.int64)}

    async def _op_interpolate(self, params: dict[str, Any], arrays: Arrays) -> Result:
        digit_b = params.get("digit_b")
        frames = await asyncio.to_thread(
            self._gen(params).interpolate, int(params["seed_a"]), int(params["seed_b"]), int(params["digit_a"]),
            None if digit_b is None else int(digit_b), int(params.get("steps", 10)),
            bool(params.get("spherical", True)))
        return {}, {"frames": frames}

    def _restore(self, params: dict[str, Any], arrays: Arrays):
        cfg = self.D.RestoreConfig(**params.get("config", {}))
        cands = params.get("candidates")
        with self._lock:
            return self.D.restore(self.gen, self.disc, np.array(arrays["images"]), np.array(arrays["masks"], bool),
                                  cfg, candidates=cands, guesser=self.guesser if params.get("guesser", True) else None)

    async def _op_restore(self, params: dict[str, Any], arrays: Arrays) -> Result:
        r = await asyncio.to_thread(self._restore, params, arrays)
        return {}, {k: np.asarray(getattr(r, k)) for k in
                    ("restored", "generated", "digit", "loss", "candidates", "candidate_loss", "candidate_prob")}


def digits_app(args: dict[str, Any] | None = None):
    return DigitsDeployment.bind(**(args or {}))


BUILDERS: dict[str, Callable[[dict[str, Any] | None], Any]] = {
    "segmentation": segmentation_app, "style": style_app, "faces": faces_app, "video": video_app,
    "digits": digits_app,
}
