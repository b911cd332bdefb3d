"""The digit-generator options.

One table from :class:`DigitModel` to :class:`DigitSpec`, the :class:`DigitBackend` contract, and one ``create`` that
builds a generator.

The project's own DCGAN ships its weights in ``models/weights`` (no store entry). Adding a generator = its
weights (in the package, or one registry entry in ``models/registry.py``) + one row here (and a member of
:class:`DigitModel`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from models.digits.gan import DEFAULT_TRUNCATION, GanConfig, load_generator

if TYPE_CHECKING:
    from models.store import Store


class DigitSampler(Protocol):
    """What the digits page samples from a generator, local or served (28×28 grey digits, uint8, white on black)."""

    truncation: float

    def with_truncation(self, truncation: float) -> DigitSampler:
        """The same network sampling with another ψ (0 < ψ ≤ 1: lower = more typical, less varied digits)."""
        ...

    def generate(self, n: int, digit: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` digits, uint8 (n, 28, 28), and their int64 labels (n,); ``digit=None`` = any class."""
        ...

    def interpolate(
        self,
        seed_a: int,
        seed_b: int,
        digit_a: int,
        digit_b: int | None = None,
        steps: int = 10,
        spherical: bool = True,
    ) -> np.ndarray:
        """uint8 (steps, 28, 28) digits along the path between two seeds (and two labels)."""
        ...


class DigitBackend(DigitSampler, Protocol):
    """A class-conditional digit generator in this process: a :class:`DigitSampler` with its network at hand."""

    cfg: GanConfig  # latent size, image size (restoration samples latents of this size)
    model: Any  # the Keras network [z (N, latent), one-hot (N, 10)] → (N, 28, 28, 1) in [-1, 1]; restoration
    # differentiates through it

    def with_truncation(self, truncation: float) -> DigitBackend:
        """The same network sampling with another ψ (0 < ψ ≤ 1: lower = more typical, less varied digits)."""
        ...

    def generate_per_class(self, per_class: int, seed: int, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """``per_class`` digits of every class, uint8 (10·per_class, 28, 28), and their labels."""
        ...


class DigitModel(str, Enum):
    """The digit-generator options."""

    DCGAN = "dcgan"  # the class-conditional DCGAN this project trains (models/weights)


@dataclass(frozen=True)
class DigitSpec:
    """One row of the digit-generator table: title, blurb, store entries, factory, truncation range."""

    title: str
    blurb: str
    entries: tuple[str, ...]  # store entry ids of its files (none: weights ship in the package)
    factory: Callable[[Sequence[Path]], DigitBackend]
    truncation: tuple[float, float, float] = (0.3, 1.0, DEFAULT_TRUNCATION)  # (min, max, default) ψ
    served: bool = False  # the model server runs it (VISION_SERVE_ADDRESS set: models.backends hands out its client)


def _dcgan(paths: Sequence[Path]) -> DigitBackend:
    return load_generator()


SPECS: dict[DigitModel, DigitSpec] = {
    DigitModel.DCGAN: DigitSpec(
        "Conditional DCGAN (trained here on MNIST)",
        "EMA generator, 28×28, one class label per digit; weights in models/weights.",
        (),
        _dcgan,
        served=True,
    ),
}


def create(choice: DigitModel | str = DigitModel.DCGAN, store: Store | None = None) -> DigitBackend:
    """The generator for an option; files (if it needs any) come from the model store.

    Raises ``models.store.ModelMissingError`` when a file is missing and cannot be fetched.
    """
    spec = SPECS[DigitModel(choice)]
    paths: list[Path] = []
    if spec.entries:
        from models.store import Store

        store = store or Store()
        paths = [store.require(e) for e in spec.entries]
    return spec.factory(paths)


def default_choice(present: Callable[[str], bool]) -> DigitModel:
    """The first option (table order) whose files are all ``present(entry_id)``."""
    return next((m for m, s in SPECS.items() if all(present(e) for e in s.entries)), DigitModel.DCGAN)
