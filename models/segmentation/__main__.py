"""CLI: ``python -m models.segmentation photo.jpg [--model ID] [--out DIR]`` prints the classes found."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from models.errors import VisionError
from models.imaging import encode_png, read_image
from models.segmentation.choices import SegModel, create, options
from models.segmentation.classes import BACKGROUND, MIN_LEGEND_SHARE
from models.segmentation.render import class_png, overlay


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.segmentation", description="DeepLab semantic segmentation")
    parser.add_argument("images", nargs="+", type=Path)
    parser.add_argument(
        "--model", choices=[str(getattr(m, "value", m)) for m in options()], default=SegModel.MNV2_513.value
    )
    parser.add_argument("--out", type=Path, help="write <name>_classes.png and <name>_overlay.png here")
    args = parser.parse_args(argv)
    try:
        segmenter = create(args.model)
    except VisionError as exc:
        print(exc)
        return 1
    for path in args.images:
        image = read_image(path)
        seg = segmenter.predict(image.rgb)
        listed, traces = seg.found()
        bg = [s for s in seg.shares() if s.index == BACKGROUND]
        summary = ", ".join(f"{s.name} {s.share:.1%}" for s in bg + listed)
        if traces:
            summary += f" (traces under {MIN_LEGEND_SHARE:.1%}: {', '.join(f'{s.name} {s.pixels} px' for s in traces)})"
        times = " ".join(f"{k}={v:.0f}ms" for k, v in seg.timings_ms.items())
        print(f"{path.name}: {summary}  [{times}]")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{path.stem}_classes.png").write_bytes(class_png(seg.class_map))
            (args.out / f"{path.stem}_overlay.png").write_bytes(encode_png(overlay(image.rgb, seg.class_map, 0.6)))
    return 0


if __name__ == "__main__":
    from models.store import run_cli

    run_cli(main)
