"""Masks from uploaded files and other pages: read, fit to the image, check; all end up as (H, W) bool."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import ImageOps

from models.imaging import ImageError, load_image
from models.inpainting.common import ASPECT_TOLERANCE, MAX_MASK_FRACTION, WARN_MASK_FRACTION, MaskError


@dataclass
class LoadedMask:
    """An uploaded mask at the image's resolution, with notes and a warning for a person."""

    mask: np.ndarray  # (H, W) bool at the image's resolution
    notes: list[str] = field(default_factory=list)
    warning: str | None = None  # for a person: e.g. the file marked no pixel at all


def read_mask(data: bytes, name: str = "mask") -> np.ndarray:
    """An uploaded mask image → (h, w) bool, True = the hole to fill.

    Non-zero pixels mark the hole, however the file stores them: 0/1 or 0/255 grey, 16-bit, palette, colour
    strokes on black (any colour: the brightest channel counts), or strokes on a transparent layer (when the
    image has transparency, opacity is what counts). JPEG noise around black is not a hole: when the brightest
    value is well above the noise (≥ 1/8 of full scale), the cut is at half of it. An all-zero (or fully
    transparent) mask gives an all-False array; :func:`load_mask` turns that into a message.
    Raises :class:`MaskError` for empty, unreadable, damaged or too-large files (plain words).
    """
    try:
        im = load_image(data, name)
    except ImageError as exc:
        raise MaskError(str(exc)) from None
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        alpha = np.asarray(im.convert("RGBA"))[..., 3]
        if alpha.min() < 255:  # transparency carries the mask: opaque strokes on a clear layer
            return hole_from_levels(alpha, 255)
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(im)
        if im.mode == "F":
            full = 1.0 if float(arr.max()) <= 1.0 else 255.0
        else:
            arr = arr.astype(np.int64)
            full = 65535 if im.mode.startswith("I;16") or int(arr.max()) > 255 else 255
        return hole_from_levels(arr, full)
    if im.mode == "1":
        return np.asarray(im, dtype=bool).copy()
    grey = np.asarray(im.convert("RGB")).max(axis=2)  # colour strokes count by their brightest channel
    return hole_from_levels(grey, 255)


def hole_from_levels(values: np.ndarray, full_scale: float) -> np.ndarray:
    """(h, w) numbers → bool hole mask: non-zero marks the hole, but compression noise does not.

    ``full_scale`` is the largest value the storage allows (255 for 8-bit, 65535 for 16-bit, 1.0 for float).
    A bright mask (maximum ≥ full_scale / 8) is cut at half its maximum (JPEG ringing around black stays out,
    anti-aliased stroke edges count half-way). A dim one (0/1, 0/2… label masks) counts every non-zero pixel
    when it holds at most 16 distinct values; many faint values with nothing bright is noise: no hole.
    """
    top = float(values.max()) if values.size else 0.0
    if top <= 0:
        return np.zeros(values.shape, bool)
    if top >= full_scale / 8:
        return values > top / 2
    levels = np.unique(values[values > 0])
    if levels.size <= 16:
        return values > 0
    return np.zeros(values.shape, bool)


def load_mask(data: bytes, name: str, image_size: tuple[int, int]) -> LoadedMask:
    """An uploaded mask file for an image of ``image_size`` (width, height) → :class:`LoadedMask`.

    :func:`read_mask` then :func:`fit_mask`. A mask that marks nothing is not an error (the person may paint
    instead) but says so in ``notes``. Raises :class:`MaskError` (unreadable file, wrong shape).
    """
    fitted = fit_mask(read_mask(data, name), image_size, f"The mask {name}")
    if not fitted.mask.any():
        fitted.warning = (
            f"The mask {name} marks nothing: every pixel is black (zero) or fully transparent. "
            "White, coloured or opaque pixels mark what to fill; paint below instead, or upload "
            "another mask."
        )
    return fitted


