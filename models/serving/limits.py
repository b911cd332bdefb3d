"""Server-side bounds on every field of every model-server request, checked before any model work.

A request is checked in three steps, each refusing with a plain message (HTTP 400, nothing computed):
the body size (:data:`MAX_BODY_BYTES` per capability, before the body is read), the JSON parameters (a
pydantic model per operation: unknown fields refused, numbers finite and within the widget ranges the pages
offer, with headroom) and the arrays (names, dtypes, shapes and sizes of :data:`ARRAYS`).

The bounds follow what the pages can send: 10 × 10 generated digits, 24 interpolation frames, 400 restoration
steps, images up to :data:`models.imaging.MAX_PIXELS`, style outputs up to 1024 px, 60 faces, clips of
:data:`MAX_FRAMES` sampled frames. No Ray import here (pydantic comes with ``ray[serve]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.errors import InputError

MAX_PIXELS = 40_000_000  # = models.imaging.MAX_PIXELS (not imported: that module pulls in Pillow and OpenCV)
MAX_SIDE = 20_000
MAX_FRAMES = 512  # video frames sampled by the client (5 fps: 100 s, over the 30-s clip limit)
MAX_RESTORE_IMAGES = 16
MiB = 1 << 20
MAX_BODY_BYTES = {
    "segmentation": 3 * MAX_PIXELS + MiB,
    "faces": 3 * MAX_PIXELS + MiB,
    "style": 6 * MAX_PIXELS + MiB,  # content and style image
    "video": 64 * MiB,
    "digits": MiB,
}


class RequestRefused(InputError):
    """A request outside the bounds; the message names the field and the bound (HTTP 400)."""


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


Name = Annotated[str, Field(min_length=1, max_length=64)]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]
Digit = Annotated[int, Field(ge=0, le=9)]
Truncation = Annotated[float, Field(gt=0.0, le=1.0)]


class SegPredict(_Params):
    """Parameters of ``segmentation/predict``."""

    model: Name


class StyleBottleneck(_Params):
    """Parameters of ``style/bottleneck``."""

    backend: Name
    crop: bool = False


class StyleStylize(_Params):
    """Parameters of ``style/stylize``."""

    backend: Name
    strength: Annotated[float, Field(ge=0.0, le=1.0)]
    max_side: Annotated[int, Field(ge=16, le=1024)]
    large: Name


class FacesAnalyze(_Params):
    """Parameters of ``faces/analyze``."""

    max_faces: Annotated[int, Field(ge=1, le=60)] = 60
    max_side: Annotated[int, Field(ge=32, le=4096)] | None = None
    confirm: bool = False
    original_size: (
        Annotated[list[Annotated[int, Field(ge=1, le=MAX_SIDE * 10)]], Field(min_length=2, max_length=2)] | None
    ) = None


class VideoLabels(_Params):
    """Parameters of ``video/labels``."""

    choice: Name


class VideoScore(_Params):
    """Parameters of ``video/score``."""

    choice: Name
    duration: Annotated[float, Field(ge=0.0, le=3600.0)]
    pooling: Name
    segments: Annotated[
        list[
            tuple[
                Annotated[int, Field(ge=0, le=10_000)],
                Annotated[float, Field(ge=0, le=3600)],
                Annotated[float, Field(ge=0, le=3600)],
            ]
        ],
        Field(max_length=1000),
    ]


class DigitsGenerate(_Params):
    """Parameters of ``digits/generate``."""

    n: Annotated[int, Field(ge=1, le=100)]
    digit: Digit | None = None
    seed: Seed
    truncation: Truncation | None = None


class DigitsInterpolate(_Params):
    """Parameters of ``digits/interpolate``."""

    seed_a: Seed
    seed_b: Seed
    digit_a: Digit
    digit_b: Digit | None = None
    steps: Annotated[int, Field(ge=2, le=64)] = 10
    spherical: bool = True
    truncation: Truncation | None = None


class RestoreConfigLimits(_Params):
    """The fields of :class:`models.digits.RestoreConfig`, each bounded (a test keeps the names in step)."""

    steps: Annotated[int, Field(ge=1, le=400)] = 150
    lr: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
    prior_weight: Annotated[float, Field(ge=0.0, le=10.0)] = 0.01
    window: Annotated[int, Field(ge=1, le=28)] = 7
    restarts: Annotated[int, Field(ge=1, le=4)] = 2
    top_k: Annotated[int, Field(ge=1, le=10)] = 3
    guess_weight: Annotated[float, Field(ge=0.0, le=100.0)] = 8.0
    class_weight: Annotated[float, Field(ge=0.0, le=100.0)] = 1.0
    init_samples: Annotated[int, Field(ge=1, le=64)] = 32
    latent_clip: Annotated[float, Field(gt=0.0, le=10.0)] = 3.0
    seed: Seed = 0


class DigitsRestore(_Params):
    """Parameters of ``digits/restore``."""

    config: RestoreConfigLimits = RestoreConfigLimits()
    guesser: bool = True
    candidates: Annotated[list[Digit], Field(min_length=1, max_length=10)] | None = None


PARAMS: dict[tuple[str, str], type[_Params]] = {
    ("segmentation", "predict"): SegPredict,
    ("style", "bottleneck"): StyleBottleneck,
    ("style", "stylize"): StyleStylize,
    ("faces", "analyze"): FacesAnalyze,
    ("video", "labels"): VideoLabels,
    ("video", "score"): VideoScore,
    ("digits", "generate"): DigitsGenerate,
    ("digits", "interpolate"): DigitsInterpolate,
    ("digits", "restore"): DigitsRestore,
}


@dataclass(frozen=True)
class ArraySpec:
    """dtype and shape of one array.

    ``shape`` entries are fixed sizes, or ``None`` (any size up to ``max_dim``); ``max_pixels`` bounds the product of
    the first two dimensions (images).
    """

    dtype: str
    shape: tuple[int | None, ...]
    required: bool = True
    max_dim: int = MAX_SIDE
    max_pixels: int | None = None


IMAGE = ArraySpec("uint8", (None, None, 3), max_pixels=MAX_PIXELS)
BOTTLENECK = ArraySpec("float32", (1, 1, 1, 100), required=False)
ARRAYS: dict[tuple[str, str], dict[str, ArraySpec]] = {
    ("segmentation", "predict"): {"rgb": IMAGE},
    ("style", "bottleneck"): {"rgb": IMAGE},
    ("style", "stylize"): {
        "content": IMAGE,
        "style": ArraySpec("uint8", (None, None, 3), required=False, max_pixels=MAX_PIXELS),
        "style_bottleneck": BOTTLENECK,
        "content_bottleneck": BOTTLENECK,
    },
    ("faces", "analyze"): {"rgb": IMAGE},
    ("video", "labels"): {},
    ("video", "score"): {
        "frames": ArraySpec("uint8", (None, None, None, 3), max_dim=MAX_FRAMES),
        "times": ArraySpec("float64", (None,), max_dim=MAX_FRAMES),
    },
    ("digits", "generate"): {},
    ("digits", "interpolate"): {},
    ("digits", "restore"): {
        "images": ArraySpec("uint8", (None, 28, 28), max_dim=MAX_RESTORE_IMAGES),
        "masks": ArraySpec("bool", (None, 28, 28), max_dim=MAX_RESTORE_IMAGES),
    },
}


def max_body_bytes(capability: str) -> int:
    """The largest request body (bytes) accepted for ``capability`` (1 MiB for one not listed)."""
    return MAX_BODY_BYTES.get(capability, MiB)


def _plain(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "request"
        parts.append(f"{where}: {'unknown field' if e['type'] == 'extra_forbidden' else e['msg']}")
    return "The model server refused the request: " + "; ".join(parts)


def check(
    capability: str, operation: str, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
) -> dict[str, Any]:
    """Validate one decoded request → its parameters with defaults filled in (a plain dict).

    Raises :class:`RequestRefused` (a ValueError) naming the first fields out of bounds.
    """
    model = PARAMS.get((capability, operation))
    if model is None:
        raise RequestRefused(f"The model server has no operation {operation!r} for {capability}.")
    try:
        checked = model.model_validate(dict(params)).model_dump()
    except ValidationError as exc:
        raise RequestRefused(_plain(exc)) from None
    specs = ARRAYS[(capability, operation)]
    unknown = sorted(set(arrays) - set(specs))
    if unknown:
        raise RequestRefused(f"The model server refused the request: unknown array {unknown[0]!r}.")
    for name, spec in specs.items():
        if name not in arrays:
            if spec.required:
                raise RequestRefused(f"The model server refused the request: array {name!r} is missing.")
            continue
        _check_array(name, arrays[name], spec)
    if (capability, operation) == ("style", "stylize") and not ({"style", "style_bottleneck"} & set(arrays)):
        raise RequestRefused("The model server refused the request: a style image or style vector is needed.")
    if (capability, operation) == ("video", "score") and len(arrays["frames"]) != len(arrays["times"]):
        raise RequestRefused("The model server refused the request: one time per frame is needed.")
    if (capability, operation) == ("digits", "restore") and arrays["images"].shape != arrays["masks"].shape:
        raise RequestRefused("The model server refused the request: one mask per digit image is needed.")
    return checked


def _check_array(name: str, a: np.ndarray, spec: ArraySpec) -> None:
    def refuse(why: str) -> RequestRefused:
        return RequestRefused(f"The model server refused the request: array {name!r} {why}.")

    if a.dtype.name != spec.dtype:
        raise refuse(f"must be {spec.dtype}, not {a.dtype.name}")
    if a.ndim != len(spec.shape):
        raise refuse(f"must have {len(spec.shape)} dimensions, not {a.ndim}")
    for got, want in zip(a.shape, spec.shape, strict=True):
        if (want is not None and got != want) or (want is None and not 1 <= got <= spec.max_dim):
            raise refuse(f"has shape {tuple(a.shape)}: not allowed here")
    if spec.max_pixels is not None and a.shape[0] * a.shape[1] > spec.max_pixels:
        raise refuse(f"has {a.shape[0] * a.shape[1] / 1e6:.0f} MP, over the {spec.max_pixels / 1e6:.0f}-MP limit")
