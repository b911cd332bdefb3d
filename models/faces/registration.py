"""The face-similarity capability's registration (MTCNN and dlib ship in wheels: it needs nothing from the store)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from models.capabilities import THUMB, Holdings, Page, Registration
from models.faces.detect import FaceDetector
from models.imaging import fit_within, read_image
from models.registry import Capability
from models.samples import photo_or_sample


def example(store: Holdings) -> tuple[np.ndarray, bool]:
    """The faces found in a photo: boxes and the five landmarks."""
    rgb = fit_within(read_image(str(photo_or_sample(store, "photo_face", "astronaut.png"))).rgb, THUMB)
    faces, _ = FaceDetector().detect(rgb)
    im = Image.fromarray(rgb)
    draw = ImageDraw.Draw(im)
    for f in faces:
        x, y, w, h = (float(v) for v in f.box)
        draw.rectangle([x, y, x + w, y + h], outline=(75, 107, 251), width=3)
        for px, py in f.landmarks:
            draw.ellipse([px - 2, py - 2, px + 2, py + 2], fill=(255, 200, 0))
    return np.asarray(im), bool(faces)


CAPABILITY = Registration(
    name=Capability.FACES,
    pages=(
        Page(
            "pages/5_Face_Similarity.py",
            "🙂",
            "Face similarity",
            "Finds the faces in photos and tells whether two of them show the same person.",
            "components.faces_settings",
        ),
    ),
    defaults=("photo_face", "photo_grace_hopper"),
    example=example,
    example_needs=("photo_face",),
    fallback="astronaut.png",
    served=True,
    order=30,
)
