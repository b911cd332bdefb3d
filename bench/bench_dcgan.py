"""DCGAN timings on this machine: 64 generated digits (target <= 100 ms) and restoration per digit.

Run by hand: ``.venv/bin/python bench/bench_dcgan.py [--repeats 30] [--restore 5]``. Uses the committed weights.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from models import digits as dcgan
from models.digits import guesser as digit_guesser
from models.digits import mnist
from models.runtime import device_info

TARGET_MS = 100.0


def stats(samples_ms: list[float]) -> str:
    a = np.asarray(samples_ms)
    return f"median {np.median(a):7.1f} ms | p90 {np.percentile(a, 90):7.1f} ms | min {a.min():7.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--restore", type=int, default=5, help="digits restored one at a time")
    ap.add_argument("--batch-restore", type=int, default=50, help="digits restored in one batch")
    args = ap.parse_args()

    t0 = time.perf_counter()
    gen, disc, guesser = dcgan.load_generator(), dcgan.load_discriminator(), digit_guesser.load()
    print(f"device: {device_info().label}; cpus {os.cpu_count()}; load {1000 * (time.perf_counter() - t0):.0f} ms")
    gen.generate(64, None, 0)  # trace + warm-up
    times = []
    for i in range(args.repeats):
        t = time.perf_counter()
        gen.generate(64, None, i)
        times.append(1000 * (time.perf_counter() - t))
    med = float(np.median(times))
    print(f"generate 64 digits (8x8 grid): {stats(times)} | target {TARGET_MS:.0f} ms -> "
          f"{med / TARGET_MS:.2f}x of target ({'OK' if med <= TARGET_MS else 'OVER'})")
    t = time.perf_counter()
    for i in range(args.repeats):
        gen.interpolate(i, i + 1, 3, 8, steps=10)
    print(f"interpolation strip of 10 frames: {1000 * (time.perf_counter() - t) / args.repeats:.1f} ms")

    rng = np.random.default_rng(0)
    real = None
    try:
        split = mnist.load()
        real = split.x_held
    except Exception as exc:  # no data: bench on generated digits instead
        print(f"(MNIST not in the store: {exc.__class__.__name__}; restoring generated digits)")
    digits = real[:max(args.restore, args.batch_restore)] if real is not None else \
        gen.generate(max(args.restore, args.batch_restore), None, 3)[0]
    masks = np.stack([dcgan.block_mask(rng, 0.3) for _ in range(len(digits))])
    damaged = np.where(masks, 0, digits).astype(np.uint8)
    cfg = dcgan.RestoreConfig()  # what the page uses when the digit is unknown
    dcgan.restore(gen, disc, damaged[0], masks[0], dcgan.RestoreConfig(steps=2), guesser=guesser)  # trace
    one = []
    for i in range(args.restore):
        t = time.perf_counter()
        dcgan.restore(gen, disc, damaged[i], masks[i], cfg, guesser=guesser)
        one.append(1000 * (time.perf_counter() - t))
    print(f"restore one digit (page settings: {cfg.steps} steps x {cfg.restarts} restarts x top-{cfg.top_k} digits): "
          f"{stats(one)}")
    hinted = []
    for i in range(args.restore):
        t = time.perf_counter()
        dcgan.restore(gen, disc, damaged[i], masks[i], cfg, candidates=[0])
        hinted.append(1000 * (time.perf_counter() - t))
    print(f"restore one digit, digit known (1 candidate): {stats(hinted)} -> "
          f"{np.median(one) / np.median(hinted):.1f}x faster than trying the top-{cfg.top_k}")
    n = args.batch_restore
    bcfg = dcgan.RestoreConfig(restarts=1)  # what eval-restore uses
    t = time.perf_counter()
    dcgan.restore(gen, disc, damaged[:n], masks[:n], bcfg, guesser=guesser)
    dt = time.perf_counter() - t
    print(f"restore {n} digits in one batch ({bcfg.steps} steps x 1 restart x top-{bcfg.top_k} digits): {dt:.1f} s total = "
          f"{1000 * dt / n:.0f} ms per digit; telea per digit "
          f"{1000 * _time(lambda: dcgan.telea(damaged[:n], masks[:n])) / n:.2f} ms")


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
