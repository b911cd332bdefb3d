"""Style-transfer timings: run by hand, ``.venv/bin/python bench/bench_style.py [--repeat N] [--full-grid]``.

Prints, per TFLite transfer network (int8, fp16), for a 384-px stylization:
- bare: the two interpreter calls only (predict on a ready 256×256 float array, transfer on a ready
  384×384 array) — the floor;
- page action: exactly what the page runs when a new style is picked (style bottleneck from the uint8
  image, then ``MagentaTFLite.stylize`` with it: resizing, float conversion, transfer, uint8 output) and
  the ratio page / bare (target ≤ 1.2, page ≤ 500 ms);
- strength change: what the page runs when only the strength slider moves (both bottlenecks cached);
- larger outputs (768, 1024 px) with tiles and with resize.
Then Gatys ms per iteration at 256 px (VGG19; random weights give the same compute as ImageNet ones).
With ``--full-grid`` also the 3 photos × 3 artworks strength curves (edge correlation, colour distance).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("VISION_OFFLINE", "1")
if "VISION_STORE" not in os.environ and (ROOT.parent / "shared" / "assets").is_dir():
    os.environ["VISION_STORE"] = str(ROOT.parent / "shared" / "assets")

import numpy as np  # noqa: E402

from models import style as sty  # noqa: E402
from models.imaging import read_image  # noqa: E402
from models.runtime import device_info, tf  # noqa: E402
from models.samples import SampleKind, samples  # noqa: E402
from models.store import ModelMissingError, Store  # noqa: E402


def interleaved(fns: dict, repeat: int, warmup: int = 2) -> dict[str, tuple[float, float]]:
    """(median, min) ms per function, calling them in turn each round so that load from other
    processes on a shared machine hits all of them alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - t) * 1000)
    return {k: (statistics.median(v), min(v)) for k, v in times.items()}


def pick(kind: SampleKind, preferred: str):
    opts = samples(kind)
    return next((s for s in opts if s.id == preferred), opts[0])


def report_backend(model, backend, style, content, repeat: int) -> None:
    """Median / min times of one Magenta backend: bare calls, the page's action, a strength change, large sizes."""
    style_in = sty.to_float(style, (256, 256))
    content_in = sty.to_float(content, (384, 384))

    def bare():
        b = model.predict(style_in)[0]
        model.transfer(content_in, b)

    def page_action():
        sb = model.bottleneck(style)
        model.stylize(content, style, 1.0, 384, style_bottleneck=sb)

    sb, cb = model.bottleneck(style), model.bottleneck(content)

    def strength_change():
        model.stylize(content, style, 0.5, 384, style_bottleneck=sb, content_bottleneck=cb)

    r = interleaved({"bare": bare, "page": page_action, "strength": strength_change}, repeat)
    (bare_med, bare_min), (page_med, page_min), (str_med, str_min) = r["bare"], r["page"], r["strength"]
    ok = "OK" if page_med <= 500 and page_med / bare_med <= 1.2 else "MISSED"
    print(f"{backend.label}, 384 px (interleaved, {repeat} rounds; median / min):")
    print(f"  bare interpreter calls   {bare_med:7.1f} / {bare_min:7.1f} ms")
    print(f"  page action (new style)  {page_med:7.1f} / {page_min:7.1f} ms   ratio {page_med / bare_med:.3f} "
          f"/ {page_min / bare_min:.3f}   [targets ≤ 500 ms, ≤ 1.2 (medians): {ok}]")
    print(f"  strength change only     {str_med:7.1f} / {str_min:7.1f} ms")
    for side in (768, 1024):
        sizes = interleaved({lg: (lambda lg=lg, side=side: model.render(content, sb, side, lg)) for lg in sty.LargeImage},
                            max(3, repeat // 3), 1)
        for lg, (med, mn) in sizes.items():
            print(f"  {side:4d} px, {lg.value:6s}         {med:7.1f} / {mn:7.1f} ms")
    print()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--gatys-steps", type=int, default=8)
    ap.add_argument("--full-grid", action="store_true")
    args = ap.parse_args()
    tf()
    print(f"device: {device_info().label} · store: {Store().root}")

    content_s, style_s = pick(SampleKind.PHOTO, "photo_grace_hopper"), pick(SampleKind.STYLE, "style_starry_night")
    content, style = read_image(content_s.path).rgb, read_image(style_s.path).rgb
    print(f"content: {content_s.title} {content.shape[1]}×{content.shape[0]} · style: {style_s.title} "
          f"{style.shape[1]}×{style.shape[0]}\n")

    for backend in (sty.Backend.TFLITE_INT8, sty.Backend.TFLITE_FP16):
        try:
            model = sty.MagentaTFLite.from_store(backend)
        except ModelMissingError as exc:
            print(f"{backend.label}: skipped ({exc})")
            continue
        report_backend(model, backend, style, content, args.repeat)

    # Gatys: ms per iteration at 256 px (median of the steps after the first, which traces the graph).
    for layers in sty.LayerSet:
        vgg = sty.build_vgg19(None, layers)
        result = sty.gatys_transfer(content, style, vgg,
                                    sty.GatysConfig(iterations=args.gatys_steps + 1, max_side=256, layers=layers))
        print(f"Gatys {layers.value:8s} 256 px: {result.ms_per_step:7.1f} ms per iteration "
              f"(median of {result.steps - 1} steps; min {min(result.step_ms[1:]):.1f}; "
              f"first step incl. tracing {result.step_ms[0]:.0f} ms)")

    if args.full_grid:
        print("\nstrength curves, int8: (edge corr with content, Lab colour distance to style)")
        model = sty.MagentaTFLite.from_store(sty.Backend.TFLITE_INT8)
        for photo in ("grace_hopper", "cat", "pets"):
            c = read_image(Store().root / "samples" / f"{photo}.jpg").rgb
            cb = model.bottleneck(c)
            for name in ("starry_night_van_gogh", "great_wave_off_kanagawa", "the_scream_munch"):
                s = read_image(Store().root / "samples" / "styles" / f"{name}.jpg").rgb
                sb = model.bottleneck(s)
                row = []
                for k in (0.0, 0.25, 0.5, 0.75, 1.0):
                    o = model.stylize(c, s, k, style_bottleneck=sb, content_bottleneck=cb).image
                    row.append(f"{k:.2f}: ({sty.edge_correlation(c, o):.3f}, {sty.colour_distance(o, s):4.1f})")
                print(f"  {photo:>12} / {name:<24} " + "  ".join(row))
    return 0


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    sys.exit(main())
