"""A visitor's own training run (the "Train a segmenter" page), without Streamlit.

    run = SessionRun.create(train, val, arch="fcn8s", epochs=3)   # a bounded temp folder of its own
    run.train(npy_folder, on_progress, on_eval, should_stop)      # Trainer.run; the best checkpoint is kept
    result = run.finish()                                          # scores, examples, report, model bytes
    run.workspace.remove()                                         # or let it be garbage-collected

The recipe is :class:`~models.segmentation.training.Trainer`'s with sizes for a CPU run in a browser session
(:func:`browser_config`: 160×224 crops or smaller, batch 4, a validation every epoch). Everything a run writes
(checkpoints, best weights, the report, the exported model) lives in one :class:`Workspace`: a folder under the
system temp dir, capped in size and deleted when the run is dropped (``weakref.finalize``: also at interpreter
exit). Nothing goes to the model store; nothing is shared between runs.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import threading
import weakref
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import models.segmentation.metrics as metrics
from models.errors import VisionError
from models.segmentation.classes import palette_of
from models.segmentation.labelled import LabelledSet, Limits, read_split
from models.segmentation.training import History, TrainConfig, Trainer, evaluate_model, predict_logits

MB = 1024 * 1024
WORKSPACE_CAP_BYTES = 256 * MB  # a run writes ~60 MB (checkpoint + optimiser state + best weights + exports)
BROWSER_CROP = (160, 224)  # (height, width) px: a CamVid ×0.5 image is 180×240
BROWSER_BATCH = 4
CAMVID_SAMPLE = (48, 16)  # (train, val) pairs of the CamVid sample set
CAMVID_SCALE = 0.5
EXAMPLES = 3  # val images shown with prediction beside ground truth
# Seconds measured on the 2-core CPU host (160×224 crops, batch 4): one step, one val megapixel, and the set-up
# (model build + first-step tracing). The page's estimate scales them by pixels.
STEP_S = {"fcn8s": 0.75, "deeplabv3plus": 0.6}
EVAL_S_PER_MP = 7.0
SETUP_S = 20.0  # reading, building the model, the first step's tracing: Short on the CamVid sample took 55 s in all (2026-12-07)
# What a visitor's upload may hold: a set a CPU trains in minutes (CamVid's whole 468 pairs at 480×360 fit).
BROWSER_LIMITS = Limits(max_pairs=500, max_total_pixels=90_000_000)


@dataclass(frozen=True)
class Length:
    """A training length offered to the visitor: a name and a number of epochs."""

    name: str
    epochs: int


LENGTHS = (Length("Short", 3), Length("Medium", 10), Length("Long", 25))


class WorkspaceFull(VisionError):
    """The run's temp folder grew over its cap (the message is for the visitor)."""


class Workspace:
    """A temp folder (``path``) owned by one run, at most ``cap_bytes``.

    Deleted by :meth:`remove` or when the object is garbage-collected (or the interpreter exits).
    """

    def __init__(self, cap_bytes: int = WORKSPACE_CAP_BYTES):
        self.path = Path(tempfile.mkdtemp(prefix="vision-segtrain-"))
        self.cap_bytes = cap_bytes
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def used_bytes(self) -> int:
        """Bytes of the files in the folder now (0 once removed)."""
        if not self.path.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def check(self) -> None:
        """Raises :class:`WorkspaceFull` when the folder holds more than ``cap_bytes``."""
        if self.used_bytes() > self.cap_bytes:
            raise WorkspaceFull(
                f"This training run needs more than the {self.cap_bytes // MB} MB of working space a visitor's "
                "run may use here; try a smaller set."
            )

    def remove(self) -> None:
        """Delete the folder now (idempotent)."""
        self._finalizer()

    @property
    def removed(self) -> bool:
        """Whether the folder has been deleted."""
        return not self._finalizer.alive


def browser_config(arch: str, epochs: int, train: LabelledSet) -> TrainConfig:
    """The in-browser recipe.

    :class:`TrainConfig` defaults with crops of :data:`BROWSER_CROP` (or the smallest train image's size, when smaller,
    so no crop is mostly padding; at least 32 px), batch 4, eval every epoch.
    """
    h = min(im.shape[0] for im in train.images)
    w = min(im.shape[1] for im in train.images)
    crop = (max(32, min(BROWSER_CROP[0], h)), max(32, min(BROWSER_CROP[1], w)))
    return TrainConfig(arch=arch, epochs=epochs, batch=BROWSER_BATCH, crop=crop, eval_every=1)


