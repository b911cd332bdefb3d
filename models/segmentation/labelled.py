"""Pixel-labelled image sets for training and evaluating segmenters: the one reader (:func:`read_labelled`).

Sources and layouts (folder or zip; CamVid, flat ``images/`` + ``labels/``, PASCAL VOC) and the byte and pixel
budgets are in :mod:`models.segmentation.labelled_source`. This module turns the pairs it finds into arrays:

- images: any type :mod:`models.imaging` reads, decoded upright (EXIF) to (H, W, 3) uint8 RGB;
- labels: lossless images of class ids, each the size of its image. Palette PNGs (VOC) give their palette
  *index*, grey PNGs their value; RGB labels are mapped by exact colour to the classes of ``labels.txt``
  (or of VOC's palette), and RGB labels with R = G = B read as grey.
- ``labels.txt`` (optional, at the set's top): one line per class, ``index Name R,G,B``; ``#`` starts a
  comment. A class named ``Unlabelled``/``void``/``ignore`` (any case) is the void value: left out of the loss
  and of every IoU. Without it: VOC's 21 classes and palette for a VOC layout (void 255, its boundary), else
  ``class 0`` … ``class N`` up to the largest value found (void 255).
- the split: ``train``/``val`` as the layout gives them, else made here (seeded; ``val_fraction`` of the pairs,
  at least one).

Every refusal is one :class:`InputError` whose message names at most a file's own name; nothing is written.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from models.errors import InputError
from models.imaging import decode_image, load_image
from models.segmentation.labelled_source import (
    Layout,
    Limits,
    Members,
    Pair,
    Source,
    find_layout,
    members_of_files,
    open_source,
    pair_by_stem,
)

__all__ = ["ClassSet", "LabelledSet", "Limits", "parse_labels_txt", "read_labelled", "read_pairs", "read_split"]

VOID_NAMES = ("unlabelled", "unlabeled", "void", "ignore")
DEFAULT_VOID = 255
VOC_VOID = 255  # the boundary band of VOC's SegmentationClass PNGs


@dataclass(frozen=True)
class ClassSet:
    """Class names in label-id order, their display colours, and the void label value (ignored).

    ``void_colour``: the colour that marks void in RGB label images, when known.
    """

    names: tuple[str, ...]
    colours: tuple[tuple[int, int, int], ...]
    void: int = DEFAULT_VOID
    void_colour: tuple[int, int, int] | None = None

    @property
    def size(self) -> int:
        """Number of real classes (void excluded)."""
        return len(self.names)


@dataclass
class LabelledSet:
    """Pairs of (H, W, 3) uint8 RGB images and (H, W) uint8 label maps (class ids, ``classes.void`` = void).

    ``meta``: ``source`` (folder or zip name), ``split``, ``layout``, ``split_made`` (+ ``seed``,
    ``val_fraction``), ``classes_inferred``, ``pairs_left_out`` and ``files_ignored`` (counts).
    """

    images: list[np.ndarray]
    labels: list[np.ndarray]
    stems: list[str]
    classes: ClassSet
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.images)


def parse_labels_txt(text: str) -> ClassSet:
    """Parse a class-list file into a :class:`ClassSet`.

    A :class:`ClassSet` from ``index Name R,G,B`` lines (indices 0..C-1 in order; a void-named line sets the
    void value and colour). Raises :class:`InputError` on a malformed file.
    """
    names: list[str] = []
    colours: list[tuple[int, int, int]] = []
    void, void_colour = DEFAULT_VOID, None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"(\d+)\s+(\S+)(?:\s+(\d+),(\d+),(\d+))?", line)
        if not m or (m.group(3) and max(int(m.group(i)) for i in (3, 4, 5)) > 255):
            raise InputError(f"labels.txt: cannot read the line “{line[:40]}” (expected: index Name R,G,B)")
        index, name = int(m.group(1)), m.group(2)
        colour = tuple(int(m.group(i)) for i in (3, 4, 5)) if m.group(3) else None
        if name.lower() in VOID_NAMES:
            void, void_colour = index, colour
            continue
        if index != len(names):
            raise InputError(f"labels.txt: class indices must run 0, 1, 2, … (found {index} after {len(names)})")
        names.append(name)
        colours.append(colour or _colour(index))  # type: ignore[arg-type]
    if not names:
        raise InputError("labels.txt names no classes")
    if void < len(names) or void > 255:
        raise InputError(f"labels.txt: the void value {void} must come after the classes (at most 255)")
    return ClassSet(tuple(names), tuple(colours), void, void_colour)  # type: ignore[arg-type]


def _colour(index: int) -> tuple[int, int, int]:
    """VOC palette colours from entry 1 on, so that class 0 is not black."""
    from models.segmentation.classes import PALETTE

    r, g, b = (int(v) for v in PALETTE[(index + 1) % 256])
    return r, g, b


def voc_class_set() -> ClassSet:
    """PASCAL VOC's 21 classes with their palette colours; void 255 (the boundary colour 224,224,192)."""
    from models.segmentation.classes import PALETTE, VOC_CLASSES

    def rgb(i: int) -> tuple[int, int, int]:
        return int(PALETTE[i][0]), int(PALETTE[i][1]), int(PALETTE[i][2])

    return ClassSet(VOC_CLASSES, tuple(rgb(i) for i in range(len(VOC_CLASSES))), VOC_VOID, rgb(VOC_VOID))


