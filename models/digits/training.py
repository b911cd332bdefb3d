"""Plumbing shared by the small classifiers this project trains (digit judge, digit guesser)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.runtime import device_info

log = logging.getLogger(__name__)


class RunLog:
    """A training log that prints each line and keeps them all.

    Logs each line at once (logger ``models.digits.training``, INFO) and keeps them, so a finished run can write
    its log next to the weights.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, msg: str) -> None:
        """Log ``msg`` at INFO and keep it."""
        log.info(msg)
        self.lines.append(msg)

    def write(self, path: Path | str) -> None:
        """Write the kept lines to ``path``, one per line."""
        Path(path).write_text("\n".join(self.lines) + "\n")


def save_weights(build: Callable[[], Any], model: Any, out: Path | str) -> None:
    """Save ``model``'s weights from an uncompiled twin: a compiled model's file also carries the Adam slots (3x)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean = build()
    clean.set_weights(model.get_weights())
    clean.save_weights(str(out))


def record_run(
    train: Callable[[RunLog], dict], out: Path | str, committed: Path, log_path: Path, metrics_path: Path
) -> dict:
    """A training command's body.

    Log the device, train, and when ``out`` is the committed weights file, write the log and the metrics beside it (a
    run to another path leaves the committed record alone).
    """
    if not str(out).endswith(".weights.h5"):  # Keras refuses any other name, but only after the training
        raise SystemExit(f"error: the output file must end in .weights.h5 (got {out})")
    log = RunLog()
    log(f"device: {device_info().label}")
    metrics = train(log)
    if Path(out) == Path(committed):
        log.write(log_path)
        Path(metrics_path).write_text(json.dumps(metrics))
    return metrics
