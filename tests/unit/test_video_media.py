"""Real files from phones, browsers and editors that FFmpeg's defaults read wrong; every clip is built here."""

from __future__ import annotations

import fractions
import io

import numpy as np
import pytest
from PIL import Image

from models import video as V

av = pytest.importorskip("av")


def cover_art_m4a(seconds: float = 1.0) -> bytes:
    """A podcast/music .mp4: AAC sound plus its cover picture as an ``attached_pic`` MJPEG stream."""
    jpg = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 100, 50)).save(jpg, "JPEG")
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        sound = out.add_stream("aac", rate=16000)
        cover = out.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 64, 64, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        packet = av.Packet(jpg.getvalue())
        packet.stream, packet.pts, packet.dts, packet.time_base = cover, 0, 0, fractions.Fraction(1, 1)
        out.mux(packet)
        n = int(16000 * seconds)
        samples = (np.sin(np.arange(n) / 8) * 8000).astype(np.int16)[None]
        for i in range(0, n, 1024):
            frame = av.AudioFrame.from_ndarray(samples[:, i : i + 1024], format="s16", layout="mono")
            frame.sample_rate = 16000
            out.mux(sound.encode(frame))
        out.mux(sound.encode())
    return buf.getvalue()


def test_audio_with_cover_art_holds_only_sound():
    data = cover_art_m4a()
    with av.open(io.BytesIO(data)) as box:  # the file really has a (cover) video stream
        assert [s.codec_context.name for s in box.streams.video] == ["mjpeg"]
    with pytest.raises(V.VideoError) as exc:
        V.decode_video(data, "episode 12.mp4")
    print(exc.value)
    assert "episode 12.mp4 has no video track: it holds only sound (aac)" in str(exc.value)
    assert "H.264" not in str(exc.value)
