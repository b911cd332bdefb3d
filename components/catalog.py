"""The six capabilities: where their page lives and how the home page describes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.registry import Capability

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageInfo:
    capability: Capability
    path: str  # relative to the app root
    icon: str
    title: str
    summary: str

    @property
    def exists(self) -> bool:
        return (ROOT / self.path).is_file()


PAGES: tuple[PageInfo, ...] = (
    PageInfo(Capability.SEGMENTATION, "pages/1_Segmentation.py", "🎨", "Semantic segmentation",
             "DeepLab labels every pixel with one of 21 PASCAL VOC classes: overlay, legend, portrait mode."),
    PageInfo(Capability.INPAINTING, "pages/2_Inpainting.py", "🩹", "Inpainting",
             "Draw a mask in the browser and fill it with OpenCV Telea or Navier–Stokes."),
    PageInfo(Capability.DCGAN, "pages/3_Digit_GAN.py", "🔢", "DCGAN digits",
             "A conditional DCGAN trained by this project: sample digits, interpolate, restore damaged ones."),
    PageInfo(Capability.STYLE, "pages/4_Style_Transfer.py", "🖌️", "Style transfer",
             "Magenta arbitrary stylization with a strength control, plus Gatys VGG19 optimisation."),
    PageInfo(Capability.FACES, "pages/5_Face_Similarity.py", "🙂", "Face similarity",
             "Detect and align faces, compare embeddings, verify a pair and cluster many faces."),
    PageInfo(Capability.VIDEO, "pages/6_Video_Classification.py", "🎬", "Video classification",
             "Classify an uploaded clip: top-5, a timeline per segment and an annotated playable copy."),
)
