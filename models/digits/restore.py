"""Restoring a damaged digit with the trained generator.

Yeh et al., "Semantic Image Inpainting with Deep Generative Models", CVPR 2017: keep the generator fixed and
optimise the latent vector so G(z) matches the known pixels (importance-weighted context loss) while the
discriminator still finds it real (prior loss); then paste the generated pixels into the hole. Candidate
digits come from the hole-aware guesser (:mod:`models.digits.guesser`); OpenCV Telea is the baseline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

import models.digits.mnist as mnist
from models.digits.choices import DigitBackend
from models.digits.common import NUM_CLASSES, onehot
from models.runtime import tf


@dataclass(frozen=True)
class RestoreConfig:
    """Settings of latent-space restoration (Yeh et al. 2017): Adam steps, loss weights, restarts, candidates."""

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
    """The restored digits, the generator's raw output and the candidates tried, with their losses."""

    restored: np.ndarray  # uint8 (N,28,28): known pixels kept, hole filled from G(z)
    generated: np.ndarray  # uint8 (N,28,28): raw G(z*)
    digit: np.ndarray  # (N,) class of the best candidate
    loss: np.ndarray  # (N,) best total loss
    candidates: np.ndarray  # (N, K) digits tried
    candidate_loss: np.ndarray  # (N, K) fit (context + prior + class consistency) of each (best restart)
    candidate_prob: np.ndarray  # (N, K) the guesser's probability of each (uniform when there is no guesser)


def importance_weights(known: np.ndarray, window: int = 7) -> np.ndarray:
    """Yeh et al.: a known pixel's weight = share of unknown pixels in its window (0 if far from the hole)."""
    import cv2

    unknown = (~known).astype(np.float32)
    out = np.empty_like(unknown)
    for i in range(len(unknown)):
        out[i] = cv2.blur(unknown[i], (window, window), borderType=cv2.BORDER_CONSTANT)
    return (out * known).astype(np.float32)


def propose_digits(disc, images: np.ndarray, masks: np.ndarray, k: int) -> np.ndarray:
    """Top-k digit guesses from the discriminator's class head on a Telea fill (used without a guesser).

    Weak on large holes (the class head only saw whole digits): :mod:`models.digits.guesser` does better.
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


def restore(
    gen: DigitBackend,
    disc,
    images: np.ndarray,
    masks: np.ndarray,
    cfg: RestoreConfig = RestoreConfig(),
    candidates: Sequence[int] | None = None,
    guesser=None,
    progress: Callable[[float], None] | None = None,
) -> Restoration:
    """Recover the masked pixels (mask True = missing) of uint8 (N,28,28) digits by latent optimisation.

    Each image is tried with its candidate digits and ``cfg.restarts`` starts each, all in one batch; every start
    is the best of ``cfg.init_samples`` random latents. Candidates: ``candidates`` when given, else the top-k of
    ``guesser`` (a :class:`models.digits.guesser.DigitGuesser`), else of the discriminator's class head. The fit
    is context + prior loss, plus (with a guesser) ``cfg.class_weight`` x the guesser's cross-entropy of the
    candidate digit on the restored image; the winner minimises fit + ``cfg.guess_weight`` x -log p(digit |
    damaged digit).
    """
    _tf = tf()
    import keras

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
        cand = np.argsort(-probs, axis=1)[:, : cfg.top_k]
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
    total = (context + cfg.prior_weight * prior + cfg.class_weight * wrong_digit).reshape(
        n, cand.shape[1], cfg.restarts
    )
    cand_loss = total.min(axis=2)  # (n, candidates): each digit's best restart
    score = cand_loss - cfg.guess_weight * np.log(np.maximum(prob, 1e-6))
    best_cand = score.argmin(axis=1)
    best = best_cand * cfg.restarts + total[np.arange(n), best_cand].argmin(axis=1)  # index into the k starts
    fake = np.asarray(G([z, y_t], training=False)).reshape(n, k, 28, 28, 1)
    generated = mnist.from_tanh(fake[np.arange(n), best])
    restored = np.where(masks, generated, images).astype(np.uint8)
    return Restoration(
        restored, generated, cand[np.arange(n), best_cand], cand_loss[np.arange(n), best_cand], cand, cand_loss, prob
    )


def telea(images: np.ndarray, masks: np.ndarray, radius: int = 3) -> np.ndarray:
    """OpenCV Telea inpainting of uint8 digits (28, 28) or (N, 28, 28) under ``masks`` (bool, True = missing).

    Returns the same shape and dtype.
    """
    import cv2

    images = np.asarray(images)
    masks = np.asarray(masks, bool)
    if images.ndim == 2:
        return cv2.inpaint(images, masks.astype(np.uint8) * 255, radius, cv2.INPAINT_TELEA)
    return np.stack(
        [cv2.inpaint(im, m.astype(np.uint8) * 255, radius, cv2.INPAINT_TELEA) for im, m in zip(images, masks)]
    )


def masked_mse(a: np.ndarray, b: np.ndarray, masks: np.ndarray) -> float:
    """Mean squared error over the masked pixels only, intensities in [0,1]."""
    a = np.asarray(a, np.float32) / 255.0
    b = np.asarray(b, np.float32) / 255.0
    return float(((a - b) ** 2)[np.asarray(masks, bool)].mean())
