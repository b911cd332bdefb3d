"""Semantic segmentation with DeepLab V3 / V3+ (PASCAL VOC: background + 20 classes).

Models come from the model store (see ``models/registry.py``):

- ``deeplab_mnv2_513_quant`` / ``deeplab_mnv2_dm05_513_quant``: TFLite uint8, 513×513 in, class map out;
- ``deeplab_257_float``: TFLite float32 in [-1, 1], 257×257 in, 21-channel logits out;
- ``deeplab_mnv2_frozen`` / ``deeplab_xception_frozen``: the tensorflow.org TF1 frozen graphs
  (``ImageTensor:0`` uint8 [1,H,W,3] → ``SemanticPredictions:0`` [1,H,W]), for GPU / online hosts.

Geometry: the image is scaled so its long side equals the model's input size (aspect ratio kept) and
padded at the bottom / right, as DeepLab was trained. The prediction's valid region is cropped and mapped
back onto the original pixels with pixel-centre sampling, so there is no offset or stretch at any size.

No Streamlit here: usable from a CLI (``python -m models.segmentation photo.jpg``) or a notebook.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from models import runtime

# PASCAL VOC class names in model index order; used when the labels file is not in the store.
VOC_CLASSES: tuple[str, ...] = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
)
NUM_CLASSES = len(VOC_CLASSES)
BACKGROUND = 0
PERSON = VOC_CLASSES.index("person")

FROZEN_INPUT = "ImageTensor:0"
FROZEN_OUTPUT = "SemanticPredictions:0"
FROZEN_LONG_SIDE = 513  # what the official DeepLab demo resizes to before feeding the frozen graph

# Bilinear upsampling of 21-channel logits costs 84 bytes per output pixel; above this many pixels the
# logits are upsampled to this budget and the class map taken from there by nearest sampling.
LOGITS_UPSAMPLE_MAX_PIXELS = 4_000_000


class Backend(str, Enum):
    TFLITE_CLASSMAP = "tflite_classmap"  # uint8 square input, ArgMax output
    TFLITE_LOGITS = "tflite_logits"  # float32 square input in [-1, 1], logits output
    FROZEN_GRAPH = "frozen_graph"  # TF1 graph, any input size, class map output


class SegModel(str, Enum):
    """The DeepLab variants the page offers; the value is the model-store entry id."""

    MNV2_513 = "deeplab_mnv2_513_quant"
    MNV2_DM05_513 = "deeplab_mnv2_dm05_513_quant"
    MNV2_257_FLOAT = "deeplab_257_float"
    MNV2_FROZEN = "deeplab_mnv2_frozen"
    XCEPTION_FROZEN = "deeplab_xception_frozen"

    @property
    def spec(self) -> ModelSpec:
        return SPECS[self]


@dataclass(frozen=True)
class ModelSpec:
    title: str
    backend: Backend
    input_size: int  # square side for TFLite; long side for frozen graphs
    blurb: str


SPECS: dict[SegModel, ModelSpec] = {
    SegModel.MNV2_513: ModelSpec(
        "DeepLabV3 MobileNetV2 · 513 px · TFLite uint8", Backend.TFLITE_CLASSMAP, 513,
        "Best quality of the on-device models (2.2 MB)."),
    SegModel.MNV2_DM05_513: ModelSpec(
        "DeepLabV3 MobileNetV2 ×0.5 · 513 px · TFLite uint8", Backend.TFLITE_CLASSMAP, 513,
        "Half-width network: about 3× faster, a little coarser (0.8 MB)."),
    SegModel.MNV2_257_FLOAT: ModelSpec(
        "DeepLabV3 MobileNetV2 · 257 px · TFLite float", Backend.TFLITE_LOGITS, 257,
        "Fastest; logits upsampled bilinearly for smooth edges (2.8 MB)."),
    SegModel.MNV2_FROZEN: ModelSpec(
        "DeepLabV3 MobileNetV2 (mobilenetv2_coco_voctrainaug) · frozen graph", Backend.FROZEN_GRAPH,
        FROZEN_LONG_SIDE, "tensorflow.org release; runs on GPU when there is one (8.7 MB download)."),
    SegModel.XCEPTION_FROZEN: ModelSpec(
        "DeepLabV3+ Xception-65 (xception_coco_voctrainaug) · frozen graph", Backend.FROZEN_GRAPH,
        FROZEN_LONG_SIDE, "Most accurate; heavy, meant for GPU hosts (439 MB download)."),
}


# --- colours ---------------------------------------------------------------------------------------
def voc_palette(n: int = 256) -> np.ndarray:
    """The standard PASCAL VOC colour map (bit-interleaved), (n, 3) uint8; class 0 is black."""
    palette = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        palette[i] = (r, g, b)
    return palette


PALETTE = voc_palette()


def hex_colour(index: int) -> str:
    r, g, b = PALETTE[index]
    return f"#{r:02x}{g:02x}{b:02x}"


# --- results ---------------------------------------------------------------------------------------
# A class is listed in the legend only when it covers at least this share of the image. DeepLab decides on a
# grid of output-stride-16 cells (33×33 at 513 px), each about 0.1 % of the image, and bilinear upsampling
# smears each decision over its neighbours: a class owning under five cells' worth of pixels is a fringe of a
# boundary or a stray decision (the "sheep 0.0 %" from 14 px, "cat 0.2 %" on a photo without a cat),
# not an object a person would name. 0.5 % is still a 36×36-px object at 513 px, a 140×140-px one at 2048.
MIN_LEGEND_SHARE = 0.005
@dataclass(frozen=True)
class ClassShare:
    index: int
    name: str
    pixels: int
    share: float  # of all pixels, 0..1
    colour: str  # "#rrggbb"


@dataclass
class Segmentation:
    class_map: np.ndarray  # (H, W) uint8 class ids, same size as the input image
    labels: tuple[str, ...]
    model: str
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.class_map.shape  # type: ignore[return-value]

    @cached_property
    def counts(self) -> np.ndarray:
        """Pixels per class id (256 bins); computed once, the legend asks several times per rerun."""
        return cv2.calcHist([self.class_map], [0], None, [256], [0, 256]).ravel().astype(np.int64)

    def shares(self, include_background: bool = True) -> list[ClassShare]:
        """Classes present, largest first, with their pixel share."""
        counts = self.counts
        total = int(self.class_map.size)
        out = [
            ClassShare(i, self.labels[i], int(n), n / total, hex_colour(i))
            for i, n in enumerate(counts[: len(self.labels)])
            if n and (include_background or i != BACKGROUND)
        ]
        return sorted(out, key=lambda s: -s.pixels)

    def present(self) -> list[int]:
        return [s.index for s in self.shares()]

    def found(self, min_share: float = MIN_LEGEND_SHARE) -> tuple[list[ClassShare], list[ClassShare]]:
        """Foreground classes split into (listed, traces): ``listed`` cover at least ``min_share`` (0..1) of the
        pixels, largest first; ``traces`` are the rest (a few stray pixels, not an object)."""
        fg = self.shares(include_background=False)
        return [s for s in fg if s.share >= min_share], [s for s in fg if s.share < min_share]

    def resized(self, height: int, width: int) -> Segmentation:
        """The same result at (height, width): the class map enlarged (or reduced) nearest-neighbour, so every
        pixel keeps a class id the model gave (no blended ids). Used for downloads at the uploaded size."""
        if self.class_map.shape == (height, width):
            return self
        return Segmentation(resize_nearest(self.class_map, height, width), self.labels, self.model,
                            dict(self.timings_ms))

    def mask(self, classes: Iterable[int]) -> np.ndarray:
        return class_mask(self.class_map, classes)

    def dominant_foreground(self) -> int | None:
        fg = self.shares(include_background=False)
        return fg[0].index if fg else None


# --- geometry --------------------------------------------------------------------------------------
def scaled_size(height: int, width: int, long_side: int) -> tuple[int, int]:
    """(h, w) with the long side equal to ``long_side`` and the aspect ratio kept (each side ≥ 1)."""
    scale = long_side / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def resize_rgb(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    if rgb.shape[:2] == (height, width):
        return rgb
    # Shrinking: INTER_AREA averages whole source pixels (antialiased). Its fast path needs an integer factor k,
    # so go bilinearly to k x the target first (a mild < 2x step), then box-average by k: on average within half
    # a grey level of one INTER_AREA call, ~3x faster on a 1.2-MP photo. Enlarging: bilinear. Every step maps
    # pixel centres, so the geometry stays exact.
    rgb = np.ascontiguousarray(rgb)
    k = int(min(rgb.shape[0] / height, rgb.shape[1] / width))
    if k >= 2:
        if rgb.shape[:2] != (k * height, k * width):
            rgb = cv2.resize(rgb, (k * width, k * height), interpolation=cv2.INTER_LINEAR)
        return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    shrink = height * width < rgb.shape[0] * rgb.shape[1]
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def letterbox(rgb: np.ndarray, size: int, pad_value: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Scale into a ``size``×``size`` canvas at the top-left, pad the rest; returns (canvas, valid (h, w))."""
    h, w = scaled_size(rgb.shape[0], rgb.shape[1], size)
    canvas = np.full((size, size, 3), pad_value, dtype=np.uint8)
    canvas[:h, :w] = resize_rgb(rgb, h, w)
    return canvas, (h, w)


