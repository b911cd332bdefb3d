"""Whether a capability can run at all with the models a store holds (the home page mutes the cards that cannot).

No Streamlit here. A capability runs when at least one option of its option table has all its store entries: each
registration says how to tell (its ``ready``, ``models.capabilities``); capabilities whose options need nothing from
the store (OpenCV inpainting, the committed DCGAN weights, dlib's face embedding from its wheel) always run.
"""

from __future__ import annotations

from collections.abc import Callable

from models.capabilities import by_name


def can_run(capability: str, present: Callable[[str], bool]) -> bool:
    """True when some option of ``capability`` (its name) has every store entry it needs (``present(entry_id)``)."""
    reg = by_name().get(capability)
    return reg is None or reg.ready is None or reg.ready(present)
