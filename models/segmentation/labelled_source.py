"""Where a labelled set's files come from, and how they are laid out: a folder, or a zip (bytes or a path).

A zip is never extracted: its central directory is checked first (size, member count, declared uncompressed
sizes and compression ratios, member names that lead outside the archive), then members are read into memory
one at a time, each and all together within a byte budget (:class:`Limits`). Nothing is written to disk.

Layouts found by :func:`find_layout` (directory names in any case, under at most a few wrapping folders):

- CamVid: ``train/`` + ``trainannot/``, ``val/`` + ``valannot/`` (+ ``test/`` + ``testannot/``);
- flat: ``images/`` + ``labels/`` (or ``annotations/`` or ``masks/``), split made by the reader;
- PASCAL VOC: ``JPEGImages/`` + ``SegmentationClass/``, split from ``ImageSets/Segmentation/{train,val}.txt``.

An image and its label share a file stem (``a.jpg`` ↔ ``a.png``). Members a layout does not use (``__MACOSX/``,
``.DS_Store``, ``Thumbs.db``, READMEs, stray files of any kind) are never read; they are only counted.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from models.errors import InputError
from models.imaging import IMAGE_TYPES

LABEL_TYPES = ("png", "bmp", "tif", "tiff", "gif")  # lossless only: a JPEG's artefacts would invent classes
MB = 1024 * 1024
# Compression ratios are only judged for members above this size (a small run of zeros compresses 1000:1).
RATIO_FLOOR_BYTES = MB
HARMLESS_NAMES = ("thumbs.db", "desktop.ini")
Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO


@dataclass(frozen=True)
class Limits:
    """What one labelled set may cost.

    The defaults take the CamVid set (468 pairs of 480×360, 122 MB) and a browser upload at the app's own limit
    (``.streamlit/config.toml`` ``server.maxUploadSize`` = 200 MB).

    ``max_total_pixels`` bounds memory: each pixel costs 4 bytes decoded (RGB image + label id), so the
    default is at most 480 MB of arrays. ``max_uncompressed_bytes`` bounds the encoded bytes read (and, for a
    zip, what its members declare in all).
    """

    min_pairs: int = 4
    max_pairs: int = 1000
    max_image_pixels: int = 4_194_304  # 2048×2048
    max_total_pixels: int = 120_000_000
    max_zip_bytes: int = 200 * MB
    max_uncompressed_bytes: int = 1024 * MB
    max_members: int = 50_000
    max_ratio: float = 100.0


@dataclass
class Members:
    """A set's regular files: POSIX names relative to the source → bytes on demand, within one byte budget."""

    names: list[str]
    sizes: dict[str, int]
    reader: Callable[[str], bytes]
    limits: Limits
    spent: int = 0

    def read(self, name: str) -> bytes:
        """The bytes of member ``name``. Raises :class:`InputError` once the set's byte budget is spent."""
        self.spent += self.sizes[name]
        if self.spent > self.limits.max_uncompressed_bytes:
            raise InputError(
                f"The set holds more than {self.limits.max_uncompressed_bytes // MB} MB of files; "
                "this app reads up to that much. Use fewer or smaller images."
            )
        return self.reader(name)


