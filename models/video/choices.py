"""The video model options: one table from option id to its spec, and one ``create`` that builds a backend.

Adding a video model = one registry entry (``models/registry.py``) + one row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from models.errors import ModelFileError
from models.video.classifiers import (
    FrameClassifier,
    MovinetClassifier,
    Semantics,
    StreamClassifier,
    VideoClassifier,
)

if TYPE_CHECKING:
    from models.store import Store


class Kind(str, Enum):
    """How a video model is run."""

    STREAM = "stream"  # MoViNet stream TFLite: frame by frame with states
    BASE = "base"  # MoViNet base SavedModel: a whole segment per call
    FRAMES = "frames"  # an ImageNet TFLite classifier per frame


@dataclass(frozen=True)
class ModelChoice:
    """One video option: store entries, label semantics, input size and kind."""

    id: str
    title: str
    entry_id: str  # the model's store entry
    labels_entry_id: str
    semantics: Semantics
    size: int  # square input side in pixels
    kind: Kind
    served: bool = False  # the model server runs it (VISION_SERVE_ADDRESS set: models.backends hands out its client)


MODEL_CHOICES: tuple[ModelChoice, ...] = (
    ModelChoice(
        "movinet_a0_stream",
        "MoViNet-A0 stream · actions (Kinetics-600)",
        "movinet_a0_stream_k600_int8",
        "kinetics600_labels",
        Semantics.ACTIONS,
        172,
        Kind.STREAM,
        served=True,
    ),
    ModelChoice(
        "movinet_a0",
        "MoViNet-A0 base · actions (Kinetics-600)",
        "movinet_a0_k600",
        "kinetics600_labels",
        Semantics.ACTIONS,
        172,
        Kind.BASE,
    ),
    ModelChoice(
        "movinet_a1",
        "MoViNet-A1 base · actions (Kinetics-600)",
        "movinet_a1_k600",
        "kinetics600_labels",
        Semantics.ACTIONS,
        172,
        Kind.BASE,
    ),
    ModelChoice(
        "movinet_a2",
        "MoViNet-A2 base · actions (Kinetics-600)",
        "movinet_a2_k600",
        "kinetics600_labels",
        Semantics.ACTIONS,
        224,
        Kind.BASE,
    ),
    ModelChoice(
        "frames_mobilenet",
        "MobileNetV2 per frame · objects/scenes (ImageNet)",
        "mobilenet_v2_224_quant",
        "imagenet_labels",
        Semantics.OBJECTS,
        224,
        Kind.FRAMES,
    ),
)
CHOICE_BY_ID = {c.id: c for c in MODEL_CHOICES}


def default_choice(present: Callable[[str], bool]) -> ModelChoice:
    """The first option (table order: the stream model first) whose model and labels ``present(entry_id)``."""
    for c in MODEL_CHOICES:
        if present(c.entry_id) and present(c.labels_entry_id):
            return c
    return MODEL_CHOICES[0]


def load_classifier(choice: ModelChoice, model_path: Path | str, labels_path: Path | str) -> VideoClassifier:
    """Build the backend for an option from files already in the store (the caller fetches them).

    Raises ``models.errors.ModelFileError`` when the file is not the kind of model the option names (unreadable,
    wrong signature or labels).
    """
    from models import runtime

    labels = runtime.read_labels(labels_path)
    if choice.kind is Kind.STREAM:
        return StreamClassifier(runtime.load_tflite_signature(model_path), labels)
    if choice.kind is Kind.BASE:
        try:
            module = runtime.load_saved_model(model_path)
        except (OSError, ValueError) as exc:  # not a SavedModel directory, or one TensorFlow cannot read
            raise ModelFileError(f"{Path(model_path).name} is not a SavedModel this server can load ({exc})") from exc
        return MovinetClassifier(module, labels, size=choice.size)
    return FrameClassifier(runtime.load_tflite(model_path), labels)


def create(choice: ModelChoice | str, store: Store | None = None) -> VideoClassifier:
    """The backend for an option, its files taken from the model store (fetched if allowed).

    Raises ``models.store.ModelMissingError`` when a file is missing and cannot be fetched.
    """
    from models.store import Store

    choice = CHOICE_BY_ID[choice] if isinstance(choice, str) else choice
    store = store or Store()
    return load_classifier(choice, store.require(choice.entry_id), store.require(choice.labels_entry_id))