# --- reading ---------------------------------------------------------------------------------------
def read_labelled(
    source: Source,
    *,
    val_fraction: float = 0.2,
    seed: int = 0,
    void: int | None = None,
    limits: Limits = Limits(),
    name: str | None = None,
) -> tuple[LabelledSet, LabelledSet]:
    """(train, val) of a labelled set: a folder, a ``.zip`` path, zip bytes or a binary file object.

    ``val_fraction`` and ``seed`` make the split when the layout gives none (same seed → same split);
    ``void`` overrides the void value; ``name`` is the source's name in ``meta`` (default: the folder's or
    zip's name, ``upload`` for bytes). Raises :class:`InputError` (one plain message) for a bad set: see the
    module docstrings of this module and of :mod:`~models.segmentation.labelled_source`.
    """
    sets = _read(source, ("train", "val"), val_fraction, seed, void, limits, name)
    return sets["train"], sets["val"]


def read_split(folder: Path | str, split: str, *, limits: Limits = Limits()) -> LabelledSet:
    """One split (``train``, ``val``, ``test``) of a labelled set, e.g. a CamVid-layout folder.

    Only that split's pairs are decoded when the classes are known (labels.txt, VOC); a made split is the one
    :func:`read_labelled` makes with its defaults. Raises :class:`InputError` when the set has no such split.
    """
    return _read(folder, (split,), 0.2, 0, None, limits, None)[split]


def read_pairs(
    image_dir: Path | str, label_dir: Path | str, classes: ClassSet | None = None, *, limits: Limits = Limits()
) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    """Images of ``image_dir`` with the label of the same stem in ``label_dir``, sorted by stem.

    (H, W, 3) uint8 images, (H, W) uint8 label maps, stems. Same decoding and refusals as :func:`read_labelled`.
    """
    image_files = sorted(p for p in Path(image_dir).iterdir() if p.is_file())
    label_files = sorted(p for p in Path(label_dir).iterdir() if p.is_file())
    members = members_of_files(image_files + label_files, limits)
    pairs, _ = pair_by_stem([p.as_posix() for p in image_files], [p.as_posix() for p in label_files], set())
    budget = _Budget(limits)
    decoded = [_decode_pair(members, p, classes, limits, budget) for p in pairs]
    return [d[0] for d in decoded], [d[1] for d in decoded], [p.stem for p in pairs]


