"""FCN-8s and DeepLabV3+ on the ImageNet MobileNetV2 encoder (:mod:`models.segmentation.backbone`).

- **FCN-8s** (Long, Shelhamer, Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015):
  1×1 score layers on the stride-32, -16 and -8 features, the coarser score upsampled 2× by a learnable
  transposed convolution (initialised bilinear), cropped to the finer one and summed; the stride-8 sum upsampled
  8× (transposed conv, bilinear init) to the input size. The paper's encoder is VGG16; no VGG16 weights can be had
  here, so the encoder is MobileNetV2 (the mobile DeepLab's own), tapped at the outputs of its 1/32, 1/16, 1/8
  blocks.
- **DeepLabV3+** (Chen et al., ECCV 2018): the encoder at output stride 16 (atrous last stage), ASPP (1×1, three
  3×3 atrous separable convolutions at rates 6/12/18, and image pooling), a decoder that joins the ASPP output
  (bilinear ×4) with 48 channels of the stride-4 features, two 3×3 separable convolutions, 1×1 class logits,
  bilinear upsampling to the input size.

Both take (N, H, W, 3) float32 in [-1, 1] of any H, W ≥ 32 and give (N, H, W, classes) float32 logits.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np

import models.segmentation.backbone as bb


class Arch(str, Enum):
    """The segmentation heads this project trains."""

    FCN8S = "fcn8s"
    DEEPLABV3PLUS = "deeplabv3plus"


def bilinear_kernel(size: int, channels: int) -> np.ndarray:
    """Bilinear-upsampling kernel for a transposed convolution.

    (size, size, channels, channels) float32 transposed-conv kernel that upsamples each channel bilinearly
    by ``size // 2`` (the FCN paper's initialisation; zero across channels).
    """
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    og = np.ogrid[:size, :size]
    filt = (1 - abs(og[0] - centre) / factor) * (1 - abs(og[1] - centre) / factor)
    kernel = np.zeros((size, size, channels, channels), dtype=np.float32)
    for c in range(channels):
        kernel[:, :, c, c] = filt
    return kernel


def _layers() -> tuple[Any, Any, Any]:
    """(keras, CropLike, ResizeLike).

    Two layers that size one tensor like another at run time (the input size is free, so the feature sizes are known
    only then).
    """
    import keras
    import tensorflow as tf

    @keras.saving.register_keras_serializable(package="vision")
    class CropLike(keras.layers.Layer):
        """x[:, :h, :w] with (h, w) of ``ref``.

        An upsampled coarse map is at least as large as the finer one ("SAME" strides round up), so cropping its
        bottom/right aligns the two as FCN does.
        """

        def call(self, x, ref):
            shape = tf.shape(ref)
            return x[:, : shape[1], : shape[2], :]

        def compute_output_shape(self, x_shape, ref_shape):
            return (x_shape[0], ref_shape[1], ref_shape[2], x_shape[3])

    @keras.saving.register_keras_serializable(package="vision")
    class ResizeLike(keras.layers.Layer):
        """Bilinear resize of x to the (h, w) of ``ref`` (DeepLab's upsampling; ``align_corners`` false)."""

        def call(self, x, ref):
            return tf.image.resize(x, tf.shape(ref)[1:3], method="bilinear")

        def compute_output_shape(self, x_shape, ref_shape):
            return (x_shape[0], ref_shape[1], ref_shape[2], x_shape[3])

    return keras, CropLike, ResizeLike


def _upsample(keras: Any, x: Any, classes: int, factor: int, name: str) -> Any:
    size = 2 * factor
    layer = keras.layers.Conv2DTranspose(classes, size, strides=factor, padding="same", use_bias=False, name=name)
    y = layer(x)
    layer.set_weights([bilinear_kernel(size, classes)])
    return y


def fcn8s(classes: int, encoder: Any) -> Any:
    """FCN-8s logits model on ``encoder`` (output stride 32, from :func:`models.segmentation.backbone.build_encoder`)."""
    keras, CropLike, _ = _layers()
    image = encoder.input
    f8, f16, f32 = (encoder.get_layer(n).output for n in (bb.TAP_STRIDE_8, bb.TAP_STRIDE_16, bb.TAP_STRIDE_32))
    # The paper zero-initialises the score layers: training starts from uniform scores, not from random
    # projections of 1280 ReLU6 features (an initial loss of ~7 instead of ln(classes)).
    zero = {"kernel_initializer": "zeros"}
    score32 = keras.layers.Conv2D(classes, 1, name="score_32", **zero)(keras.layers.Dropout(0.1)(f32))
    score16 = keras.layers.Conv2D(classes, 1, name="score_16", **zero)(f16)
    score8 = keras.layers.Conv2D(classes, 1, name="score_8", **zero)(f8)
    up = CropLike(name="crop_16")(_upsample(keras, score32, classes, 2, "up2_32"), score16)
    fuse16 = keras.layers.Add(name="fuse_16")([up, score16])
    up = CropLike(name="crop_8")(_upsample(keras, fuse16, classes, 2, "up2_16"), score8)
    fuse8 = keras.layers.Add(name="fuse_8")([up, score8])
    logits = CropLike(name="crop_out")(_upsample(keras, fuse8, classes, 8, "up8"), image)
    return keras.Model(image, logits, name="fcn8s_mobilenetv2")


# The head's batch norms follow their batch statistics quickly: with Keras's default momentum (0.99) the statistics
# used at inference still held ~40 % of their initial 0/1 after two epochs of CamVid (val mIoU 5 % while training).
BN_MOMENTUM = 0.9


def _sep_conv(keras: Any, x: Any, filters: int, rate: int, name: str) -> Any:
    x = keras.layers.DepthwiseConv2D(3, padding="same", dilation_rate=rate, use_bias=False, name=f"{name}_dw")(x)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_dw_bn")(x)
    x = keras.layers.ReLU(name=f"{name}_dw_relu")(x)
    return _conv_bn(keras, x, filters, 1, name)


def _conv_bn(keras: Any, x: Any, filters: int, size: int, name: str) -> Any:
    x = keras.layers.Conv2D(filters, size, padding="same", use_bias=False, name=name)(x)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def deeplabv3plus(classes: int, encoder: Any, filters: int = 128, rates: tuple[int, ...] = (6, 12, 18)) -> Any:
    """DeepLabV3+ logits model on ``encoder`` (output stride 16).

    ``filters``: width of ASPP and decoder (the paper's 256; 128 keeps a CPU training run within an hour at a small
    cost).
    """
    keras, _, ResizeLike = _layers()
    image = encoder.input
    low = encoder.get_layer(bb.TAP_STRIDE_4).output
    high = encoder.get_layer(bb.TAP_LAST_BOTTLENECK).output
    branches = [_conv_bn(keras, high, filters, 1, "aspp_1x1")]
    branches += [_sep_conv(keras, high, filters, r, f"aspp_rate{r}") for r in rates]
    pooled = keras.layers.GlobalAveragePooling2D(keepdims=True, name="aspp_pool")(high)
    # No batch norm on the pooled branch: over a batch of 8 pooled vectors its variance was ~2e-4 around a mean of
    # ~21, so at inference (a whole image, not a crop) any small change of the pooled features was multiplied ~70×
    # (val pixel accuracy 1 % where training mode gave 62 %). A biased 1×1 convolution + ReLU instead.
    pooled = keras.layers.Conv2D(filters, 1, activation="relu", name="aspp_pool_conv")(pooled)
    branches.append(ResizeLike(name="aspp_pool_up")(pooled, high))
    x = keras.layers.Concatenate(name="aspp_concat")(branches)
    x = _conv_bn(keras, x, filters, 1, "aspp_project")
    x = keras.layers.Dropout(0.1, name="aspp_dropout")(x)
    skip = _conv_bn(keras, low, 48, 1, "decoder_skip")
    x = keras.layers.Concatenate(name="decoder_concat")([ResizeLike(name="decoder_up")(x, skip), skip])
    x = _sep_conv(keras, x, filters, 1, "decoder_conv1")
    x = _sep_conv(keras, x, filters, 1, "decoder_conv2")
    x = keras.layers.Conv2D(classes, 1, name="logits")(x)
    logits = ResizeLike(name="logits_up")(x, image)
    return keras.Model(image, logits, name="deeplabv3plus_mobilenetv2")


def build(arch: Arch | str, classes: int, npy_folder: Any = None) -> Any:
    """The logits model of ``arch`` for ``classes`` classes.

    The encoder gets the ImageNet weights of ``npy_folder`` when given (random otherwise, for tests and for loading
    trained weights).

    Raises ValueError for an unknown architecture, :class:`models.errors.ModelFileError` for a bad checkpoint.
    """
    arch = Arch(arch)
    stride = 32 if arch is Arch.FCN8S else 16
    encoder = bb.build_encoder(stride)
    # The encoder's batch norms keep their ImageNet statistics (DeepLab's recipe below a batch of ~12): Keras's
    # MobileNetV2 updates them with momentum 0.999, so with small batches the statistics used at inference lagged
    # far behind the ones used in training (val mIoU 7 % at a training loss of 0.7).
    for layer in encoder.layers:
        if layer.__class__.__name__ == "BatchNormalization":
            layer.trainable = False
    if npy_folder is not None:
        n = bb.load_encoder_weights(encoder, bb.read_npy_checkpoint(npy_folder))
        want = sum(len(layer.get_weights()) for layer in encoder.layers)
        if n != want:
            from models.errors import ModelFileError

            raise ModelFileError(f"{n} of {want} MobileNetV2 weight arrays found")
    return fcn8s(classes, encoder) if arch is Arch.FCN8S else deeplabv3plus(classes, encoder)