@contextmanager
def open_source(source: Source, limits: Limits = Limits()) -> Iterator[Members]:
    """The members of a folder, a ``.zip`` file, zip bytes or a binary file object (e.g. an upload).

    Raises :class:`InputError` for a path that is neither a folder nor a zip, a zip over ``max_zip_bytes``, a
    damaged or password-protected zip, a zip bomb (declared sizes or ratios over the limits), and member names
    that lead outside the archive.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            yield _folder(path, limits)
            return
        if not path.is_file() or not zipfile.is_zipfile(path):
            raise InputError(f"“{path.name}” is neither a folder nor a zip archive of images and labels.")
        _check_zip_size(path.stat().st_size, limits)
        with path.open("rb") as fh:
            yield _zip(fh, limits)
        return
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        data = source.read(limits.max_zip_bytes + 1)
    _check_zip_size(len(data), limits)
    yield _zip(io.BytesIO(data), limits)


def _check_zip_size(size: int, limits: Limits) -> None:
    if size > limits.max_zip_bytes:
        raise InputError(
            f"The zip is {size / MB:.0f} MB; this app takes zips of up to {limits.max_zip_bytes // MB} MB. "
            "Use fewer or smaller images."
        )


def _folder(root: Path, limits: Limits) -> Members:
    names, sizes = [], {}
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            path = Path(dirpath) / f
            name = path.relative_to(root).as_posix()
            try:
                sizes[name] = path.stat().st_size
            except OSError:  # a dangling link: not a member
                continue
            names.append(name)
    return Members(sorted(names), sizes, lambda name: (root / name).read_bytes(), limits)


def members_of_files(paths: list[Path], limits: Limits = Limits()) -> Members:
    """Members named by their full paths (for callers that pair two arbitrary folders)."""
    sizes = {p.as_posix(): p.stat().st_size for p in paths}
    return Members(sorted(sizes), sizes, lambda name: Path(name).read_bytes(), limits)


def _zip(fh: BinaryIO, limits: Limits) -> Members:
    try:
        zf = zipfile.ZipFile(fh)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise InputError("The upload is not a zip archive this app can read (it may be damaged).") from None
    if len(infos) > limits.max_members:
        raise InputError(f"The zip holds {len(infos)} files; this app reads zips of up to {limits.max_members}.")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_uncompressed_bytes:
        raise InputError(
            f"The zip would unpack to {declared / MB:.0f} MB; this app reads sets of up to "
            f"{limits.max_uncompressed_bytes // MB} MB unpacked. Use fewer or smaller images."
        )
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename.replace("\\", "/")
        base = PurePosixPath(name).name or name
        if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in name.split("/"):
            raise InputError(f"The zip holds a file whose name leads outside the archive (“{base}”); it is refused.")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.max_ratio * max(1, info.compress_size):
            raise InputError(
                f"“{base}” in the zip unpacks {info.file_size // max(1, info.compress_size)} times larger than it "
                "is stored: that is a zip bomb, not a picture set. The zip is refused."
            )
        if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16):
            continue  # folders and links are not files; nothing is ever extracted
        by_name[name] = info
    return Members(
        sorted(by_name), {n: i.file_size for n, i in by_name.items()}, lambda n: _read_member(zf, by_name[n]), limits
    )


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    base = PurePosixPath(info.filename).name
    if info.flag_bits & 0x1:
        raise InputError(f"“{base}” in the zip is password-protected; zip the set again without a password.")
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)  # never more than declared, whatever the stream says
    except NotImplementedError:
        raise InputError(f"“{base}” in the zip uses a compression this app cannot read; zip it again.") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError):
        raise InputError(f"“{base}” in the zip is damaged; zip the set again.") from None
    if len(data) != info.file_size:
        raise InputError(f"“{base}” in the zip is damaged; zip the set again.")
    return data


# --- layouts ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    """One image and its label: the shared stem and the two member names."""

    stem: str
    image: str  # member names
    label: str


@dataclass
class Layout:
    """A set's layout: ``splits`` maps ``train``/``val``/``test`` (given) or ``all`` (to split) to its pairs."""

    kind: str  # "camvid", "folders" or "voc"
    splits: dict[str, list[Pair]]
    labels_txt: str | None = None
    unpaired: int = 0  # images without a label, labels without an image, pairs outside a VOC split list
    ignored: int = 0  # members the layout does not use
    used: set[str] = field(default_factory=set)


def harmless(name: str) -> bool:
    """Files that archivers and desktops add (``__MACOSX/``, ``.DS_Store``, ``Thumbs.db``…)."""
    parts = name.split("/")
    return any(p.startswith(("__MACOSX", ".")) for p in parts) or parts[-1].lower() in HARMLESS_NAMES


def find_layout(members: Members) -> Layout:
    """The layout of ``members`` (see the module's docstring), under up to three single wrapping folders.

    Raises :class:`InputError` when no layout is found or a folder holds two images with the same stem.
    """
    names = [n for n in members.names if not harmless(n)]
    root = ""
    for _ in range(4):
        dirs = _children(names, root)
        found = _layout_at(dirs, root, members)
        if found is not None:
            found.ignored = len(members.names) - len(found.used)
            return found
        tops = {n[len(root) :].split("/")[0] for n in names if n.startswith(root) and "/" in n[len(root) :]}
        loose = [n for n in names if n.startswith(root) and "/" not in n[len(root) :]]
        if len(tops) != 1 or any(_suffix(n) in IMAGE_TYPES for n in loose):
            break
        root += tops.pop() + "/"
    raise InputError(
        "No labelled images found. Put the images in images/ and their label PNGs (same file names) in labels/, "
        "or use the CamVid layout (train/ + trainannot/, val/ + valannot/) or the PASCAL VOC layout "
        "(JPEGImages/ + SegmentationClass/)."
    )


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


