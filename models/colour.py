"""Colour management: pictures are worked on, shown and saved in sRGB, whatever profile the file carries.

Phones (Display P3) and editors (Adobe RGB) embed an ICC profile; read as if it were sRGB, saturated colours lose
about 14 % of their chroma (ΔE ≈ 8) against what a browser shows. Browsers treat untagged images as sRGB, so
converting once at decode time makes previews right, and the PNG/JPEG files this app writes carry a small sRGB
profile so that colour-managed viewers and editors read them the same way.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageCms

# Relative colorimetric: what browsers use for the common matrix profiles (P3, Adobe RGB); in-gamut colours are
# kept exactly, out-of-gamut ones are clipped to the sRGB gamut's edge.
INTENT = ImageCms.Intent.RELATIVE_COLORIMETRIC
# Modes a profile is applied to, and the mode the converted image gets (CMYK and grey become RGB).
_OUT_MODE = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB", "L": "RGB", "LA": "RGBA"}


@functools.cache
def srgb_profile() -> ImageCms.ImageCmsProfile:
    """The sRGB profile conversions go to (Little CMS's built-in one)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@functools.cache
def srgb_icc() -> bytes:
    """ICC bytes of an sRGB profile (≈ 600 bytes) to embed in PNG/JPEG files this app writes."""
    return srgb_profile().tobytes()


def to_srgb(im: Image.Image, notes: list[str]) -> Image.Image:
    """``im`` converted from its embedded ICC profile to sRGB (unchanged when it has none or it is sRGB already).

    Modes RGB, RGBA (alpha kept), CMYK and L/LA (→ RGB/RGBA) are converted; an unreadable profile, or one that
    does not fit the image's mode, is ignored with a note (the pixels are then read as sRGB, as before).
    Adds a note naming the profile when a conversion happened. Never raises for a bad profile.
    """
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in _OUT_MODE:
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        described = (ImageCms.getProfileDescription(source) or "").strip()
    except (OSError, ImageCms.PyCMSError, TypeError, ValueError):
        notes.append("its colour profile could not be read and was ignored (colours read as sRGB)")
        return im
    if im.mode in ("RGB", "RGBA") and described.lower().startswith("srgb"):
        return im  # the usual phone/camera case: nothing to do (and nothing to spend on a 40-MP identity transform)
    try:
        out = ImageCms.profileToProfile(
            im, source, srgb_profile(), renderingIntent=INTENT, outputMode=_OUT_MODE[im.mode]
        )
    except (OSError, ImageCms.PyCMSError, TypeError, ValueError):
        notes.append("its colour profile does not fit the picture and was ignored (colours read as sRGB)")
        return im
    assert out is not None  # not in place: profileToProfile returns the new image
    notes.append(f"colours converted to sRGB from its embedded profile ({described or 'unnamed'})")
    out.info = {k: v for k, v in im.info.items() if k != "icc_profile"}
    return out


def tagged(im: Image.Image) -> dict[str, bytes]:
    """Pillow save options that embed the sRGB profile.

    Save options (``im.save(buf, fmt, **tagged(im))``) that embed the sRGB profile in an RGB/RGBA image
    (other modes: none, an RGB profile would not fit them).
    """
    return {"icc_profile": srgb_icc()} if im.mode in ("RGB", "RGBA") else {}
