"""Showing digits: grids, crisp enlargement, the mask tinted, GIFs, and a user's image made MNIST-like."""

from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np

from models.errors import InputError
from models.ops import tint


def grid(images: np.ndarray, cols: int, pad: int = 2, scale: int = 1) -> np.ndarray:
    """Tile uint8 (N,28,28) digits into one uint8 image (white-on-black like MNIST), upscaled by ``scale``."""
    images = np.asarray(images)
    n = len(images)
    cols = max(1, min(cols, n))
    rows = (n + cols - 1) // cols
    h, w = images.shape[1:3]
    out = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad), np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = im
    if scale > 1:
        out = np.kron(out, np.ones((scale, scale), np.uint8))
    return out


def mark_cells(
    sheet: np.ndarray,
    indices: Iterable[int],
    cols: int,
    cell: int = 28,
    pad: int = 2,
    scale: int = 1,
    colour: tuple[int, int, int] = (255, 64, 64),
) -> np.ndarray:
    """A digit sheet with the cells at ``indices`` framed.

    A :func:`grid` sheet as uint8 (H, W, 3) RGB with a ``colour`` frame in the padding around the cells at
    ``indices`` (0-based, row by row): where the judge disagrees, shown on the sheet itself.
    """
    out = np.repeat(np.asarray(sheet)[..., None], 3, axis=2) if np.asarray(sheet).ndim == 2 else np.array(sheet)
    step, p = (cell + pad) * scale, pad * scale
    for i in indices:
        r, c = divmod(int(i), cols)
        y0, x0 = r * step, c * step  # the frame fills the padding around the cell
        y1, x1 = y0 + step + p, x0 + step + p
        out[y0:y1, x0 : x0 + p] = out[y0:y1, x1 - p : x1] = colour
        out[y0 : y0 + p, x0:x1] = out[y1 - p : y1, x0:x1] = colour
    return out


class DigitImageError(InputError):
    """An image that cannot be read as a digit; the message is meant for the user."""


def normalize_digit(image: np.ndarray) -> np.ndarray:
    """Any grey or RGB(A) image of one digit -> uint8 28x28 white-on-black, MNIST-style.

    MNIST digits are fitted into a 20x20 box and centred by their centre of mass in 28x28; user drawings and
    photos must be brought to the same layout or the generator (and the judge) see something else.
    """
    import cv2

    img = np.asarray(image)
    if img.ndim == 3:
        img = cv2.cvtColor(img[..., :3].astype(np.uint8), cv2.COLOR_RGB2GRAY)
    img = img.astype(np.float32)
    if img.size == 0 or img.max() - img.min() < 10:
        raise DigitImageError("The image is blank: draw or upload a digit first.")
    # Dark ink on a light page (a scan, a photo of paper) is inverted to MNIST's white-on-black.
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    if np.median(border) > 127:
        img = 255.0 - img
    img = np.clip((img - np.percentile(img, 5)) / max(1.0, img.max() - np.percentile(img, 5)), 0, 1)
    ys, xs = np.nonzero(img > 0.2)
    if len(ys) == 0:
        raise DigitImageError("No strokes found in the image.")
    crop = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    crop = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA)
    out: np.ndarray = np.zeros((28, 28), np.float32)
    y0, x0 = (28 - nh) // 2, (28 - nw) // 2
    out[y0 : y0 + nh, x0 : x0 + nw] = crop
    m = cv2.moments(out)
    if m["m00"] > 0:  # shift the centre of mass to the centre, as MNIST does
        dx, dy = 14.0 - m["m10"] / m["m00"], 14.0 - m["m01"] / m["m00"]
        out = cv2.warpAffine(out, np.array([[1, 0, dx], [0, 1, dy]], np.float32), (28, 28))
    return np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)


def upscale(images: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour enlargement so 28-px digits stay crisp on screen."""
    return np.kron(np.asarray(images), np.ones((scale, scale), np.uint8))


def tint_mask(digit: np.ndarray, mask: np.ndarray, scale: int = 1) -> np.ndarray:
    """A digit enlarged with its mask region tinted.

    (H·scale, W·scale, 3) uint8 RGB view of an (H, W) uint8 digit with the ``mask`` (bool) region tinted
    (:func:`models.ops.tint`), enlarged ``scale`` times by pixel repetition.
    """
    out = tint(np.repeat(np.asarray(digit, np.uint8)[..., None], 3, axis=-1), mask)
    return np.kron(out, np.ones((scale, scale, 1), np.uint8)) if scale > 1 else out


def animation_gif(frames: np.ndarray, scale: int = 4, ms_per_frame: int = 120, bounce: bool = True) -> bytes:
    """Frames (N,H,W) uint8 -> looping GIF bytes (there and back again when ``bounce``)."""
    from PIL import Image

    shown = list(upscale(np.asarray(frames), scale))
    if bounce and len(shown) > 2:
        shown = shown + shown[-2:0:-1]
    ims = [Image.fromarray(f) for f in shown]
    buf = io.BytesIO()
    ims[0].save(buf, format="GIF", save_all=True, append_images=ims[1:], duration=ms_per_frame, loop=0)
    return buf.getvalue()
