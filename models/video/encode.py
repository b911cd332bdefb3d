"""Playable copies of a clip: a constant-rate WebM that every browser plays (annotated or plain preview).

OpenCV's pip wheels cannot encode H.264 and their ``mp4v`` files do not play in browsers, so copies are
VP9 (or VP8) in WebM. A variable-frame-rate source is resampled by time onto a constant-rate grid: each
output frame is the source frame on screen at that instant, so the copy plays in the source's real time.
"""

from __future__ import annotations

import fractions
import io
import os
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import cv2
import numpy as np

from models.ops import fit_within
from models.video.clip import DecodedVideo, VideoError


class Encoder(str, Enum):
    """How a WebM is written. All three play in Chromium, Firefox and Safari 14.1+."""

    PYAV_VP9 = "pyav-vp9"  # PyAV (FFmpeg's libvpx-vp9, real-time mode): fast
    OPENCV_VP8 = "opencv-vp8"  # ~6x faster than OpenCV's VP9
    OPENCV_VP9 = "opencv-vp9"  # OpenCV runs libvpx-vp9 at its slowest default speed

    @property
    def label(self) -> str:
        """The encoder's name for people."""
        return {"pyav-vp9": "VP9 (PyAV)", "opencv-vp8": "VP8 (OpenCV)", "opencv-vp9": "VP9 (OpenCV)"}[self.value]


def best_encoder() -> Encoder:
    """VP9 through PyAV when installed, else OpenCV's VP8."""
    try:
        import av  # noqa: F401

        return Encoder.PYAV_VP9
    except ImportError:
        return Encoder.OPENCV_VP8


@dataclass(frozen=True)
class EncodeLimits:
    """The slower OpenCV encoders get fewer pixels so a 10-s clip still encodes in seconds."""

    max_side: int
    max_fps: float


ENCODE_LIMITS = {
    Encoder.PYAV_VP9: EncodeLimits(480, 30.0),
    Encoder.OPENCV_VP8: EncodeLimits(360, 15.0),
    Encoder.OPENCV_VP9: EncodeLimits(320, 15.0),
}


def output_rate(video: DecodedVideo, max_fps: float | None = None) -> float:
    """Frames per second of a copy: the source's typical rate (median frame interval), capped at ``max_fps``."""
    steps = np.diff(video.times)
    steps = steps[steps > 0]
    rate = 1.0 / float(np.median(steps)) if steps.size else max(video.fps, 1.0)
    rate = min(rate, max_fps) if max_fps else rate
    return float(round(rate, 3))


def resample(video: DecodedVideo, max_fps: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """(indices of the source frames, instants in seconds, rate).

    One source frame per tick of a constant-rate grid over the clip's duration.
    """
    rate = output_rate(video, max_fps)
    ticks = np.arange(max(1, int(np.floor(video.duration * rate + 1e-6)))) / rate
    return video.index_at(ticks), ticks, rate


def preview(video: DecodedVideo, encoder: Encoder | None = None) -> bytes:
    """A plain playable WebM of the decoded clip (for originals browsers cannot play, e.g. HEVC)."""
    encoder = encoder or best_encoder()
    lim = ENCODE_LIMITS[encoder]
    idx, _, rate = resample(video, lim.max_fps)
    frames = np.stack([fit_within(video.frames[i], lim.max_side) for i in idx])
    return encode_webm(frames, rate, encoder)


def encode_webm(frames: np.ndarray, fps: float, encoder: Encoder | None = None) -> bytes:
    """WebM bytes of (N, H, W, 3) uint8 RGB frames shown at ``fps``; odd sides lose one pixel (4:2:0).

    Raises :class:`VideoError` when this server's OpenCV cannot write the chosen codec.
    """
    encoder = encoder or best_encoder()
    h, w = frames.shape[1:3]
    h2, w2 = h - h % 2, w - w % 2  # 4:2:0 chroma needs even sides
    if encoder is Encoder.PYAV_VP9:
        return _encode_pyav(frames[:, :h2, :w2], fps)
    fourcc = "VP90" if encoder is Encoder.OPENCV_VP9 else "VP80"
    with tempfile.TemporaryDirectory(prefix="webm-") as tmp:  # OpenCV writes to a path only
        path = os.path.join(tmp, "annotated.webm")
        writer = cv2.VideoWriter(path, cv2.VideoWriter.fourcc(*fourcc), float(fps), (w2, h2))
        if not writer.isOpened():
            raise VideoError(
                f"This server's OpenCV cannot write {encoder.label} WebM, so no playable copy can be made."
            )
        try:
            for f in frames:
                writer.write(cv2.cvtColor(np.ascontiguousarray(f[:h2, :w2]), cv2.COLOR_RGB2BGR))
        finally:
            writer.release()
        return Path(path).read_bytes()


def _encode_pyav(frames: np.ndarray, fps: float) -> bytes:
    import av

    buf = io.BytesIO()  # in memory: nothing touches the disk
    with av.open(buf, mode="w", format="webm") as out:
        rate = fractions.Fraction(fps).limit_denominator(1001)
        # realtime + cpu-used 8: fastest libvpx mode; constant quality (crf, b=0) keeps labels legible
        stream = out.add_stream(
            "libvpx-vp9",
            rate=rate,
            options={"deadline": "realtime", "cpu-used": "8", "row-mt": "1", "crf": "32", "b": "0"},
        )
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")))
        out.mux(stream.encode())
    return buf.getvalue()
