"""Class-conditional DCGAN on MNIST: training, sampling, latent interpolation and digit restoration.

Recipe (Radford et al. DCGAN): the generator is a dense projection followed by strided transposed convs with
batch norm on every layer but the tanh output; the discriminator is strided convs with LeakyReLU 0.2 and no
pooling; Adam lr 2e-4, beta1 0.5, batch 128. Conditioning: the one-hot digit is concatenated to the noise
(generator) and to the image as 10 constant planes (discriminator); the discriminator also has an auxiliary
class head (AC-GAN) so the generator is pushed hard towards the requested digit.

Restoration follows Yeh et al., "Semantic image inpainting with deep generative models": keep the generator
fixed and optimise the latent vector so G(z) matches the known pixels (importance-weighted context loss) while
the discriminator still finds it real (prior loss); then paste the generated pixels into the hole.

Commands:
  python -m models.dcgan train [--steps 2500] [--max-minutes 90]  trains (resumable), exports models/weights/
  python -m models.dcgan eval [--per-class 1000]                judge accuracy + mode-collapse check
  python -m models.dcgan eval-restore [--n 200]                 restoration vs OpenCV Telea on held-out digits
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np

from models import mnist
from models.runtime import tf

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
GENERATOR_WEIGHTS = WEIGHTS_DIR / "dcgan_generator.weights.h5"
DISCRIMINATOR_WEIGHTS = WEIGHTS_DIR / "dcgan_discriminator.weights.h5"
CONFIG_FILE = WEIGHTS_DIR / "dcgan_config.json"
TRAIN_LOG = WEIGHTS_DIR / "dcgan_train_log.txt"
LOSS_PNG = WEIGHTS_DIR / "dcgan_loss_curves.png"
NUM_CLASSES = 10
# Sampling default: latents drawn from N(0, psi^2) instead of N(0, 1) (the "truncation trick", Brock et al.
# 2019): fewer ambiguous digits for a little less variety. psi = 1 is the plain GAN; both are reported.
DEFAULT_TRUNCATION = 0.7


def default_workdir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "vision-playground" / "runs" / "dcgan"


@dataclass(frozen=True)
class GanConfig:
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
        data = json.loads(Path(path).read_text())
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


# --------------------------------------------------------------------------------------- networks
def build_generator(cfg: GanConfig):
    tf()
    import keras  # noqa: PLC0415
    from keras import layers  # noqa: PLC0415

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
    tf()
    import keras  # noqa: PLC0415
    from keras import layers  # noqa: PLC0415

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


def onehot(labels: Sequence[int] | np.ndarray) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.int64)
    return np.eye(NUM_CLASSES, dtype=np.float32)[labels]


# --------------------------------------------------------------------------------------- training
@dataclass
class TrainState:
    step: int = 0
    history: dict[str, list[float]] = field(default_factory=lambda: {"step": [], "d_loss": [], "g_loss": [],
                                                                      "d_real": [], "d_fake": []})
    evals: list[dict] = field(default_factory=list)


class Trainer:
    """Resumable trainer: checkpoints (nets, optimisers, EMA generator, step, history) in ``workdir``."""

    def __init__(self, cfg: GanConfig, x_train: np.ndarray, y_train: np.ndarray, workdir: Path | str):
        import keras  # noqa: PLC0415

        _tf = tf()
        self.cfg = cfg
        keras.utils.set_random_seed(cfg.seed)
        self.x = mnist.to_tanh(x_train)
        self.y = onehot(y_train)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.G = build_generator(cfg)
        self.D = build_discriminator(cfg)
        self.G_ema = build_generator(cfg)
        self.G_ema.set_weights(self.G.get_weights())
        self.g_opt = keras.optimizers.Adam(cfg.lr, beta_1=cfg.beta1)
        self.d_opt = keras.optimizers.Adam(cfg.lr, beta_1=cfg.beta1)
        self.step_var = _tf.Variable(0, dtype=_tf.int64)
        self.state = TrainState()
        # Build optimiser slots before the checkpoint is created so restore maps every variable.
        self.g_opt.build(self.G.trainable_variables)
        self.d_opt.build(self.D.trainable_variables)
        self.ckpt = _tf.train.Checkpoint(G=self.G, D=self.D, G_ema=self.G_ema, g_opt=self.g_opt,
                                         d_opt=self.d_opt, step=self.step_var)
        self.manager = _tf.train.CheckpointManager(self.ckpt, str(self.workdir / "ckpt"), max_to_keep=3)
        self._train_step = _tf.function(self._step_impl, reduce_retracing=True)

    # one discriminator update then one generator update, both on the same batch size
    def _step_impl(self, real, labels, z, fake_labels):
        _tf = tf()
        cfg = self.cfg
        bce = _tf.nn.sigmoid_cross_entropy_with_logits
        ce = _tf.nn.softmax_cross_entropy_with_logits
        with _tf.GradientTape() as d_tape:
            fake = self.G([z, fake_labels], training=True)
            r_logit, r_cls = self.D([real, labels], training=True)
            f_logit, _ = self.D([fake, fake_labels], training=True)
            d_adv = (_tf.reduce_mean(bce(labels=_tf.fill(_tf.shape(r_logit), cfg.real_label), logits=r_logit))
                     + _tf.reduce_mean(bce(labels=_tf.zeros_like(f_logit), logits=f_logit)))
            d_cls = _tf.reduce_mean(ce(labels=labels, logits=r_cls))
            d_loss = d_adv + cfg.aux_weight * d_cls
        d_grads = d_tape.gradient(d_loss, self.D.trainable_variables)
        self.d_opt.apply_gradients(zip(d_grads, self.D.trainable_variables))
        with _tf.GradientTape() as g_tape:
            fake = self.G([z, fake_labels], training=True)
            f_logit, f_cls = self.D([fake, fake_labels], training=True)
            g_adv = _tf.reduce_mean(bce(labels=_tf.ones_like(f_logit), logits=f_logit))  # non-saturating
            g_cls = _tf.reduce_mean(ce(labels=fake_labels, logits=f_cls))
            g_loss = g_adv + cfg.aux_weight * g_cls
        g_grads = g_tape.gradient(g_loss, self.G.trainable_variables)
        self.g_opt.apply_gradients(zip(g_grads, self.G.trainable_variables))
        # EMA warm-up: early on the average must not remember the random initial weights.
        step = _tf.cast(self.step_var, _tf.float32)
        decay = _tf.minimum(cfg.ema_decay, (1.0 + step) / (10.0 + step))
        for ema, live in zip(self.G_ema.weights, self.G.weights):
            ema.assign(decay * ema + (1.0 - decay) * live)
        self.step_var.assign_add(1)
        return d_loss, g_loss, _tf.reduce_mean(_tf.sigmoid(r_logit)), _tf.reduce_mean(_tf.sigmoid(f_logit))

    def restore(self) -> bool:
        latest = self.manager.latest_checkpoint
        if latest:
            self.ckpt.restore(latest)
            hist = self.workdir / "state.json"
            if hist.exists():
                data = json.loads(hist.read_text())
                self.state = TrainState(int(self.step_var.numpy()), data["history"], data.get("evals", []))
            self.state.step = int(self.step_var.numpy())
            return True
        return False

    def save(self) -> None:
        self.manager.save(checkpoint_number=self.state.step)
        (self.workdir / "state.json").write_text(json.dumps({"history": self.state.history,
                                                             "evals": self.state.evals}))

    def batch_for(self, step: int) -> tuple[np.ndarray, ...]:
        """The batch of a given step, derived from (seed, step) alone: a resumed run sees the same data."""
        n = len(self.x)
        per_epoch = max(1, n // self.cfg.batch)
        epoch, k = divmod(step, per_epoch)
        perm = np.random.default_rng((self.cfg.seed, epoch)).permutation(n)
        idx = perm[k * self.cfg.batch:(k + 1) * self.cfg.batch]
        rng = np.random.default_rng((self.cfg.seed, 1_000_003, step))
        z = rng.standard_normal((len(idx), self.cfg.latent_dim)).astype(np.float32)
        fake_labels = onehot(rng.integers(0, NUM_CLASSES, len(idx)))
        return self.x[idx], self.y[idx], z, fake_labels

    def train_steps(self, n: int, log_every: int = 50, log: Callable[[str], None] = print) -> None:
        t0 = time.perf_counter()
        for _ in range(n):
            real, labels, z, fl = self.batch_for(self.state.step)
            d_loss, g_loss, d_real, d_fake = (float(v) for v in self._train_step(real, labels, z, fl))
            self.state.step += 1
            if self.state.step % log_every == 0 or self.state.step == 1:
                h = self.state.history
                h["step"].append(self.state.step)
                h["d_loss"].append(d_loss)
                h["g_loss"].append(g_loss)
                h["d_real"].append(d_real)
                h["d_fake"].append(d_fake)
                log(f"step {self.state.step}: d_loss {d_loss:.3f} g_loss {g_loss:.3f} D(real) {d_real:.2f} "
                    f"D(fake) {d_fake:.2f} ({(time.perf_counter() - t0) / max(1, _ + 1) * 1000:.0f} ms/step)")

    def export(self, weights_dir: Path | str = WEIGHTS_DIR) -> None:
        weights_dir = Path(weights_dir)
        weights_dir.mkdir(parents=True, exist_ok=True)
        self.G_ema.save_weights(str(weights_dir / GENERATOR_WEIGHTS.name))
        self.D.save_weights(str(weights_dir / DISCRIMINATOR_WEIGHTS.name))
        (weights_dir / CONFIG_FILE.name).write_text(json.dumps(asdict(self.cfg), indent=1))


def plot_losses(history: dict[str, list[float]], evals: list[dict], path: Path | str) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, axes = plt.subplots(1, 2 if evals else 1, figsize=(11 if evals else 6, 3.6), squeeze=False)
    ax = axes[0, 0]
    ax.plot(history["step"], history["d_loss"], label="discriminator")
    ax.plot(history["step"], history["g_loss"], label="generator")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (adversarial + class)")
    ax.set_title("DCGAN training losses")
    ax.legend()
    ax.grid(alpha=0.3)
    if evals:
        ax = axes[0, 1]
        ax.plot([e["step"] for e in evals], [100 * e["judge_accuracy"] for e in evals], "o-", label="judge acc %")
        ax.plot([e["step"] for e in evals], [100 * e["diversity_ratio"] for e in evals], "s-",
                label="diversity vs real %")
        ax.axhline(90, color="gray", ls="--", lw=0.8)
        ax.axhline(50, color="gray", ls=":", lw=0.8)
        ax.set_xlabel("step")
        ax.set_title("checkpoint quality (EMA generator)")
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------------------- inference
class DigitGenerator:
    """The trained (EMA) generator: sampling, grids, interpolation. Thread-safe (inference only)."""

    def __init__(self, model, cfg: GanConfig, truncation: float = DEFAULT_TRUNCATION):
        _tf = tf()
        self.model = model
        self.cfg = cfg
        self.truncation = truncation
        self._fn = _tf.function(lambda z, y: model([z, y], training=False), reduce_retracing=True)

    def latents(self, n: int, seed: int, truncation: float | None = None) -> np.ndarray:
        psi = self.truncation if truncation is None else truncation
        return (psi * np.random.default_rng(seed).standard_normal((n, self.cfg.latent_dim))).astype(np.float32)

    def with_truncation(self, truncation: float) -> DigitGenerator:
        """The same network sampling with another psi (shares the model and its traced function)."""
        twin = object.__new__(DigitGenerator)
        twin.__dict__.update(self.__dict__, truncation=float(truncation))
        return twin

    def from_latents(self, z: np.ndarray, labels: Sequence[int] | np.ndarray) -> np.ndarray:
        """z (N, latent) + labels (N,) ints or (N,10) soft one-hots → float (N,28,28,1) in [-1,1]."""
        labels = np.asarray(labels)
        y = labels.astype(np.float32) if labels.ndim == 2 else onehot(labels)
        return np.asarray(self._fn(np.asarray(z, np.float32), y))

    def generate(self, n: int, digit: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """n digits (uint8 (n,28,28)) and their labels; ``digit=None`` = any (labels cycle 0..9 shuffled)."""
        rng = np.random.default_rng((seed, 7))
        labels = (np.full(n, digit) if digit is not None else rng.integers(0, NUM_CLASSES, n)).astype(np.int64)
        return mnist.from_tanh(self.from_latents(self.latents(n, seed), labels)), labels

    def generate_per_class(self, per_class: int, seed: int, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        labels = np.repeat(np.arange(NUM_CLASSES), per_class)
        z = self.latents(len(labels), seed)
        out = [self.from_latents(z[i:i + batch], labels[i:i + batch]) for i in range(0, len(labels), batch)]
        return mnist.from_tanh(np.concatenate(out)), labels

    def interpolate(self, seed_a: int, seed_b: int, digit_a: int, digit_b: int | None = None,
                    steps: int = 10, spherical: bool = True) -> np.ndarray:
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


def load_generator(weights: Path | str = GENERATOR_WEIGHTS, config: Path | str = CONFIG_FILE,
                   truncation: float = DEFAULT_TRUNCATION) -> DigitGenerator:
    cfg = GanConfig.from_json(config)
    model = build_generator(cfg)
    model.load_weights(str(weights))
    return DigitGenerator(model, cfg, truncation)


def load_discriminator(weights: Path | str = DISCRIMINATOR_WEIGHTS, config: Path | str = CONFIG_FILE):
    cfg = GanConfig.from_json(config)
    model = build_discriminator(cfg)
    model.load_weights(str(weights))
    return model


def grid(images: np.ndarray, cols: int, pad: int = 2, scale: int = 1) -> np.ndarray:
    """Tile uint8 (N,28,28) digits into one uint8 image (white-on-black like MNIST), upscaled by ``scale``."""
    images = np.asarray(images)
    n = len(images)
    cols = max(1, min(cols, n))
    rows = (n + cols - 1) // cols
    h, w = images.shape[1:3]
    out = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad), np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = im
    if scale > 1:
        out = np.kron(out, np.ones((scale, scale), np.uint8))
    return out


# --------------------------------------------------------------------------------------- quality checks
def mean_pairwise_distance(images: np.ndarray, max_n: int = 1000, seed: int = 0) -> float:
    """Mean Euclidean distance between all pairs (pixels in [0,1]); subsampled to ``max_n`` images."""
    x = np.asarray(images, np.float32).reshape(len(images), -1) / 255.0
    if len(x) > max_n:
        x = x[np.random.default_rng(seed).choice(len(x), max_n, replace=False)]
    sq = (x * x).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * x @ x.T, 0.0)
    n = len(x)
    return float(np.sqrt(d2)[np.triu_indices(n, 1)].mean())


@dataclass(frozen=True)
class QualityReport:
    per_class_accuracy: np.ndarray  # (10,)
    accuracy: float
    gen_diversity: np.ndarray  # (10,) mean pairwise distance of generated digits of each class
    real_diversity: np.ndarray  # (10,) the same for real digits of the class
    per_class: int

    @property
    def diversity_ratio(self) -> np.ndarray:
        return self.gen_diversity / self.real_diversity

    def table(self) -> str:
        lines = ["digit | judge acc | diversity gen | diversity real | ratio",
                 "------|-----------|---------------|----------------|------"]
        for d in range(NUM_CLASSES):
            lines.append(f"{d:5d} | {100 * self.per_class_accuracy[d]:8.1f}% | {self.gen_diversity[d]:13.3f} | "
                         f"{self.real_diversity[d]:14.3f} | {self.diversity_ratio[d]:.2f}")
        lines.append(f"overall judge accuracy {100 * self.accuracy:.2f}% on {self.per_class * NUM_CLASSES} samples "
                     f"({self.per_class} per digit); min diversity ratio {self.diversity_ratio.min():.2f}")
        return "\n".join(lines)


def quality(gen: DigitGenerator, judge, real_x: np.ndarray, real_y: np.ndarray, per_class: int = 1000,
            seed: int = 99) -> QualityReport:
    images, labels = gen.generate_per_class(per_class, seed)
    pred = judge.predict(images)
    acc = np.array([(pred[labels == d] == d).mean() for d in range(NUM_CLASSES)])
    gdiv = np.array([mean_pairwise_distance(images[labels == d]) for d in range(NUM_CLASSES)])
    rdiv = np.array([mean_pairwise_distance(real_x[real_y == d]) for d in range(NUM_CLASSES)])
    return QualityReport(acc, float((pred == labels).mean()), gdiv, rdiv, per_class)


# --------------------------------------------------------------------------------------- restoration
class MaskPreset(str, Enum):
    TOP_HALF = "top half"
    BOTTOM_HALF = "bottom half"
    LEFT_HALF = "left half"
    RIGHT_HALF = "right half"
    CENTRE_BLOCK = "centre block"
    RANDOM_BLOCK_30 = "random 30 % block"


def block_mask(rng: np.random.Generator, fraction: float = 0.3, size: int = 28) -> np.ndarray:
    """A random rectangle covering ``fraction`` of the image, kept inside the 20x20 box where MNIST ink is."""
    area = fraction * size * size
    h = int(rng.integers(12, 20))
    w = int(round(area / h))
    w = min(w, 22)
    h = int(round(area / w))
    y0 = int(rng.integers(3, size - 3 - h + 1))
    x0 = int(rng.integers(3, size - 3 - w + 1))
    m = np.zeros((size, size), bool)
    m[y0:y0 + h, x0:x0 + w] = True
    return m


def preset_mask(preset: MaskPreset, seed: int = 0, size: int = 28) -> np.ndarray:
    """True = missing pixel."""
    m = np.zeros((size, size), bool)
    half = size // 2
    if preset is MaskPreset.TOP_HALF:
        m[:half] = True
    elif preset is MaskPreset.BOTTOM_HALF:
        m[half:] = True
    elif preset is MaskPreset.LEFT_HALF:
        m[:, :half] = True
    elif preset is MaskPreset.RIGHT_HALF:
        m[:, half:] = True
    elif preset is MaskPreset.CENTRE_BLOCK:
        m[9:19, 8:20] = True
    else:
        m = block_mask(np.random.default_rng(seed), 0.3, size)
    return m


@dataclass(frozen=True)
class RestoreConfig:
    steps: int = 150
    lr: float = 0.1
    prior_weight: float = 0.01  # lambda of Yeh et al.: small, the context dominates
    window: int = 7  # importance weights: known pixels near the hole count more
    restarts: int = 2  # latent starting points per candidate digit
    top_k: int = 3  # candidate digits, proposed by the digit guesser (10 = try every digit)
    guess_weight: float = 8.0  # how much the guesser's -log p(digit) counts next to the fit when choosing
    # (200 held-out digits, 30 % block: digit chosen right 59.5 % by fit alone, 78.5 % at 1, 83.5 % at 8)
    class_weight: float = 1.0  # how much the guesser's cross-entropy on the restored digit (known pixels + fill,
    # seen whole) counts: pulled hard by the context, G(z, digit) drifts towards other digits (a "3" fill that
    # reads as "9"). Chosen on 300 held-out digits disjoint from eval-restore's 200: with the right digit,
    # restored read right 96.9 % at 0, 99.2 % at 1, 98.8 % at 4. Needs a guesser; 0 turns it off.
    init_samples: int = 32  # random latents scored (forward pass only) to pick each start
    latent_clip: float = 3.0  # keep z where the N(0,1) prior has mass
    seed: int = 0


@dataclass(frozen=True)
class Restoration:
    restored: np.ndarray  # uint8 (N,28,28): known pixels kept, hole filled from G(z)
    generated: np.ndarray  # uint8 (N,28,28): raw G(z*)
    digit: np.ndarray  # (N,) class of the best candidate
    loss: np.ndarray  # (N,) best total loss
    candidates: np.ndarray  # (N, K) digits tried
    candidate_loss: np.ndarray  # (N, K) fit (context + prior + class consistency) of each (best restart)
    candidate_prob: np.ndarray  # (N, K) the guesser's probability of each (uniform when there is no guesser)


def importance_weights(known: np.ndarray, window: int = 7) -> np.ndarray:
    """Yeh et al.: a known pixel's weight = share of unknown pixels in its window (0 if far from the hole)."""
    import cv2  # noqa: PLC0415

    unknown = (~known).astype(np.float32)
    out = np.empty_like(unknown)
    for i in range(len(unknown)):
        out[i] = cv2.blur(unknown[i], (window, window), borderType=cv2.BORDER_CONSTANT)
    return (out * known).astype(np.float32)


