"""Video classification: decode a clip, classify it in segments, draw the labels on a playable copy.

Two kinds of classifier share one pipeline:

- MoViNet A0/A1/A2 base, Kinetics-600 (SavedModel through the model store): a 3D-conv action model that
  sees a whole segment at once (floats in [0,1], [1,T,H,W,3] -> 600 logits).
- An ImageNet frame classifier (MobileNetV2 TFLite) whose per-frame probabilities are pooled over time.
  ImageNet has no action classes, so its output is what is *seen* in the frames (objects / scenes), and
  everything here labels it that way (:class:`Semantics`).

Long clips are handled in segments (a few seconds each): every segment gets its own probabilities (the
timeline), and the clip's top-5 is the pooling of the segments. Uploads are decoded from a temporary file
that is deleted as soon as decoding ends; nothing uploaded stays on disk. No Streamlit import: usable from a
CLI or a notebook.
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
from PIL import Image, ImageSequence

# progress(fraction 0..1, what is happening)
Progress = Callable[[float, str], None]


class VideoError(ValueError):
    """A clip that cannot be used; the message says why in plain words and can be shown as is."""


class _NotOpened(Exception):
    pass


class Container(str, Enum):
    MP4 = "mp4"
    AVI = "avi"
    MOV = "mov"
    MKV = "mkv"
    WEBM = "webm"
    GIF = "gif"

    @property
    def suffix(self) -> str:
        return f".{self.value}"


SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(c.value for c in Container)
_ALIASES = {"m4v": Container.MP4, "qt": Container.MOV}


def container_for(name: str) -> Container:
    ext = Path(name).suffix.lower().lstrip(".")
    if ext in _ALIASES:
        return _ALIASES[ext]
    try:
        return Container(ext)
    except ValueError:
        raise VideoError(
            f"{name}: '.{ext or '?'}' is not a supported video type. "
            f"Use one of: {', '.join(SUPPORTED_EXTENSIONS)}."
        ) from None


@dataclass(frozen=True)
class Limits:
    """What the app accepts. A 30-s clip at ≤30 fps and ≤480 px keeps memory around 400 MB at worst."""

    max_bytes: int = 100 * 1024 * 1024
    max_seconds: float = 30.0
    max_side: int = 480  # frames are kept (and annotated) at this size: classifiers need ≤ 224
    max_fps: float = 30.0  # faster clips keep every k-th frame


@dataclass
class DecodedVideo:
    frames: np.ndarray  # (N, H, W, 3) uint8 RGB, at most Limits.max_side on the long side
    fps: float  # of `frames` (after any frame skipping)
    source_fps: float
    source_size: tuple[int, int]  # (width, height) as stored
    container: Container
    codec: str = ""
    name: str = "clip"
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return int(self.frames.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        return int(self.frames.shape[2]), int(self.frames.shape[1])

    @property
    def duration(self) -> float:
        return self.count / self.fps

    def time_of(self, index: int) -> float:
        return index / self.fps


def _too_long(name: str, seconds: float, limits: Limits) -> VideoError:
    return VideoError(
        f"{name} is {seconds:.1f} s long; the limit here is {limits.max_seconds:.0f} s. "
        "Trim it (or upload a shorter part) and try again."
    )


def resize_within(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale (never upscale) keeping the aspect ratio. OpenCV's INTER_AREA: fast enough for every frame."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    scale = max_side / max(h, w)
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def _fourcc_text(value: float) -> str:
    code = int(value)
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() and text.strip() else ""


def decode_video(data: bytes, name: str = "clip", limits: Limits = Limits(), progress: Progress | None = None) -> DecodedVideo:
    """Every frame of an uploaded clip (RGB, resized to ``limits.max_side``), or a :class:`VideoError`."""
    container = container_for(name)
    if not data:
        raise VideoError(f"{name} is empty (0 bytes).")
    if len(data) > limits.max_bytes:
        raise VideoError(
            f"{name} is {len(data) / 1e6:.0f} MB; the limit here is {limits.max_bytes / 1e6:.0f} MB. "
            "Upload a shorter or smaller clip."
        )
    if container is Container.GIF:
        return _decode_gif(data, name, limits, progress)
    # OpenCV's FFmpeg backend reads from a path only: a private temporary file, deleted when the block ends.
    with tempfile.NamedTemporaryFile(suffix=container.suffix, prefix="upload-") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            return _decode_opencv(tmp.name, name, container, limits, progress)
        except _NotOpened:
            raise _unopenable(name, container, data) from None


def read_video(path: Path | str, limits: Limits = Limits(), progress: Progress | None = None) -> DecodedVideo:
    """A clip from disk (samples, CLI): same checks as an upload."""
    path = Path(path)
    return decode_video(path.read_bytes(), path.name, limits, progress)


def sniff_codec(data: bytes, container: Container) -> str:
    """The video codec a file declares, read from its header (to name it when no decoder is found)."""
    head = data[: 1 << 20]
    if container is Container.AVI:
        i = head.find(b"vids")  # stream header: fccType 'vids' then fccHandler
        return head[i + 4 : i + 8].decode("latin-1") if i >= 0 else ""
    if container in (Container.MP4, Container.MOV):
        i = data.find(b"stsd")  # sample description: version/flags, count, entry size, then the format
        return data[i + 16 : i + 20].decode("latin-1") if i >= 0 else ""
    if container in (Container.MKV, Container.WEBM):
        m = re.search(rb"V_[A-Z0-9_/]{2,24}", head)
        return m.group().decode() if m else ""
    return ""


def _unopenable(name: str, container: Container, data: bytes) -> VideoError:
    codec = sniff_codec(data, container).strip()
    if codec and codec.isprintable():
        return VideoError(
            f"{name} uses the video codec '{codec}', which this server cannot decode. "
            "Re-encode it as H.264 MP4 or VP9 WebM and upload it again."
        )
    return VideoError(
        f"{name} could not be opened as a video: the file is damaged or truncated, "
        f"or it is not really a .{container.value} file."
    )


def _decode_opencv(path: str, name: str, container: Container, limits: Limits, progress: Progress | None) -> DecodedVideo:
    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    try:
        if not cap.isOpened():
            raise _NotOpened
        codec = _fourcc_text(cap.get(cv2.CAP_PROP_FOURCC))
        fps = cap.get(cv2.CAP_PROP_FPS)
        notes: list[str] = []
        if not math.isfinite(fps) or fps <= 0 or fps > 1000:
            notes.append("the file states no usable frame rate; 25 fps assumed")
            fps = 25.0
        declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        declared = declared if 0 < declared < 10_000_000 else 0
        if declared and declared / fps > limits.max_seconds + 0.5 / fps:
            raise _too_long(name, declared / fps, limits)  # refuse before decoding anything
        step = max(1, math.ceil(fps / limits.max_fps - 1e-6))
        max_frames = int(limits.max_seconds * fps + 1e-6)
        frames: list[np.ndarray] = []
        width = height = 0
        read = 0
        while True:
            ok, bgr = cap.read()
            if not ok or bgr is None:
                break
            if read >= max_frames:  # the header understated the length
                raise _too_long(name, (read + 1) / fps, limits)
            if read % step == 0:
                height, width = bgr.shape[:2]
                if bgr.ndim == 2:
                    bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
                frames.append(resize_within(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), limits.max_side))
            read += 1
            if progress and read % 10 == 0:
                total = declared or max_frames
                progress(min(1.0, read / total), f"Decoding frame {read}" + (f" of {declared}" if declared else ""))
    finally:
        cap.release()
    if not frames:
        what = f" (codec '{codec}')" if codec else ""
        raise VideoError(
            f"No frames could be decoded from {name}{what}: the video stream is empty, damaged, "
            "or uses a codec this server cannot decode. Re-encode it as H.264 MP4 or VP9 WebM."
        )
    if declared and read < 0.9 * declared:
        notes.append(f"only {read} of the {declared} frames stated in the file could be decoded: it looks truncated")
    if step > 1:
        notes.append(f"{fps:.0f} fps reduced to {fps / step:.0f} fps (every {step}th frame kept)")
    if max(width, height) > limits.max_side:
        notes.append(f"frames reduced from {width}×{height} to fit {limits.max_side} px")
    return DecodedVideo(
        np.stack(frames), fps / step, fps, (width, height), container, codec, name, notes
    )


def _decode_gif(data: bytes, name: str, limits: Limits, progress: Progress | None) -> DecodedVideo:
    # Pillow handles GIF disposal/palette per frame and gives each frame's own duration.
    frames: list[np.ndarray] = []
    durations: list[int] = []
    truncated = False
    try:
        im = Image.open(io.BytesIO(data))
        if im.format != "GIF":
            raise VideoError(f"{name} is not a GIF file (it looks like {im.format or 'something else'}).")
        n = getattr(im, "n_frames", 1)
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            durations.append(int(frame.info.get("duration", 0) or 0))
            # stop early on very long GIFs (frames without a duration count as 1/10 s)
            if sum(d if d > 0 else 100 for d in durations) / 1000 > limits.max_seconds + 0.05:
                raise _too_long(name, sum(d if d > 0 else 100 for d in durations) / 1000 * n / (i + 1), limits)
            frames.append(resize_within(np.asarray(frame.convert("RGB")), limits.max_side))
            if progress and i % 10 == 0:
                progress(min(1.0, (i + 1) / n), f"Decoding frame {i + 1} of {n}")
    except VideoError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        if not frames:
            raise VideoError(f"{name} could not be read as a GIF: the file is damaged or truncated ({exc}).") from None
        truncated = True
    notes = [f"only {len(frames)} frames could be decoded: the GIF looks truncated"] if truncated else []
    valid = [d for d in durations[: len(frames)] if d > 0]
    if valid:
        fps = 1000.0 / float(np.median(valid))
    else:
        fps = 10.0
        notes.append("the GIF states no frame durations; 10 fps assumed")
    if len(frames) / fps > limits.max_seconds + 0.5 / fps:
        raise _too_long(name, len(frames) / fps, limits)
    width, height = im.size
    if max(width, height) > limits.max_side:
        notes.append(f"frames reduced from {width}×{height} to fit {limits.max_side} px")
    return DecodedVideo(np.stack(frames), fps, fps, (width, height), Container.GIF, "gif", name, notes)


# --- sampling ------------------------------------------------------------------------------------
def sample_evenly(start: int, stop: int, count: int) -> np.ndarray:
    """``count`` frame indices spread evenly over [start, stop): the centres of equal slices."""
    n = stop - start
    if n <= 0:
        return np.zeros(0, dtype=int)
    count = max(1, min(count, n))
    return start + np.floor((np.arange(count) + 0.5) * n / count).astype(int)


@dataclass(frozen=True)
class Segment:
    index: int
    start: int  # first frame
    stop: int  # one past the last frame

    def seconds(self, fps: float) -> tuple[float, float]:
        return self.start / fps, self.stop / fps


def split_segments(n_frames: int, fps: float, segment_seconds: float) -> list[Segment]:
    """Consecutive segments of ``segment_seconds``; a short tail (< half a segment) joins the one before."""
    per = max(1, round(segment_seconds * fps))
    bounds = list(range(0, n_frames, per)) + [n_frames]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < per / 2:
        del bounds[-2]
    return [Segment(i, a, b) for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))]


# --- resizing for the models ---------------------------------------------------------------------
class Fit(str, Enum):
    CROP = "crop"  # centre square crop, then resize (ImageNet practice)
    PAD = "pad"  # letterbox: whole frame kept, black bars


def fit_square(rgb: np.ndarray, size: int, fit: Fit) -> np.ndarray:
    """A ``size``×``size`` frame with the aspect ratio kept (cropped or padded)."""
    h, w = rgb.shape[:2]
    if fit is Fit.CROP:
        side = min(h, w)
        y, x = (h - side) // 2, (w - side) // 2
        return cv2.resize(rgb[y : y + side, x : x + side], (size, size), interpolation=cv2.INTER_AREA)
    scale = size / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    out = np.zeros((size, size, 3), dtype=rgb.dtype)
    y, x = (size - nh) // 2, (size - nw) // 2
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    out[y : y + nh, x : x + nw] = cv2.resize(rgb, (nw, nh), interpolation=interp)
    return out


# --- classifiers -----------------------------------------------------------------------------------
class Semantics(str, Enum):
    ACTIONS = "actions"
    OBJECTS = "objects"

    @property
    def heading(self) -> str:
        return "Top-5 actions (Kinetics-600)" if self is Semantics.ACTIONS else (
            "Top-5 objects / scenes seen in the frames (ImageNet)"
        )

    @property
    def blurb(self) -> str:
        if self is Semantics.ACTIONS:
            return "Names one of Kinetics-600's 600 human actions from motion across frames."
        return "Runs offline. Names objects and scenes seen in each frame (ImageNet), not actions."

    @property
    def caveat(self) -> str:
        if self is Semantics.ACTIONS:
            return "MoViNet looks at motion across frames and names the action from Kinetics-600's 600 classes."
        return (
            "This is a per-frame image classifier: ImageNet has no action classes, so these are the objects "
            "and scenes visible in the frames, pooled over time. They are not the action in the clip."
        )


class Pooling(str, Enum):
    MEAN = "mean"  # average probability over time: what is there most of the time
    MAX = "max"  # highest probability in any frame / segment: catches brief things


class SegmentClassifier(Protocol):
    labels: list[str]
    semantics: Semantics

    def frames_for(self, seconds: float, fps: float) -> int: ...

    def __call__(self, frames: np.ndarray, pooling: Pooling) -> np.ndarray: ...


class FrameClassifier:
    """An ImageNet TFLite classifier applied to each sampled frame; probabilities pooled over time."""

    semantics = Semantics.OBJECTS

    def __init__(self, model: Any, labels: Sequence[str], frames_per_second: float = 2.0, fit: Fit = Fit.CROP):
        self.model = model  # runtime.TFLiteModel (or anything with .inputs and __call__)
        spec = model.inputs[0]
        self.size = int(spec.shape[1])
        self.input_dtype = spec.dtype
        out = model.outputs[0]
        self._out_scale, self._out_zero = out.scale, out.zero_point
        n_out = int(out.shape[-1])
        if len(labels) != n_out:
            raise ValueError(f"{len(labels)} labels for a model with {n_out} outputs")
        self.labels = list(labels)
        self.frames_per_second = frames_per_second
        self.fit = fit
        # index 0 of the 1001-class TF-slim models is 'background': never a useful answer
        self.ignore = [i for i, name in enumerate(self.labels) if name.lower() in {"background", "unused"}]

    def frames_for(self, seconds: float, fps: float) -> int:
        return max(1, round(seconds * self.frames_per_second))

    def frame_probs(self, rgb: np.ndarray) -> np.ndarray:
        x = fit_square(rgb, self.size, self.fit)[None]
        if np.issubdtype(self.input_dtype, np.floating):
            x = x.astype(np.float32) / 127.5 - 1.0
        raw = self.model(x)[0][0]
        probs = (raw.astype(np.float32) - self._out_zero) * self._out_scale if self._out_scale else raw.astype(np.float32)
        probs[self.ignore] = 0.0
        total = probs.sum()
        return probs / total if total > 0 else probs

    def __call__(self, frames: np.ndarray, pooling: Pooling) -> np.ndarray:
        per_frame = np.stack([self.frame_probs(f) for f in frames])
        return per_frame.max(axis=0) if pooling is Pooling.MAX else per_frame.mean(axis=0)


class MovinetClassifier:
    """MoViNet base (TF Hub SavedModel): one call per segment on [1,T,H,W,3] floats in [0,1] -> logits."""

    semantics = Semantics.ACTIONS

    def __init__(self, model: Any, labels: Sequence[str], size: int = 172, fps: float = 5.0):
        self.model = model
        self.labels = list(labels)
        self.size = size  # A0/A1 were trained at 172 px, A2 at 224
        self.fps = fps  # Kinetics-600 MoViNets were trained on clips sampled at 5 fps
        sigs = getattr(model, "signatures", None)
        self._sig = sigs["serving_default"] if sigs is not None and "serving_default" in sigs else None

    def frames_for(self, seconds: float, fps: float) -> int:
        return max(2, round(seconds * self.fps))

    def logits(self, video: np.ndarray) -> np.ndarray:
        from models.runtime import tf  # noqa: PLC0415 - TensorFlow only when a model really runs

        x = tf().constant(video, dtype=tf().float32)
        if self._sig is not None:
            out = self._sig(image=x)
            out = out["classifier_head"] if "classifier_head" in out else next(iter(out.values()))
        else:
            out = self.model({"image": x})
        logits = np.asarray(out)
        if logits.shape != (1, len(self.labels)):
            raise ValueError(f"MoViNet returned shape {logits.shape}, expected (1, {len(self.labels)})")
        return logits[0]

    def __call__(self, frames: np.ndarray, pooling: Pooling) -> np.ndarray:
        video = np.stack([fit_square(f, self.size, Fit.PAD) for f in frames]).astype(np.float32) / 255.0
        z = self.logits(video[None]).astype(np.float64)
        e = np.exp(z - z.max())
        return (e / e.sum()).astype(np.float32)


# --- the pipeline ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    segment_seconds: float = 2.0
    pooling: Pooling = Pooling.MEAN
    top_k: int = 5


@dataclass
class SegmentResult:
    segment: Segment
    start_s: float
    end_s: float
    frame_indices: np.ndarray
    probs: np.ndarray

    def top(self, labels: Sequence[str]) -> tuple[str, float]:
        i = int(np.argmax(self.probs))
        return labels[i], float(self.probs[i])


@dataclass
class Classification:
    labels: list[str]
    semantics: Semantics
    probs: np.ndarray  # pooled over the clip
    segments: list[SegmentResult]
    top: list[tuple[str, float]]  # top-k (label, probability)


def short_label(label: str) -> str:
    """'feather boa, boa' -> 'feather boa': ImageNet lists synonyms; the first is enough on a frame."""
    return label.split(",")[0].strip()


def top_k(probs: np.ndarray, labels: Sequence[str], k: int = 5) -> list[tuple[str, float]]:
    order = np.argsort(-probs, kind="stable")[:k]
    return [(labels[i], float(probs[i])) for i in order]


def classify(
    video: DecodedVideo, classifier: SegmentClassifier, options: Options = Options(), progress: Progress | None = None
) -> Classification:
    segments = split_segments(video.count, video.fps, options.segment_seconds)
    results = []
    for seg in segments:
        start_s, end_s = seg.seconds(video.fps)
        idx = sample_evenly(seg.start, seg.stop, classifier.frames_for(end_s - start_s, video.fps))
        probs = classifier(video.frames[idx], options.pooling)
        results.append(SegmentResult(seg, start_s, end_s, idx, probs))
        if progress:
            progress((seg.index + 1) / len(segments), f"Classifying segment {seg.index + 1} of {len(segments)}")
    stacked = np.stack([r.probs for r in results])
    if options.pooling is Pooling.MAX:
        pooled = stacked.max(axis=0)
    else:  # weight by length so a short tail counts less
        weights = np.array([r.end_s - r.start_s for r in results])
        pooled = (stacked * weights[:, None]).sum(axis=0) / weights.sum()
    return Classification(classifier.labels, classifier.semantics, pooled, results, top_k(pooled, classifier.labels, options.top_k))


# --- annotation + encoding -------------------------------------------------------------------------
def annotate(
    video: DecodedVideo, result: Classification, max_side: int | None = None, max_fps: float | None = None
) -> tuple[np.ndarray, float]:
    """Frames with their segment's top label + score and the time drawn in a dark band (RGB), and their fps.

    ``max_side`` / ``max_fps`` reduce the copy first (cheaper to encode); the input frames are not touched.
    """
    step = max(1, math.ceil(video.fps / max_fps - 1e-6)) if max_fps else 1
    seg_of = np.zeros(video.count, dtype=int)
    for r in result.segments:
        seg_of[r.segment.start : r.segment.stop] = r.segment.index
    prefix = "" if result.semantics is Semantics.ACTIONS else "seen: "
    out = []
    for i in range(0, video.count, step):
        src = video.frames[i]
        f = resize_within(src, max_side) if max_side else src
        if np.shares_memory(f, src):  # draw on a copy, never on the decoded frames
            f = f.copy()
        h, w = f.shape[:2]
        scale = max(0.35, w / 900)
        thick = 1 if scale < 0.7 else 2
        band = int(34 * scale) + 6
        label, p = result.segments[seg_of[i]].top(result.labels)
        f[:band] = (f[:band].astype(np.uint16) * 35 // 100).astype(np.uint8)  # darken: text stays readable
        cv2.putText(f, f"{prefix}{short_label(label)} {p:.0%}", (6, band - 8), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (255, 255, 255), thick, cv2.LINE_AA)
        t = f"{video.time_of(i):4.1f}s"
        (tw, _), _ = cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, scale * 0.8, thick)
        cv2.putText(f, t, (w - tw - 6, h - 8), cv2.FONT_HERSHEY_SIMPLEX, scale * 0.8, (255, 255, 0), thick, cv2.LINE_AA)
        out.append(f)
    return np.stack(out), video.fps / step


class Encoder(str, Enum):
    """How the annotated WebM is written. All three play in Chromium, Firefox and Safari 14.1+."""

    PYAV_VP9 = "pyav-vp9"  # PyAV (FFmpeg's libvpx-vp9, real-time mode): fast; needs the `av` package
    OPENCV_VP8 = "opencv-vp8"  # always installed; ~6x faster than OpenCV's VP9
    OPENCV_VP9 = "opencv-vp9"  # always installed, but OpenCV runs libvpx-vp9 at its slowest default speed

    @property
    def label(self) -> str:
        return {"pyav-vp9": "VP9 (PyAV)", "opencv-vp8": "VP8 (OpenCV)", "opencv-vp9": "VP9 (OpenCV)"}[self.value]


def best_encoder() -> Encoder:
    try:
        import av  # noqa: F401, PLC0415

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


def encode_webm(frames: np.ndarray, fps: float, encoder: Encoder | None = None) -> bytes:
    """A WebM that plays in the browser (OpenCV's wheels cannot encode H.264, and mp4v does not play)."""
    encoder = encoder or best_encoder()
    h, w = frames.shape[1:3]
    h2, w2 = h - h % 2, w - w % 2  # 4:2:0 chroma needs even sides
    if encoder is Encoder.PYAV_VP9:
        return _encode_pyav(frames[:, :h2, :w2], fps)
    fourcc = "VP90" if encoder is Encoder.OPENCV_VP9 else "VP80"
    with tempfile.TemporaryDirectory(prefix="webm-") as tmp:  # OpenCV writes to a path only
        path = os.path.join(tmp, "annotated.webm")
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), float(fps), (w2, h2))
        if not writer.isOpened():
            raise VideoError(f"This server's OpenCV cannot write {encoder.label} WebM, so no annotated copy can be made.")
        try:
            for f in frames:
                writer.write(cv2.cvtColor(np.ascontiguousarray(f[:h2, :w2]), cv2.COLOR_RGB2BGR))
        finally:
            writer.release()
        return Path(path).read_bytes()


