"""Passing an image + mask from one page to another (e.g. segmentation → inpainting) in session state.

Only in memory, only for this browser session: nothing is written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from components.inpainting_settings import INPAINT

INPAINT_HANDOFF_KEY = INPAINT.handoff.key  # declared with the inpainting page's settings (released when idle)
INPAINTING_PAGE = "pages/2_Inpainting.py"


@dataclass
class MaskHandoff:
    image: np.ndarray  # (H, W, 3) uint8 RGB, original resolution
    mask: np.ndarray  # (H, W) bool, True = pixels to fill
    source: str  # shown to the person, e.g. "Segmentation: cat (dilated 7 px)"


def send_to_inpainting(handoff: MaskHandoff) -> None:
    st.session_state[INPAINT_HANDOFF_KEY] = handoff
    st.switch_page(INPAINTING_PAGE)


def take_inpainting_handoff() -> MaskHandoff | None:
    """The hand-off waiting for the inpainting page, if any (it stays until replaced or cleared)."""
    return st.session_state.get(INPAINT_HANDOFF_KEY)


def clear_inpainting_handoff() -> None:
    st.session_state.pop(INPAINT_HANDOFF_KEY, None)
