"""The capability pages: where their page lives and how the home page describes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.cards import FCN8S_CAMVID_CURVES
from models.registry import Capability
from models.segmentation.backbone import ENCODER_ENTRY

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageInfo:
    capability: Capability
    path: str  # relative to the app root
    icon: str
    title: str
    summary: str
    settings: str  # the module declaring the page's settings (components/settings.py PageSettings)
    # store entries this page needs beyond what its capability's options need (the home card is muted without them)
    needs: tuple[str, ...] = ()
    # a committed picture for the card instead of the capability's example result, and the part of it shown
    # (left, top, right, bottom as fractions of the picture)
    picture: str = ""
    picture_crop: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)

    @property
    def exists(self) -> bool:
        return (ROOT / self.path).is_file()


PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        Capability.SEGMENTATION,
        "pages/1_Segmentation.py",
        "🎨",
        "Semantic segmentation",
        "Colours every pixel by what it shows (person, cat, car…) and blurs the background behind a subject.",
        "components.segmentation_settings",
    ),
    PageInfo(
        Capability.INPAINTING,
        "pages/2_Inpainting.py",
        "🩹",
        "Inpainting",
        "Paint over scratches or a small object and let the photo fill the gap in.",
        "components.inpainting_settings",
    ),
    PageInfo(
        Capability.DCGAN,
        "pages/3_Digit_GAN.py",
        "🔢",
        "DCGAN digits",
        "Invents handwritten digits that never existed, morphs between them and repairs damaged ones.",
        "components.digits_settings",
    ),
    PageInfo(
        Capability.STYLE,
        "pages/4_Style_Transfer.py",
        "🖌️",
        "Style transfer",
        "Repaints a photo in the style of a famous painting, as strongly as you like.",
        "components.style_settings",
    ),
    PageInfo(
        Capability.FACES,
        "pages/5_Face_Similarity.py",
        "🙂",
        "Face similarity",
        "Finds the faces in photos and tells whether two of them show the same person.",
        "components.faces_settings",
    ),
    PageInfo(
        Capability.VIDEO,
        "pages/6_Video_Classification.py",
        "🎬",
        "Video classification",
        "Watches a short clip and names the action in it, second by second.",
        "components.video_settings",
    ),
    PageInfo(
        Capability.SEGMENTATION,
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
)
