"""Canvas drawing (Fabric.js JSON from streamlit-drawable-canvas 0.13) → mask at the ORIGINAL resolution.

The canvas shows a scaled preview; these tests draw known shapes in canvas pixels and check that they
land on the right image pixels, comparing with the exact geometry in image space.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial import cKDTree

from components.mask_canvas import canvas_size_for
from models.inpainting import drawing_to_mask


def pencil_path(points, stroke_width, **extra) -> dict:
    """A path object as Fabric's PencilBrush serialises it (M, Q…, L; left/top = bbox − stroke/2)."""
    pts = np.asarray(points, float)
    path = [["M", *pts[0]]]
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        mid = (a + b) / 2
        path.append(["Q", *a, *mid])
    path.append(["L", *pts[-1]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    obj = {
        "type": "Path", "version": "6.0.0", "originX": "left", "originY": "top",
        "left": lo[0] - stroke_width / 2, "top": lo[1] - stroke_width / 2,
        "width": hi[0] - lo[0], "height": hi[1] - lo[1],
        "stroke": "rgba(255, 0, 80, 0.7)", "strokeWidth": stroke_width, "fill": None,
        "scaleX": 1, "scaleY": 1, "angle": 0, "flipX": False, "flipY": False, "skewX": 0, "skewY": 0,
        "strokeLineCap": "round", "strokeLineJoin": "round", "path": path,
    }
    obj.update(extra)
    return obj


def pencil_curve(points, n=200) -> np.ndarray:
    """The curve a PencilBrush path describes, densely sampled: straight to the first midpoint, quadratic
    Béziers through each point (control) between midpoints, straight to the last point."""
    pts = np.asarray(points, float)
    out = [pts[0]]
    start = (pts[0] + pts[1]) / 2
    out.append(start)
    for i in range(1, len(pts) - 1):
        ctrl, end = pts[i], (pts[i] + pts[i + 1]) / 2
        t = np.linspace(0, 1, n)[:, None]
        out.extend((1 - t) ** 2 * start + 2 * (1 - t) * t * ctrl + t**2 * end)
        start = end
    out.append(pts[-1])
    return np.asarray(out)


def dist_to_polyline(shape_hw, poly_xy, step=0.2, max_d=np.inf) -> np.ndarray:
    """Distance from every pixel centre (x + 0.5, y + 0.5) to a polyline in image coordinates.

    The polyline is resampled every ``step`` px and searched with a k-d tree: error ≤ step / 2.
    """
    poly = np.asarray(poly_xy, float)
    dense = [poly[:1]]
    for a, b in zip(poly[:-1], poly[1:], strict=True):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        dense.append(a + (b - a) * np.linspace(0, 1, n + 1)[1:, None])
    tree = cKDTree(np.vstack(dense))
    h, w = shape_hw
    yy, xx = np.mgrid[0:h, 0:w]
    # Only pixels near the line matter: farther ones come back as +inf, cheaply.
    d, _ = tree.query(np.stack([xx.ravel() + 0.5, yy.ravel() + 0.5], axis=1), distance_upper_bound=max_d)
    return d.reshape(h, w)


def assert_matches(mask, inside, band, margin_px):
    """``mask`` equals ``inside`` everywhere except in the ``band`` (|signed distance| ≤ margin_px)."""
    wrong = (mask != inside) & ~band
    assert not wrong.any(), f"{int(wrong.sum())} pixels wrong more than {margin_px} px from the edge"


@pytest.mark.parametrize(
    ("canvas", "image"),
    [((600, 400), (1800, 1200)), ((860, 572), (1352, 900)), ((451, 300), (451, 300)), ((500, 250), (733, 366))],
)
def test_stroke_lands_on_original_pixels(canvas, image):
    cw, ch = canvas
    iw, ih = image
    sx, sy = iw / cw, ih / ch
    # An L-shaped stroke, then a long diagonal (Fabric rounds the corners with quadratic Béziers).
    pts = [(0.1 * cw, 0.2 * ch), (0.3 * cw, 0.2 * ch), (0.6 * cw, 0.2 * ch), (0.6 * cw, 0.7 * ch), (0.9 * cw, 0.9 * ch)]
    sw = 12
    got = drawing_to_mask({"objects": [pencil_path(pts, sw)]}, canvas, image)
    assert got.objects == 1 and got.mask.shape == (ih, iw)

    s = (sx + sy) / 2
    r = sw * s / 2
    d = dist_to_polyline((ih, iw), pencil_curve(pts) * [sx, sy], max_d=r + 3)
    # "within 1 px at the scale factor" asks for ±s px; we hold it to ±1 original px.
    assert_matches(got.mask, d <= r, np.abs(d - r) <= 1.0, 1.0)
    # Area agrees to within a 1-px rim around the stroke.
    expected_area = float((d <= r).sum())
    perimeter = float((np.abs(d - r) <= 0.5).sum())
    assert expected_area > 1000
    assert abs(got.mask.sum() - expected_area) <= perimeter


def test_moved_object_moves_the_mask():
    """An object dragged with the edit toggle only changes left/top: the mask follows, scaled."""
    canvas, image = (600, 400), (1800, 1200)
    pts = [(100, 100), (250, 100), (400, 100)]
    before = drawing_to_mask({"objects": [pencil_path(pts, 10)]}, canvas, image).mask
    moved = pencil_path(pts, 10)
    moved["left"] += 50
    moved["top"] += 20
    after = drawing_to_mask({"objects": [moved]}, canvas, image).mask
    ys0, xs0 = np.nonzero(before)
    ys1, xs1 = np.nonzero(after)
    assert abs((xs1.mean() - xs0.mean()) - 150) <= 1.0  # 50 canvas px × 3
    assert abs((ys1.mean() - ys0.mean()) - 60) <= 1.0  # 20 canvas px × 3
    assert abs(int(after.sum()) - int(before.sum())) <= 0.01 * before.sum()


def test_scaled_object_scales_around_its_origin():
    canvas, image = (600, 400), (1200, 800)
    pts = [(100, 100), (150, 100), (200, 100)]
    obj = pencil_path(pts, 10, scaleX=2.0, scaleY=2.0)
    m = drawing_to_mask({"objects": [obj]}, canvas, image).mask
    # Fabric scales about the top-left origin: the stroke now spans x = 95 + 2·(5…105) canvas px.
    ys, xs = np.nonzero(m)
    left, top = obj["left"], obj["top"]
    assert abs(xs.min() - (left * 2)) <= 2 and abs(xs.max() + 1 - (left + 2 * 110) * 2) <= 2
    assert abs(ys.min() - top * 2) <= 2 and abs(ys.max() + 1 - (top + 2 * 10) * 2) <= 2


def test_rotated_box_is_filled_where_fabric_draws_it():
    canvas, image = (400, 300), (1000, 750)
    s = 2.5
    left, top, w, h, angle = 120.0, 60.0, 100.0, 50.0, 30.0
    rect = {"type": "Rect", "originX": "left", "originY": "top", "left": left, "top": top, "width": w,
            "height": h, "angle": angle, "scaleX": 1, "scaleY": 1, "strokeWidth": 0, "stroke": None,
            "fill": "rgba(255,0,80,0.45)"}
    m = drawing_to_mask({"objects": [rect]}, canvas, image).mask
    a = math.radians(angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]]) @ rot.T + [left, top]  # rotation about top-left
    poly = corners * s
    hh, ww = m.shape
    edge = dist_to_polyline((hh, ww), [*poly, poly[0]], max_d=3)
    yy, xx = np.mgrid[0:hh, 0:ww]
    p = np.stack([xx + 0.5, yy + 0.5], axis=-1)
    inside = np.ones(m.shape, bool)
    for a_, b_ in zip(poly, np.roll(poly, -1, axis=0), strict=True):  # convex: inside every edge
        cross = (b_[0] - a_[0]) * (p[..., 1] - a_[1]) - (b_[1] - a_[1]) * (p[..., 0] - a_[0])
        inside &= cross >= 0
    assert 0.9 * w * h * s * s < inside.sum() < 1.1 * w * h * s * s
    assert_matches(m, inside, edge <= 1.0, 1.0)


