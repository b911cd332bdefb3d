"""Find the best verification threshold on your own labelled photos.

A folder of images named by identity, either one sub-folder per person (``alice/1.jpg``, ``alice/2.jpg``,
``bob/x.png``) or flat, LFW style (``Alice_Smith_0001.jpg``, ``Alice_Smith_0002.jpg``: the trailing number is
dropped). The largest face of each image is embedded; every pair of images gives one distance, labelled
"same" or "different"; a sweep over thresholds gives accuracy / precision / recall, and the best threshold.

    python -m models.faces.calibrate FOLDER [--embedder dlib|sface] [--metric euclidean|cosine]
                                            [--criterion balanced|accuracy|f1] [--plot calibration.png]

Why balanced accuracy by default: with N people and k photos each there are ~N times more "different" pairs
than "same" pairs, so plain accuracy is maximised by a threshold that calls almost everything "different".
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from models.faces.analyzer import FaceAnalyzer, create
from models.faces.compare import pairwise_distances
from models.faces.data import Embedder, Metric
from models.faces.embedders import SPECS
from models.imaging import ImageError, read_image

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jfif", ".jpe", ".png", ".webp", ".bmp", ".tif", ".tiff"}
_TRAILING_NUMBER = re.compile(r"[\s_\-.]*\(?\d+\)?$")


class Criterion(str, Enum):
    """What "best threshold" means in a calibration sweep."""

    BALANCED = "balanced"  # mean of recall on same pairs and on different pairs
    ACCURACY = "accuracy"
    F1 = "f1"


def identity_of(path: Path, root: Path) -> str:
    """The person a file shows: its first sub-folder under ``root``, else its stem without a trailing number."""
    rel = path.relative_to(root)
    if len(rel.parts) > 1:
        return rel.parts[0]
    return _TRAILING_NUMBER.sub("", path.stem) or path.stem


def collect(folder: Path) -> list[tuple[Path, str]]:
    """Image files under ``folder`` (recursive, sorted) with the identity of each."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    return [(p, identity_of(p, folder)) for p in files]


@dataclass
class Embedded:
    """The faces of a calibration folder: one embedding per usable image and the files skipped, with why."""

    paths: list[Path]
    identities: list[str]
    embeddings: np.ndarray  # (N, D)
    skipped: list[tuple[Path, str]]  # (file, why)


def embed_folder(folder: Path, analyzer: FaceAnalyzer, log: Callable[[str], None] | None = logger.info) -> Embedded:
    """Embed the largest face of each image under ``folder``; unreadable and faceless images are skipped."""
    paths, ids, vecs, skipped = [], [], [], []
    items = collect(folder)
    for i, (path, identity) in enumerate(items, 1):
        try:
            result = analyzer.analyze(read_image(path).rgb)
        except ImageError as exc:
            skipped.append((path, str(exc)))
            continue
        if not result.faces:
            skipped.append((path, "no face found"))
            continue
        face = result.faces[result.largest() or 0]
        paths.append(path)
        ids.append(identity)
        vecs.append(face.embedding)
        if log and (i % 25 == 0 or i == len(items)):
            log(f"embedded {i}/{len(items)} images")
    dim = analyzer.spec.dim
    return Embedded(paths, ids, np.asarray(vecs, np.float32).reshape(-1, dim), skipped)


def pair_distances(embeddings: np.ndarray, identities: Sequence[str], metric: Metric) -> tuple[np.ndarray, np.ndarray]:
    """Distances of all unordered pairs, and whether each pair is the same identity."""
    d = pairwise_distances(embeddings, metric)
    i, j = np.triu_indices(len(identities), 1)
    ids = np.asarray(identities)
    return d[i, j], ids[i] == ids[j]


@dataclass
class Sweep:
    """Verification metrics (each as long as ``thresholds``) of the rule "distance < t → same person"."""

    thresholds: np.ndarray
    accuracy: np.ndarray
    balanced: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray

    def score(self, criterion: Criterion) -> np.ndarray:
        """The metric array that ``criterion`` maximises."""
        return {Criterion.BALANCED: self.balanced, Criterion.ACCURACY: self.accuracy, Criterion.F1: self.f1}[criterion]


