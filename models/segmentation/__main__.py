"""Segmentation command line: classes found, class-map and overlay PNGs.

CLI: ``python -m models.segmentation photo.jpg|FOLDER ... [--model ID] [--out DIR]`` prints the classes found
in each image and writes ``<stem>_classes.png`` (class-id palette PNG at the image's own size, the model's colours)
and ``<stem>_overlay.png``.

A folder stands for the images in it (sorted; earlier ``_classes`` / ``_overlay`` outputs left out). Without
``--out``, the PNGs of a folder's images go into that folder and single files print only.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from models.errors import VisionError
from models.imaging import IMAGE_TYPES, encode_png, read_image
from models.segmentation.choices import SegModel, create, options
from models.segmentation.classes import MIN_LEGEND_SHARE
from models.segmentation.render import class_png, overlay, readable_palette

OUTPUT_SUFFIXES = ("_classes", "_overlay")  # what this CLI writes: never read back as input


def expand(paths: Sequence[Path]) -> list[tuple[Path, Path | None]]:
    """(image, folder to write its PNGs into or None) for each path.

    A folder gives its image files (by extension, sorted), written into the folder itself.
    """
    out: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_dir():
            files = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower().lstrip(".") in IMAGE_TYPES and not p.stem.endswith(OUTPUT_SUFFIXES)
            )
            out += [(p, path) for p in files]
        else:
            out.append((path, None))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Segment the images of ``argv`` and print the classes found; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m models.segmentation", description="Semantic segmentation")
    parser.add_argument("images", nargs="+", type=Path, help="image files or folders of images")
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
    failed = 0
    for path, folder in expand(args.images):
        try:
            image = read_image(path)
        except VisionError as exc:  # one unreadable file does not stop the others
            print(f"{path.name}: {exc}")
            failed += 1
            continue
        seg = segmenter.predict(image.rgb)
        listed, traces = seg.found()
        bg = [s for s in seg.shares() if s.index == seg.background]
        summary = ", ".join(f"{s.name} {s.share:.1%}" for s in bg + listed)
        if traces:
            summary += f" (traces under {MIN_LEGEND_SHARE:.1%}: {', '.join(f'{s.name} {s.pixels} px' for s in traces)})"
        times = " ".join(f"{k}={v:.0f}ms" for k, v in seg.timings_ms.items())
        print(f"{path.name}: {summary}  [{times}]")
        out = args.out or folder
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{path.stem}_classes.png").write_bytes(class_png(seg.class_map, seg.palette))
            drawn = readable_palette(image.rgb, seg.class_map, 0.6, seg.palette, seg.background)
            shown = overlay(image.rgb, seg.class_map, 0.6, None, drawn, seg.background)
            (out / f"{path.stem}_overlay.png").write_bytes(encode_png(shown))
    return 1 if failed else 0


if __name__ == "__main__":
    from models.store import run_cli

    run_cli(main)