def propose_digits(disc, images: np.ndarray, masks: np.ndarray, k: int) -> np.ndarray:
    """Top-k digit guesses from the discriminator's class head on a Telea fill (used without a guesser).

    Weak on large holes (the class head only saw whole digits): :mod:`models.digit_guesser` does better.
    """
    if k >= NUM_CLASSES:
        return np.tile(np.arange(NUM_CLASSES), (len(images), 1))
    filled = mnist.to_tanh(telea(images, masks))
    # The class head does not depend on the label planes much; average over all ten to stay neutral.
    scores = np.zeros((len(images), NUM_CLASSES), np.float32)
    for c in range(NUM_CLASSES):
        _, cls = disc([filled, np.repeat(onehot([c]), len(images), 0)], training=False)
        scores += np.asarray(cls)
    return np.argsort(-scores, axis=1)[:, :k]


def restore(gen: DigitGenerator, disc, images: np.ndarray, masks: np.ndarray, cfg: RestoreConfig = RestoreConfig(),
            candidates: Sequence[int] | None = None, guesser=None,
            progress: Callable[[float], None] | None = None) -> Restoration:
    """Recover the masked pixels (mask True = missing) of uint8 (N,28,28) digits by latent optimisation.

    Each image is tried with its candidate digits and ``cfg.restarts`` starts each, all in one batch; every start
    is the best of ``cfg.init_samples`` random latents. Candidates: ``candidates`` when given, else the top-k of
    ``guesser`` (a :class:`models.digit_guesser.DigitGuesser`), else of the discriminator's class head. The fit
    is context + prior loss, plus (with a guesser) ``cfg.class_weight`` x the guesser's cross-entropy of the
    candidate digit on the restored image; the winner minimises fit + ``cfg.guess_weight`` x -log p(digit |
    damaged digit).
    """
    _tf = tf()
    import keras  # noqa: PLC0415

    images = np.asarray(images)
    masks = np.asarray(masks, bool)
    if images.ndim == 2:
        images, masks = images[None], masks[None]
    n = len(images)
    if candidates is not None:
        cand = np.tile(np.asarray(list(candidates), np.int64), (n, 1))
        prob = np.full(cand.shape, 1.0 / cand.shape[1], np.float32)
    elif guesser is not None:
        probs = guesser.probabilities(images, masks)
        cand = np.argsort(-probs, axis=1)[:, :cfg.top_k]
        prob = np.take_along_axis(probs, cand, axis=1)
    else:
        cand = propose_digits(disc, images, masks, cfg.top_k)
        prob = np.full(cand.shape, 1.0 / cand.shape[1], np.float32)
    k = cand.shape[1] * cfg.restarts
    labels = np.repeat(cand, cfg.restarts, axis=1).reshape(-1)  # (n*k,)
    known = ~masks
    w = importance_weights(known, cfg.window) + known.astype(np.float32) * 0.1  # every known pixel counts a bit
    target = np.repeat(mnist.to_tanh(images), k, axis=0)
    wk = np.repeat(w[..., None], k, axis=0)
    y = onehot(labels)
    G, D = gen.model, disc
    consistency = cfg.class_weight > 0 and guesser is not None
    missing_t = _tf.constant(np.repeat(masks[..., None], k, axis=0).astype(np.float32))

    # Starts: the best of init_samples random latents per (image, candidate, restart), by context loss.
    rng = np.random.default_rng(cfg.seed)
    m = max(1, cfg.init_samples)
    pool = rng.standard_normal((n * k, m, gen.cfg.latent_dim)).astype(np.float32)
    ctx = np.empty((n * k, m), np.float32)
    for j in range(m):
        fake = np.asarray(G([pool[:, j], y], training=False))
        ctx[:, j] = (wk * np.abs(fake - target)).sum(axis=(1, 2, 3))
    z = _tf.Variable(pool[np.arange(n * k), ctx.argmin(axis=1)])
    opt = keras.optimizers.Adam(cfg.lr)
    target_t, w_t, y_t = _tf.constant(target), _tf.constant(wk), _tf.constant(y)

    def losses():
        fake = G([z, y_t], training=False)
        context = _tf.reduce_sum(w_t * _tf.abs(fake - target_t), axis=[1, 2, 3])
        real_logit, _ = D([fake, y_t], training=False)
        prior = _tf.nn.softplus(-real_logit[:, 0])  # -log D(G(z))
        if not consistency:
            return context, prior, _tf.zeros_like(prior)
        restored = missing_t * fake + (1.0 - missing_t) * target_t  # what the user gets: known pixels + fill
        wrong_digit = _tf.nn.softmax_cross_entropy_with_logits(labels=y_t, logits=guesser.whole_digit_logits(restored))
        return context, prior, wrong_digit

    @_tf.function
    def step():
        with _tf.GradientTape() as tape:
            context, prior, wrong_digit = losses()
            total = _tf.reduce_sum(context + cfg.prior_weight * prior + cfg.class_weight * wrong_digit)
        opt.apply_gradients([(tape.gradient(total, z), z)])
        z.assign(_tf.clip_by_value(z, -cfg.latent_clip, cfg.latent_clip))

    for i in range(cfg.steps):
        step()
        if progress is not None and (i % 10 == 9 or i == cfg.steps - 1):
            progress((i + 1) / cfg.steps)
    context, prior, wrong_digit = (np.asarray(v) for v in losses())
    total = (context + cfg.prior_weight * prior + cfg.class_weight * wrong_digit).reshape(n, cand.shape[1], cfg.restarts)
    cand_loss = total.min(axis=2)  # (n, candidates): each digit's best restart
    score = cand_loss - cfg.guess_weight * np.log(np.maximum(prob, 1e-6))
    best_cand = score.argmin(axis=1)
    best = best_cand * cfg.restarts + total[np.arange(n), best_cand].argmin(axis=1)  # index into the k starts
    fake = np.asarray(G([z, y_t], training=False)).reshape(n, k, 28, 28, 1)
    generated = mnist.from_tanh(fake[np.arange(n), best])
    restored = np.where(masks, generated, images).astype(np.uint8)
    return Restoration(restored, generated, cand[np.arange(n), best_cand], cand_loss[np.arange(n), best_cand],
                       cand, cand_loss, prob)


