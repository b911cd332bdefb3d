"""Inference served by Ray Serve when configured; in-process inference stays the default.

Two settings: ``VISION_SERVE_ADDRESS`` (e.g. ``http://127.0.0.1:8000``, the Serve HTTP proxy) and
``VISION_SERVE_TOKEN`` (the shared secret sent with every request, :mod:`models.serving.auth`). Address unset or empty:
every backend is built in this process, exactly as before. Set: :func:`maybe_served` hands out a served backend
(:mod:`models.serving.client`) for the options the Serve application hosts, with the same contract as the local
one, so pages never know. Options the application does not host (the frozen-graph DeepLabs, the style SavedModel,
SFace, the base MoViNets, the per-frame classifier) stay in-process.

This package imports neither Ray nor Streamlit at import time; only :mod:`models.serving.deployments` (run inside
the Ray cluster) imports Ray.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from models.serving.errors import InferenceUnavailable, ServeAuthError, ServedInputError

SERVE_ADDRESS_ENV = "VISION_SERVE_ADDRESS"
CAPABILITIES = ("segmentation", "style", "faces", "video", "digits")

T = TypeVar("T")

__all__ = [
    "CAPABILITIES",
    "SERVE_ADDRESS_ENV",
    "CapabilityStatus",
    "InferenceUnavailable",
    "ServeAuthError",
    "ServedInputError",
    "ServingStatus",
    "is_served",
    "maybe_served",
    "serve_address",
    "serving_status",
]


def serve_address() -> str | None:
    """The Serve HTTP address from ``VISION_SERVE_ADDRESS``, or None (in-process inference)."""
    value = os.environ.get(SERVE_ADDRESS_ENV, "").strip()
    return value or None


def _value(choice: Any) -> str | None:
    if choice is None:
        return None
    return str(getattr(choice, "value", getattr(choice, "id", choice)))


def is_served(capability: str, choice: Any = None) -> bool:
    """Whether ``capability`` with option ``choice`` (an enum, a video ModelChoice, or its id) goes to the server."""
    if serve_address() is None:
        return False
    c = _value(choice)
    if capability == "segmentation":
        from models.segmentation import SPECS, Backend

        # The server hosts the TFLite DeepLabs; frozen graphs (GPU hosts) and the models trained here run in-process.
        served = (Backend.TFLITE_CLASSMAP, Backend.TFLITE_LOGITS)
        return c is not None and c in SPECS and SPECS[c].backend in served
    if capability == "style":
        from models.style import Backend as StyleBackend

        return c is not None and StyleBackend(c) is not StyleBackend.SAVED_MODEL
    if capability == "faces":
        from models.faces import Embedder

        return c is None or Embedder(c) is Embedder.DLIB
    if capability == "video":
        from models.video import CHOICE_BY_ID, Kind

        return c is not None and CHOICE_BY_ID[c].kind is Kind.STREAM
    if capability == "digits":
        return True
    raise ValueError(f"unknown capability {capability!r} (known: {', '.join(CAPABILITIES)})")


def maybe_served(capability: str, choice: Any, local: Callable[[], T]) -> T:
    """The backend a page should use.

    Served when ``VISION_SERVE_ADDRESS`` is set and the Serve application hosts this option, else ``local()`` (the
    in-process factory, called only then, so no model is loaded here in served mode).

    ``capability``: one of :data:`CAPABILITIES`; ``choice``: the option (``SegModel``, style ``Backend``,
    ``Embedder``, video ``ModelChoice`` or its id; ignored for ``digits``, which returns the generator).
    Creating a served backend sends no request except for video (its labels); a missing server shows up at the
    first inference call as :class:`InferenceUnavailable`.
    """
    if not is_served(capability, choice):
        return local()
    from models.serving import client as C

    cl = C.client_for(serve_address())  # type: ignore[arg-type]
    c = _value(choice)
    if capability == "segmentation":
        return C.ServedSegmenter(cl, c)  # type: ignore[return-value]
    if capability == "style":
        return C.ServedStyle(cl, c)  # type: ignore[return-value]
    if capability == "faces":
        return C.ServedFaceAnalyzer(cl)  # type: ignore[return-value]
    if capability == "video":
        return C.ServedStreamClassifier(cl, c)  # type: ignore[return-value, arg-type]
    from models.serving.digits_client import ServedDigitGenerator

    return ServedDigitGenerator(cl)  # type: ignore[return-value]


def restore_digits(
    images: Any,
    masks: Any,
    cfg: Any = None,
    candidates: Any = None,
    *,
    local: Callable[[], Any],
    progress: Callable[[float], None] | None = None,
    use_guesser: bool = True,
):
    """DCGAN restoration.

    On the server when configured, else ``local()`` (a zero-argument call of :func:`models.digits.restore` with the
    page's own models).
    """
    address = serve_address()
    if address is None:
        return local()
    from models.serving import client as C
    from models.serving.digits_client import served_restore

    return served_restore(
        C.client_for(address), images, masks, cfg, candidates, use_guesser=use_guesser, progress=progress
    )


@dataclass
class CapabilityStatus:
    """One capability's answer to the admin page's check."""

    capability: str
    reachable: bool
    version: str = ""
    models: list[str] = field(default_factory=list)  # loaded in the replica that answered
    available: list[str] = field(default_factory=list)  # present in that node's store
    replica: str = ""
    max_batch_size: int = 0
    error: str = ""  # why it is unreachable (for the admin, not for visitors)


@dataclass
class ServingStatus:
    """Where inference runs and, when served, each capability's status."""

    mode: str  # "in-process" or "served"
    address: str | None
    capabilities: list[CapabilityStatus] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        """Whether every capability answered."""
        return bool(self.capabilities) and all(c.reachable for c in self.capabilities)


def serving_status(timeout_s: float = 3.0) -> ServingStatus:
    """For the admin page.

    In-process or served; when served, per capability whether it answers, the served version, model ids loaded /
    available, the replica that answered and its batch size, or why it failed.
    """
    address = serve_address()
    if address is None:
        return ServingStatus("in-process", None)
    from models.serving import client as C

    cl = C.client_for(address)
    out = ServingStatus("served", address)
    for cap in CAPABILITIES:
        try:
            info = cl.info(cap, timeout_s)
        except InferenceUnavailable as exc:
            out.capabilities.append(CapabilityStatus(cap, False, error=exc.reason))
            continue
        out.capabilities.append(
            CapabilityStatus(
                cap,
                True,
                str(info.get("version", "")),
                list(info.get("models", [])),
                list(info.get("available", [])),
                str(info.get("replica", "")),
                int(info.get("max_batch_size", 0)),
            )
        )
    return out
