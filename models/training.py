"""Plumbing shared by the small classifiers this project trains (digit judge, digit guesser)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable


class RunLog:
    """Prints each line at once and keeps them, so a finished run can write its log next to the weights."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, msg: str) -> None:
        print(msg, flush=True)
        self.lines.append(msg)

    def write(self, path: Path | str) -> None:
        Path(path).write_text("\n".join(self.lines) + "\n")


def save_weights(build: Callable[[], object], model, out: Path | str) -> None:
    """Save ``model``'s weights from an uncompiled twin: a compiled model's file also carries the Adam slots (3x)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean = build()
    clean.set_weights(model.get_weights())
    clean.save_weights(str(out))
