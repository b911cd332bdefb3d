"""The ImageNet MobileNetV2 1.0 encoder, from Google's TF-slim checkpoint stored as one ``.npy`` per tensor.

Source: ``mobilenet_v2_1.0_224`` of tensorflow/models ``research/slim`` (Sandler et al., "MobileNetV2: Inverted
Residuals and Linear Bottlenecks", CVPR 2018), copied tensor by tensor into ``JonathanCMitchell/mobilenet_v2_keras``
(store entry ``mobilenet_v2_imagenet_npy``). The slim scopes map one to one onto the layers of
``keras.applications.MobileNetV2(alpha=1.0, include_top=False)``:

====================================  =========================================
slim tensor file (``.npy``)            Keras layer / weight
====================================  =========================================
``Conv_weights``                       ``Conv1`` kernel (stem, stride 2)
``Conv_BatchNorm_{gamma,beta,...}``    ``bn_Conv1``
``expanded_conv_depthwise_*``          ``expanded_conv_depthwise[_BN]`` (block 0)
``expanded_conv_project_*``            ``expanded_conv_project[_BN]``
``expanded_conv_N_{expand,...}_*``     ``block_N_{expand,depthwise,project}[_BN]``
``Conv_1_weights`` / ``Conv_1_BatchNorm_*``  ``Conv_1`` / ``Conv_1_bn`` (1×1 to 1280)
====================================  =========================================

Input: (N, H, W, 3) float32 RGB scaled to [-1, 1] (``x / 127.5 - 1``, slim's and Keras's preprocessing); any
H, W ≥ 32. Stride-2 layers pad as TF "SAME" does, so features line up with the slim graph.

``output_stride=16`` turns the last stride-2 layer (block 13) into stride 1 and dilates the depthwise kernels of
blocks 14-16 by 2, as DeepLab does for its mobile models (Chen et al., "Encoder-Decoder with Atrous Separable
Convolution", ECCV 2018): same weights, denser features.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import ModelFileError

# Feature taps (Keras layer names) by output stride: what FCN-8s and DeepLabV3+ read.
TAP_STRIDE_4 = "block_2_add"  # 24 channels
TAP_STRIDE_8 = "block_5_add"  # 32 channels
TAP_STRIDE_16 = "block_12_add"  # 96 channels
TAP_STRIDE_32 = "out_relu"  # 1280 channels (320 at block_16_project_BN)
# the store entry holding these tensors (models/registry.py)
ENCODER_ENTRY = "mobilenet_v2_imagenet_npy"
TAP_LAST_BOTTLENECK = "block_16_project_BN"  # 320 channels; stride 32, or 16 with output_stride=16

_BN = {"gamma": 0, "beta": 1, "moving_mean": 2, "moving_variance": 3}


def slim_to_keras(stem: str) -> tuple[str, int]:
    """Keras layer name and weight index of a slim tensor file.

    The Keras layer name and weight index of one slim tensor file stem, e.g.
    ``expanded_conv_3_depthwise_BatchNorm_gamma`` → (``block_3_depthwise_BN``, 0).

    Raises KeyError for a stem that is not part of the no-top backbone (e.g. the classifier's biases).
    """
    m = re.fullmatch(r"(Conv_1|Conv|expanded_conv(?:_(\d+))?_(expand|depthwise|project))_(.+)", stem)
    if not m:
        raise KeyError(stem)
    scope, block, part, rest = m.group(1), m.group(2), m.group(3), m.group(4)
    if scope == "Conv":
        layer, bn_layer = "Conv1", "bn_Conv1"
    elif scope == "Conv_1":
        layer, bn_layer = "Conv_1", "Conv_1_bn"
    else:
        layer = f"block_{block}_{part}" if block else f"expanded_conv_{part}"
        bn_layer = f"{layer}_BN"
    if rest in ("weights", "depthwise_weights"):
        return layer, 0
    bn = re.fullmatch(r"BatchNorm_(gamma|beta|moving_mean|moving_variance)", rest)
    if not bn:
        raise KeyError(stem)
    return bn_layer, _BN[bn.group(1)]


def read_npy_checkpoint(folder: Path | str) -> dict[tuple[str, int], np.ndarray]:
    """{(keras layer, weight index): array} from a folder of slim ``.npy`` tensors.

    Files outside the no-top backbone (the classifier biases) are skipped.

    Raises :class:`ModelFileError` when the folder holds no backbone tensors.
    """
    out: dict[tuple[str, int], np.ndarray] = {}
    for path in sorted(Path(folder).glob("*.npy")):
        try:
            key = slim_to_keras(path.stem)
        except KeyError:
            continue
        out[key] = np.load(path, allow_pickle=False)
    if not out:
        raise ModelFileError(f"{Path(folder).name}: no MobileNetV2 tensors found")
    return out


def build_encoder(output_stride: int = 32, input_shape: tuple[Any, Any, int] = (None, None, 3)) -> Any:
    """A Keras MobileNetV2 1.0 without its classifier (random weights), output stride 32 or 16.

    Returns a ``keras.Model`` whose layers carry the names of ``keras.applications.MobileNetV2``; read feature
    taps with ``model.get_layer(TAP_...).output``.
    """
    import keras

    if output_stride not in (16, 32):
        raise ValueError(f"output_stride must be 16 or 32, not {output_stride}")
    base = keras.applications.MobileNetV2(alpha=1.0, include_top=False, weights=None, input_shape=input_shape)
    config = base.get_config()
    for layer in config["layers"]:
        name, cfg = layer["config"]["name"], layer["config"]
        # Keras pads stride-2 layers by hand, assuming even sizes when the input size is unknown (an odd 45-px
        # feature map becomes 22, where slim's "SAME" gives 23): use "SAME" itself, exact at every size.
        if re.fullmatch(r"block_\d+_pad", name):
            cfg["padding"] = ((0, 0), (0, 0))
        elif re.fullmatch(r"block_\d+_depthwise", name):
            cfg["padding"] = "same"
            if output_stride == 16 and name == "block_13_depthwise":
                cfg["strides"] = (1, 1)
            elif output_stride == 16 and re.fullmatch(r"block_1[456]_depthwise", name):
                cfg["dilation_rate"] = (2, 2)
    return keras.Model.from_config(config)


def load_encoder_weights(model: Any, tensors: dict[tuple[str, int], np.ndarray]) -> int:
    """Copy slim tensors into ``model``'s backbone layers (matched by name); returns how many arrays were set.

    Raises :class:`ModelFileError` when a backbone weight has no tensor or a tensor has the wrong shape.
    """
    count = 0
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if not any((layer.name, i) in tensors for i in range(len(weights))):
            continue  # a head layer, not part of the backbone
        new = []
        for i, w in enumerate(weights):
            t = tensors.get((layer.name, i))
            if t is None or t.shape != w.shape:
                got = None if t is None else t.shape
                raise ModelFileError(f"MobileNetV2 tensor for {layer.name}[{i}]: expected {w.shape}, got {got}")
            new.append(t.astype(np.float32))
        layer.set_weights(new)
        count += len(new)
    return count


def imagenet_encoder(folder: Path | str, output_stride: int = 32) -> Any:
    """:func:`build_encoder` with the ImageNet weights of the ``.npy`` folder (all 260 backbone arrays).

    Raises :class:`ModelFileError` when the folder does not hold the whole backbone.
    """
    model = build_encoder(output_stride)
    tensors = read_npy_checkpoint(folder)
    n = load_encoder_weights(model, tensors)
    want = sum(len(layer.get_weights()) for layer in model.layers)
    if n != want:
        raise ModelFileError(f"{Path(folder).name}: {n} of {want} MobileNetV2 weight arrays found")
    return model


def preprocess(rgb: np.ndarray) -> np.ndarray:
    """(…, 3) uint8 RGB → float32 in [-1, 1], MobileNetV2's input scaling."""
    return rgb.astype(np.float32) * (1.0 / 127.5) - 1.0
