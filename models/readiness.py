"""Whether a capability can run at all with the models a store holds (the home page mutes the cards that cannot).

No Streamlit here. A capability runs when at least one option of its option table has all its store entries;
capabilities whose options need nothing from the store (OpenCV inpainting, the committed DCGAN weights, dlib's
face embedding from its wheel) always run.
"""

from __future__ import annotations

from collections.abc import Callable

from models.registry import Capability


def can_run(capability: Capability, present: Callable[[str], bool]) -> bool:
    """True when some option of ``capability`` has every store entry it needs (``present(entry_id)``)."""
    if capability is Capability.SEGMENTATION:
        from models import segmentation as seg

        return any(all(present(e) for e in spec.store_entries) for spec in seg.SPECS.values())
    if capability is Capability.STYLE:
        from models import style as sty

        networks = any(all(present(e) for e in spec.entries) for spec in sty.SPECS.values())
        return networks or present(sty.VGG19_ENTRY)
    if capability is Capability.VIDEO:
        from models import video as vid

        return any(present(c.entry_id) and present(c.labels_entry_id) for c in vid.MODEL_CHOICES)
    return True  # inpainting, DCGAN digits, faces: their default options need nothing from the store
