"""The DCGAN's command line.

The DCGAN's command line (the judge and the guesser have their own: ``python -m models.digits.judge``,
``python -m models.digits.guesser``).

  python -m models.digits train [--steps 2500] [--max-minutes 90]  trains (resumable), exports models/weights/
  python -m models.digits eval [--per-class 1000]                judge accuracy + mode-collapse check
  python -m models.digits eval-restore [--n 200]                 restoration vs OpenCV Telea on held-out digits
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

import models.digits.guesser as guesser_mod
import models.digits.judge as judge_mod
import models.digits.mnist as mnist
from models.digits.choices import DigitModel, create
from models.digits.common import WEIGHTS_DIR
from models.digits.gan import (
    DEFAULT_TRUNCATION,
    GENERATOR_WEIGHTS,
    LOSS_PNG,
    TRAIN_LOG,
    DigitGenerator,
    GanConfig,
    default_workdir,
    load_discriminator,
)
from models.digits.gan_training import Trainer, plot_losses, quality
from models.digits.masks import block_mask
from models.digits.restore import RestoreConfig, masked_mse, restore, telea
from models.runtime import device_info
from models.store import run_cli


def _train_cli(args) -> None:

    cfg = GanConfig(seed=args.seed)
    split = mnist.load()
    trainer = Trainer(cfg, split.x_train, split.y_train, args.workdir)
    resumed = trainer.restore()
    log_path = Path(args.workdir) / "train_log.txt"
    fh = open(log_path, "a")  # noqa: SIM115 - closed at the end of the run (the log is copied after)

    def log(msg: str) -> None:
        print(msg, flush=True)
        fh.write(msg + "\n")
        fh.flush()

    log(
        f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} {'resumed at step ' + str(trainer.state.step) if resumed else 'new run'}"
        f" | device {device_info().label} | cpus {os.cpu_count()} | data: {split.describe()}"
    )
    log(f"config: {json.dumps(asdict(cfg))}")
    judge = judge_mod.load() if judge_mod.JUDGE_WEIGHTS.exists() else None
    t_start = time.perf_counter()
    deadline = t_start + args.max_minutes * 60
    while trainer.state.step < args.steps and time.perf_counter() < deadline:
        chunk = min(args.eval_every - trainer.state.step % args.eval_every, args.steps - trainer.state.step)
        trainer.train_steps(chunk, log_every=args.log_every, log=log)
        trainer.save()
        if judge is not None and trainer.state.step % args.eval_every == 0:
            gen = DigitGenerator(trainer.G_ema, cfg)
            rep = quality(gen, judge, split.x_train, split.y_train, per_class=args.eval_per_class)
            trainer.state.evals.append(
                {
                    "step": trainer.state.step,
                    "judge_accuracy": rep.accuracy,
                    "diversity_ratio": float(rep.diversity_ratio.min()),
                    "elapsed_s": time.perf_counter() - t_start,
                }
            )
            log(
                f"eval @ step {trainer.state.step}: judge acc {100 * rep.accuracy:.2f}% "
                f"(per class {' '.join(f'{100 * a:.0f}' for a in rep.per_class_accuracy)}), "
                f"min diversity ratio {rep.diversity_ratio.min():.2f}, elapsed {time.perf_counter() - t_start:.0f} s"
            )
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

    split = mnist.load()
    gen, judge = create(DigitModel.DCGAN), judge_mod.load()
    print(f"real digits for the diversity reference: training split ({split.describe()})")
    print(
        f"judge held-out accuracy on real digits: {100 * judge.accuracy(split.x_held, split.y_held):.2f}% "
        f"({len(split.x_held)} digits)"
    )
    for psi in dict.fromkeys([args.truncation, 1.0]):
        t0 = time.perf_counter()
        rep = quality(gen.with_truncation(psi), judge, split.x_train, split.y_train, per_class=args.per_class)
        print(f"\n--- sampling truncation psi = {psi}{' (page default)' if psi == DEFAULT_TRUNCATION else ''}")
        print(rep.table())
        ok = rep.accuracy >= 0.9 and bool((rep.diversity_ratio >= 0.5).all())
        print(
            f"acceptance (>= 90 % and every ratio >= 0.50): {'PASS' if ok else 'FAIL'} "
            f"({time.perf_counter() - t0:.1f} s)"
        )


def _eval_restore_cli(args) -> None:

    split = mnist.load()
    gen, disc, judge = create(DigitModel.DCGAN), load_discriminator(), judge_mod.load()
    guesser = None if args.proposer == "discriminator" else guesser_mod.load()
    rng = np.random.default_rng(args.seed)
    idx = rng.choice(len(split.x_held), args.n, replace=False)
    x, y = split.x_held[idx], split.y_held[idx]
    masks = np.stack([block_mask(rng, 0.3) for _ in range(args.n)])
    damaged = np.where(masks, 0, x).astype(np.uint8)
    t0 = time.perf_counter()
    cfg = RestoreConfig(
        steps=args.steps,
        restarts=args.restarts,
        top_k=args.top_k,
        guess_weight=args.guess_weight,
        class_weight=args.class_weight,
    )
    res = restore(gen, disc, damaged, masks, cfg, guesser=guesser)
    dt = time.perf_counter() - t0
    print(
        f"true digit among the {args.proposer}'s top-{cfg.top_k} guesses: "
        f"{100 * (res.candidates == y[:, None]).any(1).mean():.1f}%; its first guess: "
        f"{100 * (res.candidates[:, 0] == y).mean():.1f}%; digit chosen by fit + guess: "
        f"{100 * (res.digit == y).mean():.1f}%"
    )
    tel = telea(damaged, masks)
    print(
        f"{args.n} held-out digits ({split.describe()}), one random block of "
        f"{100 * masks.mean():.1f}% of the pixels masked each; {args.steps} steps x {args.restarts} restarts x "
        f"top-{args.top_k} digits; class-consistency weight {cfg.class_weight:g}"
    )
    print(
        f"judge accuracy: restored {100 * judge.accuracy(res.restored, y):.1f}% | Telea "
        f"{100 * judge.accuracy(tel, y):.1f}% | damaged {100 * judge.accuracy(damaged, y):.1f}% | "
        f"original {100 * judge.accuracy(x, y):.1f}%"
    )
    print(
        f"masked-region MSE ([0,1] scale): DCGAN {masked_mse(res.restored, x, masks):.4f} | "
        f"Telea {masked_mse(tel, x, masks):.4f} | zeros {masked_mse(damaged, x, masks):.4f}"
    )
    print(f"restoration time {dt:.1f} s total, {1000 * dt / args.n:.0f} ms per digit (batched)")


def main(argv: list[str] | None = None) -> None:
    """Run the DCGAN command line (``train``, ``eval``, ``eval-restore``) on ``argv`` (default: ``sys.argv[1:]``)."""
    ap = argparse.ArgumentParser(
        prog="python -m models.digits", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
    r.add_argument(
        "--class-weight",
        type=float,
        default=RestoreConfig.class_weight,
        help="weight of the guesser's cross-entropy on the restored digit (0: off)",
    )
    r.add_argument(
        "--proposer",
        choices=["guesser", "discriminator"],
        default="guesser",
        help="who proposes the candidate digits (default: the hole-aware digit guesser)",
    )
    r.add_argument("--seed", type=int, default=5)
    args = ap.parse_args(argv)
    {"train": _train_cli, "eval": _eval_cli, "eval-restore": _eval_restore_cli}[args.cmd](args)


if __name__ == "__main__":
    run_cli(main)