def telea(images: np.ndarray, masks: np.ndarray, radius: int = 3) -> np.ndarray:
    import cv2  # noqa: PLC0415

    images = np.asarray(images)
    masks = np.asarray(masks, bool)
    if images.ndim == 2:
        return cv2.inpaint(images, masks.astype(np.uint8) * 255, radius, cv2.INPAINT_TELEA)
    return np.stack([cv2.inpaint(im, m.astype(np.uint8) * 255, radius, cv2.INPAINT_TELEA)
                     for im, m in zip(images, masks)])


def masked_mse(a: np.ndarray, b: np.ndarray, masks: np.ndarray) -> float:
    """Mean squared error over the masked pixels only, intensities in [0,1]."""
    a = np.asarray(a, np.float32) / 255.0
    b = np.asarray(b, np.float32) / 255.0
    return float(((a - b) ** 2)[np.asarray(masks, bool)].mean())


# --------------------------------------------------------------------------------------- user digits
class DigitImageError(ValueError):
    """An image that cannot be read as a digit; the message is meant for the user."""


def normalize_digit(image: np.ndarray) -> np.ndarray:
    """Any grey or RGB(A) image of one digit -> uint8 28x28 white-on-black, MNIST-style.

    MNIST digits are fitted into a 20x20 box and centred by their centre of mass in 28x28; user drawings and
    photos must be brought to the same layout or the generator (and the judge) see something else.
    """
    import cv2  # noqa: PLC0415

    img = np.asarray(image)
    if img.ndim == 3:
        img = cv2.cvtColor(img[..., :3].astype(np.uint8), cv2.COLOR_RGB2GRAY)
    img = img.astype(np.float32)
    if img.size == 0 or img.max() - img.min() < 10:
        raise DigitImageError("The image is blank: draw or upload a digit first.")
    # Dark ink on a light page (a scan, a photo of paper) is inverted to MNIST's white-on-black.
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    if np.median(border) > 127:
        img = 255.0 - img
    img = np.clip((img - np.percentile(img, 5)) / max(1.0, img.max() - np.percentile(img, 5)), 0, 1)
    ys, xs = np.nonzero(img > 0.2)
    if len(ys) == 0:
        raise DigitImageError("No strokes found in the image.")
    crop = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    crop = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA)
    out = np.zeros((28, 28), np.float32)
    y0, x0 = (28 - nh) // 2, (28 - nw) // 2
    out[y0:y0 + nh, x0:x0 + nw] = crop
    m = cv2.moments(out)
    if m["m00"] > 0:  # shift the centre of mass to the centre, as MNIST does
        dx, dy = 14.0 - m["m10"] / m["m00"], 14.0 - m["m01"] / m["m00"]
        out = cv2.warpAffine(out, np.float32([[1, 0, dx], [0, 1, dy]]), (28, 28))
    return np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)


