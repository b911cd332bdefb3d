"""The video classifiers behind one contract: scores for the whole clip and for each timeline segment.

- :class:`StreamClassifier`: MoViNet **stream** (causal; TFLite), fed one frame at a time with its states
  carried between calls. Offline default. Kondratyuk et al., "MoViNets: Mobile Video Networks for
  Efficient Video Recognition", CVPR 2021 (https://arxiv.org/abs/2103.11511); weights: TF Hub
  ``tensorflow/lite-model/movinet/a0/stream/kinetics-600/classification/tflite/int8/1``.
- :class:`MovinetClassifier`: MoViNet **base** (TF Hub SavedModel), one call per segment on [1,T,H,W,3].
- :class:`FrameClassifier`: an ImageNet classifier (MobileNetV2 TFLite) per sampled frame, pooled over
  time. ImageNet has no action classes: its output is what is *seen* (:class:`Semantics.OBJECTS`).

All of them choose frames by **time** (the frame on screen at each sampling instant), never by frame count,
so variable-frame-rate clips and GIFs are sampled as they play.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import cv2
import numpy as np

from models.errors import ModelFileError
from models.video.clip import DecodedVideo, Progress


class Semantics(str, Enum):
    """What a model's labels name: actions (Kinetics-600) or objects and scenes (ImageNet)."""

    ACTIONS = "actions"
    OBJECTS = "objects"

    @property
    def heading(self) -> str:
        """The heading over the top-5 list."""
        return (
            "Top-5 actions (Kinetics-600)"
            if self is Semantics.ACTIONS
            else ("Top-5 objects / scenes seen in the frames (ImageNet)")
        )

    @property
    def blurb(self) -> str:
        """One sentence on what the labels name."""
        if self is Semantics.ACTIONS:
            return "Names one of Kinetics-600's 600 human actions from motion across frames."
        return "Names objects and scenes seen in each frame (ImageNet), not actions."

    @property
    def caveat(self) -> str:
        """What a visitor should know before reading the labels."""
        if self is Semantics.ACTIONS:
            return "MoViNet looks at motion across frames and names the action from Kinetics-600's 600 classes."
        return (
            "This is a per-frame image classifier: ImageNet has no action classes, so these are the objects "
            "and scenes visible in the frames, pooled over time. They are not the action in the clip."
        )


class Pooling(str, Enum):
    """How per-frame scores become a segment's (per-frame classifier only; MoViNets see motion directly)."""

    MEAN = "mean"  # average probability over time: what is there most of the time
    MAX = "max"  # highest probability in any frame / segment: catches brief things


class Fit(str, Enum):
    """How a frame is made square for the model."""

    CROP = "crop"  # centre square crop, then resize (ImageNet practice)
    PAD = "pad"  # letterbox: whole frame kept, black bars
    RESIZE = "resize"  # whole frame squeezed to the square (TF Hub's MoViNet examples do this)


def fit_square(rgb: np.ndarray, size: int, fit: Fit) -> np.ndarray:
    """A ``size``×``size`` uint8 frame from an (H, W, 3) uint8 frame, cropped, padded or resized."""
    h, w = rgb.shape[:2]
    if fit is Fit.RESIZE:
        interp = cv2.INTER_AREA if max(h, w) > size else cv2.INTER_LINEAR
        return cv2.resize(rgb, (size, size), interpolation=interp)
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


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities (float32, sum 1) from logits of shape (C,)."""
    z = np.asarray(logits, np.float64)
    e = np.exp(z - z.max())
    return (e / e.sum()).astype(np.float32)


# --- time ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    """A stretch of the timeline: [start_s, end_s) in seconds."""

    index: int
    start_s: float
    end_s: float

    @property
    def seconds(self) -> float:
        """Length of the segment in seconds."""
        return self.end_s - self.start_s

    def contains(self, t: float) -> bool:
        """Whether instant ``t`` (seconds) falls in [start_s, end_s)."""
        return self.start_s <= t < self.end_s


def split_segments(duration: float, segment_seconds: float) -> list[Segment]:
    """Split [0, duration) into segments of ``segment_seconds``.

    Consecutive segments of ``segment_seconds`` over [0, duration); a short tail (< half a segment) joins
    the one before, so no segment is judged on a fraction of a second.
    """
    bounds = [float(b) for b in np.arange(0.0, duration - 1e-6, segment_seconds)] + [duration]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < segment_seconds / 2:
        del bounds[-2]
    return [Segment(i, a, b) for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))]


def slice_centres(start_s: float, end_s: float, count: int) -> np.ndarray:
    """``count`` instants (seconds) at the centres of equal slices of [start_s, end_s)."""
    count = max(1, count)
    return start_s + (np.arange(count) + 0.5) * (end_s - start_s) / count


@dataclass
class ClipScores:
    """What a classifier says about a clip.

    Probabilities (C,) (floats summing to 1) for the clip and per segment, and the indices of the frames each segment's
    scores came from.
    """

    probs: np.ndarray
    segment_probs: list[np.ndarray]
    segment_frames: list[np.ndarray]


class VideoClassifier(Protocol):
    """The contract every video backend implements (local, or served elsewhere)."""

    labels: list[str]
    semantics: Semantics

    def score(
        self, video: DecodedVideo, segments: Sequence[Segment], pooling: Pooling, progress: Progress | None = None
    ) -> ClipScores:
        """Probabilities of the whole clip and of each segment, pooled over the sampled frames."""


class _PerSegment:
    """Shared by classifiers that judge each segment on its own sampled frames; the clip's score pools them."""

    labels: list[str]
    rate: float  # frames sampled per second of clip

    def samples_for(self, seconds: float) -> int:
        return max(1, round(seconds * self.rate))

    def segment_probs(self, frames: np.ndarray, pooling: Pooling) -> np.ndarray:
        raise NotImplementedError

    def score(
        self, video: DecodedVideo, segments: Sequence[Segment], pooling: Pooling, progress: Progress | None = None
    ) -> ClipScores:
        probs, picked = [], []
        for seg in segments:
            idx = video.index_at(slice_centres(seg.start_s, seg.end_s, self.samples_for(seg.seconds)))
            probs.append(self.segment_probs(video.frames[idx], pooling))
            picked.append(idx)
            if progress:
                progress((seg.index + 1) / len(segments), f"Classifying segment {seg.index + 1} of {len(segments)}")
        stacked = np.stack(probs)
        if pooling is Pooling.MAX:
            pooled = stacked.max(axis=0)
        else:  # weight by length so a short tail counts less
            weights = np.array([s.seconds for s in segments])
            pooled = (stacked * weights[:, None]).sum(axis=0) / weights.sum()
        return ClipScores(pooled, probs, picked)


