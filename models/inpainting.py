"""Classical inpainting with OpenCV (Telea and Navier–Stokes), and everything a mask needs on the way.

- Masks come from canvas drawings (Fabric.js JSON, rasterised at the ORIGINAL image resolution, not the
  displayed one), uploaded mask images, or another page (segmentation) — all end up as ``(H, W) bool``.
- :func:`inpaint` can process only boxes around the mask (``Strategy.CROP``): both OpenCV methods only
  read pixels within ``radius`` of the hole, so a crop with a wider margin gives the full-frame result
  (bit-identical for compact holes) while a 12-MP photo costs what its damaged part costs.

No Streamlit here: usable from a CLI or a notebook.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

import cv2
import numpy as np
from PIL import ImageOps
from scipy import ndimage  # a scikit-image dependency

from models.imaging import ImageError, load_image
from models.runtime import timed

DEFAULT_RADIUS = 3
# Masks covering more than this share of the image are refused: nothing is left to fill them from.
MAX_MASK_FRACTION = 0.95
# Above this share, results get poor; say so.
WARN_MASK_FRACTION = 0.5
# Uploaded masks whose aspect ratio differs from the image's by at most this much are resized to fit.
ASPECT_TOLERANCE = 0.02


class MaskError(ValueError):
    """A mask that cannot be used; the message says why in plain words."""


class Method(str, Enum):
    TELEA = "telea"
    NS = "ns"

    @property
    def title(self) -> str:
        return {Method.TELEA: "Telea", Method.NS: "Navier–Stokes"}[self]

    @property
    def flag(self) -> int:
        return {Method.TELEA: cv2.INPAINT_TELEA, Method.NS: cv2.INPAINT_NS}[self]


class Strategy(str, Enum):
    FULL = "full"  # one cv2.inpaint call on the whole frame
    # One call per cluster of mask pixels on a box around it (tiles for long sparse clusters), pasted
    # back; falls back to one full-frame call when the cost model says that is cheaper.
    CROP = "crop"


@dataclass(frozen=True)
class InpaintOptions:
    radius: int = DEFAULT_RADIUS  # neighbourhood (px) each filled pixel is computed from
    dilation: int = 0  # grow the mask by this many px first (covers anti-aliased stroke edges, halos)
    strategy: Strategy = Strategy.CROP


@dataclass
class InpaintResult:
    method: Method
    image: np.ndarray  # (H, W, 3) uint8, same size as the input
    ms: float
    regions: list[tuple[int, int, int, int]]  # boxes (x0, y0, x1, y1) actually processed
    processed_pixels: int  # pixels handed to OpenCV (the whole frame for Strategy.FULL)


# --- masks from canvas drawings --------------------------------------------------------------------
_ORIGIN = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}


def _origin_fraction(value: object) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return _ORIGIN.get(str(value), 0.0)


def _object_matrix(obj: dict) -> np.ndarray:
    """Fabric.js ``calcTransformMatrix`` (2×3): object space (centred on 0) → canvas pixels.

    Freshly drawn objects only translate; this also covers objects moved, scaled, rotated or flipped
    with the canvas's edit toggle.
    """
    sx, sy = float(obj.get("scaleX", 1) or 1), float(obj.get("scaleY", 1) or 1)
    sw = float(obj.get("strokeWidth", 0) or 0) if obj.get("stroke") else 0.0
    w, h = float(obj.get("width", 0) or 0), float(obj.get("height", 0) or 0)
    if obj.get("strokeUniform"):
        dim_x, dim_y = w * abs(sx) + sw, h * abs(sy) + sw
    else:
        dim_x, dim_y = (w + sw) * abs(sx), (h + sw) * abs(sy)
    angle = math.radians(float(obj.get("angle", 0) or 0))
    cos, sin = math.cos(angle), math.sin(angle)
    # Vector from the origin point (left/top by default) to the centre, rotated with the object.
    ox = (0.5 - _origin_fraction(obj.get("originX", "left"))) * dim_x
    oy = (0.5 - _origin_fraction(obj.get("originY", "top"))) * dim_y
    cx = float(obj.get("left", 0) or 0) + ox * cos - oy * sin
    cy = float(obj.get("top", 0) or 0) + ox * sin + oy * cos
    fx = -1.0 if obj.get("flipX") else 1.0
    fy = -1.0 if obj.get("flipY") else 1.0
    skx = math.tan(math.radians(float(obj.get("skewX", 0) or 0)))
    sky = math.tan(math.radians(float(obj.get("skewY", 0) or 0)))
    rot = np.array([[cos, -sin], [sin, cos]])
    scale = np.diag([sx * fx, sy * fy])
    skew = np.array([[1.0, skx], [sky, 1.0]])
    lin = rot @ scale @ skew
    return np.hstack([lin, [[cx], [cy]]])


def _steps(*pts: tuple[float, float]) -> int:
    # Chords of at most ~1 canvas px along the control polygon: the sag stays far below a pixel.
    length = sum(math.dist(a, b) for a, b in zip(pts[:-1], pts[1:]))
    return min(256, max(2, math.ceil(length)))


def _flatten_path(path: Sequence[Sequence]) -> list[np.ndarray]:
    """SVG-like path commands (M, L, Q, C, Z as Fabric's PencilBrush writes them) → polylines."""
    lines: list[list[tuple[float, float]]] = []
    cur = (0.0, 0.0)
    start = cur
    for cmd in path:
        if not cmd:
            continue
        op, args = str(cmd[0]).upper(), [float(a) for a in cmd[1:]]
        if op == "M":
            cur = start = (args[0], args[1])
            lines.append([cur])
            continue
        if not lines:
            lines.append([cur])
        if op == "L":
            cur = (args[0], args[1])
            lines[-1].append(cur)
        elif op == "Q":
            (x0, y0), (x1, y1), (x2, y2) = cur, (args[0], args[1]), (args[2], args[3])
            for t in np.linspace(0, 1, _steps(cur, (x1, y1), (x2, y2)) + 1)[1:]:
                u = 1 - t
                lines[-1].append((u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2))
            cur = (x2, y2)
        elif op == "C":
            (x0, y0), (x1, y1), (x2, y2), (x3, y3) = cur, args[0:2], args[2:4], args[4:6]
            for t in np.linspace(0, 1, _steps(cur, (x1, y1), (x2, y2), (x3, y3)) + 1)[1:]:
                u = 1 - t
                lines[-1].append((
                    u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                    u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
                ))
            cur = (x3, y3)
        elif op == "Z":
            lines[-1].append(start)
            cur = start
    return [np.asarray(line, dtype=np.float64) for line in lines if line]


def _ellipse(rx: float, ry: float, n: int = 96) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([rx * np.cos(t), ry * np.sin(t)], axis=1)


@dataclass
class _Shape:
    polylines: list[np.ndarray]  # canvas pixels
    stroke: float  # stroke width in canvas pixels (0: none)
    filled: bool


def _shapes(drawing: dict | None) -> tuple[list[_Shape], list[str]]:
    shapes: list[_Shape] = []
    skipped: list[str] = []
    for obj in (drawing or {}).get("objects", []) or []:
        kind = str(obj.get("type", "")).lower()
        m = _object_matrix(obj)
        lin_scale = math.sqrt(abs(np.linalg.det(m[:, :2]))) or 1.0
        sw = float(obj.get("strokeWidth", 0) or 0) if obj.get("stroke") else 0.0
        stroke = sw if obj.get("strokeUniform") else sw * lin_scale
        w, h = float(obj.get("width", 0) or 0), float(obj.get("height", 0) or 0)
        if kind == "path":
            local = _flatten_path(obj.get("path") or [])
            if not local:
                continue
            pts = np.vstack(local)
            # Fabric centres a path on its bounding box (pathOffset), then applies the object matrix.
            offset = (pts.min(axis=0) + pts.max(axis=0)) / 2
            polys = [line - offset for line in local]
            filled = False
        elif kind == "line":
            polys = [np.array([[obj.get("x1", 0), obj.get("y1", 0)], [obj.get("x2", 0), obj.get("y2", 0)]], float)]
            filled = False
        elif kind in ("rect", "labeledrect"):
            polys = [np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])]
            filled = True  # a box marks an area to fill, whatever its fill colour
        elif kind == "circle":
            r = float(obj.get("radius", w / 2) or 0)
            polys = [_ellipse(r, r)]
            filled = True
        elif kind == "ellipse":
            polys = [_ellipse(float(obj.get("rx", w / 2) or 0), float(obj.get("ry", h / 2) or 0))]
            filled = True
        else:
            skipped.append(kind or "unknown")
            continue
        canvas = [line @ m[:, :2].T + m[:, 2] for line in polys]
        shapes.append(_Shape(canvas, stroke, filled))
    return shapes, skipped