def _centre_index(out_len: int, in_len: int) -> np.ndarray:
    # Output pixel i covers [i, i+1); its centre (i + 0.5) lands at (i + 0.5) * in/out in the source.
    idx = ((np.arange(out_len) + 0.5) * (in_len / out_len)).astype(np.int64)
    return np.minimum(idx, in_len - 1)


def resize_nearest(labels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of a label map with pixel-centre alignment (no half-pixel shift)."""
    if labels.shape[:2] == (height, width):
        return labels
    rows = _centre_index(height, labels.shape[0])
    cols = _centre_index(width, labels.shape[1])
    # Two 1-D takes are ~3× faster than one 2-D fancy index on megapixel maps.
    return np.take(np.take(labels, rows, axis=0), cols, axis=1)


def logits_to_class_map(logits: np.ndarray, height: int, width: int) -> np.ndarray:
    """(h, w, C) logits → (height, width) uint8 class map, upsampling the logits bilinearly."""
    th, tw = height, width
    if height * width > LOGITS_UPSAMPLE_MAX_PIXELS:
        th, tw = scaled_size(height, width, int(max(height, width) * (LOGITS_UPSAMPLE_MAX_PIXELS / (height * width)) ** 0.5))
    # Bilinear with pixel-centre alignment (cv2's INTER_LINEAR), all 21 channels in one call.
    up = cv2.resize(np.ascontiguousarray(logits, dtype=np.float32), (tw, th), interpolation=cv2.INTER_LINEAR)
    return resize_nearest(up.reshape(th, tw, -1).argmax(axis=-1).astype(np.uint8), height, width)


# --- the segmenter ---------------------------------------------------------------------------------
Predictor = Callable[..., list[np.ndarray]]


class Segmenter:
    """Any-size RGB image → :class:`Segmentation` at the same size, through one DeepLab model."""

    def __init__(self, predictor: Predictor, model: SegModel, labels: Sequence[str] = VOC_CLASSES):
        if len(labels) < NUM_CLASSES:
            raise ValueError(f"DeepLab PASCAL VOC needs {NUM_CLASSES} labels, got {len(labels)}")
        self.predictor = predictor
        self.model = model
        self.spec = model.spec
        self.labels = tuple(labels[:NUM_CLASSES])

    def model_input(self, rgb: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """The exact tensor fed to the model, and the (h, w) of the image inside it."""
        size = self.spec.input_size
        if self.spec.backend is Backend.FROZEN_GRAPH:
            h, w = scaled_size(rgb.shape[0], rgb.shape[1], size)
            return resize_rgb(rgb, h, w)[None], (h, w)
        if self.spec.backend is Backend.TFLITE_CLASSMAP:
            # uint8 with scale 1/128, zero point 128: padding with 128 means 0.0, DeepLab's mean-pixel pad.
            canvas, valid = letterbox(rgb, size, 128)
            return canvas[None], valid
        canvas, valid = letterbox(rgb, size, 128)
        x = canvas.astype(np.float32) * (1.0 / 127.5) - 1.0
        x[valid[0]:, :] = 0.0
        x[:, valid[1]:] = 0.0
        return x[None], valid

    def predict(self, rgb: np.ndarray) -> Segmentation:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {rgb.shape} {rgb.dtype}")
        height, width = rgb.shape[:2]
        timings: dict[str, float] = {}
        with runtime.timed() as t:
            x, (vh, vw) = self.model_input(rgb)
        timings["preprocess"] = t.ms
        with runtime.timed() as t:
            out = np.asarray(self.predictor(x)[0])
        timings["model"] = t.ms
        with runtime.timed() as t:
            out = out[0]
            if self.spec.backend is Backend.TFLITE_LOGITS:
                class_map = logits_to_class_map(out[:vh, :vw], height, width)
            else:
                class_map = resize_nearest(out[:vh, :vw].astype(np.uint8), height, width)
        timings["postprocess"] = t.ms
        return Segmentation(np.ascontiguousarray(class_map), self.labels, self.model.value, timings)


def load_labels(path: Path | str | None) -> tuple[str, ...]:
    """Class names from the store's labels file (first 21 lines), or the built-in VOC list."""
    if path is None:
        return VOC_CLASSES
    names = runtime.read_labels(path, limit=NUM_CLASSES)
    if len(names) != NUM_CLASSES or not all(names):
        raise ValueError(f"{Path(path).name}: expected {NUM_CLASSES} class names in its first lines")
    return tuple(names)


def load_segmenter(model: SegModel, path: Path | str, labels: Sequence[str] = VOC_CLASSES) -> Segmenter:
    """Load one model file from the store (a .tflite, or a frozen-graph .pb / tensorflow.org tarball)."""
    spec = model.spec
    if spec.backend is Backend.FROZEN_GRAPH:
        predictor = runtime.load_frozen_graph(path, [FROZEN_INPUT], [FROZEN_OUTPUT])
        return Segmenter(predictor, model, labels)
    tflite = runtime.load_tflite(path)
    (inp,), (outp,) = tflite.inputs, tflite.outputs
    want_dtype = np.uint8 if spec.backend is Backend.TFLITE_CLASSMAP else np.float32
    if inp.shape != (1, spec.input_size, spec.input_size, 3) or inp.dtype != want_dtype:
        raise ValueError(f"{Path(path).name}: input {inp.shape} {inp.dtype} does not match {spec.title}")
    want_rank = 3 if spec.backend is Backend.TFLITE_CLASSMAP else 4
    if len(outp.shape) != want_rank or outp.shape[1:3] != (spec.input_size, spec.input_size):
        raise ValueError(f"{Path(path).name}: output {outp.shape} does not match {spec.title}")
    return Segmenter(tflite, model, labels)


# --- rendering -------------------------------------------------------------------------------------
def class_mask(class_map: np.ndarray, classes: Iterable[int]) -> np.ndarray:
    lut = np.zeros(256, dtype=np.uint8)
    lut[list(classes)] = 1
    return cv2.LUT(np.ascontiguousarray(class_map, dtype=np.uint8), lut).view(bool)


def _shown_lut(visible: Iterable[int] | None) -> np.ndarray:
    lut = np.zeros(256, dtype=np.uint8)
    if visible is None:
        lut[1:] = 255
    else:
        lut[[c for c in visible if c != BACKGROUND]] = 255
    return lut


def _palette_image(class_map: np.ndarray, palette: np.ndarray = PALETTE) -> np.ndarray:
    # cv2.LUT on a 3-channel copy of the map: ~6× faster than numpy fancy indexing on megapixel maps.
    cm = np.ascontiguousarray(class_map, dtype=np.uint8)
    return cv2.LUT(cv2.merge([cm, cm, cm]), palette.reshape(256, 1, 3))


def colorize(class_map: np.ndarray, visible: Iterable[int] | None = None) -> np.ndarray:
    """Colour map (H, W, 3); classes not in ``visible`` are drawn black like the background."""
    palette = PALETTE.copy()
    if visible is not None:
        hidden = np.ones(256, dtype=bool)
        hidden[list(visible)] = False
        palette[hidden] = 0
    return _palette_image(class_map, palette)


def overlay(rgb: np.ndarray, class_map: np.ndarray, opacity: float, visible: Iterable[int] | None = None) -> np.ndarray:
    """Class colours blended over the photo at ``opacity`` (0..1); background and hidden classes untouched."""
    opacity = float(np.clip(opacity, 0.0, 1.0))
    cm = np.ascontiguousarray(class_map, dtype=np.uint8)
    blended = cv2.addWeighted(rgb, 1.0 - opacity, _palette_image(cm), opacity, 0.0)
    out = rgb.copy()
    cv2.copyTo(blended, cv2.LUT(cm, _shown_lut(visible)), out)  # only where a shown class is
    return out


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = 8) -> np.ndarray:
    h = left.shape[0]
    spacer = np.full((h, gap, 3), 255, dtype=np.uint8)
    return np.concatenate([left, spacer, right], axis=1)


