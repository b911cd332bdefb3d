"""A decoded clip and what decoding needs: containers, limits, the frame keeper, the clip's errors.

See :mod:`models.video.decode` for how clips are decoded.

Container frame rates lie: a phone that drops from 30 to 5 fps in low light writes one average rate, and a
browser's recorder (MediaRecorder WebM) writes none at all (OpenCV then reports 1000 fps and a nonsense
frame count). So every frame keeps the time the decoder gives it, and everything downstream (sampling,
segments, captions, the annotated copy, the duration limit) works in seconds, never in frame counts.

- Containers (mp4, mov, avi, mkv, webm) are decoded by PyAV (FFmpeg) straight from memory: nothing
  uploaded touches the disk. Phone clips' rotation (display matrix) is applied.
- GIFs are decoded by Pillow, which handles per-frame disposal, palettes and transparency; frames are
  composited onto white (as the image decoder does) and their delays follow browsers: a delay of 10 ms or
  less (or none) is shown as 100 ms, so it counts as 100 ms here too.
- Memory is bounded whatever the input: at most ``Limits.frame_budget_bytes`` of decoded frames are held.
  Frames are reduced to ``Limits.max_side`` and to at most ``Limits.keep_fps`` frames per second *by time*
  (a rate that also fits the budget for a clip of the maximum length), and decoding stops with a clear
  message as soon as a frame's timestamp passes the duration limit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import cv2
import numpy as np

from models.errors import InputError

# progress(fraction 0..1, what is happening)
Progress = Callable[[float, str], None]

# Browsers show GIF frame delays of 10 ms or less (or none) as 100 ms (Chromium, Firefox and Safari agree).
GIF_SHORTEST_DELAY_MS = 10
GIF_DEFAULT_DELAY_MS = 100


class VideoError(InputError):
    """A clip that cannot be used; the message says why in plain words and can be shown as is."""


class Container(str, Enum):
    """The video containers accepted."""

    MP4 = "mp4"
    AVI = "avi"
    MOV = "mov"
    MKV = "mkv"
    WEBM = "webm"
    GIF = "gif"

    @property
    def suffix(self) -> str:
        """The file extension, with its dot."""
        return f".{self.value}"


SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(c.value for c in Container)
_ALIASES = {"m4v": Container.MP4, "qt": Container.MOV}

# What browsers play natively (Chromium, Firefox, Safari): anything else gets a re-encoded preview.
_BROWSER_CODECS = {
    Container.MP4: {"h264", "vp9", "av1"},
    Container.MOV: {"h264"},
    Container.WEBM: {"vp8", "vp9", "av1"},
    Container.MKV: {"vp8", "vp9", "av1"},
}


def container_for(name: str) -> Container:
    """The container named by a file's extension. Raises :class:`VideoError` for any other extension."""
    ext = Path(name).suffix.lower().lstrip(".")
    if ext in _ALIASES:
        return _ALIASES[ext]
    try:
        return Container(ext)
    except ValueError:
        raise VideoError(
            f"{name}: '.{ext or '?'}' is not a supported video type. Use one of: {', '.join(SUPPORTED_EXTENSIONS)}."
        ) from None


