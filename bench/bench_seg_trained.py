"""The segmenters trained here: inference per 480×360 CamVid image (Keras float and exported TFLite float), how often
the two agree, val mIoU of each, and the training time per epoch from the model's own report.

    VISION_STORE=../shared/assets python bench/bench_seg_trained.py [--images 10] [--threads N]

Prints one row per model: median ms per image (Keras, TFLite), TFLite/Keras ratio, pixel agreement %, val mIoU
(on the first N val images, both runtimes), seconds per training epoch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--images", type=int, default=10, help="val images to time and score")
    p.add_argument("--threads", type=int, default=None, help="TFLite threads (default: the runtime's)")
    args = p.parse_args()

    from models import runtime
    from models.segmentation import metrics
    from models.segmentation.backbone import preprocess
    from models.segmentation.geometry import logits_to_class_map
    from models.segmentation.labelled import read_split
    from models.segmentation.trained import TRAINED_DIR, export_tflite, load_model
    from models.store import Store

    store = Store()
    if not store.has("camvid"):
        print("CamVid is not in the store (VISION_STORE): nothing to measure", file=sys.stderr)
        return 1
    val = read_split(store.path("camvid"), "val")
    images, labels = val.images[: args.images], val.labels[: args.images]
    print(f"device: {runtime.device_info().label}; {len(images)} CamVid val images, 480x360")
    print(f"{'model':<22} {'keras ms':>9} {'tflite ms':>9} {'ratio':>6} {'agree %':>8} {'mIoU keras':>10} "
          f"{'mIoU tflite':>11} {'s/epoch':>8}")
    for folder in sorted(TRAINED_DIR.glob("*/model.json")):
        model, card = load_model(folder.parent)
        classes = len(card["classes"])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.tflite"
            path.write_bytes(export_tflite(model, 360, 480))
            lite = runtime.load_tflite(path, num_threads=args.threads)
            k_ms, t_ms, agree = [], [], []
            cm_k = np.zeros((classes, classes), np.int64)
            cm_t = np.zeros_like(cm_k)
            model(preprocess(images[0])[None], training=False)  # warm-up (graph build)
            lite(preprocess(images[0])[None])
            for rgb, lab in zip(images, labels):
                x = preprocess(rgb)[None]
                t0 = time.perf_counter()
                k = np.asarray(model(x, training=False))[0]
                k_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                t = np.asarray(lite(x)[0])[0]
                t_ms.append((time.perf_counter() - t0) * 1000)
                ck, ct = (logits_to_class_map(v, 360, 480) for v in (k, t))
                agree.append(float((ck == ct).mean()))
                cm_k += metrics.confusion(lab, ck, classes, val.classes.void)
                cm_t += metrics.confusion(lab, ct, classes, val.classes.void)
        report = json.loads((folder.parent / "report.json").read_text())["history"]
        per_epoch = report["seconds"] / max(1, len(report["loss"]))
        km, tm = statistics.median(k_ms), statistics.median(t_ms)
        print(f"{folder.parent.name:<22} {km:>9.0f} {tm:>9.0f} {tm / km:>6.2f} {100 * np.mean(agree):>8.2f} "
              f"{100 * metrics.scores(cm_k).miou:>10.1f} {100 * metrics.scores(cm_t).miou:>11.1f} {per_epoch:>8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
