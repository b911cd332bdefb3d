"""What every Serve deployment of :mod:`models.serving.deployments` shares: the served version, the store on
the node, and the ``info`` / health / error handling of one capability."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import ray
from ray import serve
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from models.errors import VisionError
from models.serving import wire

SERVICE_VERSION = "1"  # bump when an operation's parameters or results change
LOGGER = logging.getLogger("vision.serving")

Arrays = dict[str, np.ndarray]
Result = tuple[dict[str, Any], Arrays]
Operation = Callable[[dict[str, Any], Arrays], Awaitable[Result]]


def deployment_store():
    from models.store import Store  # noqa: PLC0415

    return Store()


class CapabilityDeployment:
    """HTTP plumbing shared by the deployments: routing by the last path segment, wire decoding, errors."""

    capability = ""
    max_batch_size = 1

    def _operations(self) -> dict[str, Operation]:
        raise NotImplementedError

    def loaded(self) -> list[str]:
        """Model ids loaded in this replica."""
        raise NotImplementedError

    def available(self) -> list[str]:
        """Model ids this deployment can serve that are present in the store of this node."""
        return self.loaded()

    def info(self) -> dict[str, Any]:
        ctx = serve.get_replica_context()
        return {
            "capability": self.capability,
            "version": SERVICE_VERSION,
            "ray": ray.__version__,
            "models": self.loaded(),
            "available": self.available(),
            "max_batch_size": self.max_batch_size,
            "replica": ctx.replica_id.unique_id if ctx else "",
            "pid": os.getpid(),
            "store": os.environ.get("VISION_STORE", ""),
        }

    async def __call__(self, request: Request) -> Response:
        op = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        if request.method == "GET":
            return JSONResponse(self.info())
        handler = self._operations().get(op)
        if handler is None:
            return JSONResponse({"error": f"unknown operation {op!r} for {self.capability}"}, status_code=404)
        try:
            params, arrays = wire.unpack(await request.body())
            out_params, out_arrays = await handler(params, arrays)
        except (VisionError, ValueError, KeyError) as exc:  # the input cannot be used: say why, replica stays up
            return JSONResponse({"error": str(exc), "kind": type(exc).__name__}, status_code=400)
        return Response(wire.pack(out_params, out_arrays), media_type=wire.CONTENT_TYPE)

    def check_health(self) -> None:
        if not self.loaded():
            raise RuntimeError(f"{self.capability}: no model loaded")

    def _batching(self, method: Any, max_batch_size: int, wait_s: float) -> None:
        self.max_batch_size = max(1, int(max_batch_size))
        method.set_max_batch_size(self.max_batch_size)
        method.set_batch_wait_timeout_s(float(wait_s))


# --- segmentation ----------------------------------------------------------------------------------
