"""Decoding what people upload: every bad input gives an ImageError with a readable message or a sane image."""

from __future__ import annotations

import io
from pathlib import Path

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


# --- issue 17: metadata never costs the image; messages in plain words --------------------------------
def _png_with_text_chunk(chunk: bytes, kind: bytes = b"zTXt", after_idat: bool = False) -> bytes:
    """A valid PNG of _photo() with one extra text chunk (before IDAT, or after it) carrying ``chunk``."""
    import zlib

    png = encode_png(_photo())
    body = b"workflow\x00\x00" + zlib.compress(chunk) if kind == b"zTXt" else (
        b"workflow\x00\x01\x00\x00\x00" + zlib.compress(chunk))  # iTXt: compressed, no language, no translation
    extra = len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
    at = png.index(b"IEND") - 4 if after_idat else png.index(b"IDAT") - 4
    return png[:at] + extra + png[at:]


@pytest.mark.parametrize("kind", [b"zTXt", b"iTXt"])
@pytest.mark.parametrize("after_idat", [False, True])
def test_png_with_a_2_mb_compressed_text_chunk_decodes(kind, after_idat):
    rng = np.random.default_rng(0)
    # 2 MB of workflow JSON (compresses well, as real JSON does); Pillow refuses text chunks over 1 MB.
    workflow = ('{"nodes": [' + ",".join(f'{{"id": {i}, "w": {rng.random():.6f}}}' for i in range(90_000)) + "]}")
    assert len(workflow) > 2_000_000
    data = _png_with_text_chunk(workflow.encode(), kind, after_idat)
    with pytest.raises(ValueError):  # what Pillow alone does with it: the whole image refused
        Image.open(io.BytesIO(data)).load()
    img = decode_image(data, "comfy.png")
    np.testing.assert_array_equal(img.rgb, _photo())
    assert any("metadata dropped" in n for n in img.notes)


def test_small_text_chunks_are_kept_quietly():
    img = decode_image(_png_with_text_chunk(b'{"prompt": "a cat"}'), "small_meta.png")
    np.testing.assert_array_equal(img.rgb, _photo())
    assert img.notes == []


def test_damaged_png_with_big_text_is_still_called_damaged():
    data = _png_with_text_chunk(b"x" * 2_000_000)
    with pytest.raises(ImageError, match="damaged or truncated"):
        decode_image(data[: len(data) - 200], "cut.png")


def test_decompression_bomb_says_too_large_with_its_size():
    bomb = _save(Image.new("1", (40000, 40000)), "PNG")  # 1.6 gigapixels, a few hundred kB
    with pytest.raises(ImageError, match=r"too large \(40000×40000\)") as info:
        decode_image(bomb, "bomb.png")
    assert "Error" not in str(info.value) and "DecompressionBomb" not in str(info.value)
    medium = _save(Image.new("1", (25000, 20000)), "PNG")  # 500 MP: over the 400-MP limit, under Pillow's 2×
    with pytest.raises(ImageError, match=r"too large \(25000×20000\)"):
        decode_image(medium, "bomb2.png")


@pytest.mark.parametrize("data, name", [
    (b"hello, I am a text file\n" * 20, "notes.png"),
    (encode_jpeg(_photo(400, 300))[:700], "half.jpg"),
    (encode_png(_photo(400, 300))[:300], "half.png"),
])
def test_messages_name_no_library_internals(data, name):
    with pytest.raises(ImageError) as info:
        decode_image(data, name)
    message = str(info.value)
    assert name in message
    for internal in ("Error", "PIL", "Pillow", "bytes not processed", "image file is", "cannot identify"):
        assert internal not in message, message


def test_one_list_of_accepted_types_for_every_uploader():
    from models.imaging import IMAGE_TYPES

    root = Path(__file__).resolve().parents[2]
    for page in sorted((root / "pages").glob("*.py")):
        text = page.read_text()
        if "file_uploader(" not in text or "Video" in page.name:
            continue
        # Every image uploader takes its types from the one list, never a literal list of its own.
        assert 'type=["png"' not in text and "type=['png'" not in text, page.name
    for ext in ("tif", "tiff", "webp", "gif", "bmp"):
        assert ext in IMAGE_TYPES
    for ext in IMAGE_TYPES:  # every accepted type really decodes
        fmt = {"jpg": "JPEG", "jpeg": "JPEG", "jfif": "JPEG", "jpe": "JPEG", "tif": "TIFF"}.get(ext, ext.upper())
        assert decode_image(_save(Image.fromarray(_photo()), fmt), f"x.{ext}").rgb.shape == (48, 64, 3)


@pytest.mark.parametrize("ext", ["jfif", "jpe", "JFIF"])
def test_jfif_and_jpe_are_jpeg(ext):
    # What browsers on Windows save a JPEG as: accepted by the uploaders' check and decoded like any JPEG.
    from components.image_input import UPLOAD_TYPES
    from models.imaging import check_image_name

    assert ext.lower() in UPLOAD_TYPES
    name = f"photo.{ext}"
    check_image_name(name)  # no ImageError
    photo = _photo(64, 48)
    got = decode_image(_save(Image.fromarray(photo), "JPEG"), name)
    assert got.rgb.shape == (48, 64, 3) and got.name == name
    assert np.abs(got.rgb.astype(int) - photo).mean() < 8  # the JPEG's pixels, not a placeholder


def test_a_sample_is_captioned_by_its_title_an_upload_by_its_file_name():
    """Captions read ``image.label`` ("Grace Hopper · 512×600", not "grace_hopper.jpg · …"); downloads keep ``name``."""
    import dataclasses

    import numpy as np

    from components.faces_view import faces_count
    from models.imaging import LoadedImage

    upload = LoadedImage(np.zeros((2, 3, 3), np.uint8), (3, 2), name="my photo.jpg")
    sample = dataclasses.replace(upload, name="grace_hopper.jpg", title="Grace Hopper")
    assert (upload.label, sample.label, sample.name) == ("my photo.jpg", "Grace Hopper", "grace_hopper.jpg")
    assert [faces_count(n) for n in (0, 1, 4)] == ["no face", "1 face", "4 faces"]


def test_resize_nearest_keeps_values_and_dtype():
    from models.ops import resize_nearest

    labels = np.array([[0, 1], [2, 3]], np.uint8)
    up = resize_nearest(labels, 4, 6)
    assert up.shape == (4, 6) and up.dtype == np.uint8 and set(np.unique(up)) == {0, 1, 2, 3}
    assert (up[:2, :3] == 0).all() and (up[2:, 3:] == 3).all()
    mask = np.zeros((10, 10), bool)
    mask[:5] = True
    small = resize_nearest(mask, 4, 4)
    assert small.dtype == bool and small[:2].all() and not small[2:].any()
    assert resize_nearest(mask, 10, 10) is mask
