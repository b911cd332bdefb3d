"""Inference served by Ray Serve when configured; in-process inference stays the default.

Two settings: ``VISION_SERVE_ADDRESS`` (e.g. ``http://127.0.0.1:8000``, the Serve HTTP proxy) and
``VISION_SERVE_TOKEN`` (the shared secret sent with every request, :mod:`models.serving.auth`). Address unset or empty:
every backend is built in this process, exactly as before. Set: :func:`models.backends.backend` hands out a served
backend (``models.<capability>.served``, over :mod:`models.serving.client`) for the options whose row says
``served``, with the same contract as the local one, so pages never know. The other options (the frozen-graph
DeepLabs, the models trained here, rows added at run time, the style SavedModel, SFace, the base MoViNets, the
per-frame classifier) stay in-process.

This package imports neither Ray nor Streamlit at import time; only :mod:`models.serving.deployments` (run inside
the Ray cluster) imports Ray.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from models.serving.errors import InferenceUnavailable, ServeAuthError, ServedInputError

SERVE_ADDRESS_ENV = "VISION_SERVE_ADDRESS"
# The packages the model server runs (each models.<name>, a Serve route /<name>), as their registrations say
# (``served=True`` in models/<name>/registration.py): read on first use, since reading them imports the packages, and
# those import this package.
CAPABILITIES: tuple[str, ...]


def __getattr__(name: str) -> tuple[str, ...]:
    if name == "CAPABILITIES":
        from models.capabilities import served

        return served()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CAPABILITIES",
    "SERVE_ADDRESS_ENV",
    "CapabilityStatus",
    "InferenceUnavailable",
    "ServeAuthError",
    "ServedInputError",
    "ServingStatus",
    "serve_address",
    "serving_status",
]


def serve_address() -> str | None:
    """The Serve HTTP address from ``VISION_SERVE_ADDRESS``, or None (in-process inference)."""
    value = os.environ.get(SERVE_ADDRESS_ENV, "").strip()
    return value or None


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
    from models.capabilities import served

    for cap in served():
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
