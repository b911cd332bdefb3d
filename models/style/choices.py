"""The fast style-transfer options.

One table from :class:`Backend` to :class:`StyleSpec`, the :class:`StyleBackend` contract every backend implements, and
one ``create`` that builds a backend.

Adding a style network = one registry entry per file (``models/registry.py``) + one row in :data:`SPECS`
(and a member of :class:`Backend`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

import numpy as np

from models.store import Store
from models.style.common import PREDICT_ENTRY, SAVED_MODEL_ENTRY, LargeImage, StyleResult
from models.style.magenta import MagentaSavedModel, MagentaTFLite


class StyleBackend(Protocol):
    """What the style page needs from a fast (feed-forward) style network."""

    def bottleneck(self, rgb: np.ndarray, crop: bool = False) -> np.ndarray | None:
        """The style vector of an (H, W, 3) uint8 image, for callers that cache it.

        None when the network does not expose one (then ``stylize`` computes what it needs itself).
        """
        ...

    def stylize(
        self,
        content: np.ndarray,
        style: np.ndarray,
        strength: float = 1.0,
        max_side: int = 384,
        large: LargeImage = LargeImage.TILES,
        style_bottleneck: np.ndarray | None = None,
        content_bottleneck: np.ndarray | None = None,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> StyleResult:
        """Stylize ``content`` with ``style``.

        Content + style ((H, W, 3) uint8 RGB) → :class:`StyleResult` (uint8 RGB, long side ``max_side`` px,
        the content's aspect ratio). ``strength`` in [0, 1] (0 = the content re-rendered, 1 = full style); raises
        ``models.errors.InputError`` outside it.
        """
        ...


class Backend(str, Enum):
    """Which Magenta network runs (the option id). The TFLite pair shares the int8 predict network."""

    TFLITE_FP16 = "tflite_fp16"  # first = page default: faster than int8 on XNNPACK (see the bench)
    TFLITE_INT8 = "tflite_int8"
    SAVED_MODEL = "saved_model"

    @property
    def spec(self) -> StyleSpec:
        """This option's row of :data:`SPECS`."""
        return SPECS[self]

    @property
    def label(self) -> str:
        """The option's title for people."""
        return SPECS[self].title

    @property
    def entries(self) -> tuple[str, ...]:
        """Model-store entries this backend needs."""
        return SPECS[self].entries


@dataclass(frozen=True)
class StyleSpec:
    """One row of the style table: title, blurb, store entries, factory, output sizes, tiling, served or not."""

    title: str
    blurb: str
    entries: tuple[str, ...]  # store entry ids, in the order the factory takes their paths
    factory: Callable[[Sequence[Path]], StyleBackend]  # paths of ``entries`` → backend
    max_sides: tuple[int, ...] = (256, 384, 512, 768, 1024)  # output long sides offered (px)
    default_max_side: int = 512  # the network's 384 looked small and soft on a desktop screen (issue 15)
    tiles: bool = True  # outputs beyond the network's input need tiles or a resize (the LargeImage choice)
    served: bool = False  # the model server runs it (VISION_SERVE_ADDRESS set: models.backends hands out its client)


def _tflite(paths: Sequence[Path]) -> StyleBackend:
    return MagentaTFLite.from_paths(*paths)


def _saved_model(paths: Sequence[Path]) -> StyleBackend:
    return MagentaSavedModel.from_path(paths[0])


SPECS: dict[Backend, StyleSpec] = {
    Backend.TFLITE_FP16: StyleSpec(
        "TFLite fp16 weights (CPU)",
        "Magenta pair, fp16 transfer network.",
        (PREDICT_ENTRY, "magenta_transfer_f16"),
        _tflite,
        served=True,
    ),
    Backend.TFLITE_INT8: StyleSpec(
        "TFLite int8 (CPU, smallest)",
        "Magenta pair, int8 transfer network.",
        (PREDICT_ENTRY, "magenta_transfer_int8"),
        _tflite,
        served=True,
    ),
    Backend.SAVED_MODEL: StyleSpec(
        "TF Hub SavedModel (any size, GPU)",
        "One pass at any size; best on a GPU.",
        (SAVED_MODEL_ENTRY,),
        _saved_model,
        tiles=False,
    ),
}


def create(choice: Backend | str, store: Store | None = None) -> StyleBackend:
    """The backend for an option, its files taken from the model store (fetched when allowed).

    Raises ``models.store.ModelMissingError`` when a file is missing and cannot be fetched, and
    ``models.errors.ModelFileError`` when a file is not the network its option names.
    """
    spec = SPECS[Backend(choice)]
    store = store or Store()
    return spec.factory([store.require(e) for e in spec.entries])


def default_choice(present: Callable[[str], bool]) -> Backend:
    """The first option (table order) whose files are all ``present(entry_id)``; the first option when none is."""
    return next((b for b, s in SPECS.items() if all(present(e) for e in s.entries)), next(iter(SPECS)))
