"""The Segmentation page's settings: every key its widgets, share link and views use, each written once here.

The page (pages/1_Segmentation.py) and its parts (components/segmentation_classes.py, segmentation_view.py) read
the keys from :data:`SEG` (``key=SEG.view.key``, ``SEG.opacity.slider(...)``); the link carries ``SEG.spec()``.
"""

from __future__ import annotations

from enum import Enum

from components.settings import Choice, Colour, Flag, Flags, Image, Number, PageSettings, Several
from models import segmentation as seg
from models.samples import SampleKind

# The sample kinds the page offers (photos, then the CamVid street scenes when the store has them).
SAMPLE_KINDS = (SampleKind.PHOTO, SampleKind.STREET)
CLASS_IDS = tuple(range(256))  # a class id is a uint8 (the class-id PNG); the found ones are checked when drawn


class Mode(str, Enum):
    SEGMENT = "🎨 Segmentation"
    PORTRAIT = "📷 Portrait mode"
    REMOVE = "🩹 Remove an object"


class View(str, Enum):
    OVERLAY = "Overlay"
    COLOUR_MAP = "Colour map"
    SIDE_BY_SIDE = "Side by side"


class SEG(PageSettings):
    """What a Segmentation link carries: the model, mode and image, and every setting of the three views."""

    model = Choice("seg_model", seg.options)
    mode = Choice("seg_mode", Mode)
    image = Image("seg", SAMPLE_KINDS)
    # Segmentation: the view, its opacity and the legend's show/hide per class (traces hidden unless asked for)
    view = Choice("seg_view", View)
    opacity = Number("seg_opacity", 0.6, 0.0, 1.0, 0.05)
    show_traces = Flag("seg_show_traces")
    show = Flags("seg_show_", CLASS_IDS, default=True)
    # Portrait mode: the classes kept sharp and the background
    keep = Several("seg_keep", CLASS_IDS)
    background = Choice("seg_bg_mode", seg.BackgroundMode)
    blur = Number("seg_blur", 12, 1, 40)
    colour = Colour("seg_colour", "#2e7d32")
    feather = Number("seg_feather", 6, 0, 30)
    # Remove an object: the class handed to inpainting and how far its mask grows
    remove_class = Choice("seg_remove_class", CLASS_IDS)
    dilate = Number("seg_dilate", 7, 0, 40)
