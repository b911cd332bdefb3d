"""Decoding what people upload: every bad input gives an ImageError with a readable message or a sane image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from models.imaging import MAX_PIXELS, ImageError, decode_image, encode_jpeg, encode_png


def _photo(w=64, h=48) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 90)], -1).astype(np.uint8)


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def test_plain_rgb_roundtrip():
    img = decode_image(encode_png(_photo()), "p.png")
    assert img.rgb.shape == (48, 64, 3) and img.rgb.dtype == np.uint8 and img.notes == []
    np.testing.assert_array_equal(img.rgb, _photo())


def test_truncated_jpeg_is_reported():
    data = encode_jpeg(_photo(400, 300))
    with pytest.raises(ImageError, match="damaged or truncated"):
        decode_image(data[: len(data) // 2], "half.jpg")


def test_text_file_renamed_png_is_reported():
    with pytest.raises(ImageError, match="not an image"):
        decode_image(b"hello, I am a text file\n" * 20, "notes.png")


def test_empty_file_is_reported():
    with pytest.raises(ImageError, match="empty"):
        decode_image(b"", "empty.png")


def test_one_pixel_image_is_reported():
    with pytest.raises(ImageError, match="only 1×1 pixels"):
        decode_image(encode_png(np.zeros((1, 1, 3), np.uint8)), "dot.png")


def test_huge_jpeg_is_reduced_while_decoding():
    big = Image.new("RGB", (12000, 12000), (200, 30, 30))
    data = _save(big, "JPEG", quality=80)
    img = decode_image(data, "huge.jpg")
    h, w = img.rgb.shape[:2]
    assert h * w <= MAX_PIXELS and abs(w / h - 1) < 0.01
    assert img.original_size == (12000, 12000)
    assert any("reduced from 12000×12000" in n for n in img.notes)
    assert abs(int(img.rgb[h // 2, w // 2, 0]) - 200) < 10


def test_decompression_bomb_is_refused():
    bomb = _save(Image.new("1", (25000, 20000)), "PNG")  # 500 MP, a few kB on disk
    with pytest.raises(ImageError, match="too large|not an image"):
        decode_image(bomb, "bomb.png")


def test_16_bit_png_is_scaled_to_8_bits():
    arr = (np.arange(64 * 48).reshape(48, 64) * 20).astype(np.uint16)
    img = decode_image(_save(Image.fromarray(arr), "PNG"), "deep.png")
    assert img.rgb.shape == (48, 64, 3) and img.rgb.max() == 255 and img.rgb.min() == 0
    assert any("8 bits" in n for n in img.notes)


def test_cmyk_jpeg_becomes_rgb():
    img = decode_image(_save(Image.fromarray(_photo()).convert("CMYK"), "JPEG"), "cmyk.jpg")
    assert img.rgb.shape == (48, 64, 3)
    assert np.abs(img.rgb.astype(int) - _photo()).mean() < 12
    assert any("CMYK" in n for n in img.notes)


def test_rgba_is_flattened_on_white():
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:10, :, 3] = 255  # top half opaque red, bottom half transparent
    img = decode_image(encode_png(rgba), "alpha.png")
    assert tuple(img.rgb[0, 0]) == (255, 0, 0) and tuple(img.rgb[15, 0]) == (255, 255, 255)


def test_exif_rotation_is_applied():
    im = Image.fromarray(_photo(64, 48))  # landscape pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° CW to display"
    img = decode_image(_save(im, "JPEG", exif=exif), "phone.jpg")
    assert img.rgb.shape[:2] == (64, 48)  # shown portrait
    assert any("EXIF" in n for n in img.notes)


def test_grayscale_and_palette_images_become_rgb():
    gray = decode_image(_save(Image.fromarray(_photo()[..., 0]), "PNG"), "g.png")
    pal = decode_image(_save(Image.fromarray(_photo()).convert("P"), "GIF"), "p.gif")
    assert gray.rgb.shape == (48, 64, 3) and pal.rgb.shape == (48, 64, 3)
    assert (gray.rgb[..., 0] == gray.rgb[..., 2]).all()
