"""The Magenta arbitrary-stylization backends (Ghiasi et al. 2017): the TFLite pair and the TF Hub SavedModel.

Both implement :class:`models.style.StyleBackend`: ``stylize(content, style, strength, max_side, large, ...)``
with uint8 RGB in and a :class:`StyleResult` out. See the package docstring for how each handles size and
strength.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from models import runtime
from models.runtime import timed
from models.store import Store
from models.style.common import (
    SAVED_MODEL_ENTRY,
    STYLE_SIZE,
    TRANSFER_SIZE,
    LargeImage,
    StyleResult,
    blend_bottlenecks,
    centre_square,
    check_strength,
    output_size,
    resize,
    to_float,
    to_uint8,
)
from models.style.tiles import tiled


class _NamesEntries(Protocol):
    @property
    def entries(self) -> tuple[str, ...]: ...


# --- Magenta, TFLite pair ------------------------------------------------------------------------
class MagentaTFLite:
    """The int8 predict network + an int8 or fp16 transfer network, both from the model store."""

    def __init__(self, predict: runtime.TFLiteModel, transfer: runtime.TFLiteModel):
        self.predict = predict
        self.transfer = transfer
        (_, self.style_h, self.style_w, _) = predict.inputs[0].shape
        # Find the content input by its shape rather than trusting the converter's input order.
        shapes = [spec.shape for spec in transfer.inputs]
        self._content_first = shapes[0][-1] == 3 and shapes[0][1] > 1
        (_, self.content_h, self.content_w, _) = shapes[0] if self._content_first else shapes[1]

    def _transfer(self, content: np.ndarray, bottleneck: np.ndarray) -> np.ndarray:
        args = (content, bottleneck) if self._content_first else (bottleneck, content)
        return self.transfer(*args)[0]

    @classmethod
    def from_paths(cls, predict_path: Path | str, transfer_path: Path | str) -> MagentaTFLite:
        """The pair from two .tflite files (predict, transfer); raises ``ModelFileError`` when one cannot run."""
        return cls(runtime.load_tflite(predict_path), runtime.load_tflite(transfer_path))

    @classmethod
    def from_store(cls, backend: _NamesEntries, store: Store | None = None) -> MagentaTFLite:
        """The pair a TFLite :class:`models.style.Backend` names (predict, transfer entries), from the store.

        Raises ValueError for a backend that is not a TFLite pair (the SavedModel is :class:`MagentaSavedModel`)
        and ``models.store.ModelMissingError`` when a file is missing and cannot be fetched.
        """
        if len(backend.entries) != 2:
            raise ValueError("the SavedModel backend is MagentaSavedModel")
        store = store or Store()
        return cls.from_paths(*(store.require(e) for e in backend.entries))

    def bottleneck(self, rgb: np.ndarray, crop: bool = False) -> np.ndarray:
        """The style vector, float32 (1, 1, 1, 100), of an (H, W, 3) uint8 image.

        ``crop=True`` (what a *style* image gets, see :meth:`stylize` and the page): its centred square, resized
        to the network's 256×256 input, so its strokes keep their shape. ``crop=False`` (default): the whole
        image resized to 256×256, what the photo's own style (the strength-0 end) is made from: all of its
        palette counts there, not only its centre.
        """
        return self.predict(to_float(centre_square(rgb) if crop else rgb, (self.style_w, self.style_h)))[0]

    def _transfer_tile(self, tile: np.ndarray, bottleneck: np.ndarray) -> np.ndarray:
        return self._transfer(tile[None].astype(np.float32), bottleneck)[0]

    def render(
        self,
        content: np.ndarray,
        bottleneck: np.ndarray,
        max_side: int = TRANSFER_SIZE,
        large: LargeImage = LargeImage.TILES,
        overlap: int = 64,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Stylized (h, w, 3) uint8 image, long side ``max_side``, the aspect ratio of ``content`` (within 1 px).

        The network's input is never squashed: up to 384 px (and for ``LargeImage.RESIZE``) the content is
        resized to fit the 384×384 input at its own aspect ratio, mirror-padded to the square by :func:`tiled`
        and cropped back; beyond, 384-px tiles of the full-size content (a tile is square already).
        """
        w, h = output_size(content.shape[1], content.shape[0], max_side)
        side = self.content_h
        if large is LargeImage.RESIZE or max(w, h) <= side:
            fw, fh = output_size(w, h, min(side, max(w, h)))
            one = tiled(
                lambda t: self._transfer_tile(t, bottleneck),
                to_float(resize(content, fw, fh))[0],
                side,
                overlap,
                on_tile,
            )
            return resize(to_uint8(one), w, h)
        # Resampled (up or down) content at the output size, then 384-px tiles.
        full = to_float(resize(content, w, h))[0]
        out = tiled(lambda t: self._transfer_tile(t, bottleneck), full, side, overlap, on_tile)
        return to_uint8(out)

    def stylize(
        self,
        content: np.ndarray,
        style: np.ndarray,
        strength: float = 1.0,
        max_side: int = TRANSFER_SIZE,
        large: LargeImage = LargeImage.TILES,
        style_bottleneck: np.ndarray | None = None,
        content_bottleneck: np.ndarray | None = None,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> StyleResult:
        """Content + style (uint8 RGB) → stylized uint8 RGB.

        Precomputed bottlenecks may be passed in (make the style's with ``bottleneck(style, crop=True)``).
        """
        timings: dict[str, float] = {}
        with timed() as t:
            if style_bottleneck is None:
                style_bottleneck = self.bottleneck(style, crop=True)
            if strength < 1.0 and content_bottleneck is None:
                # The photo's own style is all of its palette: the whole photo, not its centre.
                content_bottleneck = self.bottleneck(content)
        timings["style predict"] = t.ms
        if strength >= 1.0 or content_bottleneck is None:
            b = style_bottleneck
        else:
            b = blend_bottlenecks(style_bottleneck, content_bottleneck, strength)
        with timed() as t:
            image = self.render(content, b, max_side, large, on_tile=on_tile)
        timings["style transfer"] = t.ms
        return StyleResult(image, timings)


# --- Magenta, TF Hub SavedModel ------------------------------------------------------------------
class MagentaSavedModel:
    """``hub.load`` of arbitrary-image-stylization-v1-256: ``model(content, style)[0]``, any content size."""

    def __init__(self, module: Any):
        self.module = module

    @classmethod
    def from_path(cls, path: Path | str) -> MagentaSavedModel:
        """``hub.load`` of a local SavedModel directory."""
        return cls(runtime.load_saved_model(path))

    @classmethod
    def from_store(cls, store: Store | None = None) -> MagentaSavedModel:
        """The SavedModel from the store (``magenta_style_savedmodel``); raises ``ModelMissingError`` when absent."""
        return cls.from_path((store or Store()).require(SAVED_MODEL_ENTRY))

    def _run(self, content: np.ndarray, style: np.ndarray) -> np.ndarray:
        tf = runtime.tf()
        outputs = self.module(tf.constant(content), tf.constant(style))
        if isinstance(outputs, dict):
            outputs = list(outputs.values())
        return np.asarray(outputs[0])

    def bottleneck(self, rgb: np.ndarray, crop: bool = False) -> None:
        """None: this signature does not expose the style vector (the contract's optional precomputation)."""
        return None

    def stylize(
        self,
        content: np.ndarray,
        style: np.ndarray,
        strength: float = 1.0,
        max_side: int = 512,
        large: LargeImage = LargeImage.TILES,
        style_bottleneck: np.ndarray | None = None,
        content_bottleneck: np.ndarray | None = None,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> StyleResult:
        """Content + style ((H, W, 3) uint8 RGB) → stylized uint8 RGB with the long side ``max_side`` px.

        Any content size runs in one pass, so ``large``, the bottlenecks and ``on_tile`` (part of the shared
        contract) are not needed here and ignored. Raises :class:`models.errors.InputError` when ``strength`` is
        outside [0, 1].
        """
        check_strength(strength)
        w, h = output_size(content.shape[1], content.shape[0], max_side)
        c = to_float(resize(content, w, h))
        timings: dict[str, float] = {}
        with timed() as t:
            out = self._run(c, to_float(centre_square(style), (STYLE_SIZE, STYLE_SIZE)))
            if strength < 1.0:
                # The signature hides the bottleneck: blend with the content's self-stylization instead.
                own = self._run(c, to_float(content, (STYLE_SIZE, STYLE_SIZE)))
                out = strength * out + (1.0 - strength) * own
        timings["stylize"] = t.ms
        return StyleResult(resize(to_uint8(out), w, h), timings)
