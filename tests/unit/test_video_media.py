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


def _moving_bar(i: int, size=(320, 240)) -> np.ndarray:
    a = np.full((size[1], size[0], 3), 40, np.uint8)
    x = (i * 3) % (size[0] - 20)
    a[100:140, x : x + 20] = 220
    return a


def _vop_type(packet: bytes) -> str:
    i = packet.find(b"\x00\x00\x01\xb6")  # VOP start code, then 2 bits of coding type
    return "IPBS"[packet[i + 4] >> 6]


def bframe_avi(n: int = 164, fps: int = 25, packed: bool = False) -> bytes:
    """An MPEG-4 Part 2 AVI with B-frames. ``packed``: DivX-style packed bitstream (what DivX 5 and XviD write by
    default): one AVI chunk per display slot, a P-frame and the B-frame shown before it in one chunk, then a
    placeholder chunk, and 'DivX503b1393p' user data telling decoders so. FFmpeg then hands out display-order frames
    stamped with decode-order chunk times (0, 2, 1, 4, 3 …)."""
    enc = av.CodecContext.create("mpeg4", "w")
    enc.width, enc.height, enc.pix_fmt = 320, 240, "yuv420p"
    enc.time_base, enc.framerate = fractions.Fraction(1, fps), fps
    enc.max_b_frames = 1 if packed else 2
    packets = []
    for i in range(n):
        frame = av.VideoFrame.from_ndarray(_moving_bar(i), format="rgb24")
        frame.pts = i
        packets += [bytes(p) for p in enc.encode(frame)]
    packets += [bytes(p) for p in enc.encode(None)]
    kinds = [_vop_type(p) for p in packets]
    assert kinds.count("B") > n // 3, kinds[:12]  # the clip really has B-frames
    chunks, j = [], 0
    while j < len(packets):
        p = packets[j]
        if packed and j == 0:
            vop = p.find(b"\x00\x00\x01\xb6")
            p = p[:vop] + b"\x00\x00\x01\xb2DivX503b1393p" + p[vop:]
        if packed and kinds[j] != "B" and j + 1 < len(packets) and kinds[j + 1] == "B":
            chunks += [p + packets[j + 1], b"\x7f" * 8]  # the placeholder holds no start code: it is not decoded
            j += 2
        else:
            chunks.append(p)
            j += 1
    assert len(chunks) == n
    buf = io.BytesIO()
    with av.open(buf, "w", format="avi") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = 320, 240
        stream.codec_tag = "DX50" if packed else "FMP4"
        if not packed:
            stream.codec_context.max_b_frames = 2
        for k, chunk in enumerate(chunks):
            packet = av.Packet(chunk)
            packet.stream, packet.pts, packet.dts = stream, k, k
            packet.time_base, packet.is_keyframe = fractions.Fraction(1, fps), k == 0
            out.mux(packet)
    return buf.getvalue()


@pytest.mark.parametrize("packed", [True, False], ids=["packed-b-frames", "b-frames"])
def test_mpeg4_avi_with_b_frames_keeps_every_frame_and_its_rate(packed):
    data = bframe_avi(packed=packed)
    if packed:  # the fault is real: FFmpeg's timestamps on the decoded frames go back and forth
        with av.open(io.BytesIO(data)) as box:
            times = [f.time for f in box.decode(box.streams.video[0])]
        assert sum(b < a for a, b in zip(times, times[1:], strict=False)) > 50, times[:8]
    v = V.decode_video(data, "holiday.avi")
    print(f"{'packed' if packed else 'plain'}: {v.count} frames, {v.source_frames} read, {v.fps:.2f} fps, {v.notes}")
    assert v.codec == "mpeg4" and v.count == 164 and v.source_frames == 164
    assert v.fps == pytest.approx(25.0, abs=0.1) and v.duration == pytest.approx(164 / 25, abs=0.05)
    assert not any("variable frame rate" in n for n in v.notes)
    assert np.allclose(np.diff(v.times), 0.04, atol=1e-3)
    # each frame is the picture of its time: the bar moves 3 px a frame
    xs = [int(np.argmax(f[120, :, 0] > 128)) for f in v.frames[:40]]
    assert xs == [(i * 3) % 300 for i in range(40)], xs