def fit_mask(mask: np.ndarray, image_size: tuple[int, int], name: str = "The mask") -> LoadedMask:
    """Bring a mask to the image's (width, height): same aspect ratio → resized (noted); else MaskError."""
    iw, ih = image_size
    mh, mw = mask.shape[:2]
    if (mw, mh) == (iw, ih):
        return LoadedMask(mask.astype(bool))
    if abs((mw / mh) / (iw / ih) - 1) > ASPECT_TOLERANCE:
        raise MaskError(
            f"{name} is {mw}×{mh} pixels but the image is {iw}×{ih}: their shapes differ "
            f"(aspect {mw / mh:.2f} vs {iw / ih:.2f}), so it cannot be lined up. "
            "Use a mask made for this image, at the same size."
        )
    resized = cv2.resize(mask.astype(np.uint8), (iw, ih), interpolation=cv2.INTER_NEAREST).astype(bool)
    return LoadedMask(resized, [f"mask resized from {mw}×{mh} to {iw}×{ih} (same aspect ratio)"])


# A mask read the other way round (white = keep, the usual convention of some editors) marks most of the photo,
# runs round its whole border, and leaves one compact patch unmarked: the object that was meant.
INVERTED_MIN_FRACTION = 0.5  # more than half the image marked
INVERTED_MIN_BORDER = 0.9  # at least this share of the border pixels marked
INVERTED_MIN_PATCH = 0.8  # the largest unmarked piece holds at least this share of the unmarked pixels


def probably_inverted(mask: np.ndarray) -> bool:
    """Whether an (H, W) bool hole mask looks drawn in the opposite convention (white = keep).

    True when more than INVERTED_MIN_FRACTION of the image is marked, at least INVERTED_MIN_BORDER of the border
    pixels are marked, and the unmarked part is essentially one piece (its largest 8-connected component holds at
    least INVERTED_MIN_PATCH of the unmarked pixels). A hint only: nothing is inverted without the person asking.
    """
    if mask.ndim != 2 or min(mask.shape) < 3:
        return False
    frac = float(mask.mean())
    if not INVERTED_MIN_FRACTION < frac < 1.0:
        return False
    border = np.concatenate([mask[0], mask[-1], mask[1:-1, 0], mask[1:-1, -1]])
    if float(border.mean()) < INVERTED_MIN_BORDER:
        return False
    keep = (~mask).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(keep, connectivity=8)
    return int(stats[1:, cv2.CC_STAT_AREA].max()) >= INVERTED_MIN_PATCH * int(keep.sum())


def inverted_hint(mask: np.ndarray) -> str | None:
    """The sentence to show when :func:`probably_inverted` holds for ``mask`` ((H, W) bool), else None."""
    if not probably_inverted(mask):
        return None
    return (
        f"This mask marks {float(mask.mean()):.0%} of the photo and leaves one patch unmarked: it is probably the "
        "other way round (white = keep). Here white, coloured or opaque pixels are what gets filled; turn on "
        "**Invert the mask** to fill the unmarked patch instead."
    )


def check_mask(mask: np.ndarray, image_shape: tuple[int, ...]) -> list[str]:
    """Raise MaskError for masks that cannot work; return warnings for ones that will work badly."""
    if mask.shape[:2] != tuple(image_shape[:2]):
        raise MaskError(
            f"The mask is {mask.shape[1]}×{mask.shape[0]} pixels but the image is {image_shape[1]}×{image_shape[0]}."
        )
    frac = float(mask.mean()) if mask.size else 0.0
    if not mask.any():
        raise MaskError("The mask is empty: paint over what should be removed, or upload a mask.")
    if frac > MAX_MASK_FRACTION:
        raise MaskError(
            f"The mask covers {frac:.0%} of the image: there is almost nothing left to fill it from. "
            "Mark only the part to remove."
        )
    if frac > WARN_MASK_FRACTION:
        return [f"The mask covers {frac:.0%} of the image; expect a smeared result."]
    return []
