"""Small example results for the home page, made by the app's own models from its own samples.

Each capability gets one picture (RGB uint8, at most ``THUMB`` px wide) made once and kept as a PNG in the cache
folder (next to the default store: ``~/.cache/vision-playground/examples``), named after the models that made it,
so a store that gains a model gets a real result next time. When a model is missing, the picture is the sample
input itself (``is_result`` False). No Streamlit here: ``python -m models.examples`` makes them all.

An install makes them ahead of the first visit (``deploy/install.sh``, so also the Docker image) into a read-only
folder of its own, named by ``VISION_EXAMPLES_PREBUILT`` in the installed settings: a container's cache folder is a
tmpfs that starts empty. :func:`cached` looks in the cache first, then there; new pictures always go to the cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from models.imaging import fit_within, read_image
from models.registry import Capability
from models.samples import skimage_data_dir
from models.store import Store

LOG = logging.getLogger(__name__)
THUMB = 480
EXAMPLES_ENV = "VISION_EXAMPLES"
PREBUILT_ENV = "VISION_EXAMPLES_PREBUILT"


def examples_dir() -> Path:
    """The folder of cached example PNGs: ``$VISION_EXAMPLES`` when set, else under the user's cache folder."""
    env = os.environ.get(EXAMPLES_ENV)
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "vision-playground" / "examples"


def prebuilt_dir() -> Path | None:
    """The install's read-only folder of examples made at install time, if the settings name one."""
    env = os.environ.get(PREBUILT_ENV)
    return Path(env) if env else None


@dataclass(frozen=True)
class Example:
    """A thumbnail for the home page: a capability's result on a sample, or the sample alone."""

    capability: Capability
    image: np.ndarray  # (H, W, 3) uint8, W <= THUMB
    is_result: bool  # False: the sample input, shown because the model is missing
    failed: bool = False  # the model was there but making the example raised: never cached, tried again later


def _photo(store: Store, entry_id: str, fallback: str) -> np.ndarray:
    path = store.path(entry_id) if store.has(entry_id) else skimage_data_dir() / fallback
    return fit_within(read_image(str(path)).rgb, THUMB)


def _segmentation(store: Store) -> tuple[np.ndarray, bool]:
    from models import segmentation as seg

    rgb = _photo(store, "photo_cat", "chelsea.png")
    model = "deeplab_mnv2_513_quant"
    if not store.has(model):
        return rgb, False
    result = seg.segmenter_from_file(seg.SegModel(model), store.path(model)).predict(rgb)
    # The page's overlay: each class colour moved until it stands out from the photo under it (the VOC cat maroon).
    palette = seg.readable_palette(rgb, result.class_map, 0.6)
    return seg.overlay(rgb, result.class_map, 0.6, None, palette), True


def _inpainting(store: Store) -> tuple[np.ndarray, bool]:
    import cv2

    from models import inpainting as inp

    rgb = fit_within(read_image(str(skimage_data_dir() / "chelsea.png")).rgb, THUMB)
    mask = np.zeros(rgb.shape[:2], np.uint8)
    h, w = rgb.shape[:2]
    for i in range(5):  # scratches across the photo
        y0 = int(h * (0.15 + 0.17 * i))
        cv2.line(mask, (int(w * 0.05), y0), (int(w * 0.95), y0 + int(h * 0.08)), 255, 4)
    damaged = rgb.copy()
    damaged[mask > 0] = (255, 255, 255)
    fixed = inp.inpaint(damaged, mask > 0, inp.Method.TELEA).image
    half = w // 2
    out = fixed.copy()
    out[:, :half] = damaged[:, :half]  # left: damaged, right: filled
    out[:, half - 1 : half + 1] = (255, 255, 255)
    return out, True


def _dcgan(store: Store) -> tuple[np.ndarray, bool]:
    from models import digits as dcgan

    gen = dcgan.load_generator()
    images, _ = gen.with_truncation(dcgan.DEFAULT_TRUNCATION).generate(24, None, 7)
    sheet = dcgan.grid(images, 8, scale=2)
    sheet = np.asarray(sheet)
    if sheet.ndim == 2:
        sheet = np.repeat(sheet[..., None], 3, -1)
    return fit_within(sheet.astype(np.uint8), THUMB), True