def anamorphic_clip(sar=fractions.Fraction(32, 27), size=(360, 240), n: int = 10, codec: str = "libx264") -> bytes:
    """A DVD-style clip stored 360×240 with non-square pixels (32:27): players show it 427×240. A circle drawn
    at display proportions is stored as an upright ellipse."""
    w, h = size
    yy, xx = np.mgrid[:h, :w]
    # a circle of radius 80 display px, centred: in stored pixels x is squeezed by the pixel aspect
    circle = ((xx - w / 2) * float(sar)) ** 2 + (yy - h / 2) ** 2 <= 80**2
    picture = np.where(circle[..., None], np.uint8(230), np.uint8(30)).repeat(3, axis=2)
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=10, options={"preset": "ultrafast"} if codec == "libx264" else {})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.codec_context.sample_aspect_ratio = sar
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buf.getvalue()


def test_anamorphic_clip_is_shown_at_its_display_size():
    data = anamorphic_clip()
    with av.open(io.BytesIO(data)) as box:
        assert box.streams.video[0].sample_aspect_ratio == fractions.Fraction(32, 27)
    v = V.decode_video(data, "dvd.mp4")
    print(v.size, v.source_size, v.notes)
    assert abs(v.size[0] - 427) <= 1 and v.size[1] == 240 and v.source_size == v.size
    assert any("stored 360×240" in n for n in v.notes)
    # the circle is round again: as wide as it is tall (±3 px of 160)
    mask = v.frames[0, ..., 0] > 128
    width, height = mask.any(axis=0).sum(), mask.any(axis=1).sum()
    assert abs(int(width) - int(height)) <= 3 and abs(int(height) - 160) <= 3, (width, height)
    # the annotated copy is at the display size too
    back = V.decode_video(V.encode_webm(v.frames, v.fps), "annotated.webm")  # 4:2:0: odd width loses 1 px
    assert abs(back.size[0] - 427) <= 1 and back.size[1] == 240


def test_square_pixels_are_left_alone():
    v = V.decode_video(anamorphic_clip(sar=fractions.Fraction(1, 1)), "square.mp4")
    assert v.size == (360, 240) and not any("anamorphic" in n for n in v.notes)


def alpha_webm(n: int = 10, size=(64, 48)) -> bytes:
    """A VP9 WebM sticker with an alpha plane (yuva420p): left half opaque red, right half fully transparent."""
    w, h = size
    buf = io.BytesIO()
    with av.open(buf, "w", format="webm") as out:
        stream = out.add_stream("libvpx-vp9", rate=10)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuva420p"
        for i in range(n):
            rgba = np.zeros((h, w, 4), np.uint8)
            rgba[:, : w // 2] = (200, 30, 30, 255)
            frame = av.VideoFrame.from_ndarray(rgba, format="rgba")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buf.getvalue()


def test_vp9_alpha_webm_transparent_areas_are_white():
    if "libvpx-vp9" not in av.codecs_available:
        pytest.skip("this PyAV build has no libvpx-vp9 decoder")
    data = alpha_webm()
    with av.open(io.BytesIO(data)) as box:  # the file really carries alpha, which FFmpeg's own vp9 decoder drops
        stream = box.streams.video[0]
        assert stream.metadata.get("alpha_mode") == "1"
        native = next(iter(box.decode(stream))).to_ndarray(format="rgb24")
    assert native[:, -8:].max() < 10  # transparent came out black: the fault
    v = V.decode_video(data, "sticker.webm")
    print(v.count, v.frames[:, :, -8:].min(), v.frames[:, :, :8].mean(axis=(0, 1, 2)), v.notes)
    assert v.count == 10 and v.codec == "vp9"
    assert v.frames[:, 4:-4, -28:].min() >= 250  # every transparent pixel of every frame is white
    assert np.abs(v.frames[:, 4:-4, 4:24].mean(axis=(0, 1, 2)) - (200, 30, 30)).max() < 12  # opaque red stays red
    assert "transparency composited onto white" in v.notes
    # the annotated copy is made from these frames: white there too
    back = V.decode_video(V.encode_webm(v.frames, v.fps), "annotated.webm")
    assert back.frames[:, 4:-4, -28:].min() >= 240
