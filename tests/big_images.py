"""Large test images built without holding their pixels: a decompression bomb costs the test almost nothing."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bilevel_png(width: int, height: int) -> bytes:
    """An all-black 1-bit PNG of ``width``×``height`` pixels, compressed row by row (20000×20000 → ~50 kB;
    decoded in full it is 400 MP: 400 MB in Pillow's mode "1", 1.2 GB as RGB)."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter type 0, then the packed bits
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