def sweep(distances: np.ndarray, same: np.ndarray, thresholds: np.ndarray | None = None) -> Sweep:
    """Metrics of the rule "distance < t → same person" for every t."""
    distances, same = np.asarray(distances, float), np.asarray(same, bool)
    if thresholds is None:
        hi = float(distances.max()) if len(distances) else 1.0
        thresholds = np.linspace(0.0, hi * 1.05, 1001)
    pred = distances[None, :] < thresholds[:, None]
    tp = (pred & same).sum(1).astype(float)
    fp = (pred & ~same).sum(1).astype(float)
    fn = (~pred & same).sum(1).astype(float)
    tn = (~pred & ~same).sum(1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 1.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        specificity = np.where(tn + fp > 0, tn / (tn + fp), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return Sweep(thresholds, (tp + tn) / len(same), (recall + specificity) / 2, precision, recall, f1)


def best_threshold(s: Sweep, criterion: Criterion = Criterion.BALANCED) -> tuple[float, int]:
    """The threshold in the middle of the best-scoring plateau (robust when classes separate cleanly)."""
    score = s.score(criterion)
    best = np.flatnonzero(np.isclose(score, score.max()))
    # the first contiguous run of best thresholds; its middle is the widest margin on both sides
    run_end = best[0]
    while run_end + 1 in best:
        run_end += 1
    mid = (best[0] + run_end) // 2
    return float(s.thresholds[mid]), int(mid)


def plot(s: Sweep, distances: np.ndarray, same: np.ndarray, best: float, path: Path, title: str) -> Path:
    """Save a plot of the distance histograms (same / different) and the metrics per threshold; returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    bins = np.linspace(0, s.thresholds[-1], 50)
    top.hist(distances[same], bins=bins, alpha=0.6, label=f"same person ({same.sum()} pairs)", color="tab:green")
    top.hist(distances[~same], bins=bins, alpha=0.6, label=f"different people ({(~same).sum()} pairs)", color="tab:red")
    top.axvline(best, color="k", ls="--", label=f"best threshold {best:.3f}")
    top.set_ylabel("pairs")
    top.legend()
    top.set_title(title)
    for name, values in (
        ("accuracy", s.accuracy),
        ("balanced accuracy", s.balanced),
        ("precision", s.precision),
        ("recall", s.recall),
    ):
        bottom.plot(s.thresholds, values, label=name)
    bottom.axvline(best, color="k", ls="--")
    bottom.set_xlabel("distance threshold")
    bottom.set_ylim(0, 1.02)
    bottom.legend(loc="lower right")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv: Sequence[str] | None = None, analyzer: FaceAnalyzer | None = None) -> int:
    """Run the calibration on ``argv`` and print the best threshold; returns the exit status (0: found)."""
    parser = argparse.ArgumentParser(prog="python -m models.faces.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="images named by identity (sub-folders or Name_0001.jpg)")
    parser.add_argument("--embedder", type=Embedder, choices=[e.value for e in Embedder], default=Embedder.DLIB)
    parser.add_argument("--metric", type=Metric, choices=[m.value for m in Metric], default=Metric.EUCLIDEAN)
    parser.add_argument("--criterion", type=Criterion, choices=[c.value for c in Criterion], default=Criterion.BALANCED)
    parser.add_argument("--plot", type=Path, default=Path("face_calibration.png"), help="where to save the plot")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)

    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    analyzer = analyzer or create(args.embedder)
    data = embed_folder(args.folder, analyzer, log=print)
    for path, why in data.skipped:
        print(f"skipped {path}: {why}")
    people = sorted(set(data.identities))
    distances, same = pair_distances(data.embeddings, data.identities, args.metric)
    print(
        f"{len(data.identities)} faces of {len(people)} people → {len(distances)} pairs "
        f"({int(same.sum())} same, {int((~same).sum())} different)"
    )
    if same.sum() == 0 or (~same).sum() == 0:
        print("error: need at least two photos of one person and two different people", file=sys.stderr)
        return 1

    s = sweep(distances, same)
    best, i = best_threshold(s, args.criterion)
    default = SPECS[analyzer.spec.embedder].threshold(args.metric)
    print(f"\n{'threshold':>9}  {'accuracy':>8}  {'balanced':>8}  {'precision':>9}  {'recall':>6}")
    for t in sorted({*np.quantile(s.thresholds, np.linspace(0, 1, 11))[1:-1], best, default}):
        k = int(np.argmin(np.abs(s.thresholds - t)))
        mark = "  ← best" if k == i else ("  ← default" if abs(t - default) < 1e-9 else "")
        print(
            f"{s.thresholds[k]:9.3f}  {s.accuracy[k]:8.3f}  {s.balanced[k]:8.3f}  {s.precision[k]:9.3f}  "
            f"{s.recall[k]:6.3f}{mark}"
        )
    print(
        f"\nsame-person distances: {distances[same].min():.3f} … {distances[same].max():.3f}; "
        f"different: {distances[~same].min():.3f} … {distances[~same].max():.3f}"
    )
    print(
        f"best threshold ({args.criterion.value}, {args.metric.value}, {analyzer.spec.embedder.value}): {best:.3f} "
        f"(accuracy {s.accuracy[i]:.3f}, balanced {s.balanced[i]:.3f}, precision {s.precision[i]:.3f}, "
        f"recall {s.recall[i]:.3f}); default {default:.3f}"
    )
    if not args.no_plot:
        out = plot(s, distances, same, best, args.plot, f"{analyzer.spec.title}, {args.metric.value} distance")
        print(f"plot saved to {out}")
    return 0


if __name__ == "__main__":
    from models.store import run_cli

    run_cli(main)
