"""The face-embedding options.

The table (:data:`SPECS`, from :class:`Embedder` to :class:`EmbedderSpec`: title, store entry, dimension, thresholds,
factory; its rows live beside the networks in ``embedders``) and the embedder half of ``create``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from models.faces.data import Embedder, FaceEmbedder
from models.faces.embedders import SPECS

if TYPE_CHECKING:
    from models.store import Store


def create_embedder(
    choice: Embedder | str, store: Store | None = None, model_path: Path | str | None = None
) -> FaceEmbedder:
    """The embedding network of an option; its file (if any) is ``model_path`` or taken from the store.

    Raises ``models.store.ModelMissingError`` when the file is missing and cannot be fetched.
    """
    spec = SPECS[Embedder(choice)]
    path = Path(model_path) if model_path is not None else None
    if path is None and spec.store_entry is not None:
        from models.store import Store

        path = (store or Store()).require(spec.store_entry)
    assert spec.factory is not None, f"{spec.embedder} has no factory"
    return spec.factory(spec, path)


def default_choice(present: Callable[[str], bool]) -> Embedder:
    """The first option (table order) whose file is ``present(entry_id)`` or needs none."""
    return next((e for e, s in SPECS.items() if s.store_entry is None or present(s.store_entry)), Embedder.DLIB)