def _encode_pyav(frames: np.ndarray, fps: float) -> bytes:
    import fractions  # noqa: PLC0415

    import av  # noqa: PLC0415

    buf = io.BytesIO()  # in memory: nothing touches the disk
    with av.open(buf, mode="w", format="webm") as out:
        rate = fractions.Fraction(fps).limit_denominator(1001)
        # realtime + cpu-used 8: fastest libvpx mode; constant quality (crf, b=0) keeps labels legible
        stream = out.add_stream(
            "libvpx-vp9", rate=rate, options={"deadline": "realtime", "cpu-used": "8", "row-mt": "1", "crf": "32", "b": "0"}
        )
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")))
        out.mux(stream.encode())
    return buf.getvalue()


@dataclass
class ClipInfo:
    name: str
    container: Container
    codec: str
    frame_count: int  # decoded (after any frame-rate reduction)
    fps: float
    size: tuple[int, int]  # (width, height) of the decoded frames
    source_size: tuple[int, int]
    duration: float
    notes: list[str]

    @classmethod
    def of(cls, v: DecodedVideo) -> ClipInfo:
        return cls(v.name, v.container, v.codec, v.count, v.fps, v.size, v.source_size, v.duration, list(v.notes))


@dataclass
class Analysis:
    info: ClipInfo
    result: Classification
    webm: bytes  # empty when no annotated copy was asked for
    timings_ms: dict[str, float]  # decode / inference / encode / total
    strip: list[tuple[np.ndarray, str]]  # thumbnails with captions
    encoder: Encoder | None = None
    video: DecodedVideo | None = None  # the decoded frames, only when keep_frames=True (they are big)


