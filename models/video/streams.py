"""What FFmpeg's defaults get wrong about real clips, fixed where the frames come out of PyAV.

- Cover art: a podcast or music ``.mp4``/``.m4a`` carries its picture as a video stream with the ``attached_pic``
  disposition (one MJPEG frame, no timeline). It is not the clip's picture: :func:`picture_streams` leaves it out,
  so such a file is told it holds only sound.
"""

from __future__ import annotations

from typing import Any

ATTACHED_PIC = 1024  # AV_DISPOSITION_ATTACHED_PIC (av.stream.Disposition.attached_pic)


def picture_streams(box: Any) -> list[Any]:
    """The video streams of an opened PyAV container that are moving pictures (cover art left out)."""
    return [s for s in box.streams.video if not int(s.disposition) & ATTACHED_PIC]