def _read(
    source: Source,
    wanted: tuple[str, ...],
    val_fraction: float,
    seed: int,
    void: int | None,
    limits: Limits,
    name: str | None,
) -> dict[str, LabelledSet]:
    if not 0.0 < val_fraction < 1.0:
        raise InputError("The share of pairs kept for validation must be between 0 and 1 (e.g. 0.2).")
    with open_source(source, limits) as members:
        layout = find_layout(members)
        splits, made = _splits(layout, val_fraction, seed)
        _check_count(sum(len(splits[s]) for s in ("train", "val")), limits)
        for split in wanted:
            if not splits.get(split):
                raise InputError(f"The set has no “{split}” split (no image/label pairs in it).")
        classes = _classes(layout, members)
        if classes is not None and void is not None:
            if void < classes.size:
                raise InputError(f"The void value {void} must come after the classes (0–{classes.size - 1}).")
            classes = replace(classes, void=void)
        todo = wanted if classes is not None else tuple(s for s in ("train", "val", "test") if s in splits)
        budget = _Budget(limits)
        decoded = {s: [_decode_pair(members, p, classes, limits, budget) for p in splits[s]] for s in todo}
    if classes is None:
        classes = _infer(decoded, DEFAULT_VOID if void is None else void)
    meta = {
        "source": name or _source_name(source),
        "layout": layout.kind,
        "split_made": made,
        "classes_inferred": layout.labels_txt is None and layout.kind != "voc",
        "pairs_left_out": layout.unpaired,
        "files_ignored": layout.ignored,
        **({"seed": seed, "val_fraction": val_fraction} if made else {}),
    }
    out = {}
    for split in wanted:
        images, labels = [d[0] for d in decoded[split]], [d[1] for d in decoded[split]]
        out[split] = LabelledSet(images, labels, [p.stem for p in splits[split]], classes, {**meta, "split": split})
    return out


def _splits(layout: Layout, val_fraction: float, seed: int) -> tuple[dict[str, list[Pair]], bool]:
    if "all" not in layout.splits:
        return layout.splits, False
    pairs = layout.splits["all"]  # sorted by stem: the split depends on the names and the seed only
    n_val = min(max(1, round(len(pairs) * val_fraction)), len(pairs) - 1)
    val = set(np.random.default_rng(seed).permutation(len(pairs))[:n_val].tolist()) if n_val > 0 else set()
    return {
        "train": [p for i, p in enumerate(pairs) if i not in val],
        "val": [p for i, p in enumerate(pairs) if i in val],
    }, True


def _check_count(n: int, limits: Limits) -> None:
    if n < limits.min_pairs:
        raise InputError(
            f"The set holds {n} image/label pair{'s' * (n != 1)}; at least {limits.min_pairs} are needed "
            "(some to train on, some to check the model with). An image and its label share a file name."
        )
    if n > limits.max_pairs:
        raise InputError(f"The set holds {n} image/label pairs; this app trains on up to {limits.max_pairs}.")


def _classes(layout: Layout, members: Members) -> ClassSet | None:
    if layout.labels_txt is not None:
        return parse_labels_txt(members.read(layout.labels_txt).decode("utf-8", "replace"))
    return voc_class_set() if layout.kind == "voc" else None


def _infer(decoded: dict[str, list[tuple[np.ndarray, np.ndarray]]], void: int) -> ClassSet:
    present = np.zeros(256, dtype=bool)
    for pairs in decoded.values():
        for _, label in pairs:
            present |= np.bincount(label.ravel(), minlength=256).astype(bool)
    present[void] = False
    if not present.any():
        raise InputError("Every label pixel of the set is void: there are no classes to learn.")
    n = int(np.flatnonzero(present).max()) + 1
    if n > void:
        raise InputError(f"The labels hold the value {n - 1}, above the void value {void}: void must come last.")
    return ClassSet(tuple(f"class {i}" for i in range(n)), tuple(_colour(i) for i in range(n)), void)


def _source_name(source: Source) -> str:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.stem if path.is_file() else path.name
    return "upload"


# --- one pair --------------------------------------------------------------------------------------
class _Budget:
    """The pixels decoded so far, against ``max_total_pixels``."""

    def __init__(self, limits: Limits):
        self.limits, self.pixels = limits, 0

    def take(self, pixels: int) -> None:
        self.pixels += pixels
        if self.pixels > self.limits.max_total_pixels:
            mp = self.limits.max_total_pixels / 1e6
            raise InputError(
                f"The set's images add up to more than {mp:.0f} megapixels; this app reads up to that much "
                f"(e.g. {int(self.limits.max_total_pixels // (480 * 360))} images of 480×360). "
                "Use fewer or smaller images."
            )


