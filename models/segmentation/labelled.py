"""Pixel-labelled image sets for training and evaluating segmenters.

Layouts (a folder; see :func:`read_split`):

- CamVid (the SegNet tutorial's copy): ``train/`` + ``trainannot/``, ``val/`` + ``valannot/`` (``test/`` +
  ``testannot/`` when present); image and label share a file name; labels are mode-L PNGs of class ids.
- ``labels.txt`` (optional): one line per class, ``index Name R,G,B``; ``#`` starts a comment. A class whose
  name is ``Unlabelled``/``void`` (any case) is the void value: left out of the loss and of every IoU.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from models.errors import InputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
VOID_NAMES = ("unlabelled", "unlabeled", "void", "ignore")
DEFAULT_VOID = 255


@dataclass(frozen=True)
class ClassSet:
    """Class names in label-id order, their display colours, and the void label value (ignored)."""

    names: tuple[str, ...]
    colours: tuple[tuple[int, int, int], ...]
    void: int = DEFAULT_VOID

    @property
    def size(self) -> int:
        """Number of real classes (void excluded)."""
        return len(self.names)


@dataclass
class LabelledSet:
    """Pairs of (H, W, 3) uint8 RGB images and (H, W) uint8 label maps (class ids, ``classes.void`` = void)."""

    images: list[np.ndarray]
    labels: list[np.ndarray]
    stems: list[str]
    classes: ClassSet
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.images)


def parse_labels_txt(text: str) -> ClassSet:
    """A :class:`ClassSet` from ``index Name R,G,B`` lines (indices 0..C-1 in order; a void-named line sets the
    void value). Raises :class:`InputError` on a malformed file."""
    names: list[str] = []
    colours: list[tuple[int, int, int]] = []
    void = DEFAULT_VOID
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"(\d+)\s+(\S+)(?:\s+(\d+),(\d+),(\d+))?", line)
        if not m:
            raise InputError(f"labels.txt: cannot read the line “{line[:40]}” (expected: index Name R,G,B)")
        index, name = int(m.group(1)), m.group(2)
        if name.lower() in VOID_NAMES:
            void = index
            continue
        if index != len(names):
            raise InputError(f"labels.txt: class indices must run 0, 1, 2, … (found {index} after {len(names)})")
        names.append(name)
        rgb = (int(m.group(3)), int(m.group(4)), int(m.group(5))) if m.group(3) else _colour(index)
        colours.append(rgb)
    if not names:
        raise InputError("labels.txt names no classes")
    return ClassSet(tuple(names), tuple(colours), void)


def _colour(index: int) -> tuple[int, int, int]:
    from models.segmentation.classes import PALETTE  # noqa: PLC0415

    r, g, b = (int(v) for v in PALETTE[(index + 1) % 256])
    return r, g, b


def read_pairs(image_dir: Path, label_dir: Path) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    """Images of ``image_dir`` with the label of the same stem in ``label_dir``, sorted by file name."""
    labels = {p.stem: p for p in label_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES}
    images, maps, stems = [], [], []
    for path in sorted(p for p in image_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        lab = labels.get(path.stem)
        if lab is None:
            continue
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
        with Image.open(lab) as im:
            m = np.asarray(im if im.mode in ("L", "P") else im.convert("L"))
        images.append(rgb)
        maps.append(np.ascontiguousarray(m, dtype=np.uint8))
        stems.append(path.stem)
    return images, maps, stems


def read_split(folder: Path | str, split: str) -> LabelledSet:
    """One split (``train``, ``val``, ``test``) of a CamVid-layout folder, with the classes of its labels.txt.

    Raises :class:`InputError` when the folder has no such split or no labels.txt.
    """
    root = Path(folder)
    image_dir, label_dir = root / split, root / f"{split}annot"
    if not image_dir.is_dir() or not label_dir.is_dir():
        raise InputError(f"the set has no “{split}” split ({split}/ and {split}annot/)")
    labels_txt = root / "labels.txt"
    if not labels_txt.is_file():
        raise InputError("the set has no labels.txt naming its classes")
    classes = parse_labels_txt(labels_txt.read_text(encoding="utf-8"))
    images, maps, stems = read_pairs(image_dir, label_dir)
    if not images:
        raise InputError(f"the “{split}” split holds no image/label pairs")
    return LabelledSet(images, maps, stems, classes, {"source": root.name, "split": split})