@dataclass
class DrawingMask:
    mask: np.ndarray  # (H, W) bool at the image's resolution
    objects: int  # shapes rasterised
    skipped: list[str] = field(default_factory=list)  # object types that mark no area (e.g. text)


def drawing_to_mask(
    drawing: dict | None, canvas_size: tuple[int, int], image_size: tuple[int, int]
) -> DrawingMask:
    """Rasterise a Fabric.js drawing (``st_canvas(...).json_data``) at the image's own resolution.

    ``canvas_size`` and ``image_size`` are (width, height). The canvas shows the whole image stretched to
    the canvas, so canvas point (x, y) is image point (x·W/w, y·H/h). Strokes are redrawn at that scale
    (width included), rather than upscaling the canvas bitmap, so edges stay sharp on a 12-MP photo.
    """
    cw, ch = canvas_size
    iw, ih = image_size
    if cw <= 0 or ch <= 0 or iw <= 0 or ih <= 0:
        raise ValueError(f"bad sizes: canvas {canvas_size}, image {image_size}")
    sx, sy = iw / cw, ih / ch
    mask = np.zeros((ih, iw), np.uint8)
    shapes, skipped = _shapes(drawing)
    for shape in shapes:
        lines = [line * [sx, sy] for line in shape.polylines]
        if shape.filled:
            cv2.fillPoly(mask, [_cv_points(line) for line in lines], 1, lineType=cv2.LINE_8, shift=_SHIFT)
        if shape.stroke > 0:
            _stroke(mask, lines, shape.stroke * (sx + sy) / 4, closed=shape.filled)
    return DrawingMask(mask.astype(bool), len(shapes), skipped)