def estimate_seconds(cfg: TrainConfig, train_pairs: int, val: LabelledSet) -> float:
    """Rough wall time (s) of a run on the 2-core CPU host: set-up + epochs × (steps + one validation)."""
    crop_scale = (cfg.crop[0] * cfg.crop[1] * cfg.batch) / (BROWSER_CROP[0] * BROWSER_CROP[1] * BROWSER_BATCH)
    steps = max(1, train_pairs // cfg.batch)
    val_mp = sum(im.shape[0] * im.shape[1] for im in val.images) / 1e6
    per_epoch = steps * STEP_S.get(cfg.arch, 0.75) * crop_scale + val_mp * EVAL_S_PER_MP
    return SETUP_S + cfg.epochs * per_epoch


def _scaled(data: LabelledSet, idx: list[int], scale: float) -> LabelledSet:
    images, labels = [], []
    for i in idx:
        h, w = data.labels[i].shape
        size = (max(32, round(w * scale)), max(32, round(h * scale)))
        images.append(cv2.resize(data.images[i], size, interpolation=cv2.INTER_AREA))
        labels.append(cv2.resize(data.labels[i], size, interpolation=cv2.INTER_NEAREST))
    return LabelledSet(images, labels, [data.stems[i] for i in idx], data.classes, dict(data.meta))


def spread(n_have: int, n_want: int) -> list[int]:
    """Evenly spread indices: ``n_want`` of ``range(n_have)``.

    ``n_want`` indices spread evenly over ``range(n_have)`` (CamVid's pairs are video sequences: the first
    48 would all be one street).
    """
    n = min(n_have, n_want)
    return sorted({int(i) for i in np.linspace(0, n_have - 1, n).round()})


def camvid_sample(
    folder: Path | str, sizes: tuple[int, int] = CAMVID_SAMPLE, scale: float = CAMVID_SCALE
) -> tuple[LabelledSet, LabelledSet]:
    """(train, val).

    ``sizes`` pairs spread over CamVid's train and val splits, images ×``scale`` (area), labels nearest-neighbour.
    Raises :class:`~models.errors.InputError` when ``folder`` is not a CamVid set.
    """
    out = []
    for split, n in zip(("train", "val"), sizes, strict=True):
        data = read_split(folder, split)
        sub = _scaled(data, spread(len(data), n), scale)
        sub.meta.update(source="CamVid sample", split=split)
        out.append(sub)
    return out[0], out[1]


@dataclass
class TrainedResult:
    """What the page shows after a run.

    ``scores``: val figures of the best checkpoint; ``examples``: (stem, (H, W, 3) uint8 image, (H, W) uint8 truth,
    (H, W) uint8 prediction); ``files``: report name → bytes (``report.md``, ``report.json``, ``curves.png``); ``size``:
    (height, width) px of the first val image, the size the TFLite model is exported at.
    """

    model: Any
    card: dict
    scores: metrics.Scores
    history: History
    examples: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]
    files: dict[str, bytes]
    size: tuple[int, int]
    workspace: Workspace
    palette: np.ndarray = field(default_factory=lambda: np.zeros((256, 3), np.uint8))
    step_losses: tuple[list[int], list[float]] = field(default_factory=lambda: ([], []))  # per step, when recorded
    _tflite: bytes | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def names(self) -> tuple[str, ...]:
        """Class names in class-id order."""
        return tuple(self.card["classes"])

    def keras_bytes(self) -> bytes:
        """The trained model as ``.keras`` file bytes.

        The trained model as a ``.keras`` file (Keras 3 ``model.save``; custom layers registered under
        ``vision``, so ``keras.saving.load_model`` reads it after ``import models.segmentation.architectures``).
        """
        with self._lock:
            path = self.workspace.path / "model.keras"
            self.model.save(str(path))
            data = path.read_bytes()
            path.unlink()
            return data

    def tflite_bytes(self) -> bytes:
        """A float32 TFLite model for (1, H, W, 3) in [-1, 1] at :attr:`size` → logits; made once (seconds)."""
        from models.segmentation.trained import export_tflite

        with self._lock:
            if self._tflite is None:
                self._tflite = export_tflite(self.model, *self.size)
            return self._tflite

    def segmenter(self) -> Any:
        """A segmenter of this model at the val image size.

        A :class:`~models.segmentation.trained.TrainedSegmenter` of this model working at the val image size
        (its long side), so an upload of that size gets the exported TFLite model's class map.
        """
        from models.segmentation.trained import TrainedSegmenter

        return TrainedSegmenter(self.model, self.card, _VisitorSpec(), long_side=max(self.size))


