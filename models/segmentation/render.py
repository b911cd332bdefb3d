"""Drawing a segmentation: colour map, overlay, side by side, class-id PNG, and portrait mode."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np
from PIL import Image

from models.colour_contrast import readable_colour
from models.errors import InputError
from models.ops import cover, feather
from models.segmentation.classes import BACKGROUND, PALETTE


def _shown_lut(visible: Iterable[int] | None, background: int | None = BACKGROUND) -> np.ndarray:
    lut = np.zeros(256, dtype=np.uint8)
    if visible is None:
        lut[:] = 255
    else:
        lut[list(visible)] = 255
    if background is not None:
        lut[background] = 0
    return lut


def _palette_image(class_map: np.ndarray, palette: np.ndarray = PALETTE) -> np.ndarray:
    # cv2.LUT on a 3-channel copy of the map: ~6× faster than numpy fancy indexing on megapixel maps.
    cm = np.ascontiguousarray(class_map, dtype=np.uint8)
    return cv2.LUT(cv2.merge([cm, cm, cm]), palette.reshape(256, 1, 3))


def colorize(class_map: np.ndarray, visible: Iterable[int] | None = None, palette: np.ndarray = PALETTE) -> np.ndarray:
    """Colour map (H, W, 3) in ``palette`` ((256, 3) uint8, VOC's by default).

    Classes not in ``visible`` are drawn black like VOC's background.
    """
    palette = palette.copy()
    if visible is not None:
        hidden = np.ones(256, dtype=bool)
        hidden[list(visible)] = False
        palette[hidden] = 0
    return _palette_image(class_map, palette)


def overlay(
    rgb: np.ndarray,
    class_map: np.ndarray,
    opacity: float,
    visible: Iterable[int] | None = None,
    palette: np.ndarray = PALETTE,
    background: int | None = BACKGROUND,
) -> np.ndarray:
    """Class colours (``palette``) blended over the photo at ``opacity`` (0..1).

    The ``background`` id (None: no background class) and hidden classes are left untouched.
    """
    opacity = float(np.clip(opacity, 0.0, 1.0))
    cm = np.ascontiguousarray(class_map, dtype=np.uint8)
    blended = cv2.addWeighted(rgb, 1.0 - opacity, _palette_image(cm, palette), opacity, 0.0)
    out = rgb.copy()
    cv2.copyTo(blended, cv2.LUT(cm, _shown_lut(visible, background)), out)  # only where a shown class is
    return out


# Mean colours under each class are taken on a grid of at most this many pixels: the mean of a region of thousands
# of pixels barely moves (well under 1/255), and a 4-MP overlay stays a few ms.
_MEAN_SAMPLES = 250_000


def readable_palette(
    rgb: np.ndarray,
    class_map: np.ndarray,
    opacity: float,
    palette: np.ndarray = PALETTE,
    background: int | None = BACKGROUND,
) -> np.ndarray:
    """The colours an overlay of ``class_map`` on ``rgb`` should draw.

    (256, 3) uint8, a copy of ``palette`` in which each class present (except ``background``) is moved by
    :func:`models.colour_contrast.readable_colour` until, blended at ``opacity`` (0..1) over the mean colour of the
    photo under that class, it stands out from it (CIEDE2000 ≥ ``MIN_DELTA_E``). A colour that already stands out is
    kept; at opacity 0 nothing is drawn and ``palette`` comes back unchanged. Legends should show these colours: they
    are the ones drawn.

    ``rgb`` (H, W, 3) uint8 and ``class_map`` (H, W) uint8 must have the same height and width
    (:class:`models.errors.InputError` otherwise).
    """
    if rgb.shape[:2] != class_map.shape[:2]:
        raise InputError(f"class map {class_map.shape[:2]} does not match image {rgb.shape[:2]}")
    out = np.array(palette, dtype=np.uint8, copy=True)
    opacity = float(np.clip(opacity, 0.0, 1.0))
    if opacity == 0.0:
        return out
    step = max(1, int(np.ceil(np.sqrt(class_map.size / _MEAN_SAMPLES))))
    ids = np.ascontiguousarray(class_map[::step, ::step], dtype=np.uint8).ravel()
    px = rgb[::step, ::step, :3].reshape(-1, 3).astype(np.float64)
    counts = np.bincount(ids, minlength=256)
    sums = np.stack([np.bincount(ids, weights=px[:, c], minlength=256) for c in range(3)], axis=1)
    for k in np.flatnonzero(counts):
        if k != background:
            mean = sums[k] / counts[k]
            out[k] = readable_colour(tuple(int(v) for v in palette[k]), mean[None], opacity=opacity)
    return out


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = 8) -> np.ndarray:
    """Two (H, W, 3) uint8 images of the same height next to each other with a white ``gap`` px between."""
    h = left.shape[0]
    spacer = np.full((h, gap, 3), 255, dtype=np.uint8)
    return np.concatenate([left, spacer, right], axis=1)


def class_png(class_map: np.ndarray, palette: np.ndarray = PALETTE) -> bytes:
    """Palette PNG whose pixel values are the class ids (VOC's convention); viewers show ``palette``'s colours."""
    im = Image.fromarray(class_map.astype(np.uint8), mode="P")
    im.putpalette(palette.ravel().tolist())
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=False)
    return buf.getvalue()


class BackgroundMode(str, Enum):
    """What replaces the background of a portrait."""

    BLUR = "Blur"
    COLOUR = "Colour"
    IMAGE = "Image"


@dataclass(frozen=True)
class PortraitOptions:
    """Portrait settings: background mode, blur sigma, colour or image, edge feather (px)."""

    mode: BackgroundMode = BackgroundMode.BLUR
    blur_radius: float = 12.0  # Gaussian sigma of the background blur, in pixels
    colour: tuple[int, int, int] = (255, 255, 255)
    image: np.ndarray | None = None  # RGB background for BackgroundMode.IMAGE (any size: cover-cropped)
    feather_px: float = 6.0


def portrait(rgb: np.ndarray, keep: np.ndarray, options: PortraitOptions = PortraitOptions()) -> np.ndarray:
    """(H, W, 3) uint8 photo → same shape and dtype.

    The pixels of ``keep`` ((H, W) bool) stay sharp, the rest is blurred or replaced, with a feathered edge. Raises
    :class:`models.errors.InputError` on a size mismatch or a missing background image.
    """
    h, w = rgb.shape[:2]
    if keep.shape != (h, w):
        raise InputError(f"mask {keep.shape} does not match image {(h, w)}")
    if options.mode is BackgroundMode.BLUR:
        sigma = max(0.5, options.blur_radius)
        background = cv2.GaussianBlur(rgb, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT)
    elif options.mode is BackgroundMode.COLOUR:
        background = np.empty_like(rgb)
        background[:] = np.asarray(options.colour, dtype=np.uint8)
    else:
        if options.image is None:
            raise InputError("BackgroundMode.IMAGE needs a background image")
        background = cover(options.image, h, w)
    alpha = feather(keep, options.feather_px)[..., None]
    out = rgb.astype(np.float32) * alpha + background.astype(np.float32) * (1.0 - alpha)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def parse_hex_colour(value: str) -> tuple[int, int, int]:
    """Parse "#rrggbb" into (r, g, b) in 0..255; raises :class:`models.errors.InputError` for anything else."""
    value = value.lstrip("#")
    if len(value) != 6:
        raise InputError(f"not a #rrggbb colour: {value!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
