"""The segmentation options.

One table from option id to :class:`ModelSpec`, and one ``create`` that builds the backend behind the
:class:`SegmentationBackend` contract.

Adding a segmentation model = one registry entry (``models/registry.py``) + one row in :data:`SPECS`
(``register(spec)`` does the latter at run time, e.g. from a plugin or a test). The option id is the model's
store entry id; built-in options are :class:`SegModel` members (a ``str`` enum, so they key the table too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from models.segmentation.classes import VOC_CLASSES, Segmentation
from models.segmentation.segmenter import FROZEN_LONG_SIDE, Backend, ModelSpec, Segmenter, build_segmenter, load_labels

if TYPE_CHECKING:
    from models.store import Store


class SegmentationBackend(Protocol):
    """What a page needs from a segmentation model."""

    spec: ModelSpec
    labels: tuple[str, ...]

    def predict(self, rgb: np.ndarray) -> Segmentation:
        """(H, W, 3) uint8 RGB → :class:`Segmentation` at the same size; raises ``InputError`` on bad arrays."""
        ...


class SegModel(str, Enum):
    """The built-in DeepLab variants; the value is the model-store entry id (and the option id)."""

    MNV2_513 = "deeplab_mnv2_513_quant"
    MNV2_DM05_513 = "deeplab_mnv2_dm05_513_quant"
    MNV2_257_FLOAT = "deeplab_257_float"
    MNV2_FROZEN = "deeplab_mnv2_frozen"
    XCEPTION_FROZEN = "deeplab_xception_frozen"
    FCN8S_CAMVID = "fcn8s_camvid"
    DEEPLABV3PLUS_CAMVID = "deeplabv3plus_camvid"

    @property
    def spec(self) -> ModelSpec:
        """This option's row of :data:`SPECS`."""
        return SPECS[self]


_M = SegModel
# Table order is the page's option order; the first option present in the store is the default.
SPECS: dict[str, ModelSpec] = {
    _M.MNV2_513: ModelSpec(
        "DeepLabV3 MobileNetV2 · 513 px · TFLite uint8",
        Backend.TFLITE_CLASSMAP,
        513,
        "Best quality of the on-device models (2.2 MB).",
        _M.MNV2_513.value,
        served=True,
    ),
    _M.MNV2_DM05_513: ModelSpec(
        "DeepLabV3 MobileNetV2 ×0.5 · 513 px · TFLite uint8",
        Backend.TFLITE_CLASSMAP,
        513,
        "Half-width network: about 3× faster, a little coarser (0.8 MB).",
        _M.MNV2_DM05_513.value,
        served=True,
    ),
    _M.MNV2_257_FLOAT: ModelSpec(
        "DeepLabV3 MobileNetV2 · 257 px · TFLite float",
        Backend.TFLITE_LOGITS,
        257,
        "Fastest; logits upsampled bilinearly for smooth edges (2.8 MB).",
        _M.MNV2_257_FLOAT.value,
        served=True,
    ),
    _M.MNV2_FROZEN: ModelSpec(
        "DeepLabV3 MobileNetV2 (COCO + VOC) · frozen graph",
        Backend.FROZEN_GRAPH,
        FROZEN_LONG_SIDE,
        "tensorflow.org release; runs on GPU when there is one (8.7 MB download).",
        _M.MNV2_FROZEN.value,
    ),
    _M.XCEPTION_FROZEN: ModelSpec(
        "DeepLabV3+ Xception-65 (COCO + VOC) · frozen graph",
        Backend.FROZEN_GRAPH,
        FROZEN_LONG_SIDE,
        "Most accurate; heavy, meant for GPU hosts (439 MB download).",
        _M.XCEPTION_FROZEN.value,
    ),
    # Trained here on CamVid road scenes (11 classes; models/weights/segmentation/): street photos only. The better one
    # on CamVid val first (FCN-8s 60.4 % mIoU, DeepLabV3+ 39.1 %): with an empty store it is the default.
    _M.FCN8S_CAMVID: ModelSpec(
        "FCN-8s · road scenes (CamVid), trained here",
        Backend.KERAS_TRAINED,
        480,
        "The classic fully convolutional network (strides 32/16/8 fused) on a MobileNetV2 encoder, trained "
        "in this project on CamVid street scenes (9 MB, ships with the app).",
        _M.FCN8S_CAMVID.value,
        "",
        builtin=_M.FCN8S_CAMVID.value,
        class_set="CamVid",
        data_entry="camvid",
    ),
    _M.DEEPLABV3PLUS_CAMVID: ModelSpec(
        "DeepLabV3+ · road scenes (CamVid), trained here",
        Backend.KERAS_TRAINED,
        480,
        "MobileNetV2 encoder + ASPP + decoder, trained in this project on 367 CamVid street scenes: road, "
        "pavement, cars, pedestrians, signs… (9 MB, ships with the app).",
        _M.DEEPLABV3PLUS_CAMVID.value,
        "",
        builtin=_M.DEEPLABV3PLUS_CAMVID.value,
        class_set="CamVid",
        data_entry="camvid",
    ),
}