@dataclass(frozen=True)
class _VisitorSpec:
    entry_id: str = "your model"


@dataclass
class SessionRun:
    """One visitor's training run: the sets, the recipe and its :class:`Workspace` (see the module notes)."""

    train_set: LabelledSet
    val_set: LabelledSet
    cfg: TrainConfig
    workspace: Workspace
    trainer: Trainer | None = None

    @classmethod
    def create(
        cls, train: LabelledSet, val: LabelledSet, arch: str, epochs: int, cap_bytes: int = WORKSPACE_CAP_BYTES
    ) -> SessionRun:
        """A run on ``train`` / ``val`` with the in-browser recipe and a fresh workspace of at most ``cap_bytes``."""
        return cls(train, val, browser_config(arch, epochs, train), Workspace(cap_bytes))

    def train(self, npy_folder: Any, on_progress=None, on_eval=None, should_stop=None) -> History:
        """Build the model (ImageNet encoder from ``npy_folder``) and train it (:meth:`Trainer.run`, same callbacks).

        ``should_stop()`` ends it after the current step, keeping the best checkpoint. Raises :class:`WorkspaceFull`
        when the folder grows over its cap (checked every epoch).
        """
        if self.trainer is None:
            self.trainer = Trainer(self.cfg, self.train_set, self.val_set, self.workspace.path / "work", npy_folder)
        full: list[WorkspaceFull] = []

        def evaluated(record: dict) -> None:
            try:
                self.workspace.check()
            except WorkspaceFull as exc:
                full.append(exc)
            if on_eval:
                on_eval(record)

        def stop() -> bool:
            return bool(full) or bool(should_stop and should_stop())

        history = self.trainer.run(on_progress, evaluated, stop)
        if full:
            raise full[0]
        return history

    @property
    def has_checkpoint(self) -> bool:
        """Whether a best checkpoint exists (after the first validation)."""
        return self.trainer is not None and (self.trainer.workdir / "best.weights.h5").is_file()

    def finish(self) -> TrainedResult:
        """Load the best checkpoint, score it on val and write the model folder and report (in the workspace).

        Raises :class:`VisionError` when the run ended before its first validation (no checkpoint).
        """
        from models.segmentation.train import write_model

        if self.trainer is None or not self.has_checkpoint:
            raise VisionError("The training ended before its first check on the validation images: nothing to keep.")
        trainer = self.trainer
        trainer.model.load_weights(str(trainer.workdir / "best.weights.h5"))
        scores = evaluate_model(trainer.model, self.val_set, trainer.classes)
        out = self.workspace.path / "model"
        card = write_model(out, trainer, str(self.train_set.meta.get("source", "your set")), scores)
        files = {name: (out / name).read_bytes() for name in ("report.md", "report.json", "curves.png")}
        files["model.json"] = json.dumps(card, indent=1).encode()
        examples = []
        for i in spread(len(self.val_set), EXAMPLES):
            image, truth = self.val_set.images[i], self.val_set.labels[i]
            pred = predict_logits(trainer.model, image).argmax(-1).astype(np.uint8)
            examples.append((self.val_set.stems[i], image, truth, pred))
        h, w = self.val_set.images[0].shape[:2]
        self.workspace.check()
        return TrainedResult(
            trainer.model,
            card,
            scores,
            trainer.history,
            examples,
            files,
            (h, w),
            self.workspace,
            palette_of(card["colours"]),
        )


def truth_palette(result: TrainedResult, void_colour: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """The set's palette with the void value drawn ``void_colour`` (for ground-truth colour maps)."""
    palette = result.palette.copy()
    palette[int(result.card.get("void", 255))] = void_colour
    return palette


def confusion_table(scores: metrics.Scores) -> np.ndarray:
    """Row-normalised confusion matrix of the best checkpoint on val.

    (C, C) float64 row-normalised confusion matrix (rows: true class, columns: predicted; NaN for a class
    with no val pixels), in 0..1.
    """
    m = scores.matrix.astype(np.float64)
    rows = m.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rows > 0, m / np.maximum(rows, 1), np.nan)


def report_zip(result: TrainedResult) -> bytes:
    """The report files (``report.md``, ``report.json``, ``curves.png``, ``model.json``) in one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in result.files.items():
            zf.writestr(name, data)
    return buf.getvalue()


__all__ = [
    "BROWSER_LIMITS",
    "LENGTHS",
    "Length",
    "SessionRun",
    "TrainedResult",
    "Workspace",
    "WorkspaceFull",
    "browser_config",
    "camvid_sample",
    "confusion_table",
    "estimate_seconds",
    "report_zip",
]
