"""Decode a clip into RGB frames, each placed by its own presentation timestamp.

Container frame rates lie: a phone that drops from 30 to 5 fps in low light writes one average rate, and a
browser's recorder (MediaRecorder WebM) writes none at all (OpenCV then reports 1000 fps and a nonsense
frame count). So every frame keeps the time the decoder gives it, and everything downstream (sampling,
segments, captions, the annotated copy, the duration limit) works in seconds, never in frame counts.

- Containers (mp4, mov, avi, mkv, webm) are decoded by PyAV (FFmpeg) straight from memory: nothing
  uploaded touches the disk. Phone clips' rotation (display matrix) is applied.
- GIFs are decoded by Pillow, which handles per-frame disposal, palettes and transparency; frames are
  composited onto white (as the image decoder does) and their delays follow browsers: a delay of 10 ms or
  less (or none) is shown as 100 ms, so it counts as 100 ms here too.
- Memory is bounded whatever the input: at most ``Limits.frame_budget_bytes`` of decoded frames are held.
  Frames are reduced to ``Limits.max_side`` and to at most ``Limits.keep_fps`` frames per second *by time*
  (a rate that also fits the budget for a clip of the maximum length), and decoding stops with a clear
  message as soon as a frame's timestamp passes the duration limit.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence

from models.ops import fit_within
from models.video.clip import (
    GIF_DEFAULT_DELAY_MS,
    GIF_SHORTEST_DELAY_MS,
    Container,
    DecodedVideo,
    FrameKeeper,
    Limits,
    Progress,
    VideoError,
    container_for,
    too_long_error,
)
from models.video.streams import (
    decode_frames,
    display_size,
    has_alpha,
    in_time_order,
    picture_streams,
    rgb_on_white,
    sample_aspect,
)


def decode_video(
    data: bytes, name: str = "clip", limits: Limits = Limits(), progress: Progress | None = None
) -> DecodedVideo:
    """Frames of an uploaded clip with their presentation times, within ``limits``.

    Raises :class:`VideoError` (a message for people) for an unsupported extension, an empty, too large,
    too long, damaged or audio-only file, or a codec this server cannot decode.
    """
    container = container_for(name)
    if not data:
        raise VideoError(f"{name} is empty (0 bytes).")
    if len(data) > limits.max_bytes:
        raise VideoError(
            f"{name} is {len(data) / 1e6:.0f} MB; the limit here is {limits.max_bytes / 1e6:.0f} MB. "
            "Upload a shorter or smaller clip."
        )
    if container is Container.GIF:
        return _decode_gif(data, name, limits, progress)
    return _decode_av(data, name, container, limits, progress)


def read_video(path: Path | str, limits: Limits = Limits(), progress: Progress | None = None) -> DecodedVideo:
    """A clip from disk (samples, CLI): same checks as an upload."""
    path = Path(path)
    return decode_video(path.read_bytes(), path.name, limits, progress)


def sniff_codec(data: bytes, container: Container) -> str:
    """The video codec a file declares, read from its header (to name it when no decoder is found)."""
    head = data[: 1 << 20]
    if container is Container.AVI:
        i = head.find(b"vids")  # stream header: fccType 'vids' then fccHandler
        return head[i + 4 : i + 8].decode("latin-1") if i >= 0 else ""
    if container in (Container.MP4, Container.MOV):
        i = data.find(b"stsd")  # sample description: version/flags, count, entry size, then the format
        return data[i + 16 : i + 20].decode("latin-1") if i >= 0 else ""
    if container in (Container.MKV, Container.WEBM):
        m = re.search(rb"V_[A-Z0-9_/]{2,24}", head)
        return m.group().decode() if m else ""
    return ""


def _codec_error(name: str, container: Container, data: bytes) -> VideoError:
    codec = sniff_codec(data, container).strip()
    if codec and codec.isprintable():
        return VideoError(
            f"{name} uses the video codec '{codec}', which this server cannot decode. "
            "Re-encode it as H.264 MP4 or VP9 WebM and upload it again."
        )
    return _unopenable(name, container)


def _unopenable(name: str, container: Container) -> VideoError:
    return VideoError(
        f"{name} could not be opened as a video: the file is damaged or truncated, "
        f"or it is not really a .{container.value} file."
    )


def _rotate(rgb: np.ndarray, degrees: int) -> np.ndarray:
    # the display matrix rotates the stored picture counter-clockwise by `degrees` (FFmpeg's convention)
    k = round(degrees / 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb


def _decode_av(data: bytes, name: str, container: Container, limits: Limits, progress: Progress | None) -> DecodedVideo:
    import av

    try:
        box = av.open(io.BytesIO(data), mode="r")  # from memory: nothing uploaded touches the disk
    except av.FFmpegError:
        raise _unopenable(name, container) from None
    with box:
        pictures = picture_streams(box)  # cover art (attached_pic) is not a video track
        if not pictures:
            sound = box.streams.audio
            what = f"only sound ({sound[0].codec_context.name})" if sound and sound[0].codec_context else "no picture"
            raise VideoError(f"{name} has no video track: it holds {what}. Upload a clip with moving pictures.")
        stream = pictures[0]
        if stream.codec_context is None:
            raise _codec_error(name, container, data)
        stream.thread_type = "AUTO"
        codec = stream.codec_context.name
        stated = (
            float(stream.duration * stream.time_base)
            if stream.duration and stream.time_base
            else (box.duration / av.time_base if box.duration else 0.0)
        )
        if stated > limits.max_seconds + 0.5:
            raise too_long_error(name, stated, limits)  # refuse before decoding anything
        stated_rate = float(stream.average_rate or stream.guessed_rate or 0) or 0.0
        total = int(stream.frames or 0) or (round(stated * stated_rate) if stated and stated_rate else 0)
        keeper = FrameKeeper(name, limits)
        sar, alpha = sample_aspect(stream), has_alpha(stream)
        stored: tuple[int, int] | None = None  # the stored picture size when it is not the display size
        t0: float | None = None
        last_t = -1.0
        last_duration = 0.0
        intervals: list[float] = []
        read = 0
        source_size = (0, 0)
        damaged = False
        try:
            for frame, stamp in in_time_order(decode_frames(box, stream)):  # packed B-frames: stamps sorted
                if stamp is None:  # no timestamp: the next one after the previous frame
                    t = last_t + (1.0 / stated_rate if stated_rate else 0.04)
                else:
                    t0 = stamp if t0 is None else t0
                    t = max(stamp - t0, last_t if last_t >= 0 else 0.0)
                if t >= limits.max_seconds:  # the header understated the length, or stated none
                    raise too_long_error(
                        name,
                        stated if stated > limits.max_seconds else t,
                        limits,
                        at_least=not stated > limits.max_seconds,
                    )
                if last_t >= 0:
                    intervals.append(t - last_t)
                last_t = t
                last_duration = float(frame.duration * frame.time_base) if frame.duration and frame.time_base else 0.0
                read += 1
                if keeper.buf is None:
                    rot = frame.rotation or 0
                    dw, dh = display_size(frame.width, frame.height, sar)  # anamorphic: as players show it
                    w, h = (dh, dw) if rot % 180 else (dw, dh)
                    source_size = (w, h)
                    keeper.start(w, h)
                    if (dw, dh) != (frame.width, frame.height):
                        stored = (frame.width, frame.height)
                if keeper.wants(t):
                    kw, kh = keeper.size
                    rot = frame.rotation or 0
                    out_w, out_h = (kh, kw) if rot % 180 else (kw, kh)  # scale first, rotate after
                    keeper.add(_rotate(rgb_on_white(frame, out_w, out_h), rot), t)  # VP9 alpha: on white
                if progress and read % 10 == 0:
                    shown = f" of about {total}" if total else ""
                    progress(min(1.0, t / (stated or limits.max_seconds)), f"Decoding frame {read}{shown}")
        except VideoError:
            raise
        except av.DecoderNotFoundError:
            raise _codec_error(name, container, data) from None
        except av.FFmpegError:
            if not keeper.times:
                raise _unopenable(name, container) from None
            damaged = True  # keep what was decoded before the damage
    if not keeper.times:
        raise VideoError(
            f"No frames could be decoded from {name} (codec '{codec}'): the video stream is empty, damaged, "
            "or uses a codec this server cannot decode. Re-encode it as H.264 MP4 or VP9 WebM."
        )
    typical = float(np.median(intervals)) if intervals else (1.0 / stated_rate if stated_rate else 0.04)
    # the last frame lasts a typical interval: its own stated duration is often a codec default
    duration = last_t + (typical if intervals or not last_duration else last_duration)
    notes: list[str] = []
    if alpha:
        notes.append("transparency composited onto white")
    if stored:
        notes.append(
            f"anamorphic picture (pixel aspect {sar.numerator}:{sar.denominator}): stored {stored[0]}×{stored[1]}, "
            f"shown {source_size[0]}×{source_size[1]} as players show it"
        )
    if damaged or (total and read < 0.9 * total):
        notes.append(
            f"only {read}" + (f" of the {total}" if total else "") + " frames could be decoded: it looks truncated"
        )
    _reduction_notes(notes, read, duration, keeper, source_size, limits)
    steps = [i for i in intervals if i > 0]
    if steps and max(steps) > 1.5 * min(steps):
        notes.append("variable frame rate: every frame is placed by its own timestamp")
    return DecodedVideo(
        keeper.frames(),
        np.asarray(keeper.times),
        duration,
        read / duration,
        source_size,
        container,
        codec,
        name,
        notes,
        read,
    )


def _reduction_notes(
    notes: list[str], read: int, duration: float, keeper: FrameKeeper, source_size: tuple[int, int], limits: Limits
) -> None:
    kept = len(keeper.times)
    if kept < read:
        why = " to stay within this server's memory budget for a clip" if keeper.keep_fps < limits.max_fps else ""
        notes.append(
            f"{read - kept} of {read} frames left out: at most {keeper.keep_fps:.0f} frames a second are "
            f"kept{why}, chosen by their timestamps"
        )
    if max(source_size) > limits.max_side:
        notes.append(f"frames reduced from {source_size[0]}×{source_size[1]} to fit {limits.max_side} px")


def _gif_frames(im: Image.Image) -> Iterator[tuple[Image.Image, int]]:
    for frame in ImageSequence.Iterator(im):
        delay = int(frame.info.get("duration", 0) or 0)
        yield frame, (delay if delay > GIF_SHORTEST_DELAY_MS else GIF_DEFAULT_DELAY_MS)


def _on_white(frame: Image.Image) -> np.ndarray:
    """RGB of a GIF frame with any transparency composited onto white (as the image decoder does)."""
    if frame.mode == "RGB" and "transparency" not in frame.info:
        return np.asarray(frame)
    rgba = frame.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))


def _decode_gif(data: bytes, name: str, limits: Limits, progress: Progress | None) -> DecodedVideo:
    keeper = FrameKeeper(name, limits)
    t_ms = 0  # start of the current frame (integer ms: no drift over thousands of frames)
    read = 0
    truncated = False
    try:
        im = Image.open(io.BytesIO(data))
        if im.format != "GIF":
            raise VideoError(f"{name} is not a GIF file (it looks like {im.format or 'something else'}).")
        n = getattr(im, "n_frames", 1)
        keeper.start(*im.size)
        for frame, delay_ms in _gif_frames(im):
            t = t_ms / 1000.0
            if t >= limits.max_seconds:  # frames so far are a fair sample of the rest: estimate the whole
                raise too_long_error(name, t * n / read, limits)
            if keeper.wants(t):
                keeper.add(fit_within(_on_white(frame), limits.max_side), t)
            read += 1
            t_ms += delay_ms
            if progress and read % 10 == 0:
                progress(min(1.0, read / n), f"Decoding frame {read} of {n}")
    except VideoError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        if not keeper.times:
            raise VideoError(f"{name} could not be read as a GIF: the file is damaged or truncated.") from None
        truncated = True
    if not keeper.times:
        raise VideoError(f"{name} holds no frames.")
    notes = [f"only {read} frames could be decoded: the GIF looks truncated"] if truncated else []
    duration = t_ms / 1000.0
    _reduction_notes(notes, read, duration, keeper, im.size, limits)
    return DecodedVideo(
        keeper.frames(),
        np.asarray(keeper.times),
        duration,
        read / duration,
        im.size,
        Container.GIF,
        "gif",
        name,
        notes,
        read,
    )
