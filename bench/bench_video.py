"""End-to-end timing of the video page's work on a 10-s 480p clip: decode / inference / encode.

    .venv/bin/python bench/bench_video.py                 # the default model (MoViNet-A0 stream) + best encoder
    .venv/bin/python bench/bench_video.py --all-encoders  # also the slower OpenCV encoders
    .venv/bin/python bench/bench_video.py --model movinet_a0   # when that SavedModel is in the store

The clip is built here: the basketball sample (when the store has it) scaled to 854×480 and looped to
10 s at 30 fps, written as MPEG-4 Part 2 in .mp4 (what OpenCV's wheel can write); otherwise a synthetic
moving pattern. Target: ≤ 10 s end to end on this CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from models import video as V
from models.runtime import device_info
from models.store import Store

TARGET_S = 10.0
SIZE = (854, 480)
FPS = 30
SECONDS = 10


def make_clip() -> tuple[bytes, str]:
    store = Store()
    frames: list[np.ndarray]
    if store.has("clip_basketball"):
        src = V.read_video(store.path("clip_basketball"), V.Limits(max_side=10_000))
        frames = [cv2.resize(f, SIZE, interpolation=cv2.INTER_LINEAR) for f in src.frames]
        what = "basketball sample scaled to 854×480"
    else:
        yy, xx = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
        frames = [np.dstack([(xx + 8 * i) % 256, (yy + 4 * i) % 256, (xx + yy) % 256]).astype(np.uint8)
                  for i in range(FPS)]
        what = "synthetic moving gradient"
    n = FPS * SECONDS
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench_480p.mp4")
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
        for i in range(n):
            writer.write(cv2.cvtColor(frames[i % len(frames)], cv2.COLOR_RGB2BGR))
        writer.release()
        data = Path(path).read_bytes()
    return data, what


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, choices=sorted(V.CHOICE_BY_ID), help="default: the page's default")
    ap.add_argument("--all-encoders", action="store_true", help="also time the slower OpenCV encoders")
    ap.add_argument("--repeat", type=int, default=2, help="runs per encoder (the best is reported)")
    args = ap.parse_args()

    store = Store()
    choice = V.CHOICE_BY_ID[args.model] if args.model else V.default_choice(store.has)
    if not (store.has(choice.entry_id) and store.has(choice.labels_entry_id)):
        sys.exit(f"{choice.entry_id} is not in the store at {store.root}: run python -m models.store fetch {choice.entry_id}")

    t = time.perf_counter()
    data, what = make_clip()
    print(f"clip: {what}, {SECONDS} s at {FPS} fps, {len(data) / 1e6:.1f} MB ({time.perf_counter() - t:.1f} s to build)")
    t = time.perf_counter()
    clf = V.load_classifier(choice, store.path(choice.entry_id), store.path(choice.labels_entry_id))
    print(f"model: {choice.title}, loaded in {time.perf_counter() - t:.2f} s (once per server; not in the figures)")
    print(f"device: {device_info().label}; load average now {os.getloadavg()[0]:.1f} (2 cores: above 2 = contended)")

    encoders = [V.best_encoder()]
    if args.all_encoders:
        encoders += [e for e in V.Encoder if e not in encoders and (e is not V.Encoder.PYAV_VP9)]
    if V.best_encoder() is not V.Encoder.PYAV_VP9:
        print("note: PyAV (package `av`) is not installed: the annotated copy uses OpenCV's VP8 at ≤360 px, 15 fps")

    print(f"\n{'encoder':<14}{'decode':>9}{'infer':>9}{'encode':>9}{'total':>9}  {'vs target':>9}  {'x realtime':>10}  output")
    totals = {}
    for enc in encoders:
        best = None
        for _ in range(args.repeat):
            a = V.analyze(data, "bench_480p.mp4", clf, V.Options(), annotated=True, encoder=enc)
            if best is None or a.timings_ms["total"] < best.timings_ms["total"]:
                best = a
        ms = best.timings_ms
        totals[enc] = ms["total"] / 1e3
        lim = V.ENCODE_LIMITS[enc]
        print(f"{enc.value:<14}{ms['decode'] / 1e3:>8.2f}s{ms['inference'] / 1e3:>8.2f}s{ms['encode'] / 1e3:>8.2f}s"
              f"{ms['total'] / 1e3:>8.2f}s  {ms['total'] / 1e3 / TARGET_S:>8.2f}x  {SECONDS / (ms['total'] / 1e3):>9.2f}x"
              f"  {len(best.webm) / 1e6:.2f} MB, ≤{lim.max_side} px, ≤{lim.max_fps:.0f} fps")
    info = best.info
    fed = sum(len(r.frame_indices) for r in best.result.segments)
    calls = fed + (fed - len(best.result.segments[0].frame_indices) if choice.kind is V.Kind.STREAM else 0)
    infer_s = best.timings_ms["inference"] / 1e3
    print(f"model: {fed} frames sampled by time ({fed / info.duration:.1f} per clip second), {calls} model calls "
          f"in {infer_s:.2f} s = {calls / infer_s:.0f} frames/s through the model "
          f"({calls / infer_s / (fed / info.duration):.0f}x the rate it needs)")
    print(f"\ndecoded {info.frame_count} frames {info.size[0]}×{info.size[1]} (from {info.source_size[0]}×{info.source_size[1]});"
          f" {len(best.result.segments)} segments; top-1: {best.result.top[0][0]} ({best.result.top[0][1]:.1%})")
    for enc, total in totals.items():
        print(f"target ≤ {TARGET_S:.0f} s end to end with {enc.value}: {'met' if total <= TARGET_S else 'NOT met'} ({total:.2f} s)")


if __name__ == "__main__":
    main()