class FrameClassifier(_PerSegment):
    """An ImageNet TFLite classifier applied to frames sampled ``frames_per_second``; probabilities pooled."""

    semantics = Semantics.OBJECTS

    def __init__(self, model: Any, labels: Sequence[str], frames_per_second: float = 2.0, fit: Fit = Fit.CROP):
        self.model = model  # runtime.TFLiteModel (or anything with .inputs, .outputs and __call__)
        spec = model.inputs[0]
        self.size = int(spec.shape[1])
        self.input_dtype = spec.dtype
        out = model.outputs[0]
        self._out_scale, self._out_zero = out.scale, out.zero_point
        n_out = int(out.shape[-1])
        if len(labels) != n_out:
            raise ModelFileError(f"{len(labels)} labels for a model with {n_out} outputs")
        self.labels = list(labels)
        self.rate = frames_per_second
        self.fit = fit
        # index 0 of the 1001-class TF-slim models is 'background': never a useful answer
        self.ignore = [i for i, name in enumerate(self.labels) if name.lower() in {"background", "unused"}]

    def frame_probs(self, rgb: np.ndarray) -> np.ndarray:
        """(C,) float32 probabilities for one (H, W, 3) uint8 frame; ignored classes set to 0, renormalised."""
        x = fit_square(rgb, self.size, self.fit)[None]
        if np.issubdtype(self.input_dtype, np.floating):
            x = x.astype(np.float32) / 127.5 - 1.0
        raw = self.model(x)[0][0]
        probs = (
            (raw.astype(np.float32) - self._out_zero) * self._out_scale if self._out_scale else raw.astype(np.float32)
        )
        probs[self.ignore] = 0.0
        total = probs.sum()
        return probs / total if total > 0 else probs

    def segment_probs(self, frames: np.ndarray, pooling: Pooling) -> np.ndarray:
        """(C,) probabilities of one segment: per-frame softmax pooled by mean or max."""
        per_frame = np.stack([self.frame_probs(f) for f in frames])
        return per_frame.max(axis=0) if pooling is Pooling.MAX else per_frame.mean(axis=0)


class MovinetClassifier(_PerSegment):
    """MoViNet base (TF Hub SavedModel): one call per segment on [1,T,H,W,3] float32 in [0,1] -> (600,) logits."""

    semantics = Semantics.ACTIONS

    def __init__(self, model: Any, labels: Sequence[str], size: int = 172, fps: float = 5.0):
        self.model = model
        self.labels = list(labels)
        self.size = size  # A0/A1 were trained at 172 px, A2 at 224
        self.rate = fps  # Kinetics-600 MoViNets were trained on clips sampled at 5 fps
        sigs = getattr(model, "signatures", None)
        self._sig = sigs["serving_default"] if sigs is not None and "serving_default" in sigs else None

    def samples_for(self, seconds: float) -> int:
        """Frames to sample for a segment of ``seconds``: ``rate`` per second, at least 2."""
        return max(2, round(seconds * self.rate))

    def logits(self, video: np.ndarray) -> np.ndarray:
        """(C,) logits for a [1,T,H,W,3] float32 clip in [0,1]. Raises ValueError on a wrong output shape."""
        from models.runtime import tf

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

    def segment_probs(self, frames: np.ndarray, pooling: Pooling) -> np.ndarray:
        """(C,) softmax probabilities of one segment's frames ((T, H, W, 3) uint8, letterboxed to the model's size)."""
        video = np.stack([fit_square(f, self.size, Fit.PAD) for f in frames]).astype(np.float32) / 255.0
        return softmax(self.logits(video[None]))


