"""Semantic segmentation with DeepLab V3 / V3+ (PASCAL VOC: background + 20 classes).

Models come from the model store (see ``models/registry.py``):

- ``deeplab_mnv2_513_quant`` / ``deeplab_mnv2_dm05_513_quant``: TFLite uint8, 513×513 in, class map out;
- ``deeplab_257_float``: TFLite float32 in [-1, 1], 257×257 in, 21-channel logits out;
- ``deeplab_mnv2_frozen`` / ``deeplab_xception_frozen``: the tensorflow.org TF1 frozen graphs
  (``ImageTensor:0`` uint8 [1,H,W,3] → ``SemanticPredictions:0`` [1,H,W]), for GPU / online hosts.

Geometry: the image is scaled so its long side equals the model's input size (aspect ratio kept) and
padded at the bottom / right, as DeepLab was trained. The prediction's valid region is cropped and mapped
back onto the original pixels with pixel-centre sampling, so there is no offset or stretch at any size.

Modules, one job each (imports go one way: geometry → classes → segmenter → choices; render):
``classes`` (VOC names, colours, the result), ``geometry`` (letterbox, resizes), ``segmenter`` (the backend
and its loaders), ``choices`` (the option table, the backend Protocol and ``create``), ``served`` (the model
server's client and the capability's entry in ``models.backends``), ``render`` (overlay, colour map, PNG, portrait
mode), ``__main__`` (the CLI: ``python -m models.segmentation photo.jpg``).
No Streamlit here.
"""

from models.errors import ModelFileError
from models.ops import cover, dilate, feather, scaled_size
from models.segmentation.choices import (
    SPECS,
    SegmentationBackend,
    SegModel,
    class_names,
    create,
    default_choice,
    options,
    register,
    segmenter_from_file,
    spec_of,
    unregister,
)
from models.segmentation.classes import (
    BACKGROUND,
    MIN_LEGEND_SHARE,
    NUM_CLASSES,
    PALETTE,
    PERSON,
    VOC_CLASSES,
    ClassShare,
    Segmentation,
    class_mask,
    hex_colour,
    voc_palette,
)
from models.segmentation.geometry import LOGITS_UPSAMPLE_MAX_PIXELS, letterbox, logits_to_class_map, resize_nearest
from models.segmentation.render import (
    BackgroundMode,
    PortraitOptions,
    class_png,
    colorize,
    overlay,
    parse_hex_colour,
    portrait,
    readable_palette,
    side_by_side,
)
from models.segmentation.segmenter import (
    FROZEN_INPUT,
    FROZEN_LONG_SIDE,
    FROZEN_OUTPUT,
    Backend,
    ModelSpec,
    Predictor,
    Segmenter,
    build_segmenter,
    load_labels,
)
from models.segmentation.served import BACKENDS, ServedSegmenter

__all__ = [
    "BACKENDS",
    "BACKGROUND",
    "FROZEN_INPUT",
    "FROZEN_LONG_SIDE",
    "FROZEN_OUTPUT",
    "LOGITS_UPSAMPLE_MAX_PIXELS",
    "MIN_LEGEND_SHARE",
    "NUM_CLASSES",
    "PALETTE",
    "PERSON",
    "SPECS",
    "VOC_CLASSES",
    "Backend",
    "BackgroundMode",
    "ClassShare",
    "ModelFileError",
    "ModelSpec",
    "PortraitOptions",
    "Predictor",
    "SegModel",
    "Segmentation",
    "SegmentationBackend",
    "Segmenter",
    "ServedSegmenter",
    "build_segmenter",
    "class_mask",
    "class_names",
    "class_png",
    "colorize",
    "cover",
    "create",
    "default_choice",
    "dilate",
    "feather",
    "hex_colour",
    "letterbox",
    "load_labels",
    "logits_to_class_map",
    "options",
    "overlay",
    "parse_hex_colour",
    "portrait",
    "readable_palette",
    "register",
    "resize_nearest",
    "scaled_size",
    "segmenter_from_file",
    "side_by_side",
    "spec_of",
    "unregister",
    "voc_palette",
]
