"""Real browser: upload two photos on the face page, read the verdict; a bad upload gets a message."""

from __future__ import annotations

import re

import numpy as np
import pytest

from components.home_cards import TITLE
from models.imaging import encode_jpeg, read_image
from models.samples import skimage_data_dir
from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser

URL_PATH = "Face_Similarity"  # st.navigation drops the "5_" prefix of pages/5_Face_Similarity.py


def _choose_upload(page, label: str):
    page.get_by_role("radiogroup", name=label).get_by_text("Upload", exact=True).click()
    page.get_by_text(f"Upload {label.lower()}").wait_for()  # the uploader's own label
    wait_idle(page)


def _verdict(page) -> str:
    alert = page.locator('[data-testid="stAlert"]').filter(has_text=re.compile("Same person|Different people"))
    alert.first.wait_for(timeout=180_000)
    return alert.first.inner_text()


def test_upload_two_photos_and_read_verdict(page, tmp_path):
    astronaut = read_image(skimage_data_dir() / "astronaut.png").rgb
    a = tmp_path / "eileen.png"
    a.write_bytes((skimage_data_dir() / "astronaut.png").read_bytes())
    b = tmp_path / "eileen_edited.jpg"  # mirrored, brighter, re-encoded: same person, other pixels
    b.write_bytes(encode_jpeg(np.clip(astronaut[:, ::-1].astype(int) + 40, 0, 255).astype(np.uint8), 60))
    cat = tmp_path / "cat.png"
    cat.write_bytes((skimage_data_dir() / "chelsea.png").read_bytes())

    page.goto(page.app_url)  # home first, then the sidebar link, as a person does
    page.get_by_text(TITLE).wait_for()
    page.locator('[data-testid="stSidebar"]').get_by_text("Face similarity").click()
    page.wait_for_url(f"**/{URL_PATH}")
    # first visit loads TensorFlow, MTCNN and dlib: wait for the page's own result, not a timer
    _verdict(page)
    wait_idle(page)
    screenshot(page, "faces_default")

    _choose_upload(page, "Photo A")
    _choose_upload(page, "Photo B")
    inputs = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    inputs.nth(1).wait_for(state="attached")
    assert inputs.count() == 2
    inputs.nth(0).set_input_files(str(a))
    wait_idle(page)
    inputs.nth(1).set_input_files(str(b))
    wait_idle(page)
    verdict = _verdict(page)
    page.locator('[data-testid="stMetric"]').filter(has_text="distance").wait_for()
    wait_idle(page)
    body = page.inner_text("body")
    print(verdict)
    assert "Same person" in verdict
    m = re.search(r"Euclidean distance\s*([0-9.]+)", body)
    assert m, body[body.find("Same person") - 200 :][:600]
    distance = float(m.group(1))
    assert distance < 0.6
    assert " ms" not in body  # timings live on the admin page now
    screenshot(page, "faces_verify_same")

    # a photo without a face: clear message, no verdict, and the server keeps serving
    inputs.nth(1).set_input_files(str(cat))
    wait_idle(page)
    page.get_by_text("No face found").first.wait_for()
    page.get_by_text("A verdict needs one face in each photo.").wait_for()  # fails on timeout if absent
    screenshot(page, "faces_no_face")

    # not an image at all
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"this is not a jpeg" * 50)
    inputs.nth(1).set_input_files(str(junk))
    wait_idle(page)
    page.get_by_text("not an image this app can read").first.wait_for()
    assert "Traceback" not in page.inner_text("body")
    screenshot(page, "faces_bad_upload")

    page.goto(f"{page.app_url}/{URL_PATH}")  # a fresh visit (a reload keeps the shared-link query: uploads)
    _verdict(page)  # back to the default samples: the server still serves
    assert "Privacy" in page.inner_text("body")