def analyze(
    data: bytes,
    name: str,
    classifier: SegmentClassifier,
    options: Options = Options(),
    limits: Limits = Limits(),
    progress: Progress | None = None,
    annotated: bool = True,
    encoder: Encoder | None = None,
    keep_frames: bool = False,
) -> Analysis:
    """Decode → classify in segments → annotated WebM copy, with the time of each stage."""

    def stage(lo: float, hi: float) -> Progress | None:
        return (lambda f, text: progress(lo + (hi - lo) * f, text)) if progress else None

    encoder = encoder or best_encoder()
    t0 = time.perf_counter()
    video = decode_video(data, name, limits, stage(0.0, 0.3))
    t1 = time.perf_counter()
    result = classify(video, classifier, options, stage(0.3, 0.8))
    t2 = time.perf_counter()
    webm = b""
    if annotated:
        if progress:
            progress(0.85, "Drawing labels and encoding the annotated WebM")
        lim = ENCODE_LIMITS[encoder]
        frames, fps = annotate(video, result, lim.max_side, lim.max_fps)
        webm = encode_webm(frames, fps, encoder)
        del frames
    t3 = time.perf_counter()
    if progress:
        progress(1.0, "Done")
    timings = {"decode": (t1 - t0) * 1e3, "inference": (t2 - t1) * 1e3, "encode": (t3 - t2) * 1e3, "total": (t3 - t0) * 1e3}
    return Analysis(ClipInfo.of(video), result, webm, timings, frame_strip(video, result),
                    encoder if annotated else None, video if keep_frames else None)


