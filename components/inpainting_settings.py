"""The Inpainting page's settings: every key its widgets, share link, session memo and the segmentation hand-off
use, each written once here (pages/2_Inpainting.py and components/inpainting_view.py read them from
:data:`INPAINT`)."""

from __future__ import annotations

from enum import Enum

from components.settings import Choice, Flag, Image, Key, Number, PageSettings
from models.inpainting import DEFAULT_RADIUS, Method
from models.inpainting.examples import Example


class MaskSource(str, Enum):
    EXAMPLE = "Example"
    DRAW = "Paint it"
    UPLOAD = "Upload a mask"
    HANDOFF = "From segmentation"


class INPAINT(PageSettings):
    """What an Inpainting link carries: the photo, the mask's source and example, whether strokes were painted,
    every setting; and the results kept in the session."""

    image = Image("inpaint_image")
    mask_source = Choice("inpaint_mask_source", MaskSource)
    example = Choice("inpaint_example", Example)
    invert_mask = Flag("inpaint_invert_mask")
    drawn = Flag("inpaint_drawn")  # set by the page: strokes are part of the mask (a link cannot carry them)
    radius = Number("inpaint_radius", DEFAULT_RADIUS, 1, 15)
    dilation = Number("inpaint_dilation", 2, 0, 15)
    crop = Flag("inpaint_crop", default=True)
    compare = Choice("inpaint_compare", Method)
    result = Key("inpaint_last_result", release="inpainting results")  # full-size Telea + Navier–Stokes results
    # A photo + mask handed over from Segmentation's "Remove an object" (components/handoff.py)
    handoff = Key("handoff_to_inpainting", release="hand-off to inpainting")