_SHIFT = 4  # sub-pixel precision for OpenCV drawing (1/16 px)


def _cv_points(line: np.ndarray, origin=(0.0, 0.0)) -> np.ndarray:
    # Continuous image coordinates have pixel centres at i + 0.5; OpenCV's at integer i.
    return np.round((line - origin - 0.5) * (1 << _SHIFT)).astype(np.int32).reshape(-1, 1, 2)


def _stroke(mask: np.ndarray, lines: list[np.ndarray], radius: float, closed: bool) -> None:
    """Paint every pixel whose centre is within ``radius`` of the polylines (round caps and joins).

    OpenCV's thick lines overshoot by up to a pixel; a distance transform from the 1-px centre line,
    on a box around the stroke only, keeps the width exact.
    """
    h, w = mask.shape
    pts = np.vstack(lines)
    pad = radius + 2
    x0, y0 = max(0, int(np.floor(pts[:, 0].min() - pad))), max(0, int(np.floor(pts[:, 1].min() - pad)))
    x1, y1 = min(w, int(np.ceil(pts[:, 0].max() + pad))), min(h, int(np.ceil(pts[:, 1].max() + pad)))
    if x1 <= x0 or y1 <= y0:
        return
    centre = np.full((y1 - y0, x1 - x0), 255, np.uint8)
    cv2.polylines(centre, [_cv_points(line, (x0, y0)) for line in lines], closed, 0, 1, cv2.LINE_8, _SHIFT)
    dist = cv2.distanceTransform(centre, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    mask[y0:y1, x0:x1] |= (dist <= radius).astype(np.uint8)


# --- masks from files and other pages --------------------------------------------------------------
@dataclass
class LoadedMask:
    mask: np.ndarray  # (H, W) bool at the image's resolution
    notes: list[str] = field(default_factory=list)
    warning: str | None = None  # for a person: e.g. the file marked no pixel at all


def read_mask(data: bytes, name: str = "mask") -> np.ndarray:
    """An uploaded mask image → (h, w) bool, True = the hole to fill.

    Non-zero pixels mark the hole, however the file stores them: 0/1 or 0/255 grey, 16-bit, palette, colour
    strokes on black (any colour: the brightest channel counts), or strokes on a transparent layer (when the
    image has transparency, opacity is what counts). JPEG noise around black is not a hole: when the brightest
    value is well above the noise (≥ 1/8 of full scale), the cut is at half of it. An all-zero (or fully
    transparent) mask gives an all-False array; :func:`load_mask` turns that into a message.
    Raises :class:`MaskError` for empty, unreadable, damaged or too-large files (plain words).
    """
    try:
        im = load_image(data, name)
    except ImageError as exc:
        raise MaskError(str(exc)) from None
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        alpha = np.asarray(im.convert("RGBA"))[..., 3]
        if alpha.min() < 255:  # transparency carries the mask: opaque strokes on a clear layer
            return hole_from_levels(alpha, 255)
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(im)
        if im.mode == "F":
            full = 1.0 if float(arr.max()) <= 1.0 else 255.0
        else:
            arr = arr.astype(np.int64)
            full = 65535 if im.mode.startswith("I;16") or int(arr.max()) > 255 else 255
        return hole_from_levels(arr, full)
    if im.mode == "1":
        return np.asarray(im, dtype=bool).copy()
    grey = np.asarray(im.convert("RGB")).max(axis=2)  # colour strokes count by their brightest channel
    return hole_from_levels(grey, 255)


def hole_from_levels(values: np.ndarray, full_scale: float) -> np.ndarray:
    """(h, w) numbers → bool hole mask: non-zero marks the hole, but compression noise does not.

    ``full_scale`` is the largest value the storage allows (255 for 8-bit, 65535 for 16-bit, 1.0 for float).
    A bright mask (maximum ≥ full_scale / 8) is cut at half its maximum (JPEG ringing around black stays out,
    anti-aliased stroke edges count half-way). A dim one (0/1, 0/2… label masks) counts every non-zero pixel
    when it holds at most 16 distinct values; many faint values with nothing bright is noise: no hole.
    """
    top = float(values.max()) if values.size else 0.0
    if top <= 0:
        return np.zeros(values.shape, bool)
    if top >= full_scale / 8:
        return values > top / 2
    levels = np.unique(values[values > 0])
    if levels.size <= 16:
        return values > 0
    return np.zeros(values.shape, bool)


def load_mask(data: bytes, name: str, image_size: tuple[int, int]) -> LoadedMask:
    """An uploaded mask file for an image of ``image_size`` (width, height) → :class:`LoadedMask`.

    :func:`read_mask` then :func:`fit_mask`. A mask that marks nothing is not an error (the person may paint
    instead) but says so in ``notes``. Raises :class:`MaskError` (unreadable file, wrong shape).
    """
    fitted = fit_mask(read_mask(data, name), image_size, f"The mask {name}")
    if not fitted.mask.any():
        fitted.warning = (f"The mask {name} marks nothing: every pixel is black (zero) or fully transparent. "
                          "White, coloured or opaque pixels mark what to fill; paint below instead, or upload "
                          "another mask.")
    return fitted


def fit_mask(mask: np.ndarray, image_size: tuple[int, int], name: str = "The mask") -> LoadedMask:
    """Bring a mask to the image's (width, height): same aspect ratio → resized (noted); else MaskError."""
    iw, ih = image_size
    mh, mw = mask.shape[:2]
    if (mw, mh) == (iw, ih):
        return LoadedMask(mask.astype(bool))
    if abs((mw / mh) / (iw / ih) - 1) > ASPECT_TOLERANCE:
        raise MaskError(
            f"{name} is {mw}×{mh} pixels but the image is {iw}×{ih}: their shapes differ "
            f"(aspect {mw / mh:.2f} vs {iw / ih:.2f}), so it cannot be lined up. "
            "Use a mask made for this image, at the same size."
        )
    resized = cv2.resize(mask.astype(np.uint8), (iw, ih), interpolation=cv2.INTER_NEAREST).astype(bool)
    return LoadedMask(resized, [f"mask resized from {mw}×{mh} to {iw}×{ih} (same aspect ratio)"])


def dilate(mask: np.ndarray, px: int) -> np.ndarray:
    """Grow the mask by ``px`` pixels (disc-shaped), e.g. to swallow anti-aliased edges of a scratch."""
    if px <= 0:
        return mask.astype(bool)
    # A true disc (OpenCV's MORPH_ELLIPSE reaches √10 px for a radius of 3).
    yy, xx = np.mgrid[-px : px + 1, -px : px + 1]
    kernel = (xx * xx + yy * yy <= px * px).astype(np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def check_mask(mask: np.ndarray, image_shape: tuple[int, ...]) -> list[str]:
    """Raise MaskError for masks that cannot work; return warnings for ones that will work badly."""
    if mask.shape[:2] != tuple(image_shape[:2]):
        raise MaskError(
            f"The mask is {mask.shape[1]}×{mask.shape[0]} pixels but the image is "
            f"{image_shape[1]}×{image_shape[0]}."
        )
    frac = float(mask.mean()) if mask.size else 0.0
    if not mask.any():
        raise MaskError("The mask is empty: paint over what should be removed, or upload a mask.")
    if frac > MAX_MASK_FRACTION:
        raise MaskError(
            f"The mask covers {frac:.0%} of the image: there is almost nothing left to fill it from. "
            "Mark only the part to remove."
        )
    if frac > WARN_MASK_FRACTION:
        return [f"The mask covers {frac:.0%} of the image; expect a smeared result."]
    return []


# --- inpainting ------------------------------------------------------------------------------------
def crop_margin(radius: int) -> int:
    # OpenCV reads known pixels within `radius` of each filled one; 2 px more absorbs rounding.
    return int(radius) + 2


# Clusters whose box is larger than this and mostly empty (long scratches, text across the frame) are
# processed in tiles: their bounding box would be most of the frame and save nothing.
TILE = 512
TILE_SPLIT_AREA = 1024 * 1024
TILE_SPLIT_FILL = 0.3
# Clusters are found on a mask max-pooled by this factor: 16× fewer pixels to label on a 12-MP photo.
CELL = 4
# Rough cost model of cv2.inpaint here (both methods): per pixel handed over, per mask pixel, per call.
COST_PER_PIXEL = 11e-9
COST_PER_MASK_PIXEL = 1.0e-6
COST_PER_CALL = 1e-4


@dataclass(frozen=True)
class Region:
    crop: tuple[int, int, int, int]  # (x0, y0, x1, y1) handed to OpenCV
    paste: tuple[int, int, int, int]  # part of the crop whose mask pixels are written back
    label: int  # cluster whose pixels are written back


@dataclass
class Plan:
    regions: list[Region]  # empty: process the full frame
    cells: np.ndarray | None  # cluster label per CELL×CELL cell (0 = no mask)
    estimated_crop_s: float
    estimated_full_s: float

    @property
    def full_frame(self) -> bool:
        return not self.regions

    def labels(self, box: tuple[int, int, int, int]) -> np.ndarray:
        """Per-pixel cluster labels inside ``box``."""
        x0, y0, x1, y1 = box
        cy0, cx0 = y0 // CELL, x0 // CELL
        cells = self.cells[cy0 : (y1 - 1) // CELL + 1, cx0 : (x1 - 1) // CELL + 1]
        up = np.repeat(np.repeat(cells, CELL, axis=0), CELL, axis=1)
        return up[y0 - cy0 * CELL : y1 - cy0 * CELL, x0 - cx0 * CELL : x1 - cx0 * CELL]


def _cells(mask: np.ndarray) -> np.ndarray:
    """Max-pool the mask by CELL (a cell is True when any of its pixels is)."""
    h, w = mask.shape
    m8 = mask.astype(np.uint8) * 255  # 255/16 still rounds above 0 under area averaging
    ph, pw = -h % CELL, -w % CELL
    if ph or pw:
        m8 = cv2.copyMakeBorder(m8, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=0)
    small = cv2.resize(m8, ((w + pw) // CELL, (h + ph) // CELL), interpolation=cv2.INTER_AREA)
    return small > 0


def plan_regions(mask: np.ndarray, radius: int) -> Plan:
    """The crops :func:`inpaint` processes with ``Strategy.CROP`` (or none: full frame is cheaper).

    Mask pixels are grouped in clusters whose ``radius`` + 2 px neighbourhoods do not touch, so no
    cluster's fill reads another's. A compact cluster (an object, a blob) is processed whole, on its box
    plus that margin: exactly the full-frame result. A large sparse cluster (thin scratches, text) is
    split into tiles overlapping by the margin plus twice the hole's half-width, so each written pixel
    sees the neighbourhood it would see in the full frame. OpenCV's cost grows with the mask pixels
    handed over, so when the crops would cost more than one full-frame call (damage spread over the
    whole frame), the plan says so and the full frame is used.
    """
    h, w = mask.shape
    margin = crop_margin(radius)
    cells = _cells(mask)
    grow = -(-margin // CELL) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * grow + 1, 2 * grow + 1))
    grown = cv2.dilate(cells.astype(np.uint8), kernel)
    n, labels = cv2.connectedComponents(grown, connectivity=8)
    labels[~cells] = 0  # keep labels on cells that hold mask pixels only
    objs = ndimage.find_objects(labels, max_label=n - 1) if n > 1 else []
    regions: list[Region] = []
    for i, sl in enumerate(objs, start=1):
        if sl is None:
            continue
        ys, xs = sl
        # Exact pixel box of the cluster's cells, grown by the margin.
        x0, y0 = max(0, xs.start * CELL - margin), max(0, ys.start * CELL - margin)
        x1, y1 = min(w, xs.stop * CELL + margin), min(h, ys.stop * CELL + margin)
        box = (x0, y0, x1, y1)
        area = (x1 - x0) * (y1 - y0)
        fill = float(mask[y0:y1, x0:x1].mean())
        if area <= TILE_SPLIT_AREA or fill >= TILE_SPLIT_FILL:
            regions.append(Region(box, box, i))
            continue
        cluster = mask[y0:y1, x0:x1]
        # Half-width of the widest part of the hole: how far filling propagates inwards.
        depth = float(cv2.distanceTransform(cluster.astype(np.uint8), cv2.DIST_L2, 3).max())
        overlap = margin + 2 * int(math.ceil(depth)) + 8
        for ty in range(y0, y1, TILE):
            for tx in range(x0, x1, TILE):
                core = (tx, ty, min(x1, tx + TILE), min(y1, ty + TILE))
                if not mask[core[1] : core[3], core[0] : core[2]].any():
                    continue
                crop = (max(0, core[0] - overlap), max(0, core[1] - overlap),
                        min(w, core[2] + overlap), min(h, core[3] + overlap))
                regions.append(Region(crop, core, i))
    crop_s = sum(
        COST_PER_CALL + COST_PER_PIXEL * (r.crop[2] - r.crop[0]) * (r.crop[3] - r.crop[1])
        + COST_PER_MASK_PIXEL * int(np.count_nonzero(mask[r.crop[1] : r.crop[3], r.crop[0] : r.crop[2]]))
        for r in regions
    )
    full_s = COST_PER_CALL + COST_PER_PIXEL * h * w + COST_PER_MASK_PIXEL * int(np.count_nonzero(mask))
    if crop_s >= full_s:
        return Plan([], None, crop_s, full_s)
    return Plan(regions, labels, crop_s, full_s)


def inpaint(
    rgb: np.ndarray, mask: np.ndarray, method: Method, options: InpaintOptions = InpaintOptions()
) -> InpaintResult:
    """Fill ``mask`` (True = missing) in an (H, W, 3) uint8 image. Pixels outside the mask never change."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {rgb.shape} {rgb.dtype}")
    full_mask = dilate(mask, options.dilation)
    check_mask(full_mask, rgb.shape)
    m8 = full_mask.astype(np.uint8) * 255
    radius = max(1, int(options.radius))
    h, w = full_mask.shape
    with timed() as t:
        plan = plan_regions(full_mask, radius) if options.strategy is Strategy.CROP else None
        if plan is None or plan.full_frame:
            out = cv2.inpaint(rgb, m8, radius, method.flag)
            boxes = [(0, 0, w, h)]
        else:
            out = rgb.copy()
            for r in plan.regions:
                x0, y0, x1, y1 = r.crop
                # Crops read the untouched input and the whole mask, so their order cannot matter.
                patch = cv2.inpaint(rgb[y0:y1, x0:x1], m8[y0:y1, x0:x1], radius, method.flag)
                px0, py0, px1, py1 = r.paste
                sel = full_mask[py0:py1, px0:px1] & (plan.labels(r.paste) == r.label)
                out[py0:py1, px0:px1][sel] = patch[py0 - y0 : py1 - y0, px0 - x0 : px1 - x0][sel]
            boxes = [r.crop for r in plan.regions]
    processed = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes)
    return InpaintResult(method, out, t.ms, boxes, processed)


def inpaint_all(
    rgb: np.ndarray, mask: np.ndarray, methods: Iterable[Method] = tuple(Method),
    options: InpaintOptions = InpaintOptions(),
) -> dict[Method, InpaintResult]:
    return {m: inpaint(rgb, mask, m, options) for m in methods}


# --- measuring -------------------------------------------------------------------------------------
def mean_fill(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Baseline: every masked pixel gets the mean colour of the known pixels."""
    out = rgb.copy()
    out[mask] = np.round(rgb[~mask].reshape(-1, 3).mean(axis=0)).astype(np.uint8)
    return out


def psnr(reference: np.ndarray, test: np.ndarray, mask: np.ndarray | None = None) -> float:
    """PSNR in dB over the masked pixels (all pixels when ``mask`` is None), 8-bit peak."""
    a = reference.astype(np.float64)
    b = test.astype(np.float64)
    if mask is not None:
        a, b = a[mask], b[mask]
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * math.log10(255.0**2 / mse)


def overlay_mask(rgb: np.ndarray, mask: np.ndarray, colour=(255, 0, 80), alpha: float = 0.55) -> np.ndarray:
    """The image with the mask tinted, for showing what will be filled."""
    out = rgb.copy()
    tint = np.asarray(colour, np.float32)
    out[mask] = (rgb[mask] * (1 - alpha) + tint * alpha).astype(np.uint8)
    return out
