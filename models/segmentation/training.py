"""Training FCN-8s / DeepLabV3+ on a pixel-labelled set: seeded, resumable, selected on val mIoU.

One :class:`Trainer` serves the CLI (``python -m models.segmentation.train``) and the browser's training mode:
``run()`` calls ``on_progress`` after every step and ``on_eval`` after every validation, and stops early when
``should_stop()`` turns true (the best checkpoint is kept). Everything lives in ``workdir``:
``checkpoint/`` (weights, optimiser, step; resume picks it up), ``best.weights.h5`` (best val mIoU so far),
``history.json`` (losses and evaluations).

Recipe: random scale 0.75-1.25, random crop, horizontal flip; Adam with polynomial ("poly", power 0.9) learning-rate
decay as in DeepLab; softmax cross-entropy over the non-void pixels, optionally weighted per class by median-frequency
balancing (SegNet's choice on CamVid; ``class_weighting="none"`` to compare).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import models.segmentation.metrics as metrics
from models.segmentation.architectures import Arch, build
from models.segmentation.backbone import preprocess
from models.segmentation.labelled import LabelledSet


@dataclass(frozen=True)
class TrainConfig:
    """The training recipe: architecture, epochs, batch, crops, augmentation, optimiser, class weights, evaluation."""

    arch: str = Arch.DEEPLABV3PLUS.value
    epochs: int = 30
    batch: int = 8
    crop: tuple[int, int] = (240, 320)  # (height, width) of the training crops, pixels
    scale: tuple[float, float] = (0.75, 1.25)
    lr: float = 1e-3
    weight_decay: float = 1e-4
    class_weighting: str = "median_frequency"  # or "none"
    eval_every: int = 2  # epochs between validations (always after the last)
    seed: int = 7


@dataclass
class History:
    """What a training run recorded: loss per step, validations, best mIoU and its epoch, time in seconds."""

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)  # {"epoch", "step", "miou", "pixel_accuracy", "iou": {...}}
    best_miou: float = -1.0
    best_epoch: int = 0
    seconds: float = 0.0


def augment(image: np.ndarray, label: np.ndarray, cfg: TrainConfig, void: int, rng: np.random.Generator):
    """One random training crop: scaled, cropped to ``cfg.crop`` (void-padded when smaller), maybe flipped."""
    s = rng.uniform(*cfg.scale)
    h, w = label.shape
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    img = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    lab = cv2.resize(label, (nw, nh), interpolation=cv2.INTER_NEAREST)
    ch, cw = cfg.crop
    if nh < ch or nw < cw:
        ph, pw = max(0, ch - nh), max(0, cw - nw)
        img = cv2.copyMakeBorder(img, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        lab = cv2.copyMakeBorder(lab, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=void)
        nh, nw = lab.shape
    y, x = rng.integers(0, nh - ch + 1), rng.integers(0, nw - cw + 1)
    img, lab = img[y : y + ch, x : x + cw], lab[y : y + ch, x : x + cw]
    if rng.random() < 0.5:
        img, lab = img[:, ::-1], lab[:, ::-1]
    return img, lab


def predict_logits(model: Any, rgb: np.ndarray) -> np.ndarray:
    """(H, W, C) float32 logits of one (H, W, 3) uint8 image at its own size."""
    return np.asarray(model(preprocess(rgb)[None], training=False))[0]


def evaluate_model(model: Any, data: LabelledSet, classes: int) -> metrics.Scores:
    """Scores of ``model`` on every pair of ``data`` (at each image's own size, void ignored)."""
    cm = np.zeros((classes, classes), dtype=np.int64)
    for image, label in zip(data.images, data.labels):
        pred = predict_logits(model, image).argmax(-1)
        cm += metrics.confusion(label, pred, classes, data.classes.void)
    return metrics.scores(cm)


class Trainer:
    """Resumable trainer of one architecture on ``train``, validated on ``val`` (see the module notes)."""

    def __init__(self, cfg: TrainConfig, train: LabelledSet, val: LabelledSet, workdir: Path | str, npy: Any = None):
        import keras
        import tensorflow as tf

        self.cfg, self.train, self.val = cfg, train, val
        self.classes = train.classes.size
        self.void = train.classes.void
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        keras.utils.set_random_seed(cfg.seed)
        self.model = build(cfg.arch, self.classes, npy)
        self.steps_per_epoch = max(1, len(train) // cfg.batch)
        total = self.steps_per_epoch * cfg.epochs
        schedule = keras.optimizers.schedules.PolynomialDecay(cfg.lr, total, cfg.lr * 0.01, power=0.9)
        self.opt = keras.optimizers.AdamW(schedule, weight_decay=cfg.weight_decay)
        if cfg.class_weighting == "median_frequency":
            freq = metrics.class_frequencies(train.labels, self.classes, self.void)
            weights = metrics.median_frequency_weights(freq)
        else:
            weights = np.ones(self.classes, dtype=np.float32)
        self.class_weights = weights
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.ckpt = tf.train.Checkpoint(model=self.model, optimizer=self.opt, step=self.step)
        self.manager = tf.train.CheckpointManager(self.ckpt, str(self.workdir / "checkpoint"), max_to_keep=1)
        self.history = History()
        if self.manager.latest_checkpoint:
            self.ckpt.restore(self.manager.latest_checkpoint)
            self.history = History(**json.loads((self.workdir / "history.json").read_text()))
        w = tf.constant(np.append(weights, 0.0).astype(np.float32))  # the void slot weighs 0
        void_slot = self.classes
        model, opt = self.model, self.opt

        @tf.function(reduce_retracing=True)
        def train_step(x, y):
            y = tf.where(y >= void_slot, void_slot, tf.cast(y, tf.int32))
            pixel_w = tf.gather(w, y)
            with tf.GradientTape() as tape:
                logits = model(x, training=True)
                ce = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.minimum(y, void_slot - 1), logits)
                loss = tf.reduce_sum(ce * pixel_w) / tf.maximum(tf.reduce_sum(pixel_w), 1.0)
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        self._train_step = train_step

    @property
    def epoch(self) -> int:
        """Epochs completed (from the step counter, so it survives a resume)."""
        return int(self.step.numpy()) // self.steps_per_epoch

    def _batch(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        idx = rng.choice(len(self.train), self.cfg.batch, replace=len(self.train) < self.cfg.batch)
        pairs = [augment(self.train.images[i], self.train.labels[i], self.cfg, self.void, rng) for i in idx]
        x = np.stack([preprocess(p[0]) for p in pairs])
        y = np.stack([p[1] for p in pairs]).astype(np.int32)
        return x, y

    def run(
        self,
        on_progress: Callable[[int, int, float], None] | None = None,
        on_eval: Callable[[dict], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> History:
        """Train to ``cfg.epochs`` (from where a checkpoint left off).

        ``on_progress(step, total_steps, loss)``; ``on_eval(record)`` with the val figures; ``should_stop()`` ends the
        run after the current step (the best weights stay in ``best.weights.h5``). Returns the history.
        """
        total = self.steps_per_epoch * self.cfg.epochs
        while int(self.step.numpy()) < total:
            epoch = self.epoch
            rng = np.random.default_rng([self.cfg.seed, epoch])  # the same crops on a resumed epoch
            started = time.perf_counter()
            losses = []
            for _ in range(self.steps_per_epoch):
                x, y = self._batch(rng)
                loss = float(self._train_step(x, y))
                self.step.assign_add(1)
                losses.append(loss)
                if on_progress:
                    on_progress(int(self.step.numpy()), total, loss)
                if should_stop and should_stop():
                    break
            self.history.step.append(int(self.step.numpy()))
            self.history.loss.append(float(np.mean(losses)))
            self.history.seconds += time.perf_counter() - started
            stopping = bool(should_stop and should_stop())
            done = epoch + 1
            if stopping or done % self.cfg.eval_every == 0 or int(self.step.numpy()) >= total:
                self._evaluate(done, on_eval)
            self.manager.save()
            (self.workdir / "history.json").write_text(json.dumps(asdict(self.history)))
            if stopping:
                break
        return self.history

    def _evaluate(self, epoch: int, on_eval: Callable[[dict], None] | None) -> None:
        s = evaluate_model(self.model, self.val, self.classes)
        record = {"epoch": epoch, "step": int(self.step.numpy()), **s.as_dict(self.val.classes.names)}
        record.pop("confusion")
        self.history.evals.append(record)
        if s.miou > self.history.best_miou:
            self.history.best_miou, self.history.best_epoch = s.miou, epoch
            self.model.save_weights(str(self.workdir / "best.weights.h5"))
        if on_eval:
            on_eval(record)
