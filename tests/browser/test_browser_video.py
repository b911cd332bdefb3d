"""Real browser: upload a clip on the video page; the annotated WebM must play in Chromium."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tests.conftest import screenshot, wait_idle
from tests.unit.test_video import synthetic_frames, write_clip

pytestmark = pytest.mark.browser

TALL = {"width": 1400, "height": 2700}  # Streamlit scrolls an inner element: a tall viewport shows it all


def full_screenshot(page, name: str) -> None:
    page.set_viewport_size(TALL)
    page.locator(".vega-embed").first.wait_for()  # the timeline chart is drawn again after a resize
    page.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
    page.wait_for_timeout(1500)
    screenshot(page, name)
    page.set_viewport_size({"width": 1400, "height": 1000})

URL_PATH = "Video_Classification"  # Streamlit's url path for pages/6_Video_Classification.py (number dropped)

READY = """() => {
  const v = [...document.querySelectorAll('video')].filter(e => (e.currentSrc || e.src).endsWith('.webm')).at(-1);  // the annotated copy is the last
  return v && v.readyState >= 2 && v.duration > 0 ? [v.readyState, v.duration, v.videoWidth, v.videoHeight] : null;
}"""

# Play for a moment, then read the shown frame back through a canvas: decoded pixels, not just metadata.
PLAYED_FRAME = """async () => {
  const v = [...document.querySelectorAll('video')].filter(e => (e.currentSrc || e.src).endsWith('.webm')).at(-1);  // the annotated copy is the last
  v.muted = true;
  await v.play();
  await new Promise(r => setTimeout(r, 1200));
  v.pause();
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(v, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let red = 0, white = 0;
  const band = Math.round(c.height * 0.08);
  for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
    const i = 4 * (y * c.width + x);
    if (d[i] > 150 && d[i + 1] < 90 && d[i + 2] < 90) red++;
    if (y < band && d[i] > 200 && d[i + 1] > 200 && d[i + 2] > 200) white++;
  }
  return [v.currentTime, red / (c.width * c.height), white];
}"""


def test_upload_then_annotated_webm_plays(page, tmp_path, shared_assets):
    page.goto(f"{page.app_url}/{URL_PATH}")
    page.get_by_role("heading", name="Video classification").wait_for()
    wait_idle(page, timeout_ms=240_000)
    # with the shared store, the default is the MoViNet-A0 stream model on the first sample clip
    page.get_by_text("Top-5 actions (Kinetics-600)").wait_for(timeout=240_000)
    wait_idle(page, timeout_ms=240_000)
    body = page.inner_text("body")
    assert "Traceback" not in body
    # the frame strip's captions name the action (the top-5 table is drawn on a canvas)
    page.get_by_text("arm wrestling (100%)").first.wait_for(timeout=30_000)
    state = page.wait_for_function(READY, timeout=60_000).json_value()
    assert state[2] > 0  # the annotated WebM of the sample plays
    assert "Video classification" in page.locator('[data-testid="stSidebar"]').inner_text()  # our sidebar navigation
    full_screenshot(page, "video_sample")

    page.get_by_text("Upload", exact=True).click()
    wait_idle(page)
    clip = write_clip(tmp_path / "moving_bar.mp4", synthetic_frames(30, 320, 240), fps=10)  # 3 s
    page.locator('input[type="file"]').set_input_files(
        {"name": "moving_bar.mp4", "mimeType": "video/mp4", "buffer": clip}
    )
    page.get_by_text("moving_bar.mp4 · mp4").wait_for(timeout=240_000)
    wait_idle(page, timeout_ms=240_000)
    body = page.inner_text("body")
    assert "30 frames (about 10.0 fps)" in body and "2 segments" in body
    state = page.wait_for_function(READY, timeout=60_000).json_value()
    encoder = page.get_by_text("WebM,").first.inner_text()
    print("annotated video readyState, duration, size:", state, "|", encoder)
    ready_state, duration, width, height = state
    assert ready_state >= 2 and duration > 0 and width > 0 and height > 0
    t, red_fraction, white_text_pixels = page.evaluate(PLAYED_FRAME)
    print(f"played to {t:.2f} s; red bar covers {red_fraction:.1%} of the frame; {white_text_pixels} white label pixels")
    assert t > 0.3  # it really played
    assert 0.01 < red_fraction < 0.05  # the moving bar: 8 px of 320 ≈ 2.5 % of the frame
    assert white_text_pixels > 50  # the label drawn in the top band
    full_screenshot(page, "video_upload_annotated")


HEVC_PREVIEW = """() => {
  const v = [...document.querySelectorAll('[data-testid="stExpander"] video')][0];
  return v && v.readyState >= 2 && v.videoWidth > 0 ? [v.videoWidth, v.videoHeight, v.duration] : null;
}"""


def test_hevc_upload_shows_a_playable_preview(page):
    from tests.unit.test_video_time import hevc_clip

    page.goto(f"{page.app_url}/{URL_PATH}")
    page.get_by_role("heading", name="Video classification").wait_for()
    wait_idle(page, timeout_ms=240_000)
    page.get_by_text("Upload", exact=True).click()
    wait_idle(page)
    page.locator('input[type="file"]').set_input_files(
        {"name": "iphone_hevc.mp4", "mimeType": "video/mp4", "buffer": hevc_clip(3.0)}
    )
    page.get_by_text("iphone_hevc.mp4 · mp4").wait_for(timeout=240_000)
    wait_idle(page, timeout_ms=240_000)
    body = page.inner_text("body")
    assert "which web browsers cannot play, so this is a re-encoded preview" in body
    width, height, duration = page.wait_for_function(HEVC_PREVIEW, timeout=60_000).json_value()
    print(f"HEVC preview in Chromium: {width}×{height}, {duration:.2f} s")
    assert width > 0 and height > 0 and duration > 2.5
    screenshot(page, "video_hevc_preview")


RECORD = """async (ms) => {
  const c = document.createElement('canvas'); c.width = 320; c.height = 240; document.body.appendChild(c);
  const ctx = c.getContext('2d'); let x = 0;
  const timer = setInterval(() => { ctx.fillStyle = '#222'; ctx.fillRect(0, 0, 320, 240);
    ctx.fillStyle = '#e33'; ctx.fillRect(x % 300, 80, 20, 80); x += 8; }, 33);
  const rec = new MediaRecorder(c.captureStream(30), {mimeType: 'video/webm;codecs=vp8'});
  const chunks = []; rec.ondataavailable = e => chunks.push(e.data);
  const t0 = performance.now(); rec.start(250);
  await new Promise(r => setTimeout(r, ms)); rec.stop();
  await new Promise(r => rec.onstop = r); clearInterval(timer);
  const b = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let s = ''; for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return [btoa(s), (performance.now() - t0) / 1000];
}"""


def test_chromium_mediarecorder_webm_gets_its_real_duration(chromium):
    """A WebM recorded by the browser itself (no duration or rate in its header) is timed by its frames."""
    import base64

    import av

    from models import video as V

    tab = chromium.new_page()
    tab.set_content("<html><body></body></html>")
    encoded, wall_s = tab.evaluate(RECORD, 3000)
    tab.close()
    data = base64.b64decode(encoded)
    with av.open(io.BytesIO(data)) as box:
        assert box.duration is None and box.streams.video[0].frames == 0  # the header states no length
    v = V.decode_video(data, "recording.webm")
    print(f"MediaRecorder WebM: {len(data)} B, recorded for {wall_s:.2f} s; decoded {v.duration:.2f} s, "
          f"{v.count} frames ({v.fps:.1f} fps on average)")
    assert abs(v.duration - 3.0) < 0.4 and 5 < v.fps <= 31
    assert (np.diff(v.times) > 0).all()