def _style(store: Store) -> tuple[np.ndarray, bool]:
    from models import style as sty

    content = _photo(store, "photo_grace_hopper", "astronaut.png")
    backend = sty.Backend.TFLITE_FP16
    style_id = "style_starry_night"
    if not all(store.has(e) for e in backend.entries) or not store.has(style_id):
        return content, False
    model = sty.MagentaTFLite.from_paths(*(store.path(e) for e in backend.entries))
    style = read_image(str(store.path(style_id))).rgb
    return fit_within(model.stylize(content, style, 1.0, 384).image, THUMB), True


def _faces(store: Store) -> tuple[np.ndarray, bool]:
    from models import faces as F

    rgb = _photo(store, "photo_face", "astronaut.png")
    faces, _ = F.FaceDetector().detect(rgb)
    im = Image.fromarray(rgb)
    draw = ImageDraw.Draw(im)
    for f in faces:
        x, y, w, h = (float(v) for v in f.box)
        draw.rectangle([x, y, x + w, y + h], outline=(75, 107, 251), width=3)
        for px, py in f.landmarks:
            draw.ellipse([px - 2, py - 2, px + 2, py + 2], fill=(255, 200, 0))
    return np.asarray(im), bool(faces)


def _video(store: Store) -> tuple[np.ndarray, bool]:
    import cv2

    clip = "clip_arm_wrestling"
    if not store.has(clip):
        return fit_within(read_image(str(skimage_data_dir() / "motorcycle_left.png")).rgb, THUMB), False
    cap = cv2.VideoCapture(str(store.path(clip)))
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


MAKERS: dict[Capability, tuple[Callable[[Store], tuple[np.ndarray, bool]], tuple[str, ...]]] = {
    Capability.SEGMENTATION: (_segmentation, ("deeplab_mnv2_513_quant", "photo_cat")),
    Capability.INPAINTING: (_inpainting, ()),
    Capability.DCGAN: (_dcgan, ()),
    Capability.STYLE: (
        _style,
        ("magenta_predict_int8", "magenta_transfer_f16", "photo_grace_hopper", "style_starry_night"),
    ),
    Capability.FACES: (_faces, ("photo_face",)),
    Capability.VIDEO: (_video, ("clip_arm_wrestling",)),
}


_CODE_VERSION = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:8]


def cache_path(capability: Capability, store: Store, folder: Path | None = None) -> Path:
    """Where the example is kept: named after which of its inputs are present (a new model → a new picture)."""
    _, needs = MAKERS[capability]
    have = "".join("1" if store.has(e) else "0" for e in needs) or "x"
    # The code version is part of the name: a picture an older version of this module made is never reused.
    return (folder or examples_dir()) / f"{capability.value}_{have}_{_CODE_VERSION}.png"


def make(capability: Capability, store: Store | None = None) -> Example:
    """Compute one example (seconds: loads the model); falls back to the sample input on any model failure."""
    store = store or Store()
    maker, _ = MAKERS[capability]
    try:
        rgb, real = maker(store)
    except Exception:
        LOG.exception("example for %s failed; showing the sample input", capability.value)
        rgb = fit_within(read_image(str(skimage_data_dir() / "chelsea.png")).rgb, THUMB)
        return Example(capability, np.ascontiguousarray(rgb[..., :3]).astype(np.uint8), False, failed=True)
    return Example(capability, np.ascontiguousarray(rgb[..., :3]).astype(np.uint8), real)


def cached(capability: Capability, store: Store | None = None, folder: Path | None = None) -> Path | None:
    """The cached PNG of the example if made already, else None.

    In ``folder`` when given, else in the cache folder or the install's prebuilt one (:func:`prebuilt_dir`).
    """
    store = store or Store()
    folders = [folder] if folder is not None else [examples_dir(), prebuilt_dir()]
    for path in (cache_path(capability, store, f) for f in folders if f is not None):
        if path.is_file():
            return path
    return None


def make_cached(capability: Capability, store: Store | None = None, folder: Path | None = None) -> Path:
    """Make the example if not cached yet and write it atomically; returns the PNG's path."""
    store = store or Store()
    found = cached(capability, store, folder)
    if found is not None:
        return found
    path = cache_path(capability, store, folder)
    ex = make(capability, store)
    if ex.failed:  # kept beside the cache, not in it: the next visit tries again
        path = path.with_name(path.stem + ".failed.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    Image.fromarray(ex.image).save(tmp, "PNG")
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    for cap in MAKERS:
        print(cap.value, make_cached(cap))
