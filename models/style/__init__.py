"""Style transfer: Magenta arbitrary image stylization (fast, feed-forward) and Gatys VGG19 optimisation.

No Streamlit here: usable from a CLI or a notebook::

    from models import style
    model = style.create(style.Backend.TFLITE_INT8)          # any backend, one contract (StyleBackend)
    out = model.stylize(content_rgb, style_rgb, strength=0.75).image   # uint8 HxWx3

Magenta (Ghiasi et al. 2017) = a style *prediction* network (256×256 style image → 100-d bottleneck) and a
style *transfer* network (content + bottleneck → image). Style strength blends the style's bottleneck with
the content image's own bottleneck (strength 0 ≈ the content re-rendered by the network, 1 = full style).

Two backends:
- TFLite pair from the store (CPU): the transfer network is fixed at 384×384 (its graph hard-codes the
  output shape: resizing the input tensor still returns 384×384). Larger outputs are made either by
  stylizing overlapping 384-px tiles of the full-resolution content and feathering them together (keeps
  detail; cost grows with the tile count) or by one pass at 384 px and resizing up (softer). Either way the
  content is never squashed: a non-square image (or tile) is fitted into the 384×384 input at its own aspect
  ratio and the rest filled by padding, then cropped back (so a 3:1 panorama keeps round strokes).
  See :class:`LargeImage`.
- The style image is centre-cropped to a square before it is resized to the prediction network's 256×256
  input (:func:`centre_square`): squashing a 16:10 painting distorts its strokes and weakens the style.
- TF Hub SavedModel (``hub.load``; any content size, preferred on a GPU). Its signature takes only
  ``(content, style)`` and does not expose the bottleneck, so strength there is a pixel blend between the
  content's self-stylization (the strength-0 end point) and the full stylization (the strength-1 end point).

Modules (imports go one way: common → tiles → magenta → choices; metrics, gatys): ``common`` (constants and
image helpers), ``tiles`` (tiling), ``magenta`` (the two backends), ``choices`` (the option table, the
:class:`StyleBackend` Protocol and ``create``), ``served`` (the model server's client and the capability's entry in
``models.backends``), ``metrics`` (edge / colour measures), ``gatys`` (VGG19
optimisation).
"""

from models.style.choices import SPECS, Backend, StyleBackend, StyleSpec, create, default_choice
from models.style.common import (
    BOTTLENECK_SHAPE,
    PAD_MODE,
    PREDICT_ENTRY,
    SAVED_MODEL_ENTRY,
    STYLE_SIZE,
    TRANSFER_SIZE,
    VGG19_ENTRY,
    LargeImage,
    StyleResult,
    blend_bottlenecks,
    centre_square,
    check_strength,
    output_size,
    resize,
    to_float,
    to_uint8,
)
from models.style.gatys import (
    GatysConfig,
    GatysProgress,
    GatysResult,
    GatysStopped,
    LayerSet,
    build_vgg19,
    gatys_transfer,
    gram_matrix,
    load_vgg19_from_store,
)
from models.style.magenta import MagentaSavedModel, MagentaTFLite
from models.style.metrics import colour_distance, colour_stats, edge_correlation, edge_map
from models.style.served import BACKENDS, ServedStyle
from models.style.tiles import tiled

__all__ = [
    "BACKENDS",
    "BOTTLENECK_SHAPE",
    "PAD_MODE",
    "PREDICT_ENTRY",
    "SAVED_MODEL_ENTRY",
    "SPECS",
    "STYLE_SIZE",
    "TRANSFER_SIZE",
    "VGG19_ENTRY",
    "Backend",
    "GatysConfig",
    "GatysProgress",
    "GatysResult",
    "GatysStopped",
    "LargeImage",
    "LayerSet",
    "MagentaSavedModel",
    "MagentaTFLite",
    "ServedStyle",
    "StyleBackend",
    "StyleResult",
    "StyleSpec",
    "blend_bottlenecks",
    "build_vgg19",
    "centre_square",
    "check_strength",
    "colour_distance",
    "colour_stats",
    "create",
    "default_choice",
    "edge_correlation",
    "edge_map",
    "gatys_transfer",
    "gram_matrix",
    "load_vgg19_from_store",
    "output_size",
    "resize",
    "tiled",
    "to_float",
    "to_uint8",
]
