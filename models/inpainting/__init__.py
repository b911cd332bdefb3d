"""Classical inpainting with OpenCV (Telea and Navier–Stokes), and everything a mask needs on the way.

- Masks come from canvas drawings (Fabric.js JSON, rasterised at the ORIGINAL image resolution, not the
  displayed one), uploaded mask images, or another page (segmentation) — all end up as ``(H, W) bool``.
- :func:`inpaint` can process only boxes around the mask (``Strategy.CROP``): both OpenCV methods only
  read pixels within ``radius`` of the hole, so a crop with a wider margin gives the full-frame result
  (bit-identical for compact holes) while a 12-MP photo costs what its damaged part costs.

Modules (imports go one way: common → drawing, masks → fill → choices; measure): ``common`` (options,
results, :class:`MaskError`), ``drawing`` (canvas JSON → mask), ``masks`` (mask files: read, fit, check),
``fill`` (crop planning and OpenCV), ``choices`` (the option table, the :class:`Inpainter` Protocol,
``create``), ``measure`` (baseline and PSNR). No Streamlit here: usable from a CLI or a notebook.
"""

from models.inpainting.choices import SPECS, Inpainter, InpaintSpec, create, default_choice, inpaint_all
from models.inpainting.common import (
    ASPECT_TOLERANCE,
    DEFAULT_RADIUS,
    MAX_MASK_FRACTION,
    WARN_MASK_FRACTION,
    InpaintOptions,
    InpaintResult,
    MaskError,
    Method,
    Strategy,
)
from models.inpainting.drawing import DrawingMask, drawing_to_mask
from models.inpainting.fill import (
    CELL,
    COST_PER_CALL,
    COST_PER_MASK_PIXEL,
    COST_PER_PIXEL,
    TILE,
    TILE_SPLIT_AREA,
    TILE_SPLIT_FILL,
    OpenCVInpainter,
    Plan,
    Region,
    crop_margin,
    inpaint,
    plan_regions,
)
from models.inpainting.masks import (
    LoadedMask,
    check_mask,
    fit_mask,
    hole_from_levels,
    inverted_hint,
    load_mask,
    probably_inverted,
    read_mask,
)
from models.inpainting.measure import mean_fill, psnr
from models.ops import dilate
from models.ops import tint as overlay_mask

__all__ = [
    "ASPECT_TOLERANCE",
    "CELL",
    "COST_PER_CALL",
    "COST_PER_MASK_PIXEL",
    "COST_PER_PIXEL",
    "DEFAULT_RADIUS",
    "MAX_MASK_FRACTION",
    "SPECS",
    "TILE",
    "TILE_SPLIT_AREA",
    "TILE_SPLIT_FILL",
    "WARN_MASK_FRACTION",
    "DrawingMask",
    "InpaintOptions",
    "InpaintResult",
    "InpaintSpec",
    "Inpainter",
    "LoadedMask",
    "MaskError",
    "Method",
    "OpenCVInpainter",
    "Plan",
    "Region",
    "Strategy",
    "check_mask",
    "create",
    "crop_margin",
    "default_choice",
    "dilate",
    "drawing_to_mask",
    "fit_mask",
    "hole_from_levels",
    "inpaint",
    "inpaint_all",
    "inverted_hint",
    "load_mask",
    "probably_inverted",
    "mean_fill",
    "overlay_mask",
    "plan_regions",
    "psnr",
    "read_mask",
]
