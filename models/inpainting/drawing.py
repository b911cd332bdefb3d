"""Masks from canvas drawings.

Fabric.js JSON (``st_canvas(...).json_data``) rasterised at the ORIGINAL image resolution (not the displayed one), so
strokes stay sharp on a 12-MP photo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from models.errors import InputError

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
                lines[-1].append(
                    (
                        u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                        u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
                    )
                )
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
    """A canvas drawing rasterised at the image's resolution, with the objects drawn and those skipped."""

    mask: np.ndarray  # (H, W) bool at the image's resolution
    objects: int  # shapes rasterised
    skipped: list[str] = field(default_factory=list)  # object types that mark no area (e.g. text)


def drawing_to_mask(drawing: dict | None, canvas_size: tuple[int, int], image_size: tuple[int, int]) -> DrawingMask:
    """Rasterise a Fabric.js drawing (``st_canvas(...).json_data``) at the image's own resolution.

    ``canvas_size`` and ``image_size`` are (width, height). The canvas shows the whole image stretched to
    the canvas, so canvas point (x, y) is image point (x·W/w, y·H/h). Strokes are redrawn at that scale
    (width included), rather than upscaling the canvas bitmap, so edges stay sharp on a 12-MP photo.
    """
    cw, ch = canvas_size
    iw, ih = image_size
    if cw <= 0 or ch <= 0 or iw <= 0 or ih <= 0:
        raise InputError(f"bad sizes: canvas {canvas_size}, image {image_size}")
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
