"""Score any segmentation option on a pixel-labelled set.

Per-class IoU, mIoU (void ignored), pixel accuracy and the confusion matrix, as the FCN and DeepLab papers report them.

    python -m models.segmentation.evaluate ../shared/assets/data/camvid --split val --model deeplabv3plus_camvid
    python -m models.segmentation.evaluate my_voc_set --model deeplab_mnv2_513_quant     # a VOC-layout folder

The set's classes must be the option's: a CamVid model on a CamVid-layout set, a VOC model on a VOC-layout set
(``JPEGImages/`` + ``SegmentationClass/``). ``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import models.segmentation.metrics as metrics
from models.errors import InputError, VisionError
from models.segmentation.labelled import LabelledSet, read_labelled, read_split


def evaluate(backend, data: LabelledSet, progress=None) -> metrics.Scores:
    """Score a segmentation backend on a labelled set.

    Scores of a :class:`models.segmentation.SegmentationBackend` on every pair of ``data`` (each image at its
    own size; label values ≥ the class count or equal to the set's void are ignored).

    Raises :class:`InputError` when the set's class count differs from the model's.
    """
    classes = data.classes.size
    if classes != len(backend.labels):
        raise InputError(
            f"the set has {classes} classes and the model {len(backend.labels)}: score a model on a set of its own classes"
        )
    cm = np.zeros((classes, classes), dtype=np.int64)
    for i, (image, label) in enumerate(zip(data.images, data.labels)):
        pred = backend.predict(image).class_map
        cm += metrics.confusion(label, pred, classes, data.classes.void)
        if progress:
            progress(i + 1, len(data))
    return metrics.scores(cm)


def format_scores(s: metrics.Scores, names: tuple[str, ...] | list[str]) -> str:
    """The per-class table, mIoU, pixel accuracy and the confusion matrix (rows true, columns predicted) as text."""
    width = max(len(n) for n in names)
    lines = [f"{'class':<{width}}  IoU %   acc %"]
    for n, iou, acc in zip(names, s.iou, s.class_accuracy):
        lines.append(f"{n:<{width}}  {_pct(iou):>5}   {_pct(acc):>5}")
    lines += [
        f"mIoU {100 * s.miou:.2f} %   pixel accuracy {100 * s.pixel_accuracy:.2f} %",
        "",
        "confusion (rows true):",
    ]
    short = [n[:6] for n in names]
    lines.append(" " * (width + 2) + " ".join(f"{n:>7}" for n in short))
    for n, row in zip(names, s.matrix):
        lines.append(f"{n:<{width}}  " + " ".join(f"{v:>7d}" for v in row))
    return "\n".join(lines)


def _pct(v: float) -> str:
    return "—" if np.isnan(v) else f"{100 * v:.1f}"


def main(argv: list[str] | None = None) -> int:
    """Score an option on a labelled set from the command line and print the figures; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m models.segmentation.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("data", help="a labelled folder or zip (CamVid, images/+labels/ or VOC layout)")
    p.add_argument("--model", required=True, help="an option id (python -m models.segmentation --list)")
    p.add_argument("--split", default="val", help="the split to score (default val); 'all' scores every pair")
    p.add_argument("--limit", type=int, help="only the first N pairs")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)

    from models.segmentation.choices import create

    try:
        root = Path(args.data)
        if root.is_dir() and (root / args.split).is_dir():
            data = read_split(root, args.split)
        else:
            train, val = read_labelled(root)  # a made split (seeded) when the layout gives none
            data = {"val": val, "train": train}.get(args.split) or _join(train, val)
        if args.limit:
            data = LabelledSet(
                data.images[: args.limit],
                data.labels[: args.limit],
                data.stems[: args.limit],
                data.classes,
                dict(data.meta),
            )
        backend = create(args.model)
        started = time.perf_counter()
        s = evaluate(backend, data)
    except (VisionError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(f"{args.model} on {root.name} ({data.meta.get('split', args.split)}: {len(data)} pairs, {seconds:.1f} s)")
    print(format_scores(s, data.classes.names))
    if args.json:
        args.json.write_text(json.dumps({"model": args.model, "pairs": len(data), **s.as_dict(data.classes.names)}))
    return 0


def _join(a: LabelledSet, b: LabelledSet) -> LabelledSet:
    return LabelledSet(a.images + b.images, a.labels + b.labels, a.stems + b.stems, a.classes, {"split": "all"})


if __name__ == "__main__":
    raise SystemExit(main())
