"""Filling a mask with OpenCV (Telea, Navier–Stokes), on the full frame or on crops around the mask.

:func:`inpaint` can process only boxes around the mask (``Strategy.CROP``): both OpenCV methods only read
pixels within ``radius`` of the hole, so a crop with a wider margin gives the full-frame result (bit-identical
for compact holes) while a 12-MP photo costs what its damaged part costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage  # a scikit-image dependency

from models.errors import InputError
from models.inpainting.common import InpaintOptions, InpaintResult, Method, Strategy
from models.inpainting.masks import check_mask
from models.ops import dilate
from models.runtime import timed


def crop_margin(radius: int) -> int:
    # OpenCV reads known pixels within `radius` of each filled one; 2 px more absorbs rounding.
    """Pixels a crop must extend beyond the mask for ``radius`` (px) to give the full-frame result."""
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
    """One crop handed to OpenCV and the part of it written back."""

    crop: tuple[int, int, int, int]  # (x0, y0, x1, y1) handed to OpenCV
    paste: tuple[int, int, int, int]  # part of the crop whose mask pixels are written back
    label: int  # cluster whose pixels are written back


@dataclass
class Plan:
    """How a mask is inpainted: the crops (none: the full frame) and the estimated cost of each way."""

    regions: list[Region]  # empty: process the full frame
    cells: np.ndarray | None  # cluster label per CELL×CELL cell (0 = no mask)
    estimated_crop_s: float
    estimated_full_s: float

    @property
    def full_frame(self) -> bool:
        """True when the plan is one full-frame call (no crops)."""
        return not self.regions

    def labels(self, box: tuple[int, int, int, int]) -> np.ndarray:
        """Per-pixel cluster labels inside ``box``."""
        x0, y0, x1, y1 = box
        cy0, cx0 = y0 // CELL, x0 // CELL
        assert self.cells is not None, "a full-frame plan has no cells"
        cells = self.cells[cy0 : (y1 - 1) // CELL + 1, cx0 : (x1 - 1) // CELL + 1]
        up = np.repeat(np.repeat(cells, CELL, axis=0), CELL, axis=1)
        return up[y0 - cy0 * CELL : y1 - cy0 * CELL, x0 - cx0 * CELL : x1 - cx0 * CELL]


def _cells(mask: np.ndarray) -> np.ndarray:
    """Max-pool the mask by CELL (a cell is True when any of its pixels is)."""
    h, w = mask.shape
    m8: np.ndarray = mask.astype(np.uint8) * 255  # 255/16 still rounds above 0 under area averaging
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
                crop = (
                    max(0, core[0] - overlap),
                    max(0, core[1] - overlap),
                    min(w, core[2] + overlap),
                    min(h, core[3] + overlap),
                )
                regions.append(Region(crop, core, i))
    crop_s = sum(
        COST_PER_CALL
        + COST_PER_PIXEL * (r.crop[2] - r.crop[0]) * (r.crop[3] - r.crop[1])
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
    """Inpaint the masked pixels of an image.

    Fill ``mask`` ((H, W) bool, True = missing) in an (H, W, 3) uint8 image → :class:`InpaintResult` (same
    shape and dtype, time in ms). Pixels outside the (dilated) mask never change.

    Raises :class:`models.errors.InputError` for a wrong image array, and :class:`MaskError` for a mask that
    does not match the image, is empty or covers almost everything (see :func:`check_mask`).
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise InputError(f"expected an (H, W, 3) uint8 image, got {rgb.shape} {rgb.dtype}")
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


class OpenCVInpainter:
    """One OpenCV method behind the :class:`models.inpainting.Inpainter` contract (no model file)."""

    def __init__(self, method: Method):
        self.method = method

    def inpaint(self, rgb: np.ndarray, mask: np.ndarray, options: InpaintOptions = InpaintOptions()) -> InpaintResult:
        """See :func:`inpaint`."""
        return inpaint(rgb, mask, self.method, options)
