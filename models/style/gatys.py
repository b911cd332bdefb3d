"""Gatys et al. 2016.

Optimise an image's pixels so its VGG19 features match the content image's and its Gram matrices match the style
image's, plus a total-variation term. Weights 0.025 / 1.0 / 1e-4 as in the classic Keras example. ``weights=None`` gives
a randomly initialised VGG19 (tests the loop's mechanics offline).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from models import runtime
from models.runtime import timed
from models.store import Store
from models.style.common import VGG19_ENTRY, output_size, resize, to_float, to_uint8


class LayerSet(str, Enum):
    """Which VGG19 layers give the content and style features."""

    GATYS = "gatys"
    JOHNSON = "johnson"

    @property
    def label(self) -> str:
        """The layer set's name for people."""
        return {"GATYS": "Gatys et al.", "JOHNSON": "Johnson et al."}[self.name]

    @property
    def description(self) -> str:
        """Which VGG19 layers give the content and the style terms."""
        return f"content {', '.join(self.content_layers)}; style {', '.join(self.style_layers)}"

    @property
    def content_layers(self) -> tuple[str, ...]:
        """VGG19 layer names whose features are matched to the content image."""
        return ("block5_conv2",) if self is LayerSet.GATYS else ("block2_conv2",)

    @property
    def style_layers(self) -> tuple[str, ...]:
        """VGG19 layer names whose Gram matrices are matched to the style image."""
        if self is LayerSet.GATYS:
            return tuple(f"block{i}_conv1" for i in range(1, 6))
        # Johnson used VGG16 relu1_2, relu2_2, relu3_3, relu4_3; the same names exist in VGG19.
        return ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3")


@dataclass(frozen=True)
class GatysConfig:
    """Gatys optimisation settings: steps, loss weights, layers, size, learning rate, previews, initial image."""

    iterations: int = 100
    content_weight: float = 0.025
    style_weight: float = 1.0
    tv_weight: float = 1e-4
    layers: LayerSet = LayerSet.GATYS
    max_side: int = 256
    learning_rate: float = 0.02  # Adam, on pixels in [0, 1]
    preview_every: int = 10
    init: str = "content"  # start from the content image (converges far faster than from noise)


@dataclass
class GatysProgress:
    """One optimisation step's report: step, losses and a preview now and then."""

    step: int  # 1-based
    total: int
    losses: dict[str, float]  # "total", "content", "style", "tv"
    preview: np.ndarray | None  # uint8 image every ``preview_every`` steps (and at the last one)


@dataclass
class GatysResult:
    """The optimised image with the loss history and the time per step."""

    image: np.ndarray
    history: list[dict[str, float]]  # one row per step
    steps: int
    stopped: bool
    ms_per_step: float  # median over the steps after the first (which includes tracing the graph)
    step_ms: list[float] = field(default_factory=list)


def build_vgg19(weights: Path | str | None, layers: LayerSet = LayerSet.GATYS) -> Any:
    """VGG19 (``include_top=False``) feature extractor → [content features…, style features…].

    ``weights``: a local ``.h5`` file (the store's ``vgg19_notop``) or None for random initialisation.
    """
    runtime.tf()
    import keras

    vgg = keras.applications.VGG19(include_top=False, weights=None if weights is None else str(weights))
    vgg.trainable = False
    names = list(layers.content_layers) + list(layers.style_layers)
    outputs = [vgg.get_layer(n).output for n in names]
    model = keras.Model(vgg.input, outputs, name=f"vgg19_{layers.value}")
    model.trainable = False
    model.layer_set = layers  # remembered so the optimiser splits the outputs correctly
    return model


def load_vgg19_from_store(layers: LayerSet = LayerSet.GATYS, store: Store | None = None) -> Any:
    """VGG19 from the store's ``vgg19_notop`` weights; raises ``models.store.ModelMissingError`` when absent."""
    return build_vgg19((store or Store()).require(VGG19_ENTRY), layers)


def gram_matrix(features: Any) -> Any:
    """Gram matrix (C, C) float32 tensor of a [1, H, W, C] feature tensor (channels × channels, summed over pixels)."""
    tf = runtime.tf()
    f = tf.reshape(features, (-1, tf.shape(features)[-1]))
    return tf.matmul(f, f, transpose_a=True)


