"""Served backends: the same contracts as the in-process ones, computed by the Ray Serve application over HTTP.

Each class wraps nothing but an HTTP client (no Ray import, no model in this process) and returns the very types
the local backends return, so a page cannot tell them apart:

=========================  ====================================  ==========================================
capability                 local backend                         served backend here
=========================  ====================================  ==========================================
segmentation               :class:`models.segmentation.Segmenter`  :class:`ServedSegmenter`
style (fast, TFLite pair)  :class:`models.style.MagentaTFLite`     :class:`ServedStyle`
faces                      :class:`models.faces.FaceAnalyzer`      :class:`ServedFaceAnalyzer`
video (MoViNet stream)     :class:`models.video.StreamClassifier`  :class:`ServedStreamClassifier`
DCGAN generate             :class:`models.digits.DigitGenerator`   :class:`ServedDigitGenerator`
DCGAN restore              :func:`models.digits.restore`           :func:`served_restore`
=========================  ====================================  ==========================================

Every request carries ``Authorization: Bearer $VISION_SERVE_TOKEN`` (:mod:`models.serving.auth`; read per
request, so a rotated token needs no restart of the client objects).

Failures: a connection refused / reset or a 5xx answer (a replica that died mid-request; Ray restarts it) is
retried once after :data:`RETRY_DELAY_S`; a second failure, or no answer within the timeout, raises
:class:`models.serving.errors.InferenceUnavailable` (a :class:`models.errors.VisionError`: pages show its message
as is). A 4xx is never retried (the same request would get the same answer): 400 raises
:class:`~models.serving.errors.ServedInputError` with the server's plain message, 401/403
:class:`~models.serving.errors.ServeAuthError`, any other 4xx InferenceUnavailable. Nothing is remembered between
calls, so the next call after the cluster is back simply works.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import models.serving.auth as auth
import models.serving.wire as wire
from models.serving.errors import InferenceUnavailable, ServeAuthError, ServedInputError

TIMEOUT_ENV = "VISION_SERVE_TIMEOUT"  # seconds one request may take (default 300: a 400-step restoration)
DEFAULT_TIMEOUT_S = 300.0
CONNECT_TIMEOUT_S = 3.0
RETRY_DELAY_S = 1.0
RETRY_STATUS = frozenset({500, 502, 503, 504})
AUTH_STATUS = frozenset({401, 403})


def _timeout() -> float:
    try:
        return float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S


class ServeClient:
    """``POST {address}/{capability}/{operation}`` with a :mod:`wire` message; thread-safe (a session per thread).

    ``address``: the Serve HTTP proxy, e.g. ``http://127.0.0.1:8000`` (a path prefix is kept); ``token``: the
    shared secret (default: the first of ``$VISION_SERVE_TOKEN`` at each request).
    """

    def __init__(self, address: str, timeout_s: float | None = None, retries: int = 1, token: str | None = None):
        self.address = address.rstrip("/")
        if "://" not in self.address:
            self.address = "http://" + self.address
        self.timeout_s = timeout_s if timeout_s is not None else _timeout()
        self.retries = retries
        self.token = token
        self._local = threading.local()

    def _auth(self) -> dict[str, str]:
        return auth.header(self.token or auth.client_token())

    def _session(self):
        import requests

        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = requests.Session()
        return s

    def info(self, capability: str, timeout_s: float = 3.0) -> dict[str, Any]:
        """The deployment's ``GET /<capability>/info`` answer; raises InferenceUnavailable when unreachable."""
        import requests

        try:
            r = self._session().get(
                f"{self.address}/{capability}/info", headers=self._auth(), timeout=(CONNECT_TIMEOUT_S, timeout_s)
            )
        except requests.RequestException as exc:
            raise InferenceUnavailable(reason=f"{type(exc).__name__}: {exc}") from None
        if r.status_code in AUTH_STATUS:
            raise ServeAuthError(_auth_reason(r))
        if r.status_code != 200:
            raise InferenceUnavailable(reason=f"HTTP {r.status_code}: {r.text[:200]}")
        return r.json()

    def call(
        self,
        capability: str,
        operation: str,
        params: dict[str, Any] | None = None,
        arrays: dict[str, np.ndarray] | None = None,
    ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """One request → (params, arrays) of the answer.

        Raises InferenceUnavailable (ServeAuthError on 401/403) or ServedInputError (400: the server's plain message).
        """
        import requests

        body = wire.pack(params, arrays)
        url = f"{self.address}/{capability}/{operation}"
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(RETRY_DELAY_S)
                self._local.session = None  # a fresh connection after a failure
            try:
                r = self._session().post(
                    url,
                    data=body,
                    headers={"Content-Type": wire.CONTENT_TYPE, **self._auth()},
                    timeout=(CONNECT_TIMEOUT_S, self.timeout_s),
                )
            except requests.Timeout as exc:
                raise InferenceUnavailable(
                    f"The model server took longer than {self.timeout_s:.0f} s to answer. Please try again later.",
                    reason=f"timeout: {exc}",
                ) from None
            except requests.RequestException as exc:
                reason = f"{type(exc).__name__}: {exc}"
                continue
            if r.status_code == 200:
                return wire.unpack(r.content)
            if r.status_code == 400:
                raise ServedInputError(_error_text(r))
            if r.status_code in AUTH_STATUS:
                raise ServeAuthError(_auth_reason(r))
            reason = f"HTTP {r.status_code} from {url}: {_error_text(r)[:300]}"
            if r.status_code not in RETRY_STATUS:  # 4xx: the same request gets the same answer
                break
        raise InferenceUnavailable(reason=reason)


def _auth_reason(r) -> str:
    sent = "a token" if "Authorization" in r.request.headers else "no token"
    return (
        f"HTTP {r.status_code} from {r.url}: this UI server sent {sent}; set {auth.TOKEN_ENV} to the model "
        "server's token (deploy/production.env)"
    )


def _error_text(r) -> str:
    try:
        return str(r.json().get("error", r.text))
    except ValueError:
        return r.text


_clients: dict[str, ServeClient] = {}
_clients_lock = threading.Lock()


def client_for(address: str) -> ServeClient:
    """The one :class:`ServeClient` of ``address`` (a connection pool shared by every session)."""
    with _clients_lock:
        if address not in _clients:
            _clients[address] = ServeClient(address)
        return _clients[address]


def _total_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


# --- segmentation ----------------------------------------------------------------------------------
class ServedSegmenter:
    """:class:`models.segmentation.Segmenter` contract: ``model``, ``spec``, ``labels``, ``predict(rgb)``."""

    def __init__(self, client: ServeClient, model: Any):
        from models import segmentation as seg

        self._seg = seg
        self.client = client
        self.model = seg.SegModel(model)
        self.spec = self.model.spec
        self.labels = seg.VOC_CLASSES

    def predict(self, rgb: np.ndarray):
        """(H, W, 3) uint8 RGB → :class:`models.segmentation.Segmentation` at the same size (class ids uint8).

        ``timings_ms`` holds the server's preprocess / model / postprocess plus ``network + queue`` (the rest of
        the round trip). Raises ValueError on a wrong array, InferenceUnavailable when the server is not there.
        """
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {rgb.shape} {rgb.dtype}")
        start = time.perf_counter()
        params, arrays = self.client.call("segmentation", "predict", {"model": self.model.value}, {"rgb": rgb})
        timings = {k: float(v) for k, v in params["timings_ms"].items()}
        timings["network + queue"] = max(0.0, _total_ms(start) - sum(timings.values()))
        self.labels = tuple(params["labels"])
        return self._seg.Segmentation(np.array(arrays["class_map"]), self.labels, params["model"], timings)


# --- style -----------------------------------------------------------------------------------------
class ServedStyle:
    """:class:`models.style.MagentaTFLite` contract: ``bottleneck(rgb, crop)`` and ``stylize(...)``."""

    def __init__(self, client: ServeClient, backend: Any):
        from models import style as sty

        self._sty = sty
        self.client = client
        self.backend = sty.Backend(backend)
        if self.backend is sty.Backend.SAVED_MODEL:
            raise ValueError("the served style backend runs the TFLite pair only")

    def bottleneck(self, rgb: np.ndarray, crop: bool = False) -> np.ndarray:
        """The style vector, float32 (1, 1, 1, 100), of an (H, W, 3) uint8 image (see MagentaTFLite.bottleneck)."""
        _, arrays = self.client.call(
            "style", "bottleneck", {"backend": self.backend.value, "crop": bool(crop)}, {"rgb": rgb}
        )
        return np.array(arrays["bottleneck"])

    def stylize(
        self,
        content: np.ndarray,
        style: np.ndarray | None,
        strength: float = 1.0,
        max_side: int | None = None,
        large: Any = None,
        style_bottleneck: np.ndarray | None = None,
        content_bottleneck: np.ndarray | None = None,
        on_tile: Callable[[int, int], None] | None = None,
    ):
        """Content + style (uint8 RGB) → :class:`models.style.StyleResult`.

        ``on_tile`` is called once, at the end (tiles run on the server).
        """
        sty = self._sty
        arrays = {"content": content}
        if style_bottleneck is not None:
            arrays["style_bottleneck"] = np.asarray(style_bottleneck, np.float32)
        elif style is not None:
            arrays["style"] = style
        if content_bottleneck is not None:
            arrays["content_bottleneck"] = np.asarray(content_bottleneck, np.float32)
        params = {
            "backend": self.backend.value,
            "strength": float(strength),
            "max_side": int(max_side or sty.TRANSFER_SIZE),
            "large": sty.LargeImage(large or sty.LargeImage.TILES).value,
        }
        start = time.perf_counter()
        out, arrays_out = self.client.call("style", "stylize", params, arrays)
        timings = {k: float(v) for k, v in out["timings_ms"].items()}
        timings["network + queue"] = max(0.0, _total_ms(start) - sum(timings.values()))
        if on_tile is not None:
            on_tile(1, 1)
        return sty.StyleResult(np.array(arrays_out["image"]), timings, list(out.get("notes", [])))


# --- faces -----------------------------------------------------------------------------------------
class ServedFaceAnalyzer:
    """:class:`models.faces.FaceAnalyzer` contract (dlib embedder): ``spec`` and ``analyze(...)``."""

    def __init__(self, client: ServeClient):
        from models import faces as F

        self._F = F
        self.client = client

    @property
    def spec(self):
        """The dlib embedder's row of the faces table."""
        return self._F.SPECS[self._F.Embedder.DLIB]

    def analyze(
        self,
        rgb: np.ndarray,
        max_faces: int | None = None,
        max_side: int | None = None,
        confirm: bool = False,
        original_size: tuple[int, int] | None = None,
    ):
        """(H, W, 3) uint8 → :class:`models.faces.Analysis` (faces with boxes, landmarks, chips, embeddings)."""
        F = self._F
        params = {
            "max_faces": int(max_faces if max_faces is not None else F.MAX_FACES),
            "max_side": max_side,
            "confirm": bool(confirm),
            "original_size": list(original_size) if original_size else None,
        }
        out, a = self.client.call("faces", "analyze", params, {"rgb": rgb})
        faces = [
            F.Face(
                box=np.array(a["boxes"][i]),
                confidence=float(a["confidences"][i]),
                landmarks=np.array(a["landmarks"][i]),
                chip=np.array(a["chips"][i]),
                embedding=np.array(a["embeddings"][i]),
            )
            for i in range(len(a["boxes"]))
        ]
        return F.Analysis(
            faces,
            tuple(out["image_size"]),
            float(out["detect_scale"]),
            float(out["detect_ms"]),
            float(out["embed_ms"]),
            list(out["messages"]),
        )


# --- video -----------------------------------------------------------------------------------------
class ServedStreamClassifier:
    """:class:`models.video.VideoClassifier` contract for the MoViNet stream option.

    The frames the stream model would sample (``rate`` per second, by presentation time) are picked and fitted to
    the model's square here, so only those (M × 172 × 172 × 3 bytes) travel; the server runs the unchanged
    :meth:`models.video.StreamClassifier.score` on them and the frame positions are mapped back to this clip.
    """

    def __init__(self, client: ServeClient, choice: str = "movinet_a0_stream"):
        from models import video as V

        self._V = V
        self.client = client
        self.choice = choice
        self.semantics = V.CHOICE_BY_ID[choice].semantics
        out, _ = client.call("video", "labels", {"choice": choice})
        self.labels = list(out["labels"])
        self.size, self.rate, self.fit = int(out["size"]), float(out["rate"]), V.Fit(out["fit"])

    def score(self, video: Any, segments: Sequence[Any], pooling: Any = None, progress: Any = None):
        """Score ``segments`` of ``video`` on the server; returns :class:`models.video.ClipScores` of this clip."""
        V = self._V
        pooling = pooling or V.Pooling.MEAN
        times = np.arange(max(1, int(np.ceil(video.duration * self.rate - 1e-9)))) / self.rate
        picked = np.unique(video.index_at(times))
        frames = np.stack([V.fit_square(video.frames[i], self.size, self.fit) for i in picked])
        if progress:
            progress(0.1, f"Sending {len(picked)} frames to the model server")
        params = {
            "choice": self.choice,
            "duration": float(video.duration),
            "pooling": V.Pooling(pooling).value,
            "segments": [[s.index, s.start_s, s.end_s] for s in segments],
        }
        _, a = self.client.call(
            "video", "score", params, {"frames": frames, "times": np.asarray(video.times, np.float64)[picked]}
        )
        bounds = np.cumsum(np.concatenate([[0], a["segment_lengths"]]))
        seg_frames = [picked[a["segment_frames"][bounds[k] : bounds[k + 1]]] for k in range(len(bounds) - 1)]
        if progress:
            progress(1.0, "Recognised")
        return V.ClipScores(np.array(a["probs"]), [np.array(p) for p in a["segment_probs"]], seg_frames)