def _drop_unshipped() -> None:
    # A row trained here is offered only once its model folder ships (a clone before the training landed has none).
    from models.segmentation.trained import TRAINED_DIR

    for key in [k for k, s in SPECS.items() if s.builtin and not (TRAINED_DIR / s.builtin / "model.json").is_file()]:
        del SPECS[key]


_drop_unshipped()


def register(spec: ModelSpec) -> None:
    """Add (or replace) one option row, keyed by ``spec.entry_id``.

    Its store entry must be in the registry (``models.registry.register`` for one that is not shipped). The row is
    built in this process in served mode too (``served=False``, the default), since the model server, another
    process, does not know it; set ``served=True`` only when the model server registers the same row and entry.
    """
    SPECS[spec.entry_id] = spec


def unregister(option: str) -> None:
    """Remove a row added by :func:`register` (no error when it is absent)."""
    SPECS.pop(option, None)


def spec_of(choice: str) -> ModelSpec:
    """The table row of an option (a :class:`SegModel` or its id); raises KeyError for an unknown option."""
    return SPECS[choice]


def options() -> list[str]:
    """Option ids in table order (what the page offers)."""
    return list(SPECS)


def class_names(choice: str) -> tuple[str, ...]:
    """The class names of an option in class-id order, read from its row (no model is loaded).

    A trained option's ``model.json``, else VOC's 21. Raises KeyError for an unknown option, ``ModelFileError`` for a
    bad folder.
    """
    spec = spec_of(choice)
    if spec.backend is Backend.KERAS_TRAINED:
        from models.segmentation.trained import TRAINED_DIR, read_card

        return tuple(read_card(TRAINED_DIR / spec.builtin)["classes"])
    return VOC_CLASSES


def segmenter_from_file(model: str, path: Path | str, labels: Sequence[str] = VOC_CLASSES) -> Segmenter:
    """The backend of option ``model`` from a model file already at hand (see :func:`build_segmenter`).

    Pages never call this: they ask :func:`models.backends.backend` (served or :func:`create`).
    """
    return build_segmenter(spec_of(model), path, labels)


def create(choice: str, store: Store | None = None) -> SegmentationBackend:
    """The backend for an option, its model (and labels, when present) taken from the model store.

    Raises ``models.store.ModelMissingError`` when the model is missing and cannot be fetched, and
    ``ModelFileError`` when the file does not have the option's signature.
    """
    from models.store import Store

    spec = spec_of(choice)
    if spec.backend is Backend.KERAS_TRAINED:
        from models.segmentation.trained import TRAINED_DIR, TrainedSegmenter, load_model

        model, card = load_model(TRAINED_DIR / spec.builtin)
        return TrainedSegmenter(model, card, spec, spec.input_size, mirror=True)
    store = store or Store()
    labels = load_labels(store.require(spec.labels_entry_id)) if store.has(spec.labels_entry_id) else VOC_CLASSES
    return build_segmenter(spec, store.require(spec.entry_id), labels)


def default_choice(present: Callable[[str], bool]) -> str:
    """The first option (table order) whose store entries are all ``present``; the first option when none is."""
    return next((c for c, s in SPECS.items() if all(present(e) for e in s.store_entries)), next(iter(SPECS)))
