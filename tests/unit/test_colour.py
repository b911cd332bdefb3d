"""Colour-managed decoding: wide-gamut photos (Display P3, Adobe RGB) are converted to sRGB; what the app writes is
tagged sRGB. The wide-gamut profiles are built here (ICC v2 matrix/TRC profiles, the same primaries, white point and
curves as the published ones), since Little CMS only creates sRGB, Lab and XYZ by itself."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image, ImageCms
from skimage.color import deltaE_ciede2000, rgb2lab

from models.colour import INTENT, srgb_profile
from models.imaging import decode_image, encode_jpeg, encode_png

D50 = np.array([0.9642, 1.0, 0.8249])
BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])


def _xyz(x: float, y: float) -> np.ndarray:
    return np.array([x / y, 1.0, (1 - x - y) / y])


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _tag_xyz(v) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(c) for c in v)


def _tag_desc(text: str) -> bytes:
    t = text.encode("ascii") + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(t)) + t + b"\0" * 12 + b"\0" * 67


def _tag_curve(gamma: float | None) -> bytes:
    if gamma is not None:  # a pure power law (u8Fixed8)
        return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    v = np.linspace(0, 1, 1024)  # the sRGB piecewise curve (Display P3 uses it too)
    lin = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return b"curv\0\0\0\0" + struct.pack(">I", len(v)) + np.round(lin * 65535).astype(">u2").tobytes()


def matrix_profile(name: str, primaries, white=(0.3127, 0.3290), gamma: float | None = None) -> bytes:
    """ICC v2 RGB display profile: ``primaries`` ((x, y) of R, G, B), D65 ``white``, one curve for all channels."""
    white_xyz = _xyz(*white)
    p = np.stack([_xyz(*xy) for xy in primaries], axis=1)
    m = p * np.linalg.solve(p, white_xyz)  # RGB → XYZ under the source white
    cone_src, cone_dst = BRADFORD @ white_xyz, BRADFORD @ D50  # chromatic adaptation to the PCS white (D50)
    m50 = np.linalg.inv(BRADFORD) @ np.diag(cone_dst / cone_src) @ BRADFORD @ m
    curve = _tag_curve(gamma)
    tags = [(b"desc", _tag_desc(name)), (b"cprt", b"text\0\0\0\0" + b"No copyright, test profile\0"),
            (b"wtpt", _tag_xyz(D50)), (b"rXYZ", _tag_xyz(m50[:, 0])), (b"gXYZ", _tag_xyz(m50[:, 1])),
            (b"bXYZ", _tag_xyz(m50[:, 2])), (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ " + b"\0" * 12
              + b"acsp" + b"\0" * 28 + b"".join(_s15(c) for c in D50) + b"\0" * 48)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


DISPLAY_P3 = matrix_profile("Display P3 (test)", [(0.680, 0.320), (0.265, 0.690), (0.150, 0.060)])
ADOBE_RGB = matrix_profile("Adobe RGB (1998) (test)", [(0.64, 0.33), (0.21, 0.71), (0.15, 0.06)], gamma=563 / 256)


def _profile(icc: bytes) -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(io.BytesIO(icc))


def _saturated_srgb() -> np.ndarray:
    """A 48×64 sRGB picture of saturated colours inside the sRGB gamut (so both ways round are exact) + greys."""
    rng = np.random.default_rng(5)
    hues = np.array([[225, 30, 35], [30, 200, 40], [35, 60, 220], [240, 200, 20], [200, 30, 200], [20, 200, 210],
                     [128, 128, 128], [250, 250, 250]], np.uint8)
    rgb = hues[rng.integers(0, len(hues), (48 // 8, 64 // 8))].repeat(8, 0).repeat(8, 1)
    return rgb


def _chroma(rgb: np.ndarray) -> np.ndarray:
    lab = rgb2lab(rgb)
    return np.hypot(lab[..., 1], lab[..., 2])


def test_built_profiles_match_published_values():
    # sRGB red in Display P3 is about (234, 51, 35) and in Adobe RGB (219, 0, 0): the built profiles are the real ones
    red = Image.new("RGB", (8, 8), (255, 0, 0))
    for icc, want in ((DISPLAY_P3, (234, 51, 35)), (ADOBE_RGB, (219, 0, 0))):
        got = ImageCms.profileToProfile(red, srgb_profile(), _profile(icc), renderingIntent=INTENT)
        assert np.abs(np.asarray(got)[0, 0].astype(int) - want).max() <= 2, (got.getpixel((0, 0)), want)


@pytest.mark.parametrize("icc", [DISPLAY_P3, ADOBE_RGB], ids=["display-p3", "adobe-rgb"])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_wide_gamut_photo_is_converted_to_srgb(icc, fmt):
    shown = _saturated_srgb()  # what a browser shows for the file
    stored = ImageCms.profileToProfile(Image.fromarray(shown), srgb_profile(), _profile(icc), renderingIntent=INTENT)
    buf = io.BytesIO()
    stored.save(buf, fmt, icc_profile=icc, **({"quality": 95, "subsampling": 0} if fmt == "JPEG" else {}))
    data = buf.getvalue()

    got = decode_image(data, f"wide.{fmt.lower()}")
    # reference: Little CMS's own conversion of the file as stored (JPEG noise included)
    reference = ImageCms.profileToProfile(Image.open(io.BytesIO(data)), _profile(icc), srgb_profile(),
                                          renderingIntent=INTENT)
    de = deltaE_ciede2000(rgb2lab(got.rgb), rgb2lab(np.asarray(reference)))
    assert de.max() < 2.0, de.max()
    assert any("converted to sRGB" in n for n in got.notes), got.notes
    # what it was before: the stored numbers read as sRGB lose chroma on saturated pixels (≈ 14 % for P3)
    naive = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    saturated = _chroma(shown) > 60
    loss_before = 1 - _chroma(naive)[saturated].mean() / _chroma(shown)[saturated].mean()
    loss_now = 1 - _chroma(got.rgb)[saturated].mean() / _chroma(shown)[saturated].mean()
    assert loss_before > 0.08 and abs(loss_now) < 0.02, (loss_before, loss_now)
    assert deltaE_ciede2000(rgb2lab(got.rgb), rgb2lab(shown)).mean() < 2.0


def test_srgb_and_untagged_and_broken_profiles_are_left_alone():
    photo = _saturated_srgb()
    for icc in (None, ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()):
        buf = io.BytesIO()
        Image.fromarray(photo).save(buf, "PNG", **({"icc_profile": icc} if icc else {}))
        got = decode_image(buf.getvalue(), "plain.png")
        assert np.array_equal(got.rgb, photo) and not any("colour" in n for n in got.notes)
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "PNG", icc_profile=b"not a profile at all" * 10)
    got = decode_image(buf.getvalue(), "broken.png")  # the picture still decodes, read as sRGB
    assert np.array_equal(got.rgb, photo) and any("could not be read" in n for n in got.notes)


def test_rgba_wide_gamut_keeps_alpha_then_flattens_on_white():
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[:8] = (234, 51, 35, 255)  # P3 numbers of sRGB red
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG", icc_profile=DISPLAY_P3)
    got = decode_image(buf.getvalue(), "sticker.png").rgb
    assert np.abs(got[0, 0].astype(int) - (255, 0, 0)).max() <= 3
    assert got[12, 12].min() >= 250  # transparent → white


def test_written_png_and_jpeg_are_tagged_srgb():
    rgb = _saturated_srgb()
    for data in (encode_png(rgb), encode_jpeg(rgb)):
        icc = Image.open(io.BytesIO(data)).info.get("icc_profile")
        assert icc and "sRGB" in ImageCms.getProfileDescription(_profile(icc))
        assert decode_image(data, "x").notes == []  # and reading our own file back changes nothing
    assert "icc_profile" not in Image.open(io.BytesIO(encode_png(rgb[..., 0]))).info  # grey: no RGB profile