class StreamClassifier:
    """MoViNet stream (TFLite): one frame per call, with the model's states carried from call to call.

    The model takes ``image`` [1,1,S,S,3] float32 RGB in [0,1] plus its state tensors, and returns ``logits``
    [1,C] plus the next states; the first call gets all-zero states. Frames are fed at ``rate`` per second
    (5: the rate Kinetics-600 MoViNets were trained on), each the frame on screen at t = 0, 1/rate, 2/rate…
    s, resized whole to S×S (as TF Hub's examples do; measured on the sample clips).

    Clip top-5: softmax of the logits after the last frame of one continuous pass (states carried).
    Timeline: **pooling states reset at each segment's start, logits read at its end**, so each segment is
    judged on its own frames. The model's ``*_pool_*`` states are running means from the first frame, so
    reading the continuous pass at segment ends would describe "the clip so far": a change of action would
    show late and smeared. The ``*_stream_buffer`` states (the causal convolutions' last few frames) are
    kept from the continuous pass, so a segment does not start cold: on the basketball sample every 2-s
    segment then reads "shooting basketball" (0.55–0.98), where a full reset read one as "dribbling
    basketball" at 21 %. The cost is a second model call per sampled frame (≈3 ms each for A0 int8 on one
    CPU core), except in the first segment, whose states are the continuous pass's own.
    """

    semantics = Semantics.ACTIONS

    def __init__(self, model: Any, labels: Sequence[str], rate: float = 5.0, fit: Fit = Fit.RESIZE):
        self.model = model  # runtime.TFLiteSignatureModel: .inputs {name: spec}, __call__(**arrays) -> dict
        if "image" not in model.inputs or "logits" not in model.outputs:
            raise ModelFileError("not a MoViNet stream model: it needs an 'image' input and a 'logits' output")
        self.state_specs = {k: s for k, s in model.inputs.items() if k != "image"}
        if set(self.state_specs) - set(model.outputs):
            raise ModelFileError("not a MoViNet stream model: every state input needs a matching output")
        shape = model.inputs["image"].shape  # (1, 1, S, S, 3)
        self.size = int(shape[2])
        n_out = int(model.outputs["logits"].shape[-1])
        if len(labels) != n_out:
            raise ModelFileError(f"{len(labels)} labels for a model with {n_out} outputs")
        self.labels = list(labels)
        self.rate = rate
        self.fit = fit

    def initial_states(self) -> dict[str, np.ndarray]:
        """Zero states, one per state input of the model."""
        return {k: np.zeros(s.shape, s.dtype) for k, s in self.state_specs.items()}

    def segment_states(self, carried: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """States for a segment's first frame: pooling restarted, convolution buffers carried."""
        return {k: np.zeros_like(a) if "_pool_" in k else a for k, a in carried.items()}

    def step(self, rgb: np.ndarray, states: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Feed one (H, W, 3) uint8 frame: (C,) logits so far, and the states for the next frame."""
        x = fit_square(rgb, self.size, self.fit).astype(np.float32)[None, None] / 255.0
        out = self.model(image=x, **states)
        return out["logits"][0], {k: out[k] for k in self.state_specs}

    def sample_times(self, duration: float) -> np.ndarray:
        """Sampling instants (seconds) over [0, duration): 0, 1/rate, 2/rate and so on."""
        return np.arange(max(1, int(np.ceil(duration * self.rate - 1e-9)))) / self.rate

    def score(
        self,
        video: DecodedVideo,
        segments: Sequence[Segment],
        pooling: Pooling = Pooling.MEAN,
        progress: Progress | None = None,
    ) -> ClipScores:
        """Run the stream over the clip's sampled frames; each segment's probabilities come from its own frames."""
        times = self.sample_times(video.duration)
        indices = video.index_at(times)
        clip_states = self.initial_states()
        clip_logits = np.zeros(len(self.labels), np.float32)
        seg_probs, seg_frames = [], []
        done = 0
        for seg in segments:
            mine = [i for t, i in zip(times, indices, strict=True) if seg.contains(t)]
            if not mine:  # cannot happen for segments ≥ 1/rate s; judge the frame in the middle then
                mine = [int(video.index_at((seg.start_s + seg.end_s) / 2))]
            seg_states = self.segment_states(clip_states)
            seg_logits = clip_logits
            for i in mine:
                clip_logits, clip_states = self.step(video.frames[i], clip_states)
                if seg.index == 0:  # same states from zero: the continuous pass is this segment's too
                    seg_logits = clip_logits
                else:
                    seg_logits, seg_states = self.step(video.frames[i], seg_states)
                done += 1
                if progress and done % 5 == 0:
                    progress(min(1.0, done / len(times)), f"Recognising actions: frame {done} of {len(times)}")
            seg_probs.append(softmax(seg_logits))
            seg_frames.append(np.asarray(mine, dtype=int))
        return ClipScores(softmax(clip_logits), seg_probs, seg_frames)
