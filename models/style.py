"""Style transfer: Magenta arbitrary image stylization (fast, feed-forward) and Gatys VGG19 optimisation.

No Streamlit here: usable from a CLI or a notebook::

    from models.style import Backend, MagentaTFLite
    model = MagentaTFLite.from_store(Backend.TFLITE_INT8)
    out = model.stylize(content_rgb, style_rgb, strength=0.75).image   # uint8 HxWx3

Magenta (Ghiasi et al. 2017) = a style *prediction* network (256×256 style image → 100-d bottleneck) and a
style *transfer* network (content + bottleneck → image). Style strength blends the style's bottleneck with
the content image's own bottleneck (strength 0 ≈ the content re-rendered by the network, 1 = full style).

Two backends:
- TFLite pair from the store (CPU): the transfer network is fixed at 384×384 (its graph hard-codes the
  output shape: resizing the input tensor still returns 384×384). Larger outputs are made either by
  stylizing overlapping 384-px tiles of the full-resolution content and feathering them together (keeps
  detail; cost grows with the tile count) or by one pass at 384 px and resizing up (softer). Either way the
  content is never squashed: a non-square image (or tile) is fitted into the 384×384 input at its own aspect
  ratio and the rest filled by mirroring it, then cropped back (so a 3:1 panorama keeps round strokes).
  See :class:`LargeImage`.
- The style image is centre-cropped to a square before it is resized to the prediction network's 256×256
  input (:func:`centre_square`): squashing a 16:10 painting distorts its strokes and weakens the style.
- TF Hub SavedModel (``hub.load``; any content size, preferred on a GPU). Its signature takes only
  ``(content, style)`` and does not expose the bottleneck, so strength there is a pixel blend between the
  content's self-stylization (the strength-0 end point) and the full stylization (the strength-1 end point).

Gatys et al. 2016: optimise the pixels of an image so that its VGG19 features match the content image's
(``block5_conv2``) and its Gram matrices match the style image's (``block1..5_conv1``), plus a total-variation
term. Weights 0.025 / 1.0 / 1e-4 as in the classic Keras example. ``weights=None`` gives a randomly
initialised VGG19 (used to test the loop's mechanics offline).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from models import runtime
from models.runtime import timed
from models.store import Store

STYLE_SIZE = 256  # the prediction network's (and the hub model's recommended) style input
TRANSFER_SIZE = 384  # the TFLite transfer network's fixed content size
# How a tile (or a whole image up to 384 px) shorter than the network's square is filled before stylizing (and
# cropped after): numpy.pad's "edge" (repeat the border pixels). Measured on the strength-curve test (3 photos ×
# 3 styles): "reflect", "symmetric" and "wrap" each broke one near-tie there (e.g. edge correlation 0.589 → 0.591
# from strength 0 to 0.25 on cat.jpg); "edge" kept every curve monotonic.
PAD_MODE = "edge"
BOTTLENECK_SHAPE = (1, 1, 1, 100)


class Backend(str, Enum):
    """Which Magenta network runs. The TFLite pair shares the int8 predict network."""

    TFLITE_FP16 = "tflite_fp16"  # first = page default: faster than int8 on XNNPACK (see the bench)
    TFLITE_INT8 = "tflite_int8"
    SAVED_MODEL = "saved_model"

    @property
    def label(self) -> str:
        return {
            "TFLITE_INT8": "TFLite int8 (CPU, smallest)",
            "TFLITE_FP16": "TFLite fp16 weights (CPU)",
            "SAVED_MODEL": "TF Hub SavedModel (any size, GPU)",
        }[self.name]

    @property
    def entries(self) -> tuple[str, ...]:
        """Model-store entries this backend needs."""
        return {
            "TFLITE_INT8": (PREDICT_ENTRY, "magenta_transfer_int8"),
            "TFLITE_FP16": (PREDICT_ENTRY, "magenta_transfer_f16"),
            "SAVED_MODEL": (SAVED_MODEL_ENTRY,),
        }[self.name]


PREDICT_ENTRY = "magenta_predict_int8"
SAVED_MODEL_ENTRY = "magenta_style_savedmodel"
VGG19_ENTRY = "vgg19_notop"


class LargeImage(str, Enum):
    """How the fixed-384 TFLite network makes outputs larger than 384 px."""

    TILES = "tiles"  # overlapping 384-px tiles at full resolution, feathered together
    RESIZE = "resize"  # one 384-px pass (aspect kept, mirrored padding to the square), resized up

    @property
    def label(self) -> str:
        return {
            "TILES": "Tiles (sharp, slower)",
            "RESIZE": "Resize (one pass, softer)",
        }[self.name]


# --- image helpers -------------------------------------------------------------------------------
def to_float(rgb: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """uint8 HxWx3 → float32 [1,h,w,3] in [0,1]; ``size`` = (width, height) to resize to first."""
    if size is not None and (rgb.shape[1], rgb.shape[0]) != size:
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))
    return (rgb.astype(np.float32) / 255.0)[None]


def to_uint8(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 4:
        x = x[0]
    return (np.clip(x, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    if rgb.shape[:2] == (height, width):
        return rgb
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.LANCZOS))


def centre_square(rgb: np.ndarray) -> np.ndarray:
    """The largest centred square of an (H, W, C) image (a view, same dtype): what the style network sees."""
    h, w = rgb.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return rgb[top : top + side, left : left + side]


def output_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(w, h) with the long side = ``max_side`` (up or down), aspect ratio kept."""
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def blend_bottlenecks(style_b: np.ndarray, content_b: np.ndarray, strength: float) -> np.ndarray:
    """strength·style + (1−strength)·content: the Magenta way to dial the style down."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be within [0, 1], got {strength}")
    return (strength * style_b + (1.0 - strength) * content_b).astype(np.float32)


def _window(n: int, overlap: int) -> np.ndarray:
    """1-D feathering weights: raised-cosine ramps of length ``overlap`` at both ends, 1 inside."""
    w = np.ones(n, np.float32)
    if overlap > 0:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, overlap + 2, dtype=np.float32)[1:-1])
        w[:overlap] = ramp
        w[-overlap:] = ramp[::-1]
    return w


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride)) + [length - tile]
    return sorted(set(starts))


def tiled(
    fn: Callable[[np.ndarray], np.ndarray],
    image: np.ndarray,
    tile: int,
    overlap: int,
    on_tile: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Apply a fixed-size float image→image function over overlapping tiles and feather the results.

    ``image`` is float HxWx3; sides shorter than ``tile`` are padded first (PAD_MODE) and cropped after.
    """
    h, w = image.shape[:2]
    ph, pw = max(0, tile - h), max(0, tile - w)
    padded = np.pad(image, ((0, ph), (0, pw), (0, 0)), mode=PAD_MODE) if ph or pw else image
    H, W = padded.shape[:2]
    acc = np.zeros((H, W, 3), np.float32)
    weight = np.zeros((H, W, 1), np.float32)
    ys, xs = _starts(H, tile, overlap), _starts(W, tile, overlap)
    done, count = 0, len(ys) * len(xs)
    # Ramps only where a neighbour overlaps; image borders keep full weight (no dark rim).
    for y in ys:
        for x in xs:
            out = fn(padded[y : y + tile, x : x + tile])
            wy = _window(tile, overlap if len(ys) > 1 else 0)
            wx = _window(tile, overlap if len(xs) > 1 else 0)
            if y == ys[0]:
                wy[:overlap] = 1.0
            if y == ys[-1]:
                wy[-overlap:] = 1.0
            if x == xs[0]:
                wx[:overlap] = 1.0
            if x == xs[-1]:
                wx[-overlap:] = 1.0
            wgt = (wy[:, None] * wx[None, :])[..., None]
            acc[y : y + tile, x : x + tile] += out * wgt
            weight[y : y + tile, x : x + tile] += wgt
            done += 1
            if on_tile is not None:
                on_tile(done, count)
    return (acc / np.maximum(weight, 1e-6))[:h, :w]


