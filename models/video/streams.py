"""What FFmpeg's defaults get wrong about real clips, fixed where the frames come out of PyAV.

- Cover art: a podcast or music ``.mp4``/``.m4a`` carries its picture as a video stream with the ``attached_pic``
  disposition (one MJPEG frame, no timeline). It is not the clip's picture: :func:`picture_streams` leaves it out,
  so such a file is told it holds only sound.
- VP9 (and VP8) alpha in WebM: FFmpeg's native decoders drop the alpha plane, so transparent areas came out black
  while browsers show them transparent. Streams tagged ``alpha_mode=1`` are decoded by libvpx (which reads the
  alpha from the Matroska block additions) and composited onto white, as the image decoder does.
- Anamorphic video: a sample aspect ratio ≠ 1 (e.g. 32:27 on a 360×240 DVD-style picture) means players show it
  427×240; :func:`display_size` gives that size so frames, captions and the annotated copy are not squeezed.
- Packed B-frames (DivX/XviD AVI): the decoder yields frames in display order, but each carries the timestamp of
  the AVI chunk it was decoded from, i.e. of decode order (0, 2, 1, 4, 3 …). :func:`in_time_order` sorts the
  timestamps within a small reorder window, so each frame gets its place and none looks like a duplicate.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np

# Frames held back to sort their timestamps: packed B-frames need 2, streams with up to 3 consecutive B-frames 4.
REORDER_WINDOW = 4
ATTACHED_PIC = 1024  # AV_DISPOSITION_ATTACHED_PIC (av.stream.Disposition.attached_pic)
_ALPHA_DECODERS = {"vp9": "libvpx-vp9", "vp8": "libvpx"}


def picture_streams(box: Any) -> list[Any]:
    """The video streams of an opened PyAV container that are moving pictures (cover art left out)."""
    return [s for s in box.streams.video if not int(s.disposition) & ATTACHED_PIC]


def has_alpha(stream: Any) -> bool:
    """Whether a WebM/Matroska VP8/VP9 stream carries an alpha plane (``alpha_mode`` tag = 1)."""
    tags = {str(k).lower(): str(v) for k, v in (stream.metadata or {}).items()}
    name = stream.codec_context.name if stream.codec_context is not None else ""
    return tags.get("alpha_mode") == "1" and name in _ALPHA_DECODERS


def decode_frames(box: Any, stream: Any) -> Iterator[Any]:
    """PyAV video frames of ``stream`` in display order.

    Alpha VP8/VP9 through libvpx (frames in ``yuva420p``) when this PyAV build has it (the wheels do), else FFmpeg's own
    decoder (alpha dropped, as before).

    Raises PyAV's errors as ``box.decode`` does (``av.DecoderNotFoundError``, ``av.FFmpegError``).
    """
    import av

    libvpx = _ALPHA_DECODERS.get(stream.codec_context.name, "") if has_alpha(stream) else ""
    if libvpx not in av.codecs_available:  # no alpha, or a build without libvpx: FFmpeg's own decoder
        yield from box.decode(stream)
        return
    decoder: Any = av.CodecContext.create(libvpx, "r")  # a VideoCodecContext (the stubs say CodecContext)
    for packet in box.demux(stream):
        for frame in decoder.decode(packet if packet.size else None):  # an empty packet is the flush at the end
            if frame.time_base is None:
                frame.time_base = stream.time_base
            yield frame


def in_time_order(frames: Iterator[Any], window: int = REORDER_WINDOW) -> Iterator[tuple[Any, float | None]]:
    """``(frame, seconds)`` pairs.

    The frames as decoded (display order), each given the smallest timestamp still pending within a window of ``window``
    frames (None for a frame without one).

    Timestamps in order pass unchanged; decode-order timestamps on display-order frames (packed B-frames) come out
    sorted. Frames held back are still yielded when decoding fails, and the error is then raised again.
    """
    pending: deque[Any] = deque()
    stamps: list[float] = []

    def release() -> tuple[Any, float | None]:
        frame = pending.popleft()
        return frame, (None if frame.time is None else heapq.heappop(stamps))

    try:
        for frame in frames:
            pending.append(frame)
            if frame.time is not None:
                heapq.heappush(stamps, float(frame.time))
            if len(pending) > window:
                yield release()
    except Exception:
        while pending:  # keep what was decoded before the damage
            yield release()
        raise
    while pending:
        yield release()


def sample_aspect(stream: Any) -> Fraction:
    """The stream's sample (pixel) aspect ratio; 1 when unset, zero or implausible (outside 1:4 … 4:1)."""
    for source in (stream.codec_context, stream):
        sar = getattr(source, "sample_aspect_ratio", None) if source is not None else None
        if sar and 0.25 <= float(sar) <= 4.0:
            return Fraction(sar)
    return Fraction(1)


def display_size(width: int, height: int, sar: Fraction) -> tuple[int, int]:
    """(width, height) players show for a stored ``width``×``height`` picture: the width scaled by ``sar``."""
    return (max(1, round(width * sar)), height) if sar != 1 else (width, height)


def rgb_on_white(frame: Any, width: int, height: int) -> np.ndarray:
    """A frame scaled to ``width``×``height`` as (H, W, 3) uint8 RGB; an alpha plane is composited onto white."""
    if not frame.format.name.startswith("yuva"):
        return frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA").to_ndarray()
    rgba = frame.reformat(width=width, height=height, format="rgba", interpolation="AREA").to_ndarray()
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3] * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)
