"""The segmentation capability's registration: its two pages, their defaults, the home card's example."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.capabilities import ROOT, THUMB, Holdings, Page, Registration
from models.cards import FCN8S_CAMVID_CURVES
from models.imaging import fit_within, read_image
from models.registry import Capability
from models.samples import photo_or_sample
from models.segmentation.backbone import ENCODER_ENTRY
from models.segmentation.choices import SPECS, SegModel, segmenter_from_file
from models.segmentation.render import overlay, readable_palette

EXAMPLE_MODEL = "deeplab_mnv2_513_quant"


def example(store: Holdings) -> tuple[np.ndarray, bool]:
    """The page's overlay on the cat photo (each class colour moved until it stands out: the VOC cat maroon)."""
    rgb = fit_within(read_image(str(photo_or_sample(store, "photo_cat", "chelsea.png"))).rgb, THUMB)
    if not store.has(EXAMPLE_MODEL):
        return rgb, False
    result = segmenter_from_file(SegModel(EXAMPLE_MODEL), store.path(EXAMPLE_MODEL)).predict(rgb)
    palette = readable_palette(rgb, result.class_map, 0.6)
    return overlay(rgb, result.class_map, 0.6, None, palette), True


def ready(present: Callable[[str], bool]) -> bool:
    """Some option has all its store entries (the CamVid networks trained here need none)."""
    return any(all(present(e) for e in spec.store_entries) for spec in SPECS.values())


CAPABILITY = Registration(
    name=Capability.SEGMENTATION,
    pages=(
        Page(
            "pages/1_Segmentation.py",
            "🎨",
            "Semantic segmentation",
            "Colours every pixel by what it shows (person, cat, car…) and blurs the background behind a subject.",
            "components.segmentation_settings",
        ),
        Page(
            "pages/7_Train_segmenter.py",
            "🧑‍🏫",
            "Train a segmenter",
            "Teach a segmentation network your own classes from labelled pictures and watch it learn.",
            "components.seg_training_settings",
            needs=(ENCODER_ENTRY,),  # the ImageNet encoder both networks start from
            # the per-class IoU bars of the FCN-8s this project trained on CamVid (its committed report)
            picture=str(FCN8S_CAMVID_CURVES.relative_to(ROOT)),  # also on the page's model card
            picture_crop=(0.648, 0.0, 1.0, 1.0),  # the per-class bars with their labels (the mIoU chart ends at 0.643)
        ),
    ),
    defaults=("deeplab_mnv2_513_quant", "pascal_voc_labels", "photo_cat"),
    example=example,
    example_needs=(EXAMPLE_MODEL, "photo_cat"),
    fallback="chelsea.png",
    served=True,
    ready=ready,
    order=10,
)