@dataclass(frozen=True)
class Limits:
    """What the app accepts, and the memory it may spend on one clip's decoded frames.

    ``frame_budget_bytes`` bounds the decoded frames of any input: 30 s of 480×270 (16:9) frames at 30 fps
    is 350 MB and fits; a square 480×480 clip is kept at 19 fps to fit; a 3000-frame GIF is refused once
    its frames' delays pass 30 s, having decoded 300 frames.
    """

    max_bytes: int = 100 * 1024 * 1024
    max_seconds: float = 30.0
    max_side: int = 480  # frames are kept (and annotated) at this size: classifiers need ≤ 224
    max_fps: float = 30.0  # faster clips keep one frame per 1/max_fps s, chosen by timestamp
    frame_budget_bytes: int = 384 * 1024 * 1024

    def keep_fps(self, width: int, height: int) -> float:
        """Frames per second kept for ``width``×``height`` RGB frames: ``max_fps``, or less to fit the budget."""
        per_second = self.max_seconds * width * height * 3
        return max(1.0, min(self.max_fps, self.frame_budget_bytes / per_second))

    def max_frames(self, width: int, height: int) -> int:
        """The most frames of this size that fit the budget."""
        return max(1, self.frame_budget_bytes // (width * height * 3))


@dataclass
class DecodedVideo:
    """Decoded frames and their presentation times.

    ``frames``: (N, H, W, 3) uint8 RGB, at most ``Limits.max_side`` on the long side.
    ``times``: (N,) float64 seconds from the first frame, non-decreasing: when each frame is shown.
    ``duration``: seconds from the first frame's start to the last frame's end.
    """

    frames: np.ndarray
    times: np.ndarray
    duration: float
    source_fps: float  # the source's average rate: frames decoded / duration (before any reduction)
    source_size: tuple[int, int]  # (width, height) as players show it: after rotation and the pixel aspect ratio
    container: Container
    codec: str = ""
    name: str = "clip"
    notes: list[str] = field(default_factory=list)
    source_frames: int = 0  # frames in the source (before any reduction)

    @classmethod
    def constant_rate(
        cls, frames: np.ndarray, fps: float, container: Container = Container.MP4, name: str = "clip", codec: str = ""
    ) -> DecodedVideo:
        """Frames shown at a constant rate (synthetic clips, tests): frame i at i / fps seconds."""
        n = int(frames.shape[0])
        return cls(
            frames,
            np.arange(n) / fps,
            n / fps,
            fps,
            (int(frames.shape[2]), int(frames.shape[1])),
            container,
            codec,
            name,
            [],
            n,
        )

    @property
    def count(self) -> int:
        """Number of decoded frames."""
        return int(self.frames.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the decoded frames."""
        return int(self.frames.shape[2]), int(self.frames.shape[1])

    @property
    def fps(self) -> float:
        """Average rate of the decoded frames (frames / duration); variable-rate clips vary around it."""
        return self.count / self.duration if self.duration > 0 else 0.0

    def time_of(self, index: int) -> float:
        """Presentation time of frame ``index`` in seconds."""
        return float(self.times[index])

    def index_at(self, seconds: float | np.ndarray) -> np.ndarray:
        """Index of the frame on screen at each time (the last frame shown at or before it).

        Containers round timestamps to their clock (WebM: 1 ms), so a frame up to 1 ms late still counts as shown.
        """
        i = np.searchsorted(self.times, np.asarray(seconds, dtype=np.float64) + 1e-3, side="right") - 1
        return np.clip(i, 0, self.count - 1)

    @property
    def browser_playable(self) -> bool:
        """Whether browsers can play the original file (else the page shows a re-encoded preview)."""
        return self.codec in _BROWSER_CODECS.get(self.container, set())


def too_long_error(name: str, seconds: float, limits: Limits, at_least: bool = False) -> VideoError:
    """The :class:`VideoError` for a clip over the duration limit (``at_least``: the length is a lower bound)."""
    length = f"longer than {seconds:.1f} s" if at_least else f"{seconds:.1f} s long"
    return VideoError(
        f"{name} is {length}; the limit here is {limits.max_seconds:.0f} s. "
        "Trim it (or upload a shorter part) and try again."
    )


def _fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    if max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


class FrameKeeper:
    """Keeps frames chosen by time into one preallocated buffer (no list + stack copy at the end).

    The buffer is sized by the budget for the first frame's size; ``np.empty`` pages are only committed
    as frames are written, so a short clip costs only its own frames.
    """

    def __init__(self, name: str, limits: Limits):
        self.name, self.limits = name, limits
        self.buf: np.ndarray | None = None
        self.times: list[float] = []
        self.keep_fps = limits.max_fps
        self._last_slot = -1
        self.size = (0, 0)  # (width, height) kept

    def wants(self, t: float) -> bool:
        """Whether a frame at ``t`` seconds falls in a new ``1/keep_fps`` slot (and so is kept)."""
        # one frame per 1/keep_fps-s slot; +0.25 slot absorbs timestamps rounded to the container's clock (ms)
        return math.floor(t * self.keep_fps + 0.25) > self._last_slot

    def start(self, width: int, height: int) -> None:
        """Size the buffer for frames of ``width`` × ``height`` (reduced to the limits' long side)."""
        self.size = _fit_size(width, height, self.limits.max_side)
        w, h = self.size
        self.keep_fps = self.limits.keep_fps(w, h)
        n = min(self.limits.max_frames(w, h), int(self.limits.max_seconds * self.keep_fps) + 2)
        self.buf = np.empty((n, h, w, 3), np.uint8)

    def add(self, rgb: np.ndarray, t: float) -> None:
        """Keep ``rgb`` (resized to the kept size when the stream changes size), shown at ``t`` seconds.

        Raises :class:`VideoError` when the buffer is full (the clip is longer than the limits allow).
        """
        assert self.buf is not None
        n = len(self.times)
        if n >= self.buf.shape[0]:  # only reachable with a budget smaller than the time limit needs
            raise too_long_error(self.name, t, self.limits, at_least=True)
        w, h = self.size
        if rgb.shape[:2] != (h, w):  # a stream that changes resolution mid-way (browser recordings can)
            rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
        self.buf[n] = rgb
        self.times.append(t)
        self._last_slot = math.floor(t * self.keep_fps + 0.25)

    def frames(self) -> np.ndarray:
        """(N, H, W, 3) uint8 frames kept so far (a view of the buffer)."""
        assert self.buf is not None
        return self.buf[: len(self.times)]