def _decode_pair(
    members: Members, pair: Pair, classes: ClassSet | None, limits: Limits, budget: _Budget
) -> tuple[np.ndarray, np.ndarray]:
    image_name, label_name = PurePosixPath(pair.image).name, PurePosixPath(pair.label).name
    data = members.read(pair.image)
    width, height = _header_size(data, image_name, limits)
    budget.take(width * height)
    rgb = decode_image(data, name=image_name, max_pixels=limits.max_image_pixels).rgb
    data = members.read(pair.label)
    _header_size(data, label_name, limits)
    label = label_ids(load_image(data, name=label_name), classes, label_name)
    if label.shape != rgb.shape[:2]:
        (h, w), (lh, lw) = rgb.shape[:2], label.shape
        raise InputError(
            f"The image “{image_name}” is {w}×{h} pixels but its label “{label_name}” is {lw}×{lh}: "
            "each label must be the size of its image."
        )
    if classes is not None:
        bad = label[(label >= classes.size) & (label != classes.void)]
        if bad.size:
            raise InputError(
                f"The label “{label_name}” holds the value {int(bad.min())}, which is not one of this set's "
                f"classes (0–{classes.size - 1}, and {classes.void} for void). Fix the label or list the class "
                "in labels.txt."
            )
    return rgb, label


def _header_size(data: bytes, name: str, limits: Limits) -> tuple[int, int]:
    """(width, height) from the header, refused over ``max_image_pixels`` before anything is decoded."""
    budget = f"this app trains on images of up to {limits.max_image_pixels / 1e6:.1f} megapixels"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
    except Image.DecompressionBombError:
        raise InputError(f"“{name}” is far too large; {budget}.") from None
    except Exception:  # not an image at all: the decoder says so in its own words
        return 0, 0
    if width * height > limits.max_image_pixels:
        raise InputError(
            f"“{name}” is {width}×{height} pixels; {budget}. Reduce the images (and their labels, without "
            "smoothing) and try again."
        )
    return width, height


def label_ids(im: Image.Image, classes: ClassSet | None, name: str = "label") -> np.ndarray:
    """A decoded label image → (H, W) uint8 class ids (palette index, grey value, or colour via ``classes``).

    Raises :class:`InputError` for colours no class has, values over 255 and image modes that hold no ids.
    """
    if im.mode in ("P", "L"):
        return np.ascontiguousarray(np.asarray(im), dtype=np.uint8)
    if im.mode == "1":
        return np.asarray(im).astype(np.uint8)
    if im.mode in ("LA", "PA"):
        return np.ascontiguousarray(np.asarray(im)[..., 0], dtype=np.uint8)
    if im.mode.startswith("I"):
        wide = np.asarray(im).astype(np.int64)
        if wide.size and (wide.min() < 0 or wide.max() > 255):
            value = int(wide.max() if wide.max() > 255 else wide.min())
            raise InputError(f"The label “{name}” holds the value {value}; label values are class ids 0–255.")
        return wide.astype(np.uint8)
    if im.mode in ("RGB", "RGBA"):
        return _colour_ids(np.asarray(im)[..., :3], classes, name)
    raise InputError(f"The label “{name}” is a {im.mode} image; save labels as PNGs of class ids.")


def _colour_ids(rgb: np.ndarray, classes: ClassSet | None, name: str) -> np.ndarray:
    key = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    table: dict[int, int] = {}
    if classes is not None:
        listed = [*enumerate(classes.colours)]
        listed += [(classes.void, classes.void_colour)] if classes.void_colour else []
        table = {(r << 16) | (g << 8) | b: i for i, (r, g, b) in listed}
    if table:
        keys = np.array(sorted(table), dtype=np.int32)
        ids = np.array([table[k] for k in keys.tolist()], dtype=np.uint8)
        pos = np.searchsorted(keys, key).clip(0, len(keys) - 1)
        known = keys[pos] == key
        if known.all():
            return ids[pos]
    if (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all():
        return np.ascontiguousarray(rgb[..., 0])  # grey saved as RGB: the value is the id
    if not table:
        raise InputError(
            f"The label “{name}” is a colour image; list each class's colour in a labels.txt "
            "(lines “index Name R,G,B”) or save the labels as PNGs of class ids."
        )
    r, g, b = (int(v) for v in rgb[~known][0])
    raise InputError(f"The label “{name}” holds the colour {r},{g},{b}, which labels.txt does not list.")
