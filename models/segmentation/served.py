"""Segmentation on the model server, and the capability's entry in :mod:`models.backends`.

:class:`ServedSegmenter` keeps the :class:`models.segmentation.SegmentationBackend` contract over HTTP;
:data:`BACKENDS` pairs it with :func:`models.segmentation.create`, served for the rows whose ``served`` is set.
"""

from __future__ import annotations

import time

import numpy as np

from models.backends import CapabilityBackends, register
from models.errors import InputError
from models.segmentation.choices import SegmentationBackend, create, options, spec_of
from models.segmentation.classes import VOC_CLASSES, Segmentation
from models.serving.client import ServeClient, elapsed_ms


class ServedSegmenter:
    """:class:`models.segmentation.SegmentationBackend` contract: ``spec``, ``labels``, ``predict(rgb)``.

    ``model``: an option whose row is served (raises ValueError for another, KeyError for an unknown one).
    """

    def __init__(self, client: ServeClient, model: str):
        self.client = client
        self.spec = spec_of(model)
        if not self.spec.served:
            raise ValueError(f"{model} is not served by the model server (its row says served=False)")
        self.model = self.spec.entry_id
        self.labels: tuple[str, ...] = VOC_CLASSES

    def predict(self, rgb: np.ndarray) -> Segmentation:
        """(H, W, 3) uint8 RGB → :class:`models.segmentation.Segmentation` at the same size (class ids uint8).

        ``timings_ms`` holds the server's preprocess / model / postprocess plus ``network + queue`` (the rest of
        the round trip). Raises InputError on a wrong array, InferenceUnavailable when the server is not there.
        """
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InputError(f"expected an (H, W, 3) uint8 RGB image, got {rgb.shape} {rgb.dtype}")
        start = time.perf_counter()
        params, arrays = self.client.call("segmentation", "predict", {"model": self.model}, {"rgb": rgb})
        timings = {k: float(v) for k, v in params["timings_ms"].items()}
        timings["network + queue"] = max(0.0, elapsed_ms(start) - sum(timings.values()))
        self.labels = tuple(params["labels"])
        return Segmentation(np.array(arrays["class_map"]), self.labels, params["model"], timings)


def _can_serve(option: str) -> bool:
    return spec_of(option).served


BACKENDS: CapabilityBackends[SegmentationBackend] = register(
    CapabilityBackends("segmentation", create, ServedSegmenter, _can_serve, options)
)
