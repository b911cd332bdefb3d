"""Showing and downloading results: side-by-side / before-after compare, download buttons."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components.display import show
from models.imaging import encode_png
from models.ops import resize


def _same_size(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[:2] == b.shape[:2]:
        return b
    return resize(b, a.shape[0], a.shape[1])


def wipe(before: np.ndarray, after: np.ndarray, position: float) -> np.ndarray:
    """Left part from ``before``, right part from ``after``, split at ``position`` (0..1) with a line."""
    after = _same_size(before, after)
    out = after.copy()
    x = int(round(position * before.shape[1]))
    out[:, :x] = before[:, :x]
    if 0 < x < before.shape[1]:
        out[:, max(0, x - 1) : x + 1] = (255, 255, 255)
    return out


def before_after(
    before: np.ndarray, after: np.ndarray, *, key: str, labels: tuple[str, str] = ("Before", "After")
) -> None:
    """A before/after view: a draggable handle on the image (default tab), or the two side by side.

    Images are shown at most at their real pixel size (never blown up); ``after`` sets the size.
    """
    from components.compare import image_compare

    compare, side = st.tabs(["Compare (drag the handle)", "Side by side"])
    with compare:
        image_compare(_same_size(after, before), after, key=f"{key}_compare", labels=labels)
    with side:
        left, right = st.columns(2)
        show(before, caption=labels[0], where=left)
        show(after, caption=labels[1], where=right)


def download_png(
    image: np.ndarray, filename: str, *, label: str = "Download PNG", key: str, png: bytes | None = None
) -> None:
    """A PNG download of ``image``; ``png``: its bytes when already encoded (a shared result's)."""
    st.download_button(
        label, png if png is not None else encode_png(image), file_name=filename, mime="image/png", key=key
    )


def download_name(source: str | None, what: str, ext: str) -> str:
    """``<source stem>_<what>.<ext>``, the one naming rule of every download.

    ``source`` is the input's file name (``"photo.jpg"`` → ``photo``), a sample's file name, or a short word for
    generated inputs (``"dcgan_seed42"``); spaces and characters that are awkward in file names become ``_``.
    >>> download_name("My Photo.JPG", "stylized", "png")
    'My_Photo_stylized.png'
    """
    import re
    from pathlib import PurePath

    def clean(text: str) -> str:
        return re.sub(r"[^\w.-]+", "_", text).strip("._")

    stem = clean(PurePath(source or "").stem if "." in (source or "") else (source or "")) or "image"
    return f"{stem}_{clean(what) or 'result'}.{ext.lstrip('.')}"
