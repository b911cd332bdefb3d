"""Drawing faces: numbered boxes and landmarks, coloured per face or per person."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from models.faces.data import Face, as_rgb

PALETTE = [
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
    (0, 128, 128),
]


def draw_faces(
    rgb: np.ndarray, faces: Sequence[Face], selected: int | None = None, colors: Sequence[int] | None = None
) -> np.ndarray:
    """Copy of the image with numbered boxes (#1, #2 … as in the UI) and the 5 landmarks; ``selected`` thicker."""
    out = as_rgb(rgb).copy()
    h, w = out.shape[:2]
    unit = max(1, round(max(h, w) / 500))
    for i, f in enumerate(faces):
        color = PALETTE[(colors[i] if colors is not None else i) % len(PALETTE)]
        x, y, bw, bh = (int(round(v)) for v in f.box)
        thick = unit * (3 if i == selected else 1)
        cv2.rectangle(out, (x, y), (x + bw, y + bh), color, thick)
        for px, py in f.landmarks:
            cv2.circle(out, (int(round(px)), int(round(py))), max(1, unit + 1), (255, 255, 0), -1)
        label = f"#{i + 1}"
        scale = 0.5 * unit
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, unit)
        ty = y - 4 if y - th - 6 >= 0 else y + bh + th + 4
        cv2.rectangle(out, (x, ty - th - 4), (x + tw + 4, ty + 2), color, -1)
        cv2.putText(out, label, (x + 2, ty - 1), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), unit, cv2.LINE_AA)
    return out
