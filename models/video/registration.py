"""The video-classification capability's registration."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.capabilities import THUMB, Holdings, Page, Registration
from models.imaging import fit_within, read_image
from models.registry import Capability
from models.samples import skimage_data_dir
from models.video.choices import MODEL_CHOICES

EXAMPLE_CLIP = "clip_arm_wrestling"


def example(store: Holdings) -> tuple[np.ndarray, bool]:
    """A strip of four frames across the sample clip (the motorbike photo without it)."""
    import cv2  # noqa: PLC0415

    if not store.has(EXAMPLE_CLIP):
        return fit_within(read_image(str(skimage_data_dir() / "motorcycle_left.png")).rgb, THUMB), False
    cap = cv2.VideoCapture(str(store.path(EXAMPLE_CLIP)))
    frames = []
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or 1
    for i in range(4):  # a strip of four frames across the clip
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(n * (i + 0.5) / 5))  # the last frames of some clips seek badly
        ok, frame = cap.read()
        if ok:
            frames.append(cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), (THUMB // 2, THUMB * 9 // 32)))
    cap.release()
    if len(frames) < 4:
        return fit_within(read_image(str(skimage_data_dir() / "motorcycle_left.png")).rgb, THUMB), False
    return np.vstack([np.hstack(frames[:2]), np.hstack(frames[2:])]), False


def ready(present: Callable[[str], bool]) -> bool:
    """Some classifier with its labels."""
    return any(present(c.entry_id) and present(c.labels_entry_id) for c in MODEL_CHOICES)


CAPABILITY = Registration(
    name=Capability.VIDEO,
    pages=(
        Page(
            "pages/6_Video_Classification.py",
            "🎬",
            "Video classification",
            "Watches a short clip and names the action in it, second by second.",
            "components.video_settings",
        ),
    ),
    defaults=(
        "movinet_a0_stream_k600_int8",
        "kinetics600_labels",
        "mobilenet_v2_224_quant",
        "imagenet_labels",
        EXAMPLE_CLIP,
    ),
    example=example,
    example_needs=(EXAMPLE_CLIP,),
    fallback="motorcycle_left.png",
    served=True,
    ready=ready,
    order=40,
)
