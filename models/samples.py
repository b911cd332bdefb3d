"""One-click sample inputs.

Photos shipped inside the scikit-image wheel are always available (no download). Store entries tagged
``photo`` / ``style`` / ``clip`` are added when present in the model store (or fetched on demand).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from models.registry import ENTRIES, Entry
from models.store import Store


class SampleKind(str, Enum):
    PHOTO = "photo"
    STYLE = "style"
    CLIP = "clip"


@dataclass(frozen=True)
class Sample:
    id: str
    title: str
    kind: SampleKind
    path: Path | None  # None: a store entry that is not present yet
    entry: Entry | None = None  # set for store-backed samples

    @property
    def available(self) -> bool:
        return self.path is not None and self.path.exists()


@cache
def skimage_data_dir() -> Path:
    """The folder of sample images shipped inside the scikit-image wheel."""
    import skimage  # noqa: PLC0415 - only its folder is needed

    return Path(skimage.__file__).parent / "data"


# (file in skimage/data, title, kind): package-shipped, work offline.
_PACKAGED = (
    ("astronaut.png", "Astronaut (Eileen Collins, a face)", SampleKind.PHOTO),
    ("chelsea.png", "Chelsea the cat", SampleKind.PHOTO),
    ("motorcycle_left.png", "Motorbike", SampleKind.PHOTO),
    ("coffee.png", "Cup of coffee", SampleKind.PHOTO),
    ("rocket.jpg", "Rocket launch", SampleKind.PHOTO),
    ("hubble_deep_field.jpg", "Hubble deep field", SampleKind.STYLE),
    ("brick.png", "Brick texture", SampleKind.STYLE),
    ("gravel.png", "Gravel texture", SampleKind.STYLE),
)


def samples(kind: SampleKind, store: Store | None = None, include_missing: bool = False) -> list[Sample]:
    """Samples of one kind: package-shipped first, then store entries (present ones, or all)."""
    store = store or Store()
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
    return out