def _children(names: list[str], root: str) -> dict[str, list[str]]:
    """Direct files of each folder right under ``root``, by lower-case folder name."""
    dirs: dict[str, list[str]] = {}
    for n in names:
        rest = n[len(root) :].split("/") if n.startswith(root) else []
        if len(rest) == 2:
            dirs.setdefault(rest[0].lower(), []).append(n)
        elif len(rest) == 1:
            dirs.setdefault("", []).append(n)
        elif len(rest) == 3 and [p.lower() for p in rest[:2]] == ["imagesets", "segmentation"]:
            dirs.setdefault("imagesets/segmentation", []).append(n)
    return dirs


def _layout_at(dirs: dict[str, list[str]], root: str, members: Members) -> Layout | None:
    labels_txt = next((n for n in dirs.get("", []) if n[len(root) :].lower() == "labels.txt"), None)
    used = {labels_txt} if labels_txt else set()
    if "train" in dirs and "trainannot" in dirs:
        splits: dict[str, list[Pair]] = {}
        unpaired = 0
        for split in ("train", "val", "test"):
            if split in dirs and f"{split}annot" in dirs:
                splits[split], loose = pair_by_stem(dirs[split], dirs[f"{split}annot"], used)
                unpaired += loose
        if "val" not in splits:
            splits = {"all": splits["train"]}
        return Layout("camvid", splits, labels_txt, unpaired, used=used)
    if "jpegimages" in dirs and "segmentationclass" in dirs:
        pairs, loose = pair_by_stem(dirs["jpegimages"], dirs["segmentationclass"], used, images_may_be_loose=True)
        lists = {n[len(root) :].split("/")[-1].lower(): n for n in dirs.get("imagesets/segmentation", [])}
        if "train.txt" not in lists or "val.txt" not in lists:
            return Layout("voc", {"all": pairs}, labels_txt, loose, used=used)
        by_stem = {p.stem: p for p in pairs}
        splits = {}
        if max(members.sizes[lists[f"{s}.txt"]] for s in ("train", "val")) > MB:
            raise InputError("ImageSets/Segmentation holds a split list over 1 MB; that is not a list of names.")
        for split in ("train", "val"):
            used.add(lists[f"{split}.txt"])
            stems = members.read(lists[f"{split}.txt"]).decode("utf-8", "replace").split()
            splits[split] = [by_stem.pop(s) for s in dict.fromkeys(stems) if s in by_stem]
        return Layout("voc", splits, labels_txt, loose + len(by_stem), used=used)
    for label_dir in ("labels", "annotations", "masks"):
        if "images" in dirs and label_dir in dirs:
            pairs, loose = pair_by_stem(dirs["images"], dirs[label_dir], used)
            return Layout("folders", {"all": pairs}, labels_txt, loose, used=used)
    return None


def pair_by_stem(
    images: list[str], labels: list[str], used: set[str], images_may_be_loose: bool = False
) -> tuple[list[Pair], int]:
    """Pairs by stem (sorted), and how many images / labels have no partner."""
    img = _by_stem([n for n in images if _suffix(n) in IMAGE_TYPES])
    lab = _by_stem([n for n in labels if _suffix(n) in LABEL_TYPES])
    pairs = [Pair(s, img[s], lab[s]) for s in sorted(img.keys() & lab.keys())]
    used.update(n for p in pairs for n in (p.image, p.label))
    loose = len(lab.keys() - img.keys()) + (0 if images_may_be_loose else len(img.keys() - lab.keys()))
    return pairs, loose


def _by_stem(names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in names:
        stem = PurePosixPath(n).stem
        if stem in out:
            first, second = PurePosixPath(out[stem]).name, PurePosixPath(n).name
            raise InputError(f"Two files share the name “{stem}” ({first}, {second}); keep one of them.")
        out[stem] = n
    return out
