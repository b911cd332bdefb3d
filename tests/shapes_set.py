"""A tiny learnable labelled set for the training tests: 64×96 images of a red square and a blue disc on a noisy
grey ground, 3 classes (ground, square, disc) named in labels.txt, in the CamVid layout, as zip bytes."""

from __future__ import annotations

import io
import zipfile

import numpy as np
from PIL import Image

H, W = 64, 96
NAMES = ("ground", "square", "disc")
LABELS_TXT = "0 ground 128,128,128\n1 square 220,40,40\n2 disc 40,80,220\n3 void 0,0,0\n"


def pair(i: int) -> tuple[np.ndarray, np.ndarray]:
    """(image (64, 96, 3) uint8, label (64, 96) uint8) number ``i``: shapes at seeded places and sizes."""
    rng = np.random.default_rng(100 + i)
    rgb = rng.normal(128, 18, (H, W, 3)).clip(0, 255).astype(np.uint8)
    label = np.zeros((H, W), np.uint8)
    s = int(rng.integers(14, 24))
    y, x = int(rng.integers(0, H - s)), int(rng.integers(0, W // 2 - s))
    rgb[y : y + s, x : x + s] = (220, 40, 40)
    label[y : y + s, x : x + s] = 1
    r = int(rng.integers(8, 13))
    cy, cx = int(rng.integers(r, H - r)), int(rng.integers(W // 2 + r, W - r))
    yy, xx = np.ogrid[:H, :W]
    disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    rgb[disc] = (40, 80, 220)
    label[disc] = 2
    return rgb, label


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


def shapes_zip(n_train: int = 8, n_val: int = 4) -> bytes:
    """The set as zip bytes: ``train/``, ``trainannot/``, ``val/``, ``valannot/`` and ``labels.txt``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("shapes/labels.txt", LABELS_TXT)
        for split, start, n in (("train", 0, n_train), ("val", 1000, n_val)):
            for i in range(start, start + n):
                rgb, label = pair(i)
                zf.writestr(f"shapes/{split}/s{i:04d}.png", _png(rgb))
                zf.writestr(f"shapes/{split}annot/s{i:04d}.png", _png(label))
    return buf.getvalue()