class GatysStopped(Exception):
    """Raised by a progress callback to end an optimisation early (not an error a visitor sees)."""


def gatys_transfer(
    content: np.ndarray,
    style: np.ndarray,
    extractor: Any,
    config: GatysConfig = GatysConfig(),
    on_step: Callable[[GatysProgress], None] | None = None,
    stop: threading.Event | None = None,
) -> GatysResult:
    """Optimise an image (Adam on pixels) for Gatys' content + style + TV loss.

    ``on_step`` is called after every step (a preview image is attached every ``config.preview_every``
    steps); set ``stop`` to end early; the image so far is returned with ``stopped=True``.
    """
    tf = runtime.tf()
    import keras

    layers: LayerSet = getattr(extractor, "layer_set", config.layers)
    n_content = len(layers.content_layers)
    w, h = output_size(content.shape[1], content.shape[0], config.max_side)
    content_x = tf.constant(to_float(resize(content, w, h)))
    # The style image is used at the same scale as the content so brush strokes keep their size.
    sw, sh = output_size(style.shape[1], style.shape[0], config.max_side)
    style_x = tf.constant(to_float(resize(style, sw, sh)))

    def features(x01):
        # VGG expects caffe-style BGR with ImageNet means subtracted.
        return extractor(keras.applications.vgg19.preprocess_input(x01 * 255.0))

    content_targets = [tf.identity(f) for f in features(content_x)[:n_content]]
    style_feats = features(style_x)[n_content:]
    style_targets = [gram_matrix(f) for f in style_feats]
    # Classic Keras normalisation: 4·C²·N² per style layer (N = pixels of the generated image).
    style_norms = [4.0 * float(f.shape[-1]) ** 2 * float(h * w) ** 2 for f in style_feats]

    if config.init == "noise":
        init = np.random.default_rng(0).uniform(0, 1, (1, h, w, 3)).astype(np.float32)
        image = tf.Variable(init)
    else:
        image = tf.Variable(content_x)
    opt = keras.optimizers.Adam(learning_rate=config.learning_rate, beta_1=0.99, epsilon=1e-1)
    cw = tf.constant(config.content_weight, tf.float32)
    sw_ = tf.constant(config.style_weight / len(style_targets), tf.float32)
    tw = tf.constant(config.tv_weight, tf.float32)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            feats = features(image)
            c_loss = tf.add_n([tf.reduce_sum(tf.square(f - t)) for f, t in zip(feats[:n_content], content_targets)])
            s_loss = tf.add_n(
                [
                    tf.reduce_sum(tf.square(gram_matrix(f) - g)) / n
                    for f, g, n in zip(feats[n_content:], style_targets, style_norms)
                ]
            )
            px = image * 255.0
            tv = tf.reduce_sum(
                tf.pow(tf.square(px[:, :-1, :-1] - px[:, 1:, :-1]) + tf.square(px[:, :-1, :-1] - px[:, :-1, 1:]), 1.25)
            )
            total = cw * c_loss + sw_ * s_loss + tw * tv
        grad = tape.gradient(total, image)
        opt.apply_gradients([(grad, image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return total, cw * c_loss, sw_ * s_loss, tw * tv

    history: list[dict[str, float]] = []
    step_ms: list[float] = []
    stopped = False
    n = max(1, int(config.iterations))
    for i in range(1, n + 1):
        if stop is not None and stop.is_set():
            stopped = True
            break
        with timed() as t:
            total, c, s, v = (float(x) for x in step())
        step_ms.append(t.ms)
        row = {"total": total, "content": c, "style": s, "tv": v}
        history.append(row)
        if on_step is not None:
            want = i % max(1, config.preview_every) == 0 or i == n
            on_step(GatysProgress(i, n, row, to_uint8(image.numpy()) if want else None))
    steady = step_ms[1:] or step_ms or [0.0]
    return GatysResult(to_uint8(image.numpy()), history, len(history), stopped, float(np.median(steady)), step_ms)
