"""Video time from the frames themselves: variable frame rate, header-less WebM, GIF delays and memory,
transparency, audio-only files, and codecs browsers cannot play (HEVC)."""

from __future__ import annotations

import fractions
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models import video as V

ROOT = Path(__file__).resolve().parents[2]
BITS = 16  # the true time in ms, as 16 black/white blocks
BLOCK = 16


def stamp(ms: int, w: int = 320, h: int = 96) -> np.ndarray:
    """A frame carrying its true presentation time (ms) as big binary blocks that survive compression."""
    f = np.full((h, w, 3), 128, np.uint8)
    for b in range(BITS):
        x, y = (b % 16) * (w // 16), 8
        f[y : y + BLOCK * 2, x : x + w // 16] = 255 if (ms >> b) & 1 else 0
    return f


def read_stamp(rgb: np.ndarray) -> int:
    h, w = rgb.shape[:2]
    sx, sy = w / 320, h / 96
    ms = 0
    for b in range(BITS):
        x0, x1 = int(((b % 16) * 20 + 5) * sx), int(((b % 16) * 20 + 15) * sx)
        y0, y1 = int(16 * sy), int(32 * sy)
        if rgb[y0:y1, x0:x1].mean() > 128:
            ms |= 1 << b
    return ms


def encode_with_times(frames_ms: list[int], fmt: str = "mp4", codec: str = "libx264",
                      options: dict | None = None, container_options: dict | None = None, size=(320, 96)) -> bytes:
    """A clip whose frames are shown at the given times (ms), each frame stamped with its own time."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt, options=container_options or {}) as out:
        stream = out.add_stream(codec, rate=30, options=options or {})
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.codec_context.time_base = fractions.Fraction(1, 1000)
        for ms in frames_ms:
            frame = av.VideoFrame.from_ndarray(stamp(ms, *size), format="rgb24")
            frame.pts, frame.time_base = ms, fractions.Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buf.getvalue()


def vfr_times() -> list[int]:
    """10 s at 30 fps, then 10 s at 5 fps (a phone in failing light)."""
    return [round(i * 1000 / 30) for i in range(300)] + [10_000 + i * 200 for i in range(50)]


def test_variable_frame_rate_clip_every_time_within_one_frame_interval():
    times = vfr_times()
    data = encode_with_times(times, options={"preset": "ultrafast"})
    v = V.decode_video(data, "phone.mp4")
    print(f"\nVFR: {v.count} frames kept of {v.source_frames}, duration {v.duration:.3f} s, notes {v.notes}")
    assert v.source_frames == 350 and v.count == 350  # ≤ 30 fps: every frame kept
    truth = np.array([read_stamp(f) for f in v.frames]) / 1000.0
    assert (np.diff(truth) > 0).all()  # the stamps read back are the frames' own
    interval = np.where(truth < 10.0, 1 / 30, 1 / 5)
    err = np.abs(v.times - truth)
    print(f"max |decoded time - true time| = {err.max() * 1000:.1f} ms")
    assert (err <= interval).all()
    assert v.duration == pytest.approx(20.0, abs=0.2)
    assert any("variable frame rate" in n for n in v.notes)
    # a container-rate reading would have put the last frame at 349 / 30 = 11.6 s instead of 19.8 s
    assert v.time_of(v.count - 1) == pytest.approx(19.8, abs=1 / 5)

    # the timeline, frame strip and annotated copy all run on those times
    clf = _ColourTimeClassifier()
    result = V.classify(v, clf, V.Options(segment_seconds=2.0))
    assert len(result.segments) == 10
    for r in result.segments:
        seen = truth[r.frame_indices]
        slack = 1 / 5 if r.start_s >= 10 else 1 / 30
        assert (seen >= r.start_s - slack).all() and (seen <= r.end_s + slack).all(), (r.start_s, seen)
    strip = V.frame_strip(v, result, count=8)
    for (_thumb, caption), t in zip(strip, V.slice_centres(0.0, v.duration, 8), strict=True):
        shown = float(caption.split(" s")[0])
        slack = 1 / 5 if t >= 10 else 1 / 30
        assert abs(shown - t) <= slack + 0.05, (caption, t)  # caption: the frame's own time (0.1-s rounding)
        p = result.segment_at(shown).top(result.labels)[1]
        assert caption.endswith("uncertain") == (p < V.UNCERTAIN_BELOW), (caption, p)
    frames, fps = V.annotate(v, result, max_side=320, max_fps=30)
    print(f"annotated copy: {len(frames)} frames at {fps} fps = {len(frames) / fps:.2f} s")
    assert fps == pytest.approx(30, abs=0.1) and len(frames) / fps == pytest.approx(v.duration, abs=0.1)
    # each tick of the copy shows the source frame on screen then (15 s in: the frame of 15 s, not of 8.75 s)
    idx, ticks, _ = V.resample(v, 30)
    assert np.all(np.abs(truth[idx] - ticks) <= np.where(ticks < 10, 1 / 30, 1 / 5) + 1e-6)


class _ColourTimeClassifier:
    """Per-segment stand-in with the real contract: what matters here is which frames each segment takes."""

    labels = ["a", "b", "c", "d", "e"]
    semantics = V.Semantics.OBJECTS

    def score(self, video, segments, pooling, progress=None):
        idx = [video.index_at(V.slice_centres(s.start_s, s.end_s, 10)) for s in segments]
        sure, unsure = np.array([0.6, 0.1, 0.1, 0.1, 0.1]), np.full(5, 0.2)  # every other segment: no clear label
        probs = [unsure if k % 2 else sure for k in range(len(segments))]
        return V.ClipScores(np.full(5, 0.2), probs, idx)


def live_webm(seconds: float, fps: float = 10.0) -> bytes:
    """A WebM written as a live stream (as a browser's MediaRecorder does): no duration, no frame count."""
    times = [round(i * 1000 / fps) for i in range(int(seconds * fps))]
    return encode_with_times(times, fmt="webm", codec="libvpx-vp9", size=(160, 48),
                             options={"deadline": "realtime", "cpu-used": "8"}, container_options={"live": "1"})


def test_headerless_webm_refused_by_real_duration_and_measured_when_short():
    import av

    long_clip = live_webm(35.0, fps=4)
    with av.open(io.BytesIO(long_clip)) as box:  # the header really says nothing about the length
        assert box.duration is None and box.streams.video[0].duration is None and box.streams.video[0].frames == 0
    with pytest.raises(V.VideoError) as exc:
        V.decode_video(long_clip, "recording.webm")
    print(exc.value)
    assert "recording.webm is longer than 30.0 s; the limit here is 30 s" in str(exc.value)

    short = live_webm(12.0, fps=10)
    v = V.decode_video(short, "recording.webm")
    print(f"short recording: {v.duration:.2f} s, {v.count} frames, {v.fps:.2f} fps")
    assert v.count == 120 and v.duration == pytest.approx(12.0, abs=0.1) and v.fps == pytest.approx(10, abs=0.1)
    truth = np.array([read_stamp(f) for f in v.frames]) / 1000.0
    assert np.abs(v.times - truth).max() <= 0.1


def gif_bytes(n: int, delay_ms: int, size=(320, 240), transparent: bool = False) -> bytes:
    frames = []
    for i in range(n):
        im = Image.new("P", size, 0)
        im.putpalette([0, 0, 0, 230, 20, 20, 255, 255, 255] + [0] * 759)
        x = 4 + (i * 7) % (size[0] - 28)
        im.paste(1, (x, size[1] // 3, x + 20, size[1] // 3 + 20))  # a moving red square: no two frames alike
        frames.append(im)
    buf = io.BytesIO()
    extra = {"transparency": 0} if transparent else {}
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=delay_ms, loop=0, disposal=2, **extra)
    return buf.getvalue()


def test_gif_short_delays_count_as_100_ms_and_transparency_is_white():
    v = V.decode_video(gif_bytes(20, 10, (64, 48)), "fast.gif")
    print(f"20 frames × 10 ms: {v.duration:.2f} s")
    assert v.duration == pytest.approx(2.0) and v.times[1] == pytest.approx(0.1)
    v = V.decode_video(gif_bytes(20, 40, (64, 48)), "ok.gif")
    assert v.duration == pytest.approx(0.8)  # delays above 10 ms are kept as they are
    v = V.decode_video(gif_bytes(6, 100, (64, 48), transparent=True), "sticker.gif")
    corners = v.frames[:, [0, -1]][:, :, [0, -1]]
    print("transparent GIF corner pixels:", corners.reshape(-1, 3)[:2].tolist())
    assert (corners == 255).all()  # the transparent background is white, not black
    red = v.frames[0, 48 // 3 + 5, 10]
    assert red[0] > 200 and red[1] < 60


PEAK = """
import json, sys, threading, time
from models import video as V

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

data = open(sys.argv[1], "rb").read()
base, peak, done = rss_mb(), [0.0], threading.Event()

def sample():  # the resident set, every 2 ms, while decoding runs (ru_maxrss would include earlier peaks)
    while not done.is_set():
        peak[0] = max(peak[0], rss_mb())
        time.sleep(0.002)

t = threading.Thread(target=sample)
t.start()
try:
    V.decode_video(data, "long.gif")
    msg = ""
except V.VideoError as exc:
    msg = str(exc)
done.set()
t.join()
print(json.dumps({"delta_mb": peak[0] - base, "msg": msg, "budget_mb": V.Limits().frame_budget_bytes / 2**20}))
"""


def test_3000_frame_gif_is_300_s_refused_within_the_memory_budget(tmp_path):
    path = tmp_path / "long.gif"
    path.write_bytes(gif_bytes(3000, 10))  # 320×240: 230 kB a frame, 690 MB if every frame were kept
    out = subprocess.run([sys.executable, "-c", PEAK, str(path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\n3000 × 10 ms GIF: {report['msg']}\npeak memory of decoding: +{report['delta_mb']:.0f} MB "
          f"(budget {report['budget_mb']:.0f} MB; all frames would be 690 MB)")
    assert "long.gif is 300.0 s long; the limit here is 30 s" in report["msg"]
    assert report["delta_mb"] < report["budget_mb"]
    assert 30 < report["delta_mb"] < 200  # 30 s of frames held (≈ 70 MB), decoding stopped: not 3000 frames


def test_frame_budget_lowers_the_kept_rate_for_large_frames():
    lim = V.Limits()
    assert lim.keep_fps(480, 270) == 30  # 16:9 at 30 fps for 30 s: 350 MB, within 384 MiB
    assert 19 < lim.keep_fps(480, 480) < 20  # square frames: fewer per second so 30 s still fits
    assert 30 * lim.keep_fps(480, 480) * 480 * 480 * 3 <= lim.frame_budget_bytes
    data = encode_with_times([round(i * 1000 / 30) for i in range(60)], size=(480, 480),
                             options={"preset": "ultrafast"})
    v = V.decode_video(data, "square.mp4")
    print(f"480×480 at 30 fps: {v.count} of {v.source_frames} frames kept ({v.fps:.1f} fps); {v.notes}")
    assert 38 <= v.count <= 41 and v.source_frames == 60


def test_audio_only_file_says_no_video_track(tmp_path):
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        samples = (np.sin(np.arange(16000) / 8) * 8000).astype(np.int16)[None]
        for i in range(0, 16000, 1024):
            frame = av.AudioFrame.from_ndarray(samples[:, i : i + 1024], format="s16", layout="mono")
            frame.sample_rate = 16000
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    with pytest.raises(V.VideoError) as exc:
        V.decode_video(buf.getvalue(), "voice memo.mp4")
    print(exc.value)
    assert "voice memo.mp4 has no video track: it holds only sound (aac)" in str(exc.value)
    path = tmp_path / "voice memo.mp4"
    path.write_bytes(buf.getvalue())
    cli = subprocess.run([sys.executable, "-m", "models.video", str(path), "frames_mobilenet"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    print(cli.stderr[-400:])
    assert cli.returncode == 2 and "has no video track" in cli.stderr and "Traceback" not in cli.stderr


def hevc_clip(seconds: float = 2.0, fps: int = 10) -> bytes:
    return encode_with_times([round(i * 1000 / fps) for i in range(int(seconds * fps))], codec="libx265",
                             options={"preset": "ultrafast", "x265-params": "log-level=error"})


def test_hevc_decodes_and_gets_a_playable_preview():
    data = hevc_clip()
    v = V.decode_video(data, "iphone.mp4")
    assert v.codec == "hevc" and v.count == 20 and not v.browser_playable
    webm = V.preview(v)
    back = V.decode_video(webm, "preview.webm")
    print(f"HEVC {len(data)} B -> preview VP9 WebM {len(webm)} B, {back.count} frames, {back.duration:.2f} s")
    assert back.codec == "vp9" and back.browser_playable and back.duration == pytest.approx(2.0, abs=0.11)
    assert abs(read_stamp(back.frames[10]) - 1000) <= 100
    h264 = encode_with_times([0, 100, 200], options={"preset": "ultrafast"})
    assert V.decode_video(h264, "ok.mp4").browser_playable


def test_phone_rotation_is_applied():
    """A portrait phone clip is stored landscape with a display matrix; it is shown (and classified) upright."""
    import struct

    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        for i in range(5):
            a = np.full((32, 64, 3), 30, np.uint8)
            a[:10, :10] = (230, 20, 20)  # a red mark at the stored picture's top-left
            frame = av.VideoFrame.from_ndarray(a, format="rgb24")
            frame.pts, frame.time_base = i, fractions.Fraction(1, 10)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    data = bytearray(buf.getvalue())
    tkhd = data.find(b"tkhd")
    assert data[tkhd + 4] == 0  # version 0: the 3×3 matrix starts 40 bytes into the box body
    m = tkhd + 4 + 40
    data[m : m + 36] = struct.pack(">9i", 0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30)  # what iPhones write
    v = V.decode_video(bytes(data), "portrait.mp4")
    print("rotated clip:", v.size, "red corner:", v.frames[0, :10, -10:].mean(axis=(0, 1)).round())
    assert v.size == (32, 64) and v.source_size == (32, 64)  # upright: portrait
    assert v.frames[0, :10, -10:, 0].mean() > 180 and v.frames[0, :10, :10, 0].mean() < 60  # turned clockwise
