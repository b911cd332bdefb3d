"""Class-conditional DCGAN on MNIST: the two networks, the trained generator, sampling and interpolation.

Recipe (Radford et al., "Unsupervised Representation Learning with Deep Convolutional GANs", 2016): the
generator is a dense projection followed by strided transposed convs with batch norm on every layer but the
tanh output; the discriminator is strided convs with LeakyReLU 0.2 and no pooling; Adam lr 2e-4, beta1 0.5,
batch 128. Conditioning: the one-hot digit is concatenated to the noise (generator) and to the image as 10
constant planes (discriminator); the discriminator also has an auxiliary class head (AC-GAN, Odena et al.
2017) so the generator is pushed hard towards the requested digit. Training: :mod:`models.digits.gan_training`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import models.digits.mnist as mnist
from models.digits.common import NUM_CLASSES, WEIGHTS_DIR, onehot
from models.runtime import tf

GENERATOR_WEIGHTS = WEIGHTS_DIR / "dcgan_generator.weights.h5"
DISCRIMINATOR_WEIGHTS = WEIGHTS_DIR / "dcgan_discriminator.weights.h5"
CONFIG_FILE = WEIGHTS_DIR / "dcgan_config.json"
TRAIN_LOG = WEIGHTS_DIR / "dcgan_train_log.txt"
LOSS_PNG = WEIGHTS_DIR / "dcgan_loss_curves.png"
# Sampling default: latents drawn from N(0, psi^2) instead of N(0, 1) (the "truncation trick", Brock et al.
# 2019): fewer ambiguous digits for a little less variety. psi = 1 is the plain GAN; both are reported.
DEFAULT_TRUNCATION = 0.7


def default_workdir() -> Path:
    """Default checkpoint folder of a DCGAN training run (under ``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "vision-playground" / "runs" / "dcgan"


@dataclass(frozen=True)
class GanConfig:
    """The DCGAN's hyper-parameters (network widths, optimiser, AC-GAN and EMA settings), saved as ``config.json``."""

    latent_dim: int = 64
    g_channels: int = 128  # channels of the 7x7 projection; halves at each upsampling
    d_channels: int = 64  # first discriminator conv; doubles at the next
    batch: int = 128
    lr: float = 2e-4
    beta1: float = 0.5
    aux_weight: float = 1.0  # AC-GAN class loss weight (both nets)
    real_label: float = 0.9  # one-sided label smoothing keeps D from saturating on 8k digits
    ema_decay: float = 0.999  # exported generator = exponential moving average of the trained one
    seed: int = 2024

    @classmethod
    def from_json(cls, path: Path | str) -> GanConfig:
        """The config saved in a JSON file; keys this version does not know are ignored."""
        data = json.loads(Path(path).read_text())
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def build_generator(cfg: GanConfig):
    """The class-conditional generator: (z (N, latent_dim), one-hot (N, 10)) → (N, 28, 28, 1) float32 in [-1, 1]."""
    tf()
    import keras
    from keras import layers

    z = keras.Input((cfg.latent_dim,), name="z")
    y = keras.Input((NUM_CLASSES,), name="onehot")  # float: soft labels work too
    c = cfg.g_channels
    h = layers.Concatenate()([z, y])
    h = layers.Dense(7 * 7 * c, use_bias=False)(h)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    h = layers.Reshape((7, 7, c))(h)
    h = layers.Conv2DTranspose(c // 2, 4, strides=2, padding="same", use_bias=False)(h)  # 14x14
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    out = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", name="image")(h)  # 28x28
    return keras.Model([z, y], out, name="generator")


def build_discriminator(cfg: GanConfig):
    """The discriminator: (image (N, 28, 28, 1) in [-1, 1], one-hot (N, 10)) → (real/fake logit, 10 class logits)."""
    tf()
    import keras
    from keras import layers

    x = keras.Input((28, 28, 1), name="image")
    y = keras.Input((NUM_CLASSES,), name="onehot")
    planes = layers.Reshape((1, 1, NUM_CLASSES))(y)
    planes = layers.UpSampling2D(size=28)(planes)  # one constant plane per class
    h = layers.Concatenate()([x, planes])
    c = cfg.d_channels
    h = layers.Conv2D(c, 4, strides=2, padding="same")(h)  # 14x14, no BN on the input layer (DCGAN)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.Conv2D(2 * c, 4, strides=2, padding="same")(h)  # 7x7
    h = layers.BatchNormalization()(h)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.Flatten()(h)
    real = layers.Dense(1, name="real_logit")(h)
    cls = layers.Dense(NUM_CLASSES, name="class_logits")(h)
    return keras.Model([x, y], [real, cls], name="discriminator")


class DigitGenerator:
    """The trained (EMA) generator: sampling, grids, interpolation. Thread-safe (inference only)."""

    def __init__(self, model, cfg: GanConfig, truncation: float = DEFAULT_TRUNCATION):
        _tf = tf()
        self.model = model
        self.cfg = cfg
        self.truncation = truncation
        self._fn = _tf.function(lambda z, y: model([z, y], training=False), reduce_retracing=True)

    def latents(self, n: int, seed: int, truncation: float | None = None) -> np.ndarray:
        """``n`` latent vectors (n, latent_dim) float32: standard normal times ``truncation`` (default: this ψ)."""
        psi = self.truncation if truncation is None else truncation
        return (psi * np.random.default_rng(seed).standard_normal((n, self.cfg.latent_dim))).astype(np.float32)

    def with_truncation(self, truncation: float) -> DigitGenerator:
        """The same network sampling with another psi (shares the model and its traced function)."""
        twin = object.__new__(DigitGenerator)
        twin.__dict__.update(self.__dict__, truncation=float(truncation))
        return twin

    def from_latents(self, z: np.ndarray, labels: Sequence[int] | np.ndarray) -> np.ndarray:
        """Latents z (N, latent) + labels (N,) ints or (N,10) soft one-hots → float (N,28,28,1) in [-1,1]."""
        labels = np.asarray(labels)
        y = labels.astype(np.float32) if labels.ndim == 2 else onehot(labels)
        return np.asarray(self._fn(np.asarray(z, np.float32), y))

    def generate(self, n: int, digit: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` digits (uint8 (n,28,28)) and their labels; ``digit=None`` = any (labels cycle 0..9 shuffled)."""
        rng = np.random.default_rng((seed, 7))
        labels = (np.full(n, digit) if digit is not None else rng.integers(0, NUM_CLASSES, n)).astype(np.int64)
        return mnist.from_tanh(self.from_latents(self.latents(n, seed), labels)), labels

    def generate_per_class(self, per_class: int, seed: int, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """``per_class`` digits of each class: uint8 (10·per_class, 28, 28) and their labels, class by class."""
        labels = np.repeat(np.arange(NUM_CLASSES), per_class)
        z = self.latents(len(labels), seed)
        out = [self.from_latents(z[i : i + batch], labels[i : i + batch]) for i in range(0, len(labels), batch)]
        return mnist.from_tanh(np.concatenate(out)), labels

    def interpolate(
        self,
        seed_a: int,
        seed_b: int,
        digit_a: int,
        digit_b: int | None = None,
        steps: int = 10,
        spherical: bool = True,
    ) -> np.ndarray:
        """Digits along the path between two seeds' latents (and between two digit labels); uint8 (steps,28,28)."""
        za, zb = self.latents(1, seed_a)[0], self.latents(1, seed_b)[0]
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)
        z = np.stack([slerp(za, zb, s) if spherical else (1 - s) * za + s * zb for s in t])
        ya, yb = onehot([digit_a])[0], onehot([digit_a if digit_b is None else digit_b])[0]
        y = (1 - t)[:, None] * ya + t[:, None] * yb
        return mnist.from_tanh(self.from_latents(z, y))


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation: Gaussian latents live near a sphere, a straight line cuts through its inside."""
    cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-5:
        return (1 - t) * a + t * b
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def load_generator(
    weights: Path | str = GENERATOR_WEIGHTS, config: Path | str = CONFIG_FILE, truncation: float = DEFAULT_TRUNCATION
) -> DigitGenerator:
    """The committed generator (EMA weights) with its config, sampling at ``truncation`` ψ."""
    cfg = GanConfig.from_json(config)
    model = build_generator(cfg)
    model.load_weights(str(weights))
    return DigitGenerator(model, cfg, truncation)


def load_discriminator(weights: Path | str = DISCRIMINATOR_WEIGHTS, config: Path | str = CONFIG_FILE):
    """The committed discriminator (a Keras model, see :func:`build_discriminator`) with its config."""
    cfg = GanConfig.from_json(config)
    model = build_discriminator(cfg)
    model.load_weights(str(weights))
    return model
