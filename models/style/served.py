"""Fast style transfer on the model server, and the capability's entry in :mod:`models.backends`.

:class:`ServedStyle` keeps the :class:`models.style.StyleBackend` contract over HTTP; :data:`BACKENDS` pairs it
with :func:`models.style.create`, served for the rows whose ``served`` is set (the TFLite pair).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from models.backends import CapabilityBackends, register
from models.serving.client import ServeClient, elapsed_ms
from models.style.choices import SPECS, Backend, StyleBackend, create
from models.style.common import TRANSFER_SIZE, LargeImage, StyleResult


class ServedStyle:
    """:class:`models.style.StyleBackend` contract: ``bottleneck(rgb, crop)`` and ``stylize(...)``.

    ``backend``: an option whose row is served (raises ValueError for another).
    """

    def __init__(self, client: ServeClient, backend: str):
        self.client = client
        self.backend = Backend(backend)
        if not SPECS[self.backend].served:
            raise ValueError(f"the model server does not run {self.backend.value} (its row says served=False)")

    def bottleneck(self, rgb: np.ndarray, crop: bool = False) -> np.ndarray:
        """The style vector, float32 (1, 1, 1, 100), of an (H, W, 3) uint8 image (see MagentaTFLite.bottleneck)."""
        _, arrays = self.client.call(
            "style", "bottleneck", {"backend": self.backend.value, "crop": bool(crop)}, {"rgb": rgb}
        )
        return np.array(arrays["bottleneck"])

    def stylize(
        self,
        content: np.ndarray,
        style: np.ndarray | None,
        strength: float = 1.0,
        max_side: int | None = None,
        large: LargeImage | None = None,
        style_bottleneck: np.ndarray | None = None,
        content_bottleneck: np.ndarray | None = None,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> StyleResult:
        """Content + style (uint8 RGB) → :class:`models.style.StyleResult`.

        ``on_tile`` is called once, at the end (tiles run on the server).
        """
        arrays = {"content": content}
        if style_bottleneck is not None:
            arrays["style_bottleneck"] = np.asarray(style_bottleneck, np.float32)
        elif style is not None:
            arrays["style"] = style
        if content_bottleneck is not None:
            arrays["content_bottleneck"] = np.asarray(content_bottleneck, np.float32)
        params = {
            "backend": self.backend.value,
            "strength": float(strength),
            "max_side": int(max_side or TRANSFER_SIZE),
            "large": LargeImage(large or LargeImage.TILES).value,
        }
        start = time.perf_counter()
        out, arrays_out = self.client.call("style", "stylize", params, arrays)
        timings = {k: float(v) for k, v in out["timings_ms"].items()}
        timings["network + queue"] = max(0.0, elapsed_ms(start) - sum(timings.values()))
        if on_tile is not None:
            on_tile(1, 1)
        return StyleResult(np.array(arrays_out["image"]), timings, list(out.get("notes", [])))


def _can_serve(option: str) -> bool:
    return SPECS[Backend(option)].served


def _options() -> list[str]:
    return [b.value for b in SPECS]


BACKENDS: CapabilityBackends[StyleBackend] = register(
    CapabilityBackends("style", create, ServedStyle, _can_serve, _options)
)