def frame_strip(video: DecodedVideo, result: Classification, count: int = 8, height: int = 120) -> list[tuple[np.ndarray, str]]:
    """Thumbnails spread over the clip, each captioned with its time and its segment's top label."""
    out = []
    for i in sample_evenly(0, video.count, count):
        seg = next(r for r in result.segments if r.segment.start <= i < r.segment.stop)
        label, p = seg.top(result.labels)
        f = video.frames[i]
        thumb = cv2.resize(f, (max(1, round(f.shape[1] * height / f.shape[0])), height), interpolation=cv2.INTER_AREA)
        out.append((thumb, f"{video.time_of(int(i)):.1f} s · {short_label(label)} ({p:.0%})"))
    return out


# --- model choices ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelChoice:
    id: str
    title: str
    entry_id: str
    labels_entry_id: str
    semantics: Semantics
    size: int


MODEL_CHOICES: tuple[ModelChoice, ...] = (
    ModelChoice("movinet_a0", "MoViNet-A0 · actions (Kinetics-600)", "movinet_a0_k600", "kinetics600_labels", Semantics.ACTIONS, 172),
    ModelChoice("movinet_a1", "MoViNet-A1 · actions (Kinetics-600)", "movinet_a1_k600", "kinetics600_labels", Semantics.ACTIONS, 172),
    ModelChoice("movinet_a2", "MoViNet-A2 · actions (Kinetics-600)", "movinet_a2_k600", "kinetics600_labels", Semantics.ACTIONS, 224),
    ModelChoice("frames_mobilenet", "MobileNetV2 per frame · objects/scenes (ImageNet, offline)",
                "mobilenet_v2_224_quant", "imagenet_labels", Semantics.OBJECTS, 224),
)
CHOICE_BY_ID = {c.id: c for c in MODEL_CHOICES}


