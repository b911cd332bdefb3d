"""The load workload of bench/load.py, as protocol visitors (bench/stproto/client.py) perform it.

Same actions, weights and light/heavy split as bench/load.py's Chromium visitors; each action starts, like
load.py's ``tab.goto``, by opening its page as a fresh tab (a new Streamlit session with default values), then
does what load.py clicks. An action fails (:class:`ActionFailed`) when the page shows an exception or an error
alert, or lacks the text load.py waits for.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .client import Run, Visitor


class ActionFailed(AssertionError):
    """The page did not show what the action is waiting for, or showed an error."""


def mask_png(w: int, h: int) -> bytes:
    """The mask bench/load.py uploads: a 100×60 block at (150, 100) on a ``w``×``h`` uint8 PNG."""
    m = np.zeros((h, w), np.uint8)
    m[100:160, 150:250] = 255
    buf = io.BytesIO()
    Image.fromarray(m).save(buf, "PNG")
    return buf.getvalue()


CHELSEA_MASK = mask_png(451, 300)  # the Inpainting page's default example is Chelsea (451×300)


def expect(v: Visitor, *texts: str) -> None:
    """Raise ActionFailed unless every text is on the page and the page shows no error."""
    errors = v.errors()
    if errors:
        raise ActionFailed("; ".join(errors))
    page = v.text()
    missing = [t for t in texts if t not in page]
    if missing:
        raise ActionFailed(f"not on the page: {missing}")


def seg_open(v: Visitor, rng: random.Random) -> list[Run]:
    runs = [v.open("Segmentation")]
    expect(v, "Overlay · ")
    return runs


def seg_sample(v: Visitor, rng: random.Random) -> list[Run]:
    runs = [v.open("Segmentation")]
    _, box = v.widget("Sample")
    runs.append(v.set("Sample", rng.choice(list(box.options)[:4])))
    expect(v, "Overlay · ")
    return runs


def inpaint_mask(v: Visitor, rng: random.Random) -> list[Run]:
    runs = [v.open("Inpainting"), v.choose("Upload a mask")]
    runs.append(v.upload("inpaint_mask_upload", "mask.png", CHELSEA_MASK, "image/png"))
    expect(v, "Compare with the original")
    if "but the image is" in v.text():
        raise ActionFailed("mask/image mismatch (the example changed by itself)")
    return runs


def dcgan_sample(v: Visitor, rng: random.Random) -> list[Run]:
    runs = [v.open("Digit_GAN"), v.click("Surprise me")]
    expect(v, "generated digits · seed")
    return runs


def dcgan_restore(v: Visitor, rng: random.Random) -> list[Run]:
    # The page's views are a radio now (a link can open one): pick "Restore a digit", then press its button.
    runs = [v.open("Digit_GAN"), v.set("View", "🩹 Restore a digit"), v.click("rest_go")]
    expect(v, "Download restored digit")
    return runs


def style_fast(v: Visitor, rng: random.Random) -> list[Run]:
    runs = [v.open("Style_Transfer")]
    expect(v, "Download stylized PNG")
    return runs


def face_verify(v: Visitor, rng: random.Random) -> list[Run]:
    runs = [v.open("Face_Similarity")]
    expect(v, "Face similarity")
    if not v.media_urls():
        raise ActionFailed("no image on the page")
    return runs


def video_analyze(v: Visitor, rng: random.Random) -> list[Run]:
    runs = [v.open("Video_Classification")]
    expect(v, "Download timeline (CSV)")
    return runs


Action = Callable[[Visitor, random.Random], list[Run]]
# (action, weight, heavy): bench/load.py's WORKLOAD
WORKLOAD: list[tuple[Action, int, bool]] = [
    (seg_open, 3, False),
    (seg_sample, 2, False),
    (inpaint_mask, 3, False),
    (dcgan_sample, 3, False),
    (style_fast, 2, False),
    (face_verify, 2, False),
    (dcgan_restore, 1, True),
    (video_analyze, 1, True),
]
HEAVY = {f.__name__ for f, _, h in WORKLOAD if h}


@dataclass
class Outcome:
    action: str
    wall_s: float  # from the first request until the last run ended and its media were fetched
    runs: int
    media: int
    media_bytes: int
    error: str = ""


def perform(action: Action, v: Visitor, rng: random.Random) -> Outcome:
    """Run one action, timed as a whole; any failure (protocol or page) becomes the outcome's error."""
    t0 = time.perf_counter()
    runs: list[Run] = []
    error = ""
    try:
        runs = action(v, rng)
    except Exception as exc:  # a load tool records every failure and goes on
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    return Outcome(
        action.__name__,
        time.perf_counter() - t0,
        sum(r.runs for r in runs),
        sum(r.media for r in runs),
        sum(r.media_bytes for r in runs),
        error,
    )
