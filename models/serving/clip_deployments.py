"""Serve deployments of the video classifier and the DCGAN digits (see :mod:`models.serving.deployments`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from ray import serve

from models.serving.capability import Arrays, CapabilityDeployment, Operation, Result, deployment_store


@serve.deployment(name="Video")
class VideoDeployment(CapabilityDeployment):
    """Serve deployment of MoViNet stream classification.

    MoViNet stream classification (:class:`models.video.StreamClassifier`) of frames already sampled and fitted
    by the client (see :class:`models.video.ServedStreamClassifier`): only those frames travel.

    ``score``: ``frames`` (M, S, S, 3) uint8, ``times`` (M,) float64 seconds, params ``duration``, ``segments``
    [[index, start_s, end_s], …], ``pooling``, ``choice`` → ``probs`` (C,), ``segment_probs`` (K, C) float32,
    ``segment_frames`` (sum of lengths,) int64 positions into ``frames``, ``segment_lengths`` (K,) int64.
    ``labels``: → params ``labels``, ``size``, ``rate``, ``fit``.
    """

    capability = "video"

    def __init__(self, choices: Sequence[str] = ("movinet_a0_stream",)):
        super().__init__()  # refuses to start without VISION_SERVE_TOKEN
        from models import video as V

        self.V = V
        store = deployment_store()
        for c in choices:
            if not V.CHOICE_BY_ID[c].served:
                raise ValueError(f"{c}: only the video models whose row says served (MoViNet stream) are served")
        self._models = {c: V.create(c, store) for c in choices}

    def loaded(self) -> list[str]:
        """Ids of the video models loaded in this replica, sorted."""
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
        video = V.DecodedVideo(
            frames,
            np.asarray(arrays["times"], np.float64),
            float(params["duration"]),
            0.0,
            (int(frames.shape[2]), int(frames.shape[1])),
            V.Container.MP4,
        )
        segments = [V.Segment(int(i), float(a), float(b)) for i, a, b in params["segments"]]
        return m.score(video, segments, V.Pooling(params["pooling"]))

    async def _op_score(self, params: dict[str, Any], arrays: Arrays) -> Result:
        s = await asyncio.to_thread(self._score, params, arrays)
        lengths = np.asarray([len(f) for f in s.segment_frames], np.int64)
        flat = (
            np.concatenate([np.asarray(f, np.int64) for f in s.segment_frames])
            if len(lengths)
            else np.zeros(0, np.int64)
        )
        return {}, {
            "probs": s.probs,
            "segment_probs": np.stack(s.segment_probs).astype(np.float32),
            "segment_frames": flat,
            "segment_lengths": lengths,
        }


def video_app(args: dict[str, Any] | None = None):
    """The Serve application of video classification (``args``: the deployment's constructor arguments)."""
    return VideoDeployment.bind(**(args or {}))


# --- digits (DCGAN generate + restore) ----------------------------------------------------------------
@serve.deployment(name="Digits")
class DigitsDeployment(CapabilityDeployment):
    """The project's DCGAN (weights in ``models/weights/``): sampling, interpolation and restoration.

    ``generate``: params ``n``, ``digit`` (or null), ``seed``, ``truncation`` → ``images`` (n, 28, 28) uint8,
    ``labels`` (n,) int64. ``interpolate``: params ``seed_a``, ``seed_b``, ``digit_a``, ``digit_b``, ``steps``,
    ``spherical``, ``truncation`` → ``frames`` (steps, 28, 28) uint8. ``restore``: ``images`` (N, 28, 28) uint8,
    ``masks`` (N, 28, 28) bool, params ``config`` (RestoreConfig fields), ``candidates`` (or null), ``guesser``
    (bool) → the :class:`models.digits.Restoration` fields.
    """

    capability = "digits"

    def __init__(self):
        super().__init__()  # refuses to start without VISION_SERVE_TOKEN
        from models import digits as D
        from models.digits import guesser

        self.D = D
        self.gen = D.load_generator()
        self.disc = D.load_discriminator()
        self.guesser = guesser.load()
        self._lock = threading.Lock()  # restore builds tf.functions and an optimiser: one at a time

    def loaded(self) -> list[str]:
        """The networks loaded in this replica."""
        return ["dcgan_generator", "dcgan_discriminator", "digit_guesser"]

    def _operations(self) -> dict[str, Operation]:
        return {"generate": self._op_generate, "interpolate": self._op_interpolate, "restore": self._op_restore}

    def _gen(self, params: dict[str, Any]):
        t = params.get("truncation")
        return self.gen if t is None else self.gen.with_truncation(float(t))

    async def _op_generate(self, params: dict[str, Any], arrays: Arrays) -> Result:
        digit = params.get("digit")
        images, labels = await asyncio.to_thread(
            self._gen(params).generate, int(params["n"]), None if digit is None else int(digit), int(params["seed"])
        )
        return {}, {"images": images, "labels": np.asarray(labels, np.int64)}

    async def _op_interpolate(self, params: dict[str, Any], arrays: Arrays) -> Result:
        digit_b = params.get("digit_b")
        frames = await asyncio.to_thread(
            self._gen(params).interpolate,
            int(params["seed_a"]),
            int(params["seed_b"]),
            int(params["digit_a"]),
            None if digit_b is None else int(digit_b),
            int(params.get("steps", 10)),
            bool(params.get("spherical", True)),
        )
        return {}, {"frames": frames}

    def _restore(self, params: dict[str, Any], arrays: Arrays):
        cfg = self.D.RestoreConfig(**params.get("config", {}))
        cands = params.get("candidates")
        with self._lock:
            return self.D.restore(
                self.gen,
                self.disc,
                np.array(arrays["images"]),
                np.array(arrays["masks"], bool),
                cfg,
                candidates=cands,
                guesser=self.guesser if params.get("guesser", True) else None,
            )

    async def _op_restore(self, params: dict[str, Any], arrays: Arrays) -> Result:
        r = await asyncio.to_thread(self._restore, params, arrays)
        return {}, {
            k: np.asarray(getattr(r, k))
            for k in ("restored", "generated", "digit", "loss", "candidates", "candidate_loss", "candidate_prob")
        }


def digits_app(args: dict[str, Any] | None = None):
    """The Serve application of the DCGAN digits (``args``: the deployment's constructor arguments)."""
    return DigitsDeployment.bind(**(args or {}))
