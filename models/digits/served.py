"""DCGAN digits on the model server, and the capability's entry in :mod:`models.backends`.

:class:`ServedDigitGenerator` keeps the :class:`models.digits.DigitSampler` contract over HTTP (generation and
interpolation); :func:`restore_digits` restores on the server or in this process, like :func:`models.backends.backend`
chooses; :data:`BACKENDS` pairs the served generator with :func:`models.digits.create`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict

import numpy as np

from models.backends import CapabilityBackends, is_served, register
from models.digits.choices import SPECS, DigitModel, DigitSampler, create
from models.digits.gan import DEFAULT_TRUNCATION
from models.digits.restore import Restoration, RestoreConfig
from models.serving import serve_address
from models.serving.client import ServeClient, client_for


class ServedDigitGenerator:
    """:class:`models.digits.DigitSampler` contract: ``with_truncation``, ``generate``, ``interpolate``.

    Truncation ψ travels with each request. ``choice``: an option whose row is served (raises ValueError for another).
    """

    def __init__(self, client: ServeClient, choice: str = DigitModel.DCGAN, truncation: float | None = None):
        if not SPECS[DigitModel(choice)].served:
            raise ValueError(f"the model server does not run the {choice} generator (its row says served=False)")
        self.client = client
        self.choice = DigitModel(choice)
        self.truncation = DEFAULT_TRUNCATION if truncation is None else float(truncation)

    def with_truncation(self, truncation: float) -> ServedDigitGenerator:
        """The same served generator sampling at another ψ."""
        return ServedDigitGenerator(self.client, self.choice, truncation)

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


def restore_digits(
    images: np.ndarray,
    masks: np.ndarray,
    cfg: RestoreConfig | None = None,
    candidates: Sequence[int] | None = None,
    *,
    local: Callable[[], Restoration],
    progress: Callable[[float], None] | None = None,
    use_guesser: bool = True,
) -> Restoration:
    """Restore damaged digits on the model server when the DCGAN row is served there, else ``local()``.

    ``local``: a zero-argument call of :func:`models.digits.restore` with the page's own models. On the server:
    :func:`models.digits.restore` with its generator, discriminator and guesser → :class:`models.digits.Restoration`;
    ``progress`` is called with 1.0 when the answer arrives.
    """
    address = serve_address()
    if address is None or not is_served(BACKENDS, DigitModel.DCGAN):
        return local()
    images = np.asarray(images, np.uint8)
    masks = np.asarray(masks, bool)
    if images.ndim == 2:
        images, masks = images[None], masks[None]
    params = {
        "config": asdict(cfg or RestoreConfig()),
        "guesser": bool(use_guesser),
        "candidates": None if candidates is None else [int(c) for c in candidates],
    }
    _, a = client_for(address).call("digits", "restore", params, {"images": images, "masks": masks})
    if progress is not None:
        progress(1.0)
    return Restoration(**{k: np.array(v) for k, v in a.items()})


def _can_serve(option: str) -> bool:
    return SPECS[DigitModel(option)].served


def _options() -> list[str]:
    return [m.value for m in SPECS]


BACKENDS: CapabilityBackends[DigitSampler] = register(
    CapabilityBackends("digits", create, ServedDigitGenerator, _can_serve, _options)
)