def downsample_mask(mask: np.ndarray, size: int = 28, threshold: float = 0.3) -> np.ndarray:
    """A mask drawn on an enlarged view -> size x size; a cell is masked when >= ``threshold`` of it is painted."""
    import cv2  # noqa: PLC0415

    m = np.asarray(mask, np.float32)
    if m.shape == (size, size):
        return m > 0.5
    return cv2.resize(m, (size, size), interpolation=cv2.INTER_AREA) >= threshold


def upscale(images: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour enlargement so 28-px digits stay crisp on screen."""
    return np.kron(np.asarray(images), np.ones((scale, scale), np.uint8))


def tint_mask(digit: np.ndarray, mask: np.ndarray, scale: int = 1) -> np.ndarray:
    """RGB view of a digit with the missing region shown in translucent red."""
    rgb = np.repeat(np.asarray(digit)[..., None], 3, axis=-1).astype(np.float32)
    red = np.array([255.0, 0.0, 80.0])
    rgb[mask] = 0.45 * rgb[mask] + 0.55 * red
    out = rgb.astype(np.uint8)
    return np.kron(out, np.ones((scale, scale, 1), np.uint8)) if scale > 1 else out


def animation_gif(frames: np.ndarray, scale: int = 4, ms_per_frame: int = 120, bounce: bool = True) -> bytes:
    """Frames (N,H,W) uint8 -> looping GIF bytes (there and back again when ``bounce``)."""
    import io  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415

    frames = list(upscale(np.asarray(frames), scale))
    if bounce and len(frames) > 2:
        frames = frames + frames[-2:0:-1]
    ims = [Image.fromarray(f) for f in frames]
    buf = io.BytesIO()
    ims[0].save(buf, format="GIF", save_all=True, append_images=ims[1:], duration=ms_per_frame, loop=0)
    return buf.getvalue()


# --------------------------------------------------------------------------------------- CLI
def _train_cli(args) -> None:
    from models import digit_judge  # noqa: PLC0415
    from models.runtime import device_info  # noqa: PLC0415

    cfg = GanConfig(seed=args.seed)
    split = mnist.load()
    trainer = Trainer(cfg, split.x_train, split.y_train, args.workdir)
    resumed = trainer.restore()
    log_path = Path(args.workdir) / "train_log.txt"
    fh = open(log_path, "a")

    def log(msg: str) -> None:
        print(msg, flush=True)
        fh.write(msg + "\n")
        fh.flush()

    log(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} {'resumed at step ' + str(trainer.state.step) if resumed else 'new run'}"
        f" | device {device_info().label} | cpus {os.cpu_count()} | data: {split.describe()}")
    log(f"config: {json.dumps(asdict(cfg))}")
    judge = digit_judge.load() if digit_judge.JUDGE_WEIGHTS.exists() else None
    t_start = time.perf_counter()
    deadline = t_start + args.max_minutes * 60
    while trainer.state.step < args.steps and time.perf_counter() < deadline:
        chunk = min(args.eval_every - trainer.state.step % args.eval_every, args.steps - trainer.state.step)
        trainer.train_steps(chunk, log_every=args.log_every, log=log)
        trainer.save()
        if judge is not None and trainer.state.step % args.eval_every == 0:
            gen = DigitGenerator(trainer.G_ema, cfg)
            rep = quality(gen, judge, split.x_train, split.y_train, per_class=args.eval_per_class)
            trainer.state.evals.append({"step": trainer.state.step, "judge_accuracy": rep.accuracy,
                                        "diversity_ratio": float(rep.diversity_ratio.min()),
                                        "elapsed_s": time.perf_counter() - t_start})
            log(f"eval @ step {trainer.state.step}: judge acc {100 * rep.accuracy:.2f}% "
                f"(per class {' '.join(f'{100 * a:.0f}' for a in rep.per_class_accuracy)}), "
                f"min diversity ratio {rep.diversity_ratio.min():.2f}, elapsed {time.perf_counter() - t_start:.0f} s")
            trainer.save()
            trainer.export(Path(args.workdir) / "export")  # a usable snapshot at every eval
    log(f"stopped at step {trainer.state.step} after {time.perf_counter() - t_start:.0f} s this session")
    if args.export:
        trainer.export(WEIGHTS_DIR)
        plot_losses(trainer.state.history, trainer.state.evals, LOSS_PNG)
        log(f"exported generator to {GENERATOR_WEIGHTS} ({GENERATOR_WEIGHTS.stat().st_size / 1e6:.2f} MB)")
        fh.close()
        TRAIN_LOG.write_text(log_path.read_text())
    else:
        fh.close()


def _eval_cli(args) -> None:
    from models import digit_judge  # noqa: PLC0415

    split = mnist.load()
    gen, judge = load_generator(), digit_judge.load()
    print(f"real digits for the diversity reference: training split ({split.describe()})")
    print(f"judge held-out accuracy on real digits: {100 * judge.accuracy(split.x_held, split.y_held):.2f}% "
          f"({len(split.x_held)} digits)")
    for psi in dict.fromkeys([args.truncation, 1.0]):
        t0 = time.perf_counter()
        rep = quality(gen.with_truncation(psi), judge, split.x_train, split.y_train, per_class=args.per_class)
        print(f"\n--- sampling truncation psi = {psi}{' (page default)' if psi == DEFAULT_TRUNCATION else ''}")
        print(rep.table())
        ok = rep.accuracy >= 0.9 and bool((rep.diversity_ratio >= 0.5).all())
        print(f"acceptance (>= 90 % and every ratio >= 0.50): {'PASS' if ok else 'FAIL'} "
              f"({time.perf_counter() - t0:.1f} s)")


def _eval_restore_cli(args) -> None:
    from models import digit_guesser, digit_judge  # noqa: PLC0415

    split = mnist.load()
    gen, disc, judge = load_generator(), load_discriminator(), digit_judge.load()
    guesser = None if args.proposer == "discriminator" else digit_guesser.load()
    rng = np.random.default_rng(args.seed)
    idx = rng.choice(len(split.x_held), args.n, replace=False)
    x, y = split.x_held[idx], split.y_held[idx]
    masks = np.stack([block_mask(rng, 0.3) for _ in range(args.n)])
    damaged = np.where(masks, 0, x).astype(np.uint8)
    t0 = time.perf_counter()
    cfg = RestoreConfig(steps=args.steps, restarts=args.restarts, top_k=args.top_k, guess_weight=args.guess_weight,
                        class_weight=args.class_weight)
    res = restore(gen, disc, damaged, masks, cfg, guesser=guesser)
    dt = time.perf_counter() - t0
    print(f"true digit among the {args.proposer}'s top-{cfg.top_k} guesses: "
          f"{100 * (res.candidates == y[:, None]).any(1).mean():.1f}%; its first guess: "
          f"{100 * (res.candidates[:, 0] == y).mean():.1f}%; digit chosen by fit + guess: "
          f"{100 * (res.digit == y).mean():.1f}%")
    tel = telea(damaged, masks)
    print(f"{args.n} held-out digits ({split.describe()}), one random block of "
          f"{100 * masks.mean():.1f}% of the pixels masked each; {args.steps} steps x {args.restarts} restarts x "
          f"top-{args.top_k} digits; class-consistency weight {cfg.class_weight:g}")
    print(f"judge accuracy: restored {100 * judge.accuracy(res.restored, y):.1f}% | Telea "
          f"{100 * judge.accuracy(tel, y):.1f}% | damaged {100 * judge.accuracy(damaged, y):.1f}% | "
          f"original {100 * judge.accuracy(x, y):.1f}%")
    print(f"masked-region MSE ([0,1] scale): DCGAN {masked_mse(res.restored, x, masks):.4f} | "
          f"Telea {masked_mse(tel, x, masks):.4f} | zeros {masked_mse(damaged, x, masks):.4f}")
    print(f"restoration time {dt:.1f} s total, {1000 * dt / args.n:.0f} ms per digit (batched)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m models.dcgan", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--steps", type=int, default=2500)
    t.add_argument("--max-minutes", type=float, default=90.0)
    t.add_argument("--eval-every", type=int, default=500)
    t.add_argument("--eval-per-class", type=int, default=200)
    t.add_argument("--log-every", type=int, default=50)
    t.add_argument("--seed", type=int, default=GanConfig.seed)
    t.add_argument("--workdir", default=str(default_workdir()))
    t.add_argument("--no-export", dest="export", action="store_false")
    e = sub.add_parser("eval")
    e.add_argument("--per-class", type=int, default=1000)
    e.add_argument("--truncation", type=float, default=DEFAULT_TRUNCATION)
    r = sub.add_parser("eval-restore")
    r.add_argument("--n", type=int, default=200)
    r.add_argument("--steps", type=int, default=RestoreConfig.steps)
    r.add_argument("--restarts", type=int, default=1)
    r.add_argument("--top-k", type=int, default=RestoreConfig.top_k)
    r.add_argument("--guess-weight", type=float, default=RestoreConfig.guess_weight)
    r.add_argument("--class-weight", type=float, default=RestoreConfig.class_weight,
                   help="weight of the guesser's cross-entropy on the restored digit (0: off)")
    r.add_argument("--proposer", choices=["guesser", "discriminator"], default="guesser",
                   help="who proposes the candidate digits (default: the hole-aware digit guesser)")
    r.add_argument("--seed", type=int, default=5)
    args = ap.parse_args(argv)
    {"train": _train_cli, "eval": _eval_cli, "eval-restore": _eval_restore_cli}[args.cmd](args)


if __name__ == "__main__":
    from models.store import run_cli  # noqa: PLC0415

    run_cli(main)
