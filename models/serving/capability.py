"""What every Serve deployment of :mod:`models.serving.deployments` shares.

The served version, the store on the node, and the ``info`` / health / error handling of one capability.

Every request, ``GET …/info`` included, must carry the shared secret (:mod:`models.serving.auth`): 401 without
it or with a wrong one. Then the body size, the parameters and the arrays are checked against
:mod:`models.serving.limits` before the operation runs: 400 with a plain message, no model work done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import ray
from ray import serve
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import models.serving.auth as auth
import models.serving.limits as limits
import models.serving.wire as wire
from models.errors import VisionError

SERVICE_VERSION = "1"  # bump when an operation's parameters or results change
LOGGER = logging.getLogger("vision.serving")

Arrays = dict[str, np.ndarray]
Result = tuple[dict[str, Any], Arrays]
Operation = Callable[[dict[str, Any], Arrays], Awaitable[Result]]


def deployment_store():
    """The model store of this replica's node (``VISION_STORE`` there)."""
    from models.store import Store

    return Store()


class CapabilityDeployment:
    """HTTP plumbing shared by the deployments: routing by the last path segment, wire decoding, errors."""

    capability = ""
    max_batch_size = 1

    def __init__(self) -> None:
        # Fail-closed: no token on this node, no replica (the deployment shows TokenMissing and never serves).
        self._tokens = auth.server_tokens()
        _keep_replica_grpc_on_loopback()

    def _operations(self) -> dict[str, Operation]:
        raise NotImplementedError

    def loaded(self) -> list[str]:
        """Model ids loaded in this replica."""
        raise NotImplementedError

    def available(self) -> list[str]:
        """Model ids this deployment can serve that are present in the store of this node."""
        return self.loaded()

    def info(self) -> dict[str, Any]:
        """What ``GET …/info`` answers: capability, versions, models loaded and available, replica, batch size."""
        ctx = serve.get_replica_context()
        return {
            "capability": self.capability,
            "version": SERVICE_VERSION,
            "ray": ray.__version__,
            "models": self.loaded(),
            "available": self.available(),
            "max_batch_size": self.max_batch_size,
            "replica": ctx.replica_id.unique_id if ctx else "",
        }

    async def __call__(self, request: Request) -> Response:
        """Answer one HTTP request: ``GET`` gives :meth:`info`, a POST runs the operation the path names.

        401 without the access token, 404 for an unknown operation, 400 (with the reason) for a body or parameters
        that cannot be used; the replica stays up.
        """
        if not auth.authorized(request.headers.get("authorization"), self._tokens):
            return JSONResponse(
                {"error": "The model server needs its access token."},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="vision-models"'},
            )
        op = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        if request.method == "GET":
            return JSONResponse(self.info())
        handler = self._operations().get(op)
        if handler is None:
            return JSONResponse({"error": f"unknown operation {op!r} for {self.capability}"}, status_code=404)
        try:
            body = await _read_body(request, limits.max_body_bytes(self.capability))
            params, arrays = wire.unpack(body)
            params = limits.check(self.capability, op, params, arrays)
            out_params, out_arrays = await handler(params, arrays)
        except (VisionError, ValueError, KeyError) as exc:  # the input cannot be used: say why, replica stays up
            return JSONResponse({"error": str(exc), "kind": type(exc).__name__}, status_code=400)
        return Response(wire.pack(out_params, out_arrays), media_type=wire.CONTENT_TYPE)

    def check_health(self) -> None:
        """Serve's health check: raises RuntimeError when no model is loaded."""
        if not self.loaded():
            raise RuntimeError(f"{self.capability}: no model loaded")

    def _batching(self, method: Any, max_batch_size: int, wait_s: float) -> None:
        self.max_batch_size = max(1, int(max_batch_size))
        method.set_max_batch_size(self.max_batch_size)
        method.set_batch_wait_timeout_s(float(wait_s))


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (:class:`limits.RequestRefused`) as soon as it exceeds ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before a byte is read.
    """
    declared = request.headers.get("content-length")
    too_big = limits.RequestRefused(f"The model server refused the request: the body is over {limit / 2**20:.0f} MiB.")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _keep_replica_grpc_on_loopback() -> None:
    """Keep this replica's gRPC server on 127.0.0.1 on a loopback-only node.

    On a loopback-only node (``models.serving.local_cluster``), bind this replica's inter-deployment gRPC server
    to 127.0.0.1 as well: Ray Serve 2.60 hard-codes ``[::]:0`` for it (``Replica._on_initialized``, started right
    after this constructor), the one Ray port a private cluster would otherwise open on every interface. Peers
    reach it at the node address, which is 127.0.0.1 there; on any other node nothing changes.
    """
    try:
        from ray.serve._private import replica as ray_replica

        if not ray.util.get_node_ip_address().startswith("127.") or getattr(ray_replica, "_vision_loopback", False):
            return
        original = ray_replica.add_port_to_grpc_server

        def loopback(server: Any, address: str) -> int:
            return original(server, "127.0.0.1:0" if address == "[::]:0" else address)

        ray_replica.add_port_to_grpc_server = loopback
        ray_replica._vision_loopback = True  # type: ignore[attr-defined]
    except (ImportError, AttributeError):  # another Ray version: its own binding stays (test_serving checks ss)
        LOGGER.warning("could not keep the replica's gRPC server on loopback (Ray version %s)", ray.__version__)