def load_classifier(choice: ModelChoice, model_path: Path | str, labels_path: Path | str) -> SegmentClassifier:
    """Build the classifier for a choice from files already in the store (the caller fetches them)."""
    from models import runtime  # noqa: PLC0415 - TensorFlow import is deferred to here

    labels = runtime.read_labels(labels_path)
    if choice.semantics is Semantics.ACTIONS:
        return MovinetClassifier(runtime.load_saved_model(model_path), labels, size=choice.size)
    return FrameClassifier(runtime.load_tflite(model_path), labels)


def _cli() -> None:  # python -m models.video CLIP [MODEL_ID]
    import sys  # noqa: PLC0415

    from models.store import Store  # noqa: PLC0415

    clip = sys.argv[1]
    choice = CHOICE_BY_ID[sys.argv[2] if len(sys.argv) > 2 else "frames_mobilenet"]
    store = Store()
    clf = load_classifier(choice, store.require(choice.entry_id), store.require(choice.labels_entry_id))
    a = analyze(Path(clip).read_bytes(), Path(clip).name, clf, annotated=False)
    print(f"{a.info.frame_count} frames {a.info.size} @ {a.info.fps:.1f} fps; {choice.semantics.heading}:")
    for label, p in a.result.top:
        print(f"  {p:6.1%}  {label}")
    print({k: round(v) for k, v in a.timings_ms.items()})


if __name__ == "__main__":
    from models.store import run_cli  # noqa: PLC0415

    run_cli(_cli)
