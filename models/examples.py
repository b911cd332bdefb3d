"""Small example results for the home page, made by the app's own models from its own samples.

Each capability gets one picture (RGB uint8, at most ``THUMB`` px wide) made once and kept as a PNG in the cache
folder (next to the default store: ``~/.cache/vision-playground/examples``), named after the models that made it,
so a store that gains a model gets a real result next time. When a model is missing, the picture is the sample
input itself (``is_result`` False). Each capability's maker is declared by its package's registration
(``models/<package>/registration.py``, see ``models.capabilities``). No Streamlit here: ``python -m models.examples``
makes them all.

An install makes them ahead of the first visit (``deploy/install.sh``, so also the Docker image) into a read-only
folder of its own, named by ``VISION_EXAMPLES_PREBUILT`` in the installed settings: a container's cache folder is a
tmpfs that starts empty. :func:`cached` looks in the cache first, then there; new pictures always go to the cache.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from models import capabilities
from models.capabilities import THUMB, Maker
from models.imaging import fit_within, read_image
from models.samples import skimage_data_dir
from models.store import Store

LOG = logging.getLogger(__name__)
EXAMPLES_ENV = "VISION_EXAMPLES"
PREBUILT_ENV = "VISION_EXAMPLES_PREBUILT"


def examples_dir() -> Path:
    """The folder of cached example PNGs: ``$VISION_EXAMPLES`` when set, else under the user's cache folder."""
    env = os.environ.get(EXAMPLES_ENV)
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "vision-playground" / "examples"


def prebuilt_dir() -> Path | None:
    """The install's read-only folder of examples made at install time, if the settings name one."""
    env = os.environ.get(PREBUILT_ENV)
    return Path(env) if env else None


@dataclass(frozen=True)
class Example:
    """A thumbnail for the home page: a capability's result on a sample, or the sample alone."""

    capability: str  # the capability's name
    image: np.ndarray  # (H, W, 3) uint8, W <= THUMB
    is_result: bool  # False: the sample input, shown because the model is missing
    failed: bool = False  # the model was there but making the example raised: never cached, tried again later


# The capability → (its example maker, the store entries its picture depends on), from the capabilities' registrations
# (``models.capabilities``: each package declares its maker there).
MAKERS: dict[str, tuple[Maker, tuple[str, ...]]] = {
    r.name: (r.example, r.example_needs) for r in capabilities.registered() if r.example is not None
}


_CODE = Path(__file__).read_bytes()


@cache
def _code_version(maker: Maker) -> str:
    """This module's and the maker's module's source, hashed: a picture older code made is never reused."""
    source = inspect.getsourcefile(maker)
    return hashlib.sha1(_CODE + (Path(source).read_bytes() if source else b"")).hexdigest()[:8]


def cache_path(capability: str, store: Store, folder: Path | None = None) -> Path:
    """Where the example is kept: named after which of its inputs are present (a new model → a new picture)."""
    maker, needs = MAKERS[capability]
    have = "".join("1" if store.has(e) else "0" for e in needs) or "x"
    # The code version is part of the name: a picture an older version of this code made is never reused.
    return (folder or examples_dir()) / f"{capability}_{have}_{_code_version(maker)}.png"


def make(capability: str, store: Store | None = None) -> Example:
    """Compute one example (seconds: loads the model); falls back to the sample input on any model failure."""
    store = store or Store()
    maker, _ = MAKERS[capability]
    try:
        rgb, real = maker(store)
    except Exception:
        LOG.exception("example for %s failed; showing the sample input", capability)
        rgb = fit_within(read_image(str(skimage_data_dir() / "chelsea.png")).rgb, THUMB)
        return Example(capability, np.ascontiguousarray(rgb[..., :3]).astype(np.uint8), False, failed=True)
    return Example(capability, np.ascontiguousarray(rgb[..., :3]).astype(np.uint8), real)


def cached(capability: str, store: Store | None = None, folder: Path | None = None) -> Path | None:
    """The cached PNG of the example if made already, else None.

    In ``folder`` when given, else in the cache folder or the install's prebuilt one (:func:`prebuilt_dir`).
    """
    if capability not in MAKERS:  # a capability without an example: its card shows its sample picture
        return None
    store = store or Store()
    folders = [folder] if folder is not None else [examples_dir(), prebuilt_dir()]
    for path in (cache_path(capability, store, f) for f in folders if f is not None):
        if path.is_file():
            return path
    return None


def make_cached(capability: str, store: Store | None = None, folder: Path | None = None) -> Path:
    """Make the example if not cached yet and write it atomically; returns the PNG's path."""
    store = store or Store()
    found = cached(capability, store, folder)
    if found is not None:
        return found
    path = cache_path(capability, store, folder)
    ex = make(capability, store)
    if ex.failed:  # kept beside the cache, not in it: the next visit tries again
        path = path.with_name(path.stem + ".failed.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    Image.fromarray(ex.image).save(tmp, "PNG")
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    for cap in MAKERS:
        print(cap, make_cached(cap))