def class_png(class_map: np.ndarray) -> bytes:
    """Palette PNG whose pixel values are the class ids (VOC convention); viewers show the VOC colours."""
    im = Image.fromarray(class_map.astype(np.uint8), mode="P")
    im.putpalette(PALETTE.ravel().tolist())
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=False)
    return buf.getvalue()


# --- mask operations -------------------------------------------------------------------------------
def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Grow a boolean mask by ``radius`` pixels (a disc), e.g. to cover an object's halo before inpainting."""
    if radius <= 0:
        return mask.copy()
    return cv2.dilate(mask.astype(np.uint8), _disk(radius)).astype(bool)


def feather(mask: np.ndarray, radius: float) -> np.ndarray:
    """Soft alpha in [0, 1] (float32): the mask edge blurred over about ``radius`` pixels."""
    alpha = mask.astype(np.float32)
    if radius <= 0:
        return alpha
    # sigma = radius / 2 puts ~95 % of the ramp inside ±radius.
    return cv2.GaussianBlur(alpha, (0, 0), sigmaX=radius / 2.0, borderType=cv2.BORDER_REPLICATE)


class BackgroundMode(str, Enum):
    BLUR = "Blur"
    COLOUR = "Colour"
    IMAGE = "Image"


@dataclass(frozen=True)
class PortraitOptions:
    mode: BackgroundMode = BackgroundMode.BLUR
    blur_radius: float = 12.0  # Gaussian sigma of the background blur, in pixels
    colour: tuple[int, int, int] = (255, 255, 255)
    image: np.ndarray | None = None  # RGB background for BackgroundMode.IMAGE (any size: cover-cropped)
    feather_px: float = 6.0


