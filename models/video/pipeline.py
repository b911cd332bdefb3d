"""Decode → classify over a timeline → annotated copy, with the time each stage took.

Everything is placed by presentation time: segments are stretches of seconds, the frame strip is spread
over the clip's duration, and the annotated copy plays in the clip's real time.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from models.ops import fit_within
from models.video.classifiers import (
    Pooling,
    Segment,
    Semantics,
    VideoClassifier,
    slice_centres,
    split_segments,
)
from models.video.clip import Container, DecodedVideo, Limits, Progress
from models.video.decode import decode_video
from models.video.encode import ENCODE_LIMITS, Encoder, best_encoder, encode_webm, preview, resample


@dataclass(frozen=True)
class Options:
    """Timeline settings: segment length in seconds, pooling, top-k."""

    segment_seconds: float = 2.0
    pooling: Pooling = Pooling.MEAN  # per-frame classifier only
    top_k: int = 5


@dataclass
class SegmentResult:
    """One timeline segment's probabilities and the frames they came from."""

    segment: Segment
    frame_indices: np.ndarray  # the frames this segment's scores came from
    probs: np.ndarray  # (C,) float32

    @property
    def start_s(self) -> float:
        """Start of the segment in seconds."""
        return self.segment.start_s

    @property
    def end_s(self) -> float:
        """End of the segment in seconds."""
        return self.segment.end_s

    def top(self, labels: Sequence[str]) -> tuple[str, float]:
        """The most probable label and its probability (0..1)."""
        i = int(np.argmax(self.probs))
        return labels[i], float(self.probs[i])


@dataclass
class Classification:
    """A clip's classification: labels, whole-clip probabilities, per-segment results and the top-k."""

    labels: list[str]
    semantics: Semantics
    probs: np.ndarray  # (C,) float32 for the whole clip
    segments: list[SegmentResult]
    top: list[tuple[str, float]]  # top-k (label, probability), best first

    def segment_at(self, seconds: float) -> SegmentResult:
        """The timeline segment that contains an instant (the last one for instants past the end)."""
        starts = [r.start_s for r in self.segments]
        return self.segments[max(0, bisect.bisect_right(starts, seconds + 1e-9) - 1)]


def short_label(label: str) -> str:
    """'feather boa, boa' -> 'feather boa': ImageNet lists synonyms; the first is enough on a frame."""
    return label.split(",")[0].strip()


