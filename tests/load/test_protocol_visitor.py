"""The load tool's protocol visitor (bench/stproto) against a real ``streamlit run app.py`` on 127.0.0.1.

One visitor, no browser: it opens every page, changes a widget and uploads a photo over Streamlit's own
websocket protocol, and must read the same results the browser tests read (tests/browser/). Then the Locust
file runs headless for 20 s with one visitor and must record no failure.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bench.stproto.client import Visitor
from components.catalog import PAGES
from components.home_cards import TITLE
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _legend(v: Visitor) -> list[str]:
    """The segmentation legend: its class checkboxes (tests/browser/test_browser_segmentation.py's _legend)."""
    return [p.label for _, kind, p in v.elements() if kind == "checkbox" and " — " in p.label]


def test_one_visitor_opens_each_page_changes_a_widget_uploads_a_photo(app_server, shared_assets):
    requests: list[tuple[str, str, float, int, str | None]] = []
    v = Visitor(app_server, on_request=lambda *r: requests.append(r))
    try:
        # the home page, as a browser loads the base URL
        run = v.open()
        text = v.text()
        assert TITLE in text
        shown = [p for p in PAGES if p.exists]
        assert all(p.title in text and p.summary in text for p in shown)
        assert text.count('<img src="data:image/') == len(shown) and not run.errors, run  # one picture a card

        # Segmentation by its URL: the default sample is the cat (test_browser_segmentation.py)
        run = v.open("Segmentation")
        assert re.search(r"cat — \d+\.\d%", v.text()), v.text()[-2000:]
        assert run.media >= 1 and not run.errors, run

        # a photo uploaded through the upload endpoint: the person with its share
        v.set("Image", "Upload")
        run = v.upload(
            "Upload image",
            "grace_hopper.jpg",
            (shared_assets / "samples" / "grace_hopper.jpg").read_bytes(),
            "image/jpeg",
        )
        legend = _legend(v)
        print(f"upload: {run}; legend {legend}")
        assert len(legend) == 1 and legend[0].startswith("person — "), legend
        share = float(re.search(r"(\d+\.\d)%", legend[0]).group(1))
        assert 50 < share < 80
        assert "showing person at 60% opacity" in v.text()
        assert run.media == 1 and run.media_bytes > 10_000 and not run.errors, run

        # one widget changed: the view
        run = v.set("View", "Side by side")
        assert "Side by side · 512×600 · showing person" in v.text()
        assert run.media == 1 and not run.errors, run

        # every other page through its sidebar link, each with what its browser test reads first
        expected = {
            "Inpainting": ["Mark what to remove", "Compare with the original", "Telea", "Navier–Stokes"],
            "Digit_GAN": ["Judge agrees with the requested digit"],
            "Style_Transfer": ["Stylized · strength 1.00", "Download stylized PNG"],
            "Face_Similarity": ["Face similarity"],
            "Video_Classification": ["Top-5 actions (Kinetics-600)", "arm wrestling (100%)"],
            "Train_segmenter": ["Train a segmenter"],
        }
        for page, texts in expected.items():
            run = v.navigate(page)
            text = v.text()
            print(f"{page}: {run}")
            assert all(t in text for t in texts), (page, [t for t in texts if t not in text])
            assert not run.errors, (page, run.errors)
        assert re.search(r"Same person|Different people", v.text()) is None  # the last page is not the faces one
        v.navigate("Face_Similarity")
        assert re.search(r"Same person|Different people", v.text()), v.text()[-1500:]
        style = v.navigate("Style_Transfer")
        assert "Output 512" in v.text() or "Output 437×512" in v.text()
        assert style.media == 0  # its images were fetched on the first visit: a browser's cache does not refetch

        # a widget set on one page: DCGAN's seed and grid, as test_browser_dcgan.py sets them
        v.navigate("Digit_GAN")
        v.set("gan_digit", "4")
        v.set("gan_grid", "6 × 6")
        v.set("Seed", 2024)
        assert "36 generated digits · seed 2024" in v.text()
    finally:
        v.close()
    kinds = {(kind, name) for kind, name, *_ in requests}
    assert {("PUT", "/_stcore/upload_file/[session]/[file]"), ("GET", "/media/[file]"), ("WS", "rerun")} <= kinds
    assert not [r for r in requests if r[4]], [r for r in requests if r[4]]


LIGHT = "seg_open,seg_sample,inpaint_mask,dcgan_sample,style_fast,face_verify"


def test_locustfile_headless_smoke(app_server):
    """``locust -u 1 -r 1 -t 20s --headless`` on the light actions (a heavy one would outlast 20 s on 2 cores)."""
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        app_server,
        "-u",
        "1",
        "-r",
        "1",
        "-t",
        "20s",
        "--only",
        LIGHT,
        "--think",
        "3-8",
        "--only-summary",
    ]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    log = out.stdout + out.stderr
    table = log[log.find("phase   action") :]
    print(table[: table.find("Response time percentiles")] if "phase   action" in log else log[-4000:])
    assert out.returncode == 0, log[-4000:]
    m = re.search(r"actions: (\d+), failed: (\d+)", log)
    assert m, log[-4000:]
    assert int(m.group(1)) >= 1 and int(m.group(2)) == 0, log[-4000:]
    assert re.search(r"1v\s+\(client\) CPU [\d.]+ s in \d+ s = [\d.]+% of one core · [\d.]+ CPU s per visitor", log)
    assert re.search(r"action\s+\w+\s+\d+\s+0\(0\.00%\)", log)  # Locust's own table lists the actions, unfailed
