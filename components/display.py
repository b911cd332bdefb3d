"""Every image a page shows goes through :func:`show`; every uploaded image is decoded by :func:`decode`.

**Size policy (the one rule):** an image is shown at its own pixel size and never blown up, only narrowed to
fit its column (:attr:`Size.NATURAL`: photos, results, overlays, so a visitor sees the pixels a model gave).
Small figures meant to be read across the column (a training triptych, a digit sheet, a model card's picture)
fill it (:attr:`Size.FILL`). Fixed widths exist only for tiles that line up in rows: face chips and digits.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import streamlit as st

from models.imaging import LoadedImage, decode_image


class Size(Enum):
    """How wide an image is shown (the values are Streamlit ``width`` arguments: a keyword or CSS pixels)."""

    NATURAL = "content"  # its own width, narrower when the column is
    FILL = "stretch"  # the column's width
    FACE_CHIP = 88  # an aligned face chip, in rows of chips
    DIGIT = 168  # a 28-px digit enlarged 6x
    DIGIT_SMALL = 112  # a 28-px digit enlarged 4x, beside its controls


def show(
    image: Any,
    caption: str | list[str] | None = None,
    *,
    size: Size = Size.NATURAL,
    where: Any = None,
    output_format: str = "auto",
) -> None:
    """Show ``image`` (an (H, W, 3) uint8 array, encoded bytes, a path, or a list of them) by the size policy.

    ``where``: a column or container (default the page); ``output_format``: "PNG" where JPEG's artefacts would
    be mistaken for a model's (inpainting results).
    """
    (where or st).image(image, caption=caption, width=size.value, output_format=output_format)


@st.cache_data(max_entries=16, ttl=600, show_spinner=False)
def decode(data: bytes, name: str) -> LoadedImage:
    """An uploaded file's bytes as an image (:func:`models.imaging.decode_image`: header checked first, the decode
    budgeted), cached per content for reruns. In memory only (nothing uploaded is written to disk); bounded (16
    entries, 10 min) so memory stays flat. Raises :class:`models.imaging.ImageError` with a visitor's message."""
    return decode_image(data, name=name)