def top_k(probs: np.ndarray, labels: Sequence[str], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` most probable (label, probability) pairs of (C,) ``probs``, best first (ties: lower index first)."""
    order = np.argsort(-probs, kind="stable")[:k]
    return [(labels[i], float(probs[i])) for i in order]


def classify(
    video: DecodedVideo, classifier: VideoClassifier, options: Options = Options(), progress: Progress | None = None
) -> Classification:
    """Scores for the clip and each ``options.segment_seconds`` segment of its timeline."""
    segments = split_segments(video.duration, options.segment_seconds)
    scores = classifier.score(video, segments, options.pooling, progress)
    results = [
        SegmentResult(s, idx, p)
        for s, idx, p in zip(segments, scores.segment_frames, scores.segment_probs, strict=True)
    ]
    return Classification(
        classifier.labels,
        classifier.semantics,
        scores.probs,
        results,
        top_k(scores.probs, classifier.labels, options.top_k),
    )


def annotate(
    video: DecodedVideo, result: Classification, max_side: int | None = None, max_fps: float | None = None
) -> tuple[np.ndarray, float]:
    """Annotated frames of a constant-rate copy of the clip.

    (N, H, W, 3) uint8 frames of a constant-rate copy, each with its segment's top label and score and
    its time drawn, and their rate. ``max_side`` / ``max_fps`` reduce the copy (cheaper to encode); the
    decoded frames are never drawn on.
    """
    indices, ticks, rate = resample(video, max_fps)
    prefix = "" if result.semantics is Semantics.ACTIONS else "seen: "
    out = []
    for i, t in zip(indices, ticks, strict=True):
        src = video.frames[i]
        f = fit_within(src, max_side) if max_side else src
        if np.shares_memory(f, src):
            f = f.copy()
        h, w = f.shape[:2]
        scale = max(0.35, w / 900)
        thick = 1 if scale < 0.7 else 2
        band = int(34 * scale) + 6
        label, p = result.segment_at(float(t)).top(result.labels)
        f[:band] = (f[:band].astype(np.uint16) * 35 // 100).astype(np.uint8)  # darken: text stays readable
        cv2.putText(
            f,
            f"{prefix}{short_label(label)} {p:.0%}",
            (6, band - 8),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            (255, 255, 255),
            thick,
            cv2.LINE_AA,
        )
        stamp = f"{t:4.1f}s"
        (tw, th), _ = cv2.getTextSize(stamp, cv2.FONT_HERSHEY_SIMPLEX, scale * 0.8, thick)
        box = f[max(0, h - th - 14) : h, max(0, w - tw - 10) : w]  # darkened too: readable on white frames
        box[:] = (box.astype(np.uint16) * 35 // 100).astype(np.uint8)
        cv2.putText(
            f, stamp, (w - tw - 6, h - 8), cv2.FONT_HERSHEY_SIMPLEX, scale * 0.8, (255, 255, 0), thick, cv2.LINE_AA
        )
        out.append(f)
    return np.stack(out), rate


UNCERTAIN_BELOW = 0.25  # a top label under this probability (of 600 classes) is captioned "uncertain"


def frame_strip(
    video: DecodedVideo, result: Classification, count: int = 8, height: int = 120
) -> list[tuple[np.ndarray, str]]:
    """Captioned thumbnails along the clip.

    Thumbnails spread evenly over the clip's duration, each captioned with its presentation time and
    its segment's top label (followed by "uncertain" when its probability is under :data:`UNCERTAIN_BELOW`).
    """
    out = []
    for t in slice_centres(0.0, video.duration, count):
        i = int(video.index_at(t))
        label, p = result.segment_at(video.time_of(i)).top(result.labels)
        f = video.frames[i]
        thumb = cv2.resize(f, (max(1, round(f.shape[1] * height / f.shape[0])), height), interpolation=cv2.INTER_AREA)
        doubt = " · uncertain" if p < UNCERTAIN_BELOW else ""
        out.append((thumb, f"{video.time_of(i):.1f} s · {short_label(label)} ({p:.0%}){doubt}"))
    return out


@dataclass
class ClipInfo:
    """What a page shows about a decoded clip: container, codec, frame count, rate, sizes, duration, notes."""

    name: str
    container: Container
    codec: str
    frame_count: int  # decoded (after any frame-rate reduction)
    fps: float  # average rate of the decoded frames
    size: tuple[int, int]  # (width, height) of the decoded frames
    source_size: tuple[int, int]
    duration: float  # seconds, from the frames' own timestamps
    notes: list[str]
    source_frames: int = 0
    browser_playable: bool = True

    @classmethod
    def of(cls, v: DecodedVideo) -> ClipInfo:
        """The info of a decoded clip."""
        return cls(
            v.name,
            v.container,
            v.codec,
            v.count,
            v.fps,
            v.size,
            v.source_size,
            v.duration,
            list(v.notes),
            v.source_frames,
            v.browser_playable or v.container is Container.GIF,
        )


@dataclass
class Analysis:
    """Everything the video page shows: clip info, classification, annotated WebM, timings, thumbnail strip."""

    info: ClipInfo
    result: Classification
    webm: bytes  # the annotated copy; empty when none was asked for
    timings_ms: dict[str, float]  # decode / inference / encode / total
    strip: list[tuple[np.ndarray, str]]  # thumbnails with captions
    encoder: Encoder | None = None
    video: DecodedVideo | None = None  # the decoded frames, only when keep_frames=True (they are big)
    preview: bytes = b""  # a playable plain copy when browsers cannot play the original (e.g. HEVC)


def analyze(
    data: bytes,
    name: str,
    classifier: VideoClassifier,
    options: Options = Options(),
    limits: Limits = Limits(),
    progress: Progress | None = None,
    annotated: bool = True,
    encoder: Encoder | None = None,
    keep_frames: bool = False,
) -> Analysis:
    """Run the whole video pipeline on one clip.

    Decode → classify over the timeline → annotated WebM (and a plain preview when browsers cannot play
    the original), timing each stage in ms. Raises :class:`VideoError` for a clip that cannot be used.
    """

    def stage(lo: float, hi: float) -> Progress | None:
        return (lambda f, text: progress(lo + (hi - lo) * f, text)) if progress else None

    encoder = encoder or best_encoder()
    t0 = time.perf_counter()
    video = decode_video(data, name, limits, stage(0.0, 0.3))
    t1 = time.perf_counter()
    result = classify(video, classifier, options, stage(0.3, 0.8))
    t2 = time.perf_counter()
    webm = playable = b""
    info = ClipInfo.of(video)
    if annotated:
        if progress:
            progress(0.85, "Drawing labels and encoding the annotated WebM")
        lim = ENCODE_LIMITS[encoder]
        frames, fps = annotate(video, result, lim.max_side, lim.max_fps)
        webm = encode_webm(frames, fps, encoder)
        del frames
    if not info.browser_playable:
        if progress:
            progress(0.93, f"Making a playable preview ({info.codec or 'this codec'} does not play in browsers)")
        playable = preview(video, encoder)
    t3 = time.perf_counter()
    if progress:
        progress(1.0, "Done")
    timings = {
        "decode": (t1 - t0) * 1e3,
        "inference": (t2 - t1) * 1e3,
        "encode": (t3 - t2) * 1e3,
        "total": (t3 - t0) * 1e3,
    }
    return Analysis(
        info,
        result,
        webm,
        timings,
        frame_strip(video, result),
        encoder if annotated else None,
        video if keep_frames else None,
        playable,
    )
