"""Decode budget: an upload's pixels are counted from its header, and its decode never takes more than the budget."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from models.imaging import (
    DECODE_BUDGET_BYTES,
    MAX_PIXELS,
    ImageError,
    decode_cost,
    decode_image,
    jpeg_draft_scale,
)
from models.inpainting.masks import MaskError, read_mask
from tests.big_images import bilevel_png
from tests.conftest import ROOT

MB = 2**20


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _peak_decode(tmp_path, data: bytes) -> tuple[int, str]:
    """Decode ``data`` in a fresh interpreter: (peak RSS growth in bytes during decode_image, outcome text)."""
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    script = textwrap.dedent(f"""
        import resource
        from pathlib import Path
        from models.imaging import ImageError, decode_image
        data = Path({str(path)!r}).read_bytes()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            out = "size %dx%d" % decode_image(data, "upload").size
        except ImageError as exc:
            out = "refused " + str(exc)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, out)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    kib, out = done.stdout.strip().split(" ", 1)
    return int(kib) * 1024, out


def test_budget_figures():
    assert DECODE_BUDGET_BYTES == 512 * MB
    assert decode_cost((20000, 20000), "1") == 400_000_000 * 13  # 5.2 GB: the 400-MP PNG of issue 23
    assert decode_cost((100, 100), "P", transparency=True) == decode_cost((100, 100), "RGBA")
    # JPEG: the largest DCT scaling that keeps MAX_PIXELS, halved until the decode fits the budget.
    assert jpeg_draft_scale((8000, 6000), "RGB", MAX_PIXELS) == 1  # 48 MP: 384 MB, decoded in full
    assert jpeg_draft_scale((12000, 12000), "RGB", MAX_PIXELS) == 2  # 144 MP → 36 MP
    assert jpeg_draft_scale((20000, 20000), "RGB", MAX_PIXELS) == 4  # 400 MP: 1/2 would be 800 MB → 1/4
    assert jpeg_draft_scale((20000, 20000), "RGB", MAX_PIXELS, budget=1 * MB) == 0  # 1/8 still too big: refused


def test_400_megapixel_png_is_refused_from_its_header(tmp_path):
    data = bilevel_png(20000, 20000)
    assert len(data) < 1_200_000  # what the issue measured: a ~1 MB file
    with pytest.raises(ImageError) as info:
        decode_image(data, "bomb.png")
    message = str(info.value)
    assert "bomb.png is too large (20000×20000, 400 megapixels)" in message and "41 megapixels" in message
    peak, out = _peak_decode(tmp_path, data)
    assert out.startswith("refused") and peak < 32 * MB, (peak, out)  # the header only: no raster was allocated


def test_400_megapixel_mask_is_refused_too():
    with pytest.raises(MaskError, match=r"too large \(20000×20000"):
        read_mask(bilevel_png(20000, 20000), "mask.png")


def test_png_under_the_budget_decodes_in_full_and_over_it_is_refused():
    grey = Image.new("L", (6000, 6000), 77)  # 36 MP × 13 B = 468 MB ≤ 512 MB
    img = decode_image(_save(grey, "PNG"), "grey.png")
    assert img.size == (6000, 6000) and int(img.rgb[3000, 3000, 0]) == 77
    with pytest.raises(ImageError, match=r"too large \(6000×6000, 36 megapixels\).*up to 29 megapixels"):
        decode_image(_save(grey.convert("LA"), "PNG"), "grey_alpha.png")  # 36 MP × 18 B = 648 MB


def test_huge_jpeg_decodes_reduced_within_the_budget(tmp_path):
    data = _save(Image.new("L", (16000, 16000), 140), "JPEG", quality=80)  # 256 MP, 1/2 → 64 MP: 832 MB → 1/4
    peak, out = _peak_decode(tmp_path, data)
    assert out == "size 4000x4000", out
    assert peak < DECODE_BUDGET_BYTES, peak / MB
    img = decode_image(data, "huge.jpg")
    assert img.original_size == (16000, 16000) and abs(int(np.median(img.rgb)) - 140) <= 2
    assert any("reduced from 16000×16000 to 4000×4000" in n for n in img.notes)


def test_measured_peak_of_a_png_at_the_budget_stays_under_it(tmp_path):
    # The per-mode estimate is what guards the server: check it against a real decode near the limit.
    data = _save(Image.new("RGB", (7000, 7000), (10, 200, 30)), "PNG")  # 49 MP × 8 B = 392 MB estimated
    peak, out = _peak_decode(tmp_path, data)
    assert out.startswith("size"), out
    assert peak <= decode_cost((7000, 7000), "RGB") < DECODE_BUDGET_BYTES, peak / MB