def test_circle_with_stroke_covers_radius_plus_half_stroke():
    canvas, image = (300, 200), (900, 600)
    r, sw, left, top = 40.0, 6.0, 50.0, 30.0
    circle = {"type": "Circle", "originX": "left", "originY": "top", "left": left, "top": top,
              "radius": r, "width": 2 * r, "height": 2 * r, "strokeWidth": sw, "stroke": "red", "fill": "red",
              "scaleX": 1, "scaleY": 1, "angle": 0}
    m = drawing_to_mask({"objects": [circle]}, canvas, image).mask
    cx, cy = (left + r + sw / 2) * 3, (top + r + sw / 2) * 3
    yy, xx = np.mgrid[0 : m.shape[0], 0 : m.shape[1]]
    d = np.hypot(xx + 0.5 - cx, yy + 0.5 - cy)
    outer = (r + sw / 2) * 3
    assert_matches(m, d <= outer, np.abs(d - outer) <= 1.5, 1.5)


def test_empty_and_unknown_drawings():
    assert not drawing_to_mask(None, (100, 80), (200, 160)).mask.any()
    assert not drawing_to_mask({"objects": []}, (100, 80), (200, 160)).mask.any()
    got = drawing_to_mask({"objects": [{"type": "Textbox", "left": 5, "top": 5, "text": "hi"}]}, (100, 80), (200, 160))
    assert got.objects == 0 and got.skipped == ["textbox"] and not got.mask.any()
    with pytest.raises(ValueError):
        drawing_to_mask(None, (0, 80), (200, 160))


@pytest.mark.parametrize(("image", "expected"), [((1352, 900), (700, 466)), ((512, 929), (309, 560)),
                                                   ((451, 300), (451, 300)), ((4240, 2832), (700, 468))])
def test_canvas_size_keeps_aspect_and_never_upscales(image, expected):
    cw, ch = canvas_size_for(image)
    assert (cw, ch) == expected
    assert cw <= 700 and ch <= 560 and cw <= image[0]
    assert abs(cw / ch - image[0] / image[1]) < 2 / ch
