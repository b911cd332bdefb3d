"""Image decoding and encoding that never trusts its input.

Everything a person can upload ends up as an sRGB ``uint8`` array of shape (H, W, 3) (an embedded colour profile
converted, see :mod:`models.colour`), oriented as the camera meant it (EXIF), or as an :class:`ImageError` whose
message can be shown as is.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from models.colour import tagged, to_srgb
from models.errors import InputError
from models.ops import fit_within as fit_within  # re-exported: pages and tests import it from here

# Decode at most this many pixels. Bigger photos are reduced while decoding (JPEG draft mode) or after,
# so a 144-MP upload costs a bounded amount of memory and time. 40 MP is above every phone camera.
MAX_PIXELS = 40_000_000
# Refuse outright beyond this (a decompression bomb, not a photo).
HARD_MAX_PIXELS = 400_000_000
# The most memory one upload's decode may take (peak, above what the server already holds). Checked from the file
# header before any pixel is decoded. 512 MiB: the 2-core / 24 GB VM holds ~1-3 GB of models, so a dozen of these
# at once still fit under the unit's MemoryMax; it opens every phone photo (a 48-MP JPEG: DCT-scaled; a 64-MP RGB
# PNG in full) yet refuses the 400-MP PNG that took 3.1 GB. Over it: JPEG is decoded reduced by libjpeg (1/2..1/8,
# never the full raster); other formats are refused, since Pillow has no reduced decode for them (a worker process
# with a memory cap would still need the full raster, and 30 s of one of the two cores, per upload).
DECODE_BUDGET_BYTES = 512 * 2**20
# Peak bytes per pixel of decode_image by stored mode (measured with ru_maxrss: stored raster + RGB conversion +
# the numpy copy; 1/L/P expand ×4 to RGB, alpha is flattened through two RGBA rasters, 16/32-bit via float64).
_BYTES_PER_PIXEL = {"1": 13, "L": 13, "P": 13, "RGB": 8, "YCbCr": 8, "CMYK": 10, "RGBA": 18, "LA": 18, "PA": 18}
_DEFAULT_BYTES_PER_PIXEL = 24  # I;16, I, F and anything rarer
MIN_SIDE = 8

# The one list of image file types every image uploader accepts (file extensions, lower case), and how a person
# reads it. Every format here decodes with the Pillow wheel (TIFF and GIF: first page / frame). ``.jfif`` and ``.jpe``
# are JPEG too (what browsers on Windows save a JPEG as).
IMAGE_TYPES = ("png", "jpg", "jpeg", "jfif", "jpe", "webp", "bmp", "tif", "tiff", "gif")
ACCEPTED_TYPES_TEXT = "PNG, JPEG, WebP, BMP, TIFF or GIF"


class ImageError(InputError):
    """Input that is not a usable image; the message says why in plain words."""


@dataclass
class LoadedImage:
    """A decoded image: RGB pixels, the size stored in the file, and what decoding did to it."""

    rgb: np.ndarray  # (H, W, 3) uint8
    original_size: tuple[int, int]  # (width, height) as stored in the file, before any reduction
    notes: list[str] = field(default_factory=list)  # what was done to it (rotated, reduced, alpha dropped…)
    name: str = "image"  # the file name (uploads keep theirs; downloads are named after it)
    title: str = ""  # a sample's title ("Grace Hopper"), shown instead of its file name; "" for the visitor's files

    @property
    def label(self) -> str:
        """What a caption calls this image: a sample's title, else the file name."""
        return self.title or self.name

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels of the decoded image."""
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


def check_image_name(name: str) -> None:
    """Refuse a file name whose extension is not an accepted image type.

    Raise :class:`ImageError` when a file name's extension is not one of IMAGE_TYPES (no extension: allowed,
    the decoder decides). The message names the file type as a person knows it (".ico"), never a MIME type.
    """
    ext = Path(name).suffix.lower().lstrip(".")
    if ext and ext not in IMAGE_TYPES:
        raise ImageError(
            f"{name} is a .{ext} file; this app reads {ACCEPTED_TYPES_TEXT} images. "
            "Save it in one of those formats and upload it again."
        )


def decode_image(
    data: bytes, name: str = "image", max_pixels: int = MAX_PIXELS, min_side: int = MIN_SIDE
) -> LoadedImage:
    """Encoded bytes → :class:`LoadedImage` (``rgb``: (H, W, 3) uint8, upright, at most ``max_pixels``).

    Metadata never stops a valid image: text chunks Pillow refuses to read (over its 1 MB / 64 MB limits, e.g.
    a generator's workflow JSON in a zTXt/iTXt chunk) are dropped and the pixels decoded. Raises
    :class:`ImageError` (message for people, sizes as stored in the file) for empty, unreadable, damaged,
    too-large (> HARD_MAX_PIXELS) and too-small (< ``min_side``) images.
    """
    notes: list[str] = []
    im, (width, height) = _open_and_load(data, name, notes, max_pixels)

    if min(width, height) < min_side:
        raise ImageError(f"{name} is only {width}×{height} pixels; use an image at least {min_side} px on each side.")
    if _exif_orientation(im) not in (None, 1):
        notes.append("rotated upright from its EXIF orientation")
    im = _to_rgb(to_srgb(ImageOps.exif_transpose(im), notes), notes)  # wide-gamut (P3, Adobe RGB) → sRGB
    if im.width * im.height > max_pixels:
        scale = (max_pixels / (im.width * im.height)) ** 0.5
        im = im.resize((max(1, int(im.width * scale)), max(1, int(im.height * scale))), Image.Resampling.LANCZOS)
    if im.size != (width, height) and im.size != (height, width):
        notes.append(f"reduced from {width}×{height} to {im.width}×{im.height} for processing")
    return LoadedImage(np.asarray(im, dtype=np.uint8).copy(), (width, height), notes, name)


# --- opening: the one place that talks to Pillow about untrusted bytes -----------------------------
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
# File signatures of the accepted types (WebP: the RIFF container; BMP: "BM"; TIFF: both byte orders).
IMAGE_SIGNATURES = (PNG_SIGNATURE, b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF", b"BM", b"II*\x00", b"MM\x00*")


def strip_png_text(data: bytes) -> tuple[bytes, int]:
    """A PNG without its text chunks (tEXt, zTXt, iTXt), and how many bytes of them were dropped.

    Pixels, palette, transparency, colour profile and EXIF chunks are kept byte for byte. Bytes that are not a
    PNG (or a PNG whose chunk list is cut short) are returned unchanged after the last whole chunk.
    """
    if not data.startswith(PNG_SIGNATURE):
        return data, 0
    out = [PNG_SIGNATURE]
    dropped, pos = 0, len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        end = pos + 12 + length
        if data[pos + 4 : pos + 8] in PNG_TEXT_CHUNKS:
            dropped += end - pos
        else:
            out.append(data[pos:end])
        pos = end
    out.append(data[pos:])  # a truncated tail stays truncated: the decoder reports it
    return b"".join(out), dropped


def _header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a file's header without Pillow's decompression-bomb check (for the message)."""
    fp = io.BytesIO(data)
    prefix = data[:16]
    for fmt in Image.ID:
        factory, accept = Image.OPEN[fmt]
        try:
            ok = True if accept is None else accept(prefix)
            if ok and not isinstance(ok, str):
                fp.seek(0)
                return factory(fp, "").size
        except Exception:  # any plugin that cannot parse the header just does not answer
            continue
    return None


def decode_cost(size: tuple[int, int], mode: str, transparency: bool = False) -> int:
    """Estimated peak decode memory of an image, in bytes.

    Estimated peak memory in bytes of decoding an image of ``size`` (width, height) stored in Pillow ``mode``
    (``transparency``: a palette image with a transparent colour, flattened like RGBA). Compare with
    :data:`DECODE_BUDGET_BYTES`.
    """
    bpp = _BYTES_PER_PIXEL["RGBA"] if transparency else _BYTES_PER_PIXEL.get(mode, _DEFAULT_BYTES_PER_PIXEL)
    return size[0] * size[1] * bpp


def jpeg_draft_scale(size: tuple[int, int], mode: str, max_pixels: int, budget: int = DECODE_BUDGET_BYTES) -> int:
    """The libjpeg reduction (1, 2, 4 or 8: per side) to decode a JPEG of ``size`` at.

    The largest that keeps at least ``max_pixels`` (so the final resize has detail), then halved further until the
    decode fits ``budget``. 0 when even 1/8 does not fit (the image is refused).
    """
    w, h = size
    scale = 1
    while scale < 8 and (w // (scale * 2)) * (h // (scale * 2)) >= max_pixels:
        scale *= 2
    while scale <= 8:
        if decode_cost((-(-w // scale), -(-h // scale)), mode) <= budget:
            return scale
        scale *= 2
    return 0


def _over_budget(name: str, size: tuple[int, int], mode: str, transparency: bool, fmt: str | None) -> ImageError:
    per_px = decode_cost((1, 1), mode, transparency)
    limit = DECODE_BUDGET_BYTES // per_px // 1_000_000
    what = f"a {fmt} image of this kind" if fmt else "an image of this kind"
    return ImageError(
        f"{name} is too large ({size[0]}×{size[1]}, {size[0] * size[1] / 1e6:.0f} megapixels): {what} is opened "
        f"here up to {limit} megapixels, so that one upload cannot take the server's memory. Save a smaller copy "
        f"(or a JPEG: JPEG photos of up to {HARD_MAX_PIXELS // 1_000_000} megapixels are reduced while opening) "
        "and upload that."
    )


def _too_large(name: str, size: tuple[int, int] | None) -> ImageError:
    what = f"too large ({size[0]}×{size[1]})" if size else "too large"
    return ImageError(
        f"{name} is {what}: this app opens images of up to {HARD_MAX_PIXELS // 1_000_000} megapixels. "
        "Save a smaller copy and upload that."
    )


def _unreadable(name: str) -> ImageError:
    return ImageError(f"{name} is not an image this app can read. Upload a {ACCEPTED_TYPES_TEXT} file.")


def _damaged(name: str) -> ImageError:
    return ImageError(
        f"{name} looks damaged or truncated and could not be decoded (the file may have been cut short while "
        "copying or downloading). Open it in an image viewer and save it again, or use another copy."
    )


def load_image(data: bytes, name: str = "image", notes: list[str] | None = None) -> Image.Image:
    """Untrusted bytes → a decoded Pillow image in its stored mode (``L``, ``I;16``, ``RGBA``, ``P``…).

    For callers that need the stored mode (masks read alpha or 16-bit values); everything else wants
    :func:`decode_image`. Same refusals as :func:`decode_image` (:class:`ImageError`), same metadata rule.
    """
    return _open_and_load(data, name, notes if notes is not None else [], None)[0]


def _open_and_load(
    data: bytes, name: str, notes: list[str], max_pixels: int | None
) -> tuple[Image.Image, tuple[int, int]]:
    """Decoded image + its (width, height) as stored. Retries once without PNG text chunks, then refuses."""
    if not data:
        raise ImageError(f"{name} is empty (0 bytes).")
    try:
        return _decode_once(data, name, max_pixels)
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError):
        stripped, dropped = strip_png_text(data)
        if not dropped:
            raise _damaged(name) from None
    # Pillow refuses text chunks over 1 MB (64 MB in all) and would throw the image away with them.
    try:
        out = _decode_once(stripped, name, max_pixels)
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _damaged(name) from None
    notes.append(f"text metadata dropped ({dropped / 1e6:.1f} MB, too large to read); the picture is intact")
    return out


def _decode_once(data: bytes, name: str, max_pixels: int | None) -> tuple[Image.Image, tuple[int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        Image.MAX_IMAGE_PIXELS = HARD_MAX_PIXELS
        try:
            im = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large(name, _header_size(data)) from None
        except UnidentifiedImageError:
            # A known signature that Pillow still cannot open is a broken file of that type, not a stranger.
            raise (_damaged(name) if data.startswith(IMAGE_SIGNATURES) else _unreadable(name)) from None
        width, height = im.size
        if width * height > HARD_MAX_PIXELS:
            raise _too_large(name, (width, height))
        # The header is read, no pixel yet: hold the decode to the budget (Image.open is lazy until load()).
        transparency = im.mode == "P" and "transparency" in im.info
        if im.format == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: far less memory and time.
            scale = jpeg_draft_scale((width, height), im.mode, max_pixels or HARD_MAX_PIXELS)
            if scale == 0:
                raise _over_budget(name, (width, height), im.mode, False, im.format)
            if scale > 1:
                im.draft(None, (width // scale, height // scale))
        if decode_cost(im.size, im.mode, transparency) > DECODE_BUDGET_BYTES:  # im.size: after any DCT scaling
            raise _over_budget(name, (width, height), im.mode, transparency, im.format)
        try:
            im.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large(name, (width, height)) from None
    return im, (width, height)


def _exif_orientation(im: Image.Image) -> int | None:
    try:
        return im.getexif().get(0x0112)
    except Exception:
        return None


def read_image(path: Path | str, **kwargs) -> LoadedImage:
    """A file from disk → :class:`LoadedImage`; same checks and errors (:class:`ImageError`) as an upload."""
    path = Path(path)
    return decode_image(path.read_bytes(), name=path.name, **kwargs)


def encode_png(arr: np.ndarray) -> bytes:
    """(H, W) or (H, W, 3|4) uint8 array → PNG bytes; colour images carry an sRGB ICC profile (≈ 600 bytes)."""
    buf = io.BytesIO()
    im = Image.fromarray(np.ascontiguousarray(arr))
    im.save(buf, "PNG", **tagged(im))
    return buf.getvalue()


def encode_jpeg(arr: np.ndarray, quality: int = 92) -> bytes:
    """(H, W) or (H, W, 3) uint8 array → JPEG bytes at ``quality`` (1..95), tagged sRGB."""
    buf = io.BytesIO()
    im = Image.fromarray(np.ascontiguousarray(arr)).convert("RGB")
    im.save(buf, "JPEG", quality=quality, **tagged(im))
    return buf.getvalue()
