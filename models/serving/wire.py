"""The bytes that travel between a UI server and the Ray Serve application: JSON parameters + raw arrays.

One message = ``b"VSW1"`` + a 4-byte little-endian header length + a UTF-8 JSON header + the arrays' raw bytes,
one after another. The header holds ``params`` (plain JSON values) and, per array, its name, dtype, shape and
byte length. Arrays travel as their C-order buffers (a 513×513 uint8 RGB image = 790 kB, no PNG encoding cost on
either side); nothing is pickled, so a message can never run code on the receiver, and only the numeric dtypes in
:data:`DTYPES` are accepted.

No Ray and no Streamlit import here: both sides use it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from models.errors import VisionError

MAGIC = b"VSW1"
CONTENT_TYPE = "application/x-vision-arrays"
DTYPES = frozenset({"uint8", "int8", "uint16", "int16", "int32", "int64", "float16", "float32", "float64", "bool"})
MAX_HEADER = 1 << 20  # 1 MiB of JSON is far more than any message needs


class WireError(VisionError, ValueError):
    """A message that is not in this format (truncated, wrong magic, unknown dtype, sizes that do not add up)."""


def pack(params: Mapping[str, Any] | None = None, arrays: Mapping[str, np.ndarray] | None = None) -> bytes:
    """Encode JSON-able ``params`` and named numeric ``arrays`` (any shape) into one message (bytes)."""
    specs, buffers = [], []
    for name, arr in (arrays or {}).items():
        a = np.ascontiguousarray(arr)
        if a.dtype.name not in DTYPES:
            raise WireError(f"array {name!r}: dtype {a.dtype} cannot travel (allowed: {sorted(DTYPES)})")
        specs.append({"name": name, "dtype": a.dtype.name, "shape": list(a.shape), "nbytes": int(a.nbytes)})
        buffers.append(a.data.cast("B") if a.nbytes else b"")
    header = json.dumps({"params": dict(params or {}), "arrays": specs}, separators=(",", ":")).encode()
    return b"".join([MAGIC, struct.pack("<I", len(header)), header, *buffers])


def unpack(message: bytes | bytearray | memoryview) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Decode a :func:`pack` message into (params, arrays); arrays are read-only views of ``message``.

    Raises :class:`WireError` when the bytes are not such a message.
    """
    view = memoryview(message)
    if len(view) < 8 or bytes(view[:4]) != MAGIC:
        raise WireError("not a vision-arrays message")
    (n,) = struct.unpack("<I", view[4:8])
    if n > MAX_HEADER or 8 + n > len(view):
        raise WireError("truncated header")
    try:
        header = json.loads(bytes(view[8 : 8 + n]))
        params, specs = header["params"], header["arrays"]
    except (ValueError, KeyError, TypeError) as exc:
        raise WireError(f"unreadable header: {exc}") from None
    offset = 8 + n
    arrays: dict[str, np.ndarray] = {}
    for spec in specs:
        dtype, shape, nbytes = spec["dtype"], tuple(int(s) for s in spec["shape"]), int(spec["nbytes"])
        if dtype not in DTYPES:
            raise WireError(f"array {spec['name']!r}: dtype {dtype} is not accepted")
        if nbytes != int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize or offset + nbytes > len(view):
            raise WireError(f"array {spec['name']!r}: {nbytes} bytes do not match shape {shape} {dtype}")
        arrays[spec["name"]] = np.frombuffer(view[offset : offset + nbytes], dtype=dtype).reshape(shape)
        offset += nbytes
    if offset != len(view):
        raise WireError(f"{len(view) - offset} bytes left over after the arrays")
    return params, arrays