def cover(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale to cover (height, width) and centre-crop: a background never looks stretched."""
    h, w = rgb.shape[:2]
    scale = max(height / h, width / w)
    sh, sw = max(height, round(h * scale)), max(width, round(w * scale))
    scaled = resize_rgb(rgb, sh, sw)
    top, left = (sh - height) // 2, (sw - width) // 2
    return scaled[top : top + height, left : left + width]


def portrait(rgb: np.ndarray, keep: np.ndarray, options: PortraitOptions = PortraitOptions()) -> np.ndarray:
    """Keep the pixels of ``keep`` (bool mask) sharp; blur or replace the rest, with a feathered edge."""
    h, w = rgb.shape[:2]
    if keep.shape != (h, w):
        raise ValueError(f"mask {keep.shape} does not match image {(h, w)}")
    if options.mode is BackgroundMode.BLUR:
        sigma = max(0.5, options.blur_radius)
        background = cv2.GaussianBlur(rgb, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT)
    elif options.mode is BackgroundMode.COLOUR:
        background = np.empty_like(rgb)
        background[:] = np.asarray(options.colour, dtype=np.uint8)
    else:
        if options.image is None:
            raise ValueError("BackgroundMode.IMAGE needs a background image")
        background = cover(options.image, h, w)
    alpha = feather(keep, options.feather_px)[..., None]
    out = rgb.astype(np.float32) * alpha + background.astype(np.float32) * (1.0 - alpha)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def parse_hex_colour(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #rrggbb colour: {value!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# --- CLI -------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    from models.imaging import read_image  # noqa: PLC0415
    from models.store import Store, StoreError  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m models.segmentation", description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+", type=Path)
    parser.add_argument("--model", choices=[m.value for m in SegModel], default=SegModel.MNV2_513.value)
    parser.add_argument("--out", type=Path, help="write <name>_classes.png and <name>_overlay.png here")
    args = parser.parse_args(argv)
    store = Store()
    try:
        model = SegModel(args.model)
        labels = load_labels(store.require("pascal_voc_labels")) if store.has("pascal_voc_labels") else VOC_CLASSES
        segmenter = load_segmenter(model, store.require(model.value), labels)
    except StoreError as exc:
        print(exc)
        return 1
    for path in args.images:
        image = read_image(path)
        seg = segmenter.predict(image.rgb)
        listed, traces = seg.found()
        bg = [s for s in seg.shares() if s.index == BACKGROUND]
        summary = ", ".join(f"{s.name} {s.share:.1%}" for s in bg + listed)
        if traces:
            summary += f" (traces under {MIN_LEGEND_SHARE:.1%}: {', '.join(f'{s.name} {s.pixels} px' for s in traces)})"
        times = " ".join(f"{k}={v:.0f}ms" for k, v in seg.timings_ms.items())
        print(f"{path.name}: {summary}  [{times}]")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{path.stem}_classes.png").write_bytes(class_png(seg.class_map))
            from models.imaging import encode_png  # noqa: PLC0415

            (args.out / f"{path.stem}_overlay.png").write_bytes(encode_png(overlay(image.rgb, seg.class_map, 0.6)))
    return 0


if __name__ == "__main__":
    from models.store import run_cli

    run_cli(main)
