"""Style transfer on a 3:1 panorama: are the strokes stretched? (issue 17)

Prints, for the real TFLite pair (fp16 transfer, Starry Night style, full strength), the anisotropy of the
stylized texture: mean |d/dy| over mean |d/dx| of the output's high-pass (output minus its 3-px Gaussian blur),
relative to the same number for a square crop of the same photo. Strokes stretched sideways change less along x,
so the ratio rises above 1. "old" = the panorama squashed into the network's 384×384 input and resized back
(what render() did up to 384 px); "now" = render() at 384, 512 and 1024 px in both modes.

    VISION_STORE=/path/to/shared/assets .venv/bin/python bench/bench_style_aspect.py
"""

from __future__ import annotations

import cv2
import numpy as np

from models import style as sty
from models.imaging import read_image
from models.store import Store


def anisotropy(rgb: np.ndarray) -> float:
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    hp = g - cv2.GaussianBlur(g, (0, 0), 3)
    return float(np.abs(np.diff(hp, axis=0)).mean() / np.abs(np.diff(hp, axis=1)).mean())


def main() -> None:
    store = Store()
    model = sty.MagentaTFLite.from_store(sty.Backend.TFLITE_FP16, store)
    photo = read_image(store.root / "samples" / "kite_and_cold.jpg").rgb  # 1352×900
    panorama = photo[300:750, :]  # 1352×450, 3:1
    square = photo[:, 226:1126]  # 900×900
    style = read_image(store.root / "samples" / "styles" / "starry_night_van_gogh.jpg").rgb
    b = model.bottleneck(style, crop=True)
    ref = anisotropy(model.render(square, b, 384))
    old = sty.to_uint8(model._transfer(sty.to_float(panorama, (384, 384)), b))  # the old path: squashed
    old = sty.resize(old, 384, 128)
    print(f"square crop, 384 px: anisotropy {ref:.2f} (reference)")
    print(f"panorama old (squashed), 384 px: anisotropy {anisotropy(old):.2f} ({anisotropy(old) / ref:.2f}× the square's)")
    for large in sty.LargeImage:
        for side in (384, 512, 1024):
            out = model.render(panorama, b, side, large)
            a = anisotropy(out)
            print(f"panorama now, {large.value:>6}, {side:>4} px: output {out.shape[1]}×{out.shape[0]}, "
                  f"anisotropy {a:.2f} ({a / ref:.2f}× the square's)")


if __name__ == "__main__":
    main()