@dataclass
class StyleResult:
    image: np.ndarray  # uint8 HxWx3
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --- Magenta, TFLite pair ------------------------------------------------------------------------
class MagentaTFLite:
    """The int8 predict network + an int8 or fp16 transfer network, both from the model store."""

    def __init__(self, predict: runtime.TFLiteModel, transfer: runtime.TFLiteModel):
        self.predict = predict
        self.transfer = transfer
        (_, self.style_h, self.style_w, _) = predict.inputs[0].shape
        # Find the content input by its shape rather than trusting the converter's input order.
        shapes = [spec.shape for spec in transfer.inputs]
        self._content_first = shapes[0][-1] == 3 and shapes[0][1] > 1
        (_, self.content_h, self.content_w, _) = shapes[0] if self._content_first else shapes[1]

    def _transfer(self, content: np.ndarray, bottleneck: np.ndarray) -> np.ndarray:
        args = (content, bottleneck) if self._content_first else (bottleneck, content)
        return self.transfer(*args)[0]

    @classmethod
    def from_paths(cls, predict_path: Path | str, transfer_path: Path | str) -> MagentaTFLite:
        return cls(runtime.load_tflite(predict_path), runtime.load_tflite(transfer_path))

    @classmethod
    def from_store(cls, backend: Backend = Backend.TFLITE_INT8, store: Store | None = None) -> MagentaTFLite:
        if backend is Backend.SAVED_MODEL:
            raise ValueError("the SavedModel backend is MagentaSavedModel")
        store = store or Store()
        return cls.from_paths(*(store.require(e) for e in backend.entries))

    def bottleneck(self, rgb: np.ndarray, crop: bool = False) -> np.ndarray:
        """The style vector, float32 (1, 1, 1, 100), of an (H, W, 3) uint8 image.

        ``crop=True`` (what a *style* image gets, see :meth:`stylize` and the page): its centred square, resized
        to the network's 256×256 input, so its strokes keep their shape. ``crop=False`` (default): the whole
        image resized to 256×256, what the photo's own style (the strength-0 end) is made from: all of its
        palette counts there, not only its centre.
        """
        return self.predict(to_float(centre_square(rgb) if crop else rgb, (self.style_w, self.style_h)))[0]

    def _transfer_tile(self, tile: np.ndarray, bottleneck: np.ndarray) -> np.ndarray:
        return self._transfer(tile[None].astype(np.float32), bottleneck)[0]

    def render(
        self,
        content: np.ndarray,
        bottleneck: np.ndarray,
        max_side: int = TRANSFER_SIZE,
        large: LargeImage = LargeImage.TILES,
        overlap: int = 64,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Stylized (h, w, 3) uint8 image, long side ``max_side``, the aspect ratio of ``content`` (within 1 px).

        The network's input is never squashed: up to 384 px (and for ``LargeImage.RESIZE``) the content is
        resized to fit the 384×384 input at its own aspect ratio, mirror-padded to the square by :func:`tiled`
        and cropped back; beyond, 384-px tiles of the full-size content (a tile is square already).
        """
        w, h = output_size(content.shape[1], content.shape[0], max_side)
        side = self.content_h
        if large is LargeImage.RESIZE or max(w, h) <= side:
            fw, fh = output_size(w, h, min(side, max(w, h)))
            one = tiled(lambda t: self._transfer_tile(t, bottleneck), to_float(resize(content, fw, fh))[0],
                        side, overlap, on_tile)
            return resize(to_uint8(one), w, h)
        # Resampled (up or down) content at the output size, then 384-px tiles.
        full = to_float(resize(content, w, h))[0]
        out = tiled(lambda t: self._transfer_tile(t, bottleneck), full, side, overlap, on_tile)
        return to_uint8(out)

    def stylize(
        self,
        content: np.ndarray,
        style: np.ndarray,
        strength: float = 1.0,
        max_side: int = TRANSFER_SIZE,
        large: LargeImage = LargeImage.TILES,
        style_bottleneck: np.ndarray | None = None,
        content_bottleneck: np.ndarray | None = None,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> StyleResult:
        """Content + style (uint8 RGB) → stylized uint8 RGB. Precomputed bottlenecks may be passed in (make the
        style's with ``bottleneck(style, crop=True)``)."""
        timings: dict[str, float] = {}
        with timed() as t:
            if style_bottleneck is None:
                style_bottleneck = self.bottleneck(style, crop=True)
            if strength < 1.0 and content_bottleneck is None:
                # The photo's own style is all of its palette: the whole photo, not its centre.
                content_bottleneck = self.bottleneck(content)
        timings["style predict"] = t.ms
        b = style_bottleneck if strength >= 1.0 else blend_bottlenecks(style_bottleneck, content_bottleneck, strength)
        with timed() as t:
            image = self.render(content, b, max_side, large, on_tile=on_tile)
        timings["style transfer"] = t.ms
        return StyleResult(image, timings)


# --- Magenta, TF Hub SavedModel ------------------------------------------------------------------
class MagentaSavedModel:
    """``hub.load`` of arbitrary-image-stylization-v1-256: ``model(content, style)[0]``, any content size."""

    def __init__(self, module: Any):
        self.module = module

    @classmethod
    def from_path(cls, path: Path | str) -> MagentaSavedModel:
        return cls(runtime.load_saved_model(path))

    @classmethod
    def from_store(cls, store: Store | None = None) -> MagentaSavedModel:
        return cls.from_path((store or Store()).require(SAVED_MODEL_ENTRY))

    def _run(self, content: np.ndarray, style: np.ndarray) -> np.ndarray:
        tf = runtime.tf()
        outputs = self.module(tf.constant(content), tf.constant(style))
        if isinstance(outputs, dict):
            outputs = list(outputs.values())
        return np.asarray(outputs[0])

    def stylize(self, content: np.ndarray, style: np.ndarray, strength: float = 1.0, max_side: int = 512) -> StyleResult:
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"strength must be within [0, 1], got {strength}")
        w, h = output_size(content.shape[1], content.shape[0], max_side)
        c = to_float(resize(content, w, h))
        timings: dict[str, float] = {}
        with timed() as t:
            out = self._run(c, to_float(centre_square(style), (STYLE_SIZE, STYLE_SIZE)))
            if strength < 1.0:
                # The signature hides the bottleneck: blend with the content's self-stylization instead.
                own = self._run(c, to_float(content, (STYLE_SIZE, STYLE_SIZE)))
                out = strength * out + (1.0 - strength) * own
        timings["stylize"] = t.ms
        return StyleResult(resize(to_uint8(out), w, h), timings)


# --- quality metrics (used by tests and the bench) -----------------------------------------------
def edge_map(rgb: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of the luminance, float32 HxW."""
    from skimage.color import rgb2gray  # noqa: PLC0415
    from skimage.filters import sobel  # noqa: PLC0415

    return sobel(rgb2gray(rgb)).astype(np.float32)


def edge_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of the two edge maps (``b`` resized to ``a``): 1 = same structure, 0 = none."""
    b = resize(b, a.shape[1], a.shape[0])
    ea, eb = edge_map(a).ravel(), edge_map(b).ravel()
    return float(np.corrcoef(ea, eb)[0, 1])


def colour_stats(rgb: np.ndarray) -> np.ndarray:
    """Mean and standard deviation of L*, a*, b* (6 numbers): the palette and its contrast."""
    from skimage.color import rgb2lab  # noqa: PLC0415

    lab = rgb2lab(rgb).reshape(-1, 3)
    return np.concatenate([lab.mean(0), lab.std(0)])


def colour_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between the Lab colour statistics of two images (ΔE-like units)."""
    return float(np.linalg.norm(colour_stats(a) - colour_stats(b)))


# --- Gatys optimisation --------------------------------------------------------------------------
class LayerSet(str, Enum):
    GATYS = "gatys"
    JOHNSON = "johnson"

    @property
    def label(self) -> str:
        return {"GATYS": "Gatys et al.", "JOHNSON": "Johnson et al."}[self.name]

    @property
    def description(self) -> str:
        return (f"content {', '.join(self.content_layers)}; style {', '.join(self.style_layers)}")

    @property
    def content_layers(self) -> tuple[str, ...]:
        return ("block5_conv2",) if self is LayerSet.GATYS else ("block2_conv2",)

    @property
    def style_layers(self) -> tuple[str, ...]:
        if self is LayerSet.GATYS:
            return tuple(f"block{i}_conv1" for i in range(1, 6))
        # Johnson used VGG16 relu1_2, relu2_2, relu3_3, relu4_3; the same names exist in VGG19.
        return ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3")


@dataclass(frozen=True)
class GatysConfig:
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
    step: int  # 1-based
    total: int
    losses: dict[str, float]  # "total", "content", "style", "tv"
    preview: np.ndarray | None  # uint8 image every ``preview_every`` steps (and at the last one)


@dataclass
class GatysResult:
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
    import keras  # noqa: PLC0415

    vgg = keras.applications.VGG19(include_top=False, weights=None if weights is None else str(weights))
    vgg.trainable = False
    names = list(layers.content_layers) + list(layers.style_layers)
    outputs = [vgg.get_layer(n).output for n in names]
    model = keras.Model(vgg.input, outputs, name=f"vgg19_{layers.value}")
    model.trainable = False
    model.layer_set = layers  # remembered so the optimiser splits the outputs correctly
    return model


def load_vgg19_from_store(layers: LayerSet = LayerSet.GATYS, store: Store | None = None) -> Any:
    return build_vgg19((store or Store()).require(VGG19_ENTRY), layers)


def gram_matrix(features: Any) -> Any:
    tf = runtime.tf()
    f = tf.reshape(features, (-1, tf.shape(features)[-1]))
    return tf.matmul(f, f, transpose_a=True)


class GatysStopped(Exception):
    pass


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
    import keras  # noqa: PLC0415

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
            s_loss = tf.add_n([
                tf.reduce_sum(tf.square(gram_matrix(f) - g)) / n
                for f, g, n in zip(feats[n_content:], style_targets, style_norms)
            ])
            px = image * 255.0
            tv = tf.reduce_sum(tf.pow(tf.square(px[:, :-1, :-1] - px[:, 1:, :-1])
                                      + tf.square(px[:, :-1, :-1] - px[:, :-1, 1:]), 1.25))
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
