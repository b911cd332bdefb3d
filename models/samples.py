"""One-click sample inputs.

Photos shipped inside the scikit-image wheel are always available (no download). Store entries tagged
``photo`` / ``style`` / ``clip`` are added when present in the model store (or fetched on demand). Street scenes
(``street``) are frames of the CamVid val split, offered when the ``camvid`` store entry is present.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from models.capabilities import Holdings
from models.registry import ENTRIES, Entry, get
from models.store import Store


class SampleKind(str, Enum):
    """What a sample is for."""

    PHOTO = "photo"
    STYLE = "style"
    CLIP = "clip"
    STREET = "street"  # road scenes for the segmenters trained on CamVid


@dataclass(frozen=True)
class Sample:
    """One sample image, style image or clip: shipped in a package or a store entry."""

    id: str
    title: str
    kind: SampleKind
    path: Path | None  # None: a store entry that is not present yet
    entry: Entry | None = None  # set for store-backed samples

    @property
    def available(self) -> bool:
        """Whether the sample's file is on disk."""
        return self.path is not None and self.path.exists()


@cache
def skimage_data_dir() -> Path:
    """The folder of sample images shipped inside the scikit-image wheel."""
    import skimage  # noqa: PLC0415 - only its folder is needed

    return Path(skimage.__file__).parent / "data"


def photo_or_sample(store: Holdings, entry_id: str, fallback: str) -> Path:
    """The store's photo ``entry_id`` when present, else the scikit-image sample ``fallback`` (always there)."""
    return store.path(entry_id) if store.has(entry_id) else skimage_data_dir() / fallback


# (file in skimage/data, title, kind): package-shipped, work offline.
_PACKAGED = (
    ("astronaut.png", "Astronaut (Eileen Collins, a face)", SampleKind.PHOTO),
    ("chelsea.png", "Chelsea the cat", SampleKind.PHOTO),
    ("motorcycle_left.png", "Motorbike", SampleKind.PHOTO),
    ("coffee.png", "Cup of coffee", SampleKind.PHOTO),
    ("rocket.jpg", "Rocket launch", SampleKind.PHOTO),
    ("camera.png", "Cameraman (a face, black and white)", SampleKind.PHOTO),
    ("hubble_deep_field.jpg", "Hubble deep field", SampleKind.STYLE),
    ("brick.png", "Brick texture", SampleKind.STYLE),
    ("gravel.png", "Gravel texture", SampleKind.STYLE),
)


# Frames of CamVid's val split (never trained on), picked for variety: (file in val/, title). Street scenes at the
# viewpoint the CamVid segmenters know; the dataset is CC BY-NC 4.0, read from the store, never copied.
CAMVID_ENTRY = "camvid"
_CAMVID_STREET = (
    ("0016E5_07959.png", "Street: cyclists and a car (CamVid)"),
    ("0016E5_08049.png", "Street: parked car, cyclists (CamVid)"),
    ("0016E5_08101.png", "Street: pedestrians and cyclists (CamVid)"),
    ("0016E5_08145.png", "Street: a cyclist under trees (CamVid)"),
)
# The street scene a CamVid model opens on.
STREET_DEFAULT = f"{CAMVID_ENTRY}:{_CAMVID_STREET[0][0].removesuffix('.png')}"


def samples(
    kind: SampleKind | Sequence[SampleKind], store: Store | None = None, include_missing: bool = False
) -> list[Sample]:
    """Samples of one kind (or several, in the given order).

    Package-shipped first, then store entries (present ones, or all), then the CamVid street scenes when the ``camvid``
    entry is present (never listed missing: they are files inside that entry).
    """
    store = store or Store()
    out: list[Sample] = []
    for k in [kind] if isinstance(kind, SampleKind) else list(kind):
        out += _samples_of(k, store, include_missing)
    return out


def _samples_of(kind: SampleKind, store: Store, include_missing: bool) -> list[Sample]:
    out: list[Sample] = []
    for filename, title, k in _PACKAGED:
        path = skimage_data_dir() / filename
        if k is kind and path.exists():
            out.append(Sample(f"skimage:{filename}", title, k, path))
    for entry in ENTRIES:
        if kind.value in entry.tags:
            present = store.has(entry)
            if present or include_missing:
                out.append(Sample(entry.id, entry.title, kind, store.path(entry) if present else None, entry))
    if kind is SampleKind.STREET and store.has(CAMVID_ENTRY):
        val = store.path(CAMVID_ENTRY) / "val"
        entry = get(CAMVID_ENTRY)
        for filename, title in _CAMVID_STREET:
            if (val / filename).is_file():  # a partial copy of the set offers what it has
                out.append(
                    Sample(f"{CAMVID_ENTRY}:{filename.removesuffix('.png')}", title, kind, val / filename, entry)
                )
    return out
