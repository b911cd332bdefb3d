"""Inpainting timings: Telea and Navier–Stokes, full frame vs crops around the mask.

Run by hand: ``.venv/bin/python bench/bench_inpainting.py [--repeat 5]``. Prints the median of
``--repeat`` runs per case (ms) and the full/crop ratio (> 1: the crop strategy is faster).

Cases: a 1-MP photo with a 5 % mask (one object-sized blob; then scratches + text spread over the
frame), and a 12-MP photo with local damage (scratches, a blemish, a watermark).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from models.imaging import read_image  # noqa: E402
from models.inpainting import InpaintOptions, Method, Strategy, inpaint, psnr  # noqa: E402
from models.runtime import device_info  # noqa: E402
from models.samples import skimage_data_dir  # noqa: E402

TARGET_MS = 500


def photo(size: tuple[int, int]) -> tuple[np.ndarray, str]:
    shared = ROOT.parent / "shared" / "assets" / "samples" / "kite_and_cold.jpg"
    path = shared if shared.exists() else skimage_data_dir() / "coffee.png"
    return cv2.resize(read_image(path).rgb, size, interpolation=cv2.INTER_AREA if size[0] < 1352 else cv2.INTER_CUBIC), path.name


def blob_mask(h: int, w: int, share: float) -> np.ndarray:
    """One ellipse (an object to remove) covering ``share`` of the frame."""
    m = np.zeros((h, w), np.uint8)
    area = share * h * w
    a = (area / np.pi / 0.6) ** 0.5
    cv2.ellipse(m, (int(0.4 * w), int(0.55 * h)), (int(a), int(0.6 * a)), 20, 0, 360, 1, -1)
    return m > 0


def scratch_mask(h: int, w: int, share: float, seed: int = 0) -> np.ndarray:
    """Random scratches and a caption until ``share`` of the frame is covered."""
    rng = np.random.default_rng(seed)
    m = np.zeros((h, w), np.uint8)
    cv2.putText(m, "(c) 2026 sample photo", (int(0.05 * w), int(0.9 * h)), cv2.FONT_HERSHEY_SIMPLEX,
                w / 600, 1, max(2, w // 300))
    while m.mean() < share:
        p, q = rng.integers(0, [w, h]), rng.integers(0, [w, h])
        cv2.line(m, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), 1, max(3, w // 250))
    return m > 0


def local_mask(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = np.zeros((h, w), np.uint8)
    for _ in range(5):
        p = rng.integers([0, 0], [w - 500, h - 500])
        q = p + rng.integers(80, 450, 2)
        cv2.line(m, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), 1, 6)
    cv2.circle(m, (int(0.3 * w), int(0.4 * h)), 60, 1, -1)
    cv2.putText(m, "(c) 2026 Photo", (int(0.58 * w), int(0.93 * h)), cv2.FONT_HERSHEY_SIMPLEX, 4, 1, 10)
    return m > 0


def median_ms(rgb, mask, method, strategy, repeat) -> tuple[float, np.ndarray, int]:
    runs, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = inpaint(rgb, mask, method, InpaintOptions(radius=3, strategy=strategy))
        runs.append((time.perf_counter() - t0) * 1e3)
        out = res
    return statistics.median(runs), out.image, len(out.regions)


def case(title: str, clean: np.ndarray, mask: np.ndarray, repeat: int) -> None:
    damaged = clean.copy()
    damaged[mask] = 255
    h, w = mask.shape
    print(f"\n{title}: {w}×{h} ({w * h / 1e6:.1f} MP), mask {mask.mean():.1%}")
    print(f"  {'method':<14}{'full ms':>9}{'crop ms':>9}{'full/crop':>11}{'regions':>9}{'ΔPSNR dB':>10}  target")
    for method in Method:
        full_ms, full_img, _ = median_ms(damaged, mask, method, Strategy.FULL, repeat)
        crop_ms, crop_img, n = median_ms(damaged, mask, method, Strategy.CROP, repeat)
        d = psnr(clean, crop_img, mask) - psnr(clean, full_img, mask)
        ok = "✓" if min(full_ms, crop_ms) <= TARGET_MS else "✗"
        print(f"  {method.title:<14}{full_ms:>9.0f}{crop_ms:>9.0f}{full_ms / crop_ms:>10.2f}×{n:>9}{d:>10.3f}"
              f"  {ok} ≤ {TARGET_MS} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"Device: {device_info().label} · OpenCV {cv2.__version__} (threads {cv2.getNumThreads()}) · "
          f"median of {args.repeat}")
    one_mp, name = photo((1224, 816))
    case(f"1 MP {name}, one object (5 %)", one_mp, blob_mask(816, 1224, 0.05), args.repeat)
    case(f"1 MP {name}, scratches + caption (5 %)", one_mp, scratch_mask(816, 1224, 0.05), args.repeat)
    twelve, _ = photo((4240, 2832))
    case(f"12 MP {name} (upscaled), local damage", twelve, local_mask(2832, 4240), max(1, args.repeat // 2))


if __name__ == "__main__":
    main()
