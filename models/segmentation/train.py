r"""Train FCN-8s or DeepLabV3+ on a labelled set and write the model and its report.

    python -m models.segmentation.train --data ../shared/assets/data/camvid --arch deeplabv3plus \
        --out models/weights/segmentation/deeplabv3plus_camvid --workdir /tmp/seg-dlv3p [--epochs 30]

Resumable: run the same command again with the same ``--workdir`` and it goes on from the last epoch. The output
folder gets ``model.weights.h5`` (the best val-mIoU weights), ``model.json`` (architecture, classes, colours,
void, input scaling, the recipe, the val figures) and the report (``report.md``, ``report.json``,
``curves.png``: loss, val mIoU, per-class IoU, confusion matrix).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import models.segmentation.metrics as metrics
from models.segmentation.backbone import ENCODER_ENTRY
from models.segmentation.labelled import LabelledSet, read_split
from models.segmentation.training import History, TrainConfig, Trainer, evaluate_model

log = logging.getLogger("models.segmentation.train")


def write_model(out: Path, trainer: Trainer, data_name: str, scores: metrics.Scores) -> dict:
    """The model folder: best weights, ``model.json`` and the report; returns the ``model.json`` dict."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(trainer.workdir / "best.weights.h5", out / "model.weights.h5")
    cs = trainer.train.classes
    card = {
        "arch": trainer.cfg.arch,
        "encoder": "MobileNetV2 1.0, ImageNet (TF-slim mobilenet_v2_1.0_224)",
        "classes": list(cs.names),
        "colours": [list(c) for c in cs.colours],
        "void": cs.void,
        "input": "RGB scaled to [-1, 1] (x / 127.5 - 1), any size",
        "data": data_name,
        "train_pairs": len(trainer.train),
        "val_pairs": len(trainer.val),
        "recipe": asdict(trainer.cfg),
        "best_epoch": trainer.history.best_epoch,
        "train_seconds": round(trainer.history.seconds, 1),
        "val": scores.as_dict(cs.names),
    }
    (out / "model.json").write_text(json.dumps(card, indent=1))
    write_report(out, trainer.history, card)
    return card


def write_report(out: Path, history: History, card: dict) -> None:
    """``report.json`` (history + val figures), ``report.md`` (tables) and ``curves.png`` beside the weights."""
    (out / "report.json").write_text(json.dumps({"history": asdict(history), "model": card}, indent=1))
    val = card["val"]
    lines = [
        f"# {card['arch']} on {card['data']}",
        "",
        f"Encoder: {card['encoder']}. Trained on {card['train_pairs']} pairs, selected and scored on the "
        f"{card['val_pairs']} val pairs (never trained on); best epoch {card['best_epoch']} of "
        f"{card['recipe']['epochs']}; {card['train_seconds'] / 60:.1f} min of training.",
        "",
        f"**val mIoU {100 * val['miou']:.1f} %**, pixel accuracy {100 * val['pixel_accuracy']:.1f} % (void ignored"
        + (f"; inference: {card['inference']}" if card.get("inference") else "")
        + ").",
        "",
        "| class | IoU % | accuracy % |",
        "|---|---|---|",
    ]
    for name in card["classes"]:
        iou, acc = val["iou"][name], val["class_accuracy"][name]
        lines.append(
            f"| {name} | {'—' if iou is None else f'{100 * iou:.1f}'} | {'—' if acc is None else f'{100 * acc:.1f}'} |"
        )
    lines += ["", "Recipe: " + json.dumps(card["recipe"]), "", "![curves](curves.png)", ""]
    (out / "report.md").write_text("\n".join(lines))
    _plot(out / "curves.png", history, card)


