"""Training the DCGAN (resumable, EMA generator, loss curves) and checking what it generates.

Quality: a separately trained judge classifier (:mod:`models.digits.judge`) reads generated digits; the
mean pairwise distance of generated vs real digits of each class flags mode collapse.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import models.digits.mnist as mnist
from models.digits.choices import DigitBackend
from models.digits.common import NUM_CLASSES, WEIGHTS_DIR, onehot
from models.digits.gan import (
    CONFIG_FILE,
    DISCRIMINATOR_WEIGHTS,
    GENERATOR_WEIGHTS,
    GanConfig,
    build_discriminator,
    build_generator,
)
from models.runtime import tf


@dataclass
class TrainState:
    """Where a training run stands: steps done, loss history per logged step, quality checks so far."""

    step: int = 0
    history: dict[str, list[float]] = field(
        default_factory=lambda: {"step": [], "d_loss": [], "g_loss": [], "d_real": [], "d_fake": []}
    )
    evals: list[dict] = field(default_factory=list)


class Trainer:
    """Resumable trainer: checkpoints (nets, optimisers, EMA generator, step, history) in ``workdir``."""

    def __init__(self, cfg: GanConfig, x_train: np.ndarray, y_train: np.ndarray, workdir: Path | str):
        import keras

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
        self.ckpt = _tf.train.Checkpoint(
            G=self.G, D=self.D, G_ema=self.G_ema, g_opt=self.g_opt, d_opt=self.d_opt, step=self.step_var
        )
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
            d_adv = _tf.reduce_mean(
                bce(labels=_tf.fill(_tf.shape(r_logit), cfg.real_label), logits=r_logit)
            ) + _tf.reduce_mean(bce(labels=_tf.zeros_like(f_logit), logits=f_logit))
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
        """Load the latest checkpoint and its history from ``workdir``; False when there is none (a new run)."""
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
        """Write a checkpoint for the current step and the history (``state.json``) into ``workdir``."""
        self.manager.save(checkpoint_number=self.state.step)
        (self.workdir / "state.json").write_text(json.dumps({"history": self.state.history, "evals": self.state.evals}))

    def batch_for(self, step: int) -> tuple[np.ndarray, ...]:
        """The batch of a given step, derived from (seed, step) alone: a resumed run sees the same data."""
        n = len(self.x)
        per_epoch = max(1, n // self.cfg.batch)
        epoch, k = divmod(step, per_epoch)
        perm = np.random.default_rng((self.cfg.seed, epoch)).permutation(n)
        idx = perm[k * self.cfg.batch : (k + 1) * self.cfg.batch]
        rng = np.random.default_rng((self.cfg.seed, 1_000_003, step))
        z = rng.standard_normal((len(idx), self.cfg.latent_dim)).astype(np.float32)
        fake_labels = onehot(rng.integers(0, NUM_CLASSES, len(idx)))
        return self.x[idx], self.y[idx], z, fake_labels

    def train_steps(self, n: int, log_every: int = 50, log: Callable[[str], None] = print) -> None:
        """Train ``n`` steps, calling ``log`` with the losses every ``log_every`` steps (and after the first)."""
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
                log(
                    f"step {self.state.step}: d_loss {d_loss:.3f} g_loss {g_loss:.3f} D(real) {d_real:.2f} "
                    f"D(fake) {d_fake:.2f} ({(time.perf_counter() - t0) / max(1, _ + 1) * 1000:.0f} ms/step)"
                )

    def export(self, weights_dir: Path | str = WEIGHTS_DIR) -> None:
        """Write the EMA generator, the discriminator and the config into ``weights_dir`` (the committed files)."""
        weights_dir = Path(weights_dir)
        weights_dir.mkdir(parents=True, exist_ok=True)
        self.G_ema.save_weights(str(weights_dir / GENERATOR_WEIGHTS.name))
        self.D.save_weights(str(weights_dir / DISCRIMINATOR_WEIGHTS.name))
        (weights_dir / CONFIG_FILE.name).write_text(json.dumps(asdict(self.cfg), indent=1))


def plot_losses(history: dict[str, list[float]], evals: list[dict], path: Path | str) -> None:
    """Save a PNG of the losses per step (and the judge accuracy per quality check, when there are any) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
        ax.plot(
            [e["step"] for e in evals], [100 * e["diversity_ratio"] for e in evals], "s-", label="diversity vs real %"
        )
        ax.axhline(90, color="gray", ls="--", lw=0.8)
        ax.axhline(50, color="gray", ls=":", lw=0.8)
        ax.set_xlabel("step")
        ax.set_title("checkpoint quality (EMA generator)")
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
    """How well generated digits match their class (judge accuracy) and how varied they are next to real ones."""

    per_class_accuracy: np.ndarray  # (10,)
    accuracy: float
    gen_diversity: np.ndarray  # (10,) mean pairwise distance of generated digits of each class
    real_diversity: np.ndarray  # (10,) the same for real digits of the class
    per_class: int

    @property
    def diversity_ratio(self) -> np.ndarray:
        """(10,) generated / real diversity per class: near 1 = as varied as MNIST, near 0 = mode collapse."""
        return self.gen_diversity / self.real_diversity

    def table(self) -> str:
        """The report as a Markdown table, one row per digit, then a line of overall figures."""
        lines = [
            "digit | judge acc | diversity gen | diversity real | ratio",
            "------|-----------|---------------|----------------|------",
        ]
        for d in range(NUM_CLASSES):
            lines.append(
                f"{d:5d} | {100 * self.per_class_accuracy[d]:8.1f}% | {self.gen_diversity[d]:13.3f} | "
                f"{self.real_diversity[d]:14.3f} | {self.diversity_ratio[d]:.2f}"
            )
        lines.append(
            f"overall judge accuracy {100 * self.accuracy:.2f}% on {self.per_class * NUM_CLASSES} samples "
            f"({self.per_class} per digit); min diversity ratio {self.diversity_ratio.min():.2f}"
        )
        return "\n".join(lines)


def quality(
    gen: DigitBackend, judge, real_x: np.ndarray, real_y: np.ndarray, per_class: int = 1000, seed: int = 99
) -> QualityReport:
    """Judge ``per_class`` generated digits per class; diversity is compared with real ``real_x`` (N, 28, 28) uint8."""
    images, labels = gen.generate_per_class(per_class, seed)
    pred = judge.predict(images)
    acc = np.array([(pred[labels == d] == d).mean() for d in range(NUM_CLASSES)])
    gdiv = np.array([mean_pairwise_distance(images[labels == d]) for d in range(NUM_CLASSES)])
    rdiv = np.array([mean_pairwise_distance(real_x[real_y == d]) for d in range(NUM_CLASSES)])
    return QualityReport(acc, float((pred == labels).mean()), gdiv, rdiv, per_class)
