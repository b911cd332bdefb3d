"""The inpainting options.

One table from :class:`Method` to :class:`InpaintSpec`, the :class:`Inpainter` contract, and one ``create`` that builds
a backend.

Adding an inpainting model = one registry entry per file it needs (``models/registry.py``; the OpenCV methods
need none) + one row here (and a member of :class:`Method`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from models.inpainting.common import DEFAULT_RADIUS, InpaintOptions, InpaintResult, Method
from models.inpainting.fill import OpenCVInpainter

if TYPE_CHECKING:
    from models.store import Store


class Inpainter(Protocol):
    """Fills the True pixels of an (H, W) bool mask in an (H, W, 3) uint8 image; nothing else changes."""

    method: Method

    def inpaint(self, rgb: np.ndarray, mask: np.ndarray, options: InpaintOptions = ...) -> InpaintResult:
        """Raises ``models.errors.InputError`` (``MaskError``) for arrays or masks that cannot be used."""
        ...


@dataclass(frozen=True)
class InpaintSpec:
    """One row of the inpainting table: title, blurb, store entries, factory, radius range."""

    title: str
    blurb: str
    entries: tuple[str, ...]  # store entry ids of the files it needs (none for OpenCV)
    factory: Callable[[Method, Sequence[Path]], Inpainter]
    radius: tuple[int, int, int] = (1, 15, DEFAULT_RADIUS)  # (min, max, default) neighbourhood in px


def _opencv(method: Method, paths: Sequence[Path]) -> Inpainter:
    return OpenCVInpainter(method)


SPECS: dict[Method, InpaintSpec] = {
    Method.TELEA: InpaintSpec(
        Method.TELEA.title, "Fast marching: fills from the edge inwards, weighted by distance.", (), _opencv
    ),
    Method.NS: InpaintSpec(Method.NS.title, "Continues the edges (isophotes) into the hole like a fluid.", (), _opencv),
}


def create(choice: Method | str, store: Store | None = None) -> Inpainter:
    """The backend for an option; files (if it needs any) come from the model store.

    Raises ``models.store.ModelMissingError`` when a file is missing and cannot be fetched.
    """
    method = Method(choice)
    spec = SPECS[method]
    paths: list[Path] = []
    if spec.entries:
        from models.store import Store

        store = store or Store()
        paths = [store.require(e) for e in spec.entries]
    return spec.factory(method, paths)


def default_choice(present: Callable[[str], bool]) -> Method:
    """The first option (table order) whose files are all ``present(entry_id)``."""
    return next((m for m, s in SPECS.items() if all(present(e) for e in s.entries)), Method.TELEA)


def inpaint_all(
    rgb: np.ndarray,
    mask: np.ndarray,
    methods: Iterable[Method] = tuple(Method),
    options: InpaintOptions = InpaintOptions(),
    store: Store | None = None,
) -> dict[Method, InpaintResult]:
    """Each of ``methods`` on the same image and mask (see :func:`models.inpainting.inpaint`), built by ``create``."""
    return {m: create(m, store).inpaint(rgb, mask, options) for m in methods}