def _plot(path: Path, history: History, card: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(15, 4.2))
    ax[0].plot(range(1, len(history.loss) + 1), history.loss)
    ax[0].set(title="training loss (per epoch)", xlabel="epoch", ylabel="weighted cross-entropy")
    ax[1].plot([e["epoch"] for e in history.evals], [100 * e["miou"] for e in history.evals], marker="o")
    ax[1].set(title="val mIoU", xlabel="epoch", ylabel="%")
    names = card["classes"]
    ious = [100 * (card["val"]["iou"][n] or 0) for n in names]
    ax[2].barh(names, ious, color=[tuple(c / 255 for c in col) for col in card["colours"]], edgecolor="black")
    ax[2].set(title=f"val IoU per class (best epoch {card['best_epoch']})", xlabel="%", xlim=(0, 100))
    ax[2].invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def rescore(folder: Path | str, val: Any, spec: Any = None, mirror: bool = True) -> dict:
    """Re-score a model folder and update its card.

    Score a model folder on ``val`` (a :class:`~models.segmentation.labelled.LabelledSet`) through the same
    :class:`~models.segmentation.trained.TrainedSegmenter` the page uses, and write those figures into its
    ``model.json`` and report (so the
    model card shows what a visitor gets). Returns the updated card.
    """
    from models.segmentation.evaluate import evaluate
    from models.segmentation.trained import WORK_LONG_SIDE, TrainedSegmenter, load_model

    folder = Path(folder)
    model, card = load_model(folder)
    spec = spec or SimpleNamespace(entry_id=folder.name)
    scores = evaluate(TrainedSegmenter(model, card, spec, WORK_LONG_SIDE, mirror), val)
    card["val"] = scores.as_dict(card["classes"])
    card["inference"] = f"long side {WORK_LONG_SIDE} px" + (
        ", logits averaged with the left-right mirror's" if mirror else ""
    )
    (folder / "model.json").write_text(json.dumps(card, indent=1))
    report = json.loads((folder / "report.json").read_text())
    write_report(folder, History(**report["history"]), card)
    return card


def main(argv: list[str] | None = None) -> int:
    """Train a segmenter from the command line; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m models.segmentation.train", description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="a CamVid-layout folder (train/, trainannot/, val/, valannot/)")
    p.add_argument("--arch", choices=["fcn8s", "deeplabv3plus"], required=True)
    p.add_argument("--out", required=True, help="folder for the trained model and its report")
    p.add_argument("--workdir", required=True, help="checkpoints (resume by running again with the same folder)")
    p.add_argument("--backbone", help="folder of the MobileNetV2 .npy tensors (default: from the model store)")
    p.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    p.add_argument("--batch", type=int, default=TrainConfig.batch)
    p.add_argument("--crop", type=int, nargs=2, default=TrainConfig.crop, metavar=("H", "W"))
    p.add_argument("--lr", type=float, default=TrainConfig.lr)
    p.add_argument("--class-weighting", choices=["median_frequency", "none"], default=TrainConfig.class_weighting)
    p.add_argument("--eval-every", type=int, default=TrainConfig.eval_every)
    p.add_argument("--limit", type=int, help="use only the first N pairs of each split (smoke runs)")
    p.add_argument("--seed", type=int, default=TrainConfig.seed)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    backbone = args.backbone
    if backbone is None:
        from models.store import Store

        backbone = Store().require(ENCODER_ENTRY)
    train, val = read_split(args.data, "train"), read_split(args.data, "val")
    if args.limit:
        train, val = _first(train, args.limit), _first(val, args.limit)
    cfg = TrainConfig(
        arch=args.arch,
        epochs=args.epochs,
        batch=args.batch,
        crop=(args.crop[0], args.crop[1]),
        lr=args.lr,
        class_weighting=args.class_weighting,
        eval_every=args.eval_every,
        seed=args.seed,
    )
    trainer = Trainer(cfg, train, val, args.workdir, backbone)
    log.info(
        "training %s: %d train / %d val pairs, %d steps per epoch, from epoch %d of %d",
        cfg.arch,
        len(train),
        len(val),
        trainer.steps_per_epoch,
        trainer.epoch,
        cfg.epochs,
    )

    def progress(step: int, total: int, loss: float) -> None:
        if step % trainer.steps_per_epoch == 0 or step == 1:
            log.info("step %d/%d  loss %.4f  (%.0f s so far)", step, total, loss, trainer.history.seconds)

    def evaluated(r: dict) -> None:
        log.info(
            "epoch %d: val mIoU %.2f %%  pixel accuracy %.2f %%", r["epoch"], 100 * r["miou"], 100 * r["pixel_accuracy"]
        )

    trainer.run(progress, evaluated)
    trainer.model.load_weights(str(Path(args.workdir) / "best.weights.h5"))
    scores = evaluate_model(trainer.model, val, trainer.classes)
    card = write_model(Path(args.out), trainer, f"{Path(args.data).name} ({train.meta.get('split')} / val)", scores)
    log.info("best epoch %d: val mIoU %.2f %% (plain network)", card["best_epoch"], 100 * scores.miou)

    card = rescore(args.out, val)  # the card's figures: the page's own inference (mirror-averaged)
    log.info("as the page runs it: val mIoU %.2f %% -> %s", 100 * card["val"]["miou"], args.out)
    return 0


def _first(data: LabelledSet, n: int) -> LabelledSet:
    return LabelledSet(data.images[:n], data.labels[:n], data.stems[:n], data.classes, dict(data.meta))


if __name__ == "__main__":
    raise SystemExit(main())
