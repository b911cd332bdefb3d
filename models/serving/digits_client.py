"""Served DCGAN digits.

Generation, interpolation and restoration on the model server (same contract as :mod:`models.digits`); split from
:mod:`models.serving.client` for size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from models.serving.client import ServeClient


# --- digits ----------------------------------------------------------------------------------------
class ServedDigitGenerator:
    """:class:`models.digits.DigitGenerator` contract used by the pages.

    ``with_truncation``, ``generate``, ``interpolate`` (truncation ψ travels with each request).
    """

    def __init__(self, client: ServeClient, truncation: float | None = None):
        from models.digits import DEFAULT_TRUNCATION

        self.client = client
        self.truncation = DEFAULT_TRUNCATION if truncation is None else float(truncation)

    def with_truncation(self, truncation: float) -> ServedDigitGenerator:
        """The same served generator sampling at another ψ."""
        return ServedDigitGenerator(self.client, truncation)

    def generate(self, n: int, digit: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` digits (uint8 (n, 28, 28)) and their labels (int64 (n,))."""
        _, a = self.client.call(
            "digits",
            "generate",
            {
                "n": int(n),
                "digit": None if digit is None else int(digit),
                "seed": int(seed),
                "truncation": self.truncation,
            },
        )
        return np.array(a["images"]), np.array(a["labels"])

    def interpolate(
        self,
        seed_a: int,
        seed_b: int,
        digit_a: int,
        digit_b: int | None = None,
        steps: int = 10,
        spherical: bool = True,
    ) -> np.ndarray:
        """Digits along the latent path, uint8 (steps, 28, 28)."""
        _, a = self.client.call(
            "digits",
            "interpolate",
            {
                "seed_a": int(seed_a),
                "seed_b": int(seed_b),
                "digit_a": int(digit_a),
                "digit_b": None if digit_b is None else int(digit_b),
                "steps": int(steps),
                "spherical": bool(spherical),
                "truncation": self.truncation,
            },
        )
        return np.array(a["frames"])


def served_restore(
    client: ServeClient,
    images: np.ndarray,
    masks: np.ndarray,
    cfg: Any = None,
    candidates: Sequence[int] | None = None,
    use_guesser: bool = True,
    progress: Callable[[float], None] | None = None,
):
    """Restore a damaged digit on the server.

    :func:`models.digits.restore` on the server (its generator, discriminator and guesser) →
    :class:`models.digits.Restoration`. ``progress`` is called with 1.0 when the answer arrives.
    """
    from models import digits as D

    images = np.asarray(images, np.uint8)
    masks = np.asarray(masks, bool)
    if images.ndim == 2:
        images, masks = images[None], masks[None]
    params = {
        "config": asdict(cfg or D.RestoreConfig()),
        "guesser": bool(use_guesser),
        "candidates": None if candidates is None else [int(c) for c in candidates],
    }
    _, a = client.call("digits", "restore", params, {"images": images, "masks": masks})
    if progress is not None:
        progress(1.0)
    return D.Restoration(**{k: np.array(v) for k, v in a.items()})
