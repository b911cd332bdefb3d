"""Image decoding and encoding that never trusts its input.

Everything a person can upload ends up as an RGB ``uint8`` array of shape (H, W, 3), oriented as the
camera meant it (EXIF), or as an :class:`ImageError` whose message can be shown as is.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Decode at most this many pixels. Bigger photos are reduced while decoding (JPEG draft mode) or after,
# so a 144-MP upload costs a bounded amount of memory and time. 40 MP is above every phone camera.
MAX_PIXELS = 40_000_000
# Refuse outright beyond this (a decompression bomb, not a photo).
HARD_MAX_PIXELS = 400_000_000
MIN_SIDE = 8


class ImageError(ValueError):
    """Input that is not a usable image; the message says why in plain words."""


@dataclass
class LoadedImage:
    rgb: np.ndarray  # (H, W, 3) uint8
    original_size: tuple[int, int]  # (width, height) as stored in the file, before any reduction
    notes: list[str] = field(default_factory=list)  # what was done to it (rotated, reduced, alpha dropped…)
    name: str = "image"

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


def _to_rgb(im: Image.Image, notes: list[str]) -> Image.Image:
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        notes.append(f"{im.mode} high-bit-depth image scaled to 8 bits")
        im = Image.fromarray(((arr - lo) * scale).astype(np.uint8), "L")
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA"):
        notes.append("transparency flattened onto white")
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba)
    if im.mode == "CMYK":
        notes.append("CMYK converted to RGB")
    if im.mode != "RGB":
        im = im.convert("RGB")
    return im


def decode_image(
    data: bytes, name: str = "image", max_pixels: int = MAX_PIXELS, min_side: int = MIN_SIDE
) -> LoadedImage:
    if not data:
        raise ImageError(f"{name} is empty (0 bytes).")
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = HARD_MAX_PIXELS
            im = Image.open(io.BytesIO(data))
            width, height = im.size
            if width * height > HARD_MAX_PIXELS:
                raise ImageError(f"{name} is {width}×{height} pixels, too large to process (limit 400 MP).")
            if width * height > max_pixels and im.format == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: far less memory and time.
                scale = (max_pixels / (width * height)) ** 0.5
                im.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
            im.load()
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"{name} is not an image this app can read ({type(exc).__name__}).") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{name} looks damaged or truncated and could not be decoded ({exc}).") from exc

    if min(width, height) < min_side:
        raise ImageError(f"{name} is only {width}×{height} pixels; use an image at least {min_side} px on each side.")
    if _exif_orientation(im) not in (None, 1):
        notes.append("rotated upright from its EXIF orientation")
    im = _to_rgb(ImageOps.exif_transpose(im), notes)
    if im.width * im.height > max_pixels:
        scale = (max_pixels / (im.width * im.height)) ** 0.5
        im = im.resize((max(1, int(im.width * scale)), max(1, int(im.height * scale))), Image.Resampling.LANCZOS)
    if im.size != (width, height) and im.size != (height, width):
        notes.append(f"reduced from {width}×{height} to {im.width}×{im.height} for processing")
    return LoadedImage(np.asarray(im, dtype=np.uint8).copy(), (width, height), notes, name)


def _exif_orientation(im: Image.Image) -> int | None:
    try:
        return im.getexif().get(0x0112)
    except Exception:
        return None


def read_image(path: Path | str, **kwargs) -> LoadedImage:
    path = Path(path)
    return decode_image(path.read_bytes(), name=path.name, **kwargs)


def encode_png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(arr)).save(buf, "PNG")
    return buf.getvalue()


def encode_jpeg(arr: np.ndarray, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(arr)).convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def fit_within(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale (never upscale) so the longer side is at most ``max_side``, keeping the aspect ratio."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS))
