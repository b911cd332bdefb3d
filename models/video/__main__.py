"""``python -m models.video CLIP [MODEL_ID]``: the clip's top-5 and timeline from the command line.

MODEL_ID is one of the option ids in ``models.video.choices`` (default: the first whose model is in the
store, the MoViNet-A0 stream model when present). A clip that cannot be used prints its message, no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.store import Store, run_cli
from models.video.choices import CHOICE_BY_ID, create, default_choice
from models.video.clip import VideoError
from models.video.pipeline import Options, analyze, short_label


def main(argv: list[str] | None = None) -> int:
    """Classify a clip from the command line and print its top labels and timeline; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m models.video", description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("model", nargs="?", choices=sorted(CHOICE_BY_ID), help="model option (default: best present)")
    parser.add_argument("--segment", type=float, default=2.0, help="timeline segment length in seconds")
    args = parser.parse_args(argv)
    store = Store()
    choice = CHOICE_BY_ID[args.model] if args.model else default_choice(store.has)
    classifier = create(choice, store)
    try:
        data = args.clip.read_bytes()
    except OSError as exc:
        print(f"error: {args.clip} cannot be read ({exc.strerror})", file=sys.stderr)
        return 2
    try:
        a = analyze(data, args.clip.name, classifier, Options(segment_seconds=args.segment), annotated=False)
    except VideoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    i = a.info
    print(
        f"{i.name}: {i.duration:.2f} s, {i.frame_count} frames {i.size[0]}×{i.size[1]} "
        f"(avg {i.fps:.1f} fps, {i.codec}); model: {choice.title}"
    )
    for note in i.notes:
        print(f"  note: {note}")
    print(f"{a.result.semantics.heading}:")
    for label, p in a.result.top:
        print(f"  {p:6.1%}  {label}")
    print("timeline:")
    for r in a.result.segments:
        label, p = r.top(a.result.labels)
        print(f"  {r.start_s:5.1f}–{r.end_s:5.1f} s  {short_label(label)} ({p:.0%})")
    print("ms:", {k: round(v) for k, v in a.timings_ms.items()})
    return 0


if __name__ == "__main__":
    run_cli(main)
