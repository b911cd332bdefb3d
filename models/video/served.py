"""Video classification on the model server, and the capability's entry in :mod:`models.backends`.

:class:`ServedStreamClassifier` keeps the :class:`models.video.VideoClassifier` contract over HTTP;
:data:`BACKENDS` pairs it with :func:`models.video.create`, served for the rows whose ``served`` is set (the MoViNet
stream model).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.backends import CapabilityBackends, register
from models.serving.client import ServeClient
from models.video.choices import CHOICE_BY_ID, MODEL_CHOICES, create
from models.video.classifiers import ClipScores, Fit, Pooling, Segment, VideoClassifier, fit_square
from models.video.clip import DecodedVideo, Progress


class ServedStreamClassifier:
    """:class:`models.video.VideoClassifier` contract for the MoViNet stream option.

    The frames the stream model would sample (``rate`` per second, by presentation time) are picked and fitted to
    the model's square here, so only those (M × 172 × 172 × 3 bytes) travel; the server runs the unchanged
    :meth:`models.video.StreamClassifier.score` on them and the frame positions are mapped back to this clip.
    Creating one asks the server for the model's labels, size, rate and fit (the one request at creation).
    ``choice``: an option whose row is served (raises ValueError for another, KeyError for an unknown one).
    """

    def __init__(self, client: ServeClient, choice: str = "movinet_a0_stream"):
        row = CHOICE_BY_ID[choice]
        if not row.served:
            raise ValueError(f"the model server does not run {row.title} (its row says served=False)")
        self.client = client
        self.choice = choice
        self.semantics = row.semantics
        out, _ = client.call("video", "labels", {"choice": choice})
        self.labels = list(out["labels"])
        self.size, self.rate, self.fit = int(out["size"]), float(out["rate"]), Fit(out["fit"])

    def score(
        self,
        video: DecodedVideo,
        segments: Sequence[Segment],
        pooling: Pooling = Pooling.MEAN,
        progress: Progress | None = None,
    ) -> ClipScores:
        """Score ``segments`` of ``video`` on the server; returns :class:`models.video.ClipScores` of this clip."""
        times = np.arange(max(1, int(np.ceil(video.duration * self.rate - 1e-9)))) / self.rate
        picked = np.unique(video.index_at(times))
        frames = np.stack([fit_square(video.frames[i], self.size, self.fit) for i in picked])
        if progress:
            progress(0.1, f"Sending {len(picked)} frames to the model server")
        params = {
            "choice": self.choice,
            "duration": float(video.duration),
            "pooling": Pooling(pooling or Pooling.MEAN).value,
            "segments": [[s.index, s.start_s, s.end_s] for s in segments],
        }
        _, a = self.client.call(
            "video", "score", params, {"frames": frames, "times": np.asarray(video.times, np.float64)[picked]}
        )
        bounds = np.cumsum(np.concatenate([[0], a["segment_lengths"]]))
        seg_frames = [picked[a["segment_frames"][bounds[k] : bounds[k + 1]]] for k in range(len(bounds) - 1)]
        if progress:
            progress(1.0, "Recognised")
        return ClipScores(np.array(a["probs"]), [np.array(p) for p in a["segment_probs"]], seg_frames)


def _can_serve(option: str) -> bool:
    return CHOICE_BY_ID[option].served


def _options() -> list[str]:
    return [c.id for c in MODEL_CHOICES]


BACKENDS: CapabilityBackends[VideoClassifier] = register(
    CapabilityBackends("video", create, ServedStreamClassifier, _can_serve, _options)
)
