"""Real browser: the segmentation page under `streamlit run app.py` (Debian Chromium via Playwright)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, screenshot, wait_idle

pytestmark = pytest.mark.browser

# Streamlit derives the URL path from the file name pages/1_Segmentation.py (number prefix dropped), both under
# st.navigation and in pages/-folder mode.
URL_PATH = "/Segmentation"


def _legend(page) -> list[str]:
    return [t.strip() for t in page.locator('[data-testid="stCheckbox"]').all_inner_texts()]


def _images_loaded(page) -> None:
    """Streamlit images arrive after the script finishes: wait until each one has decoded pixels."""
    wait_idle(page)
    page.wait_for_function(
        "() => { const imgs = [...document.querySelectorAll('[data-testid=\"stImage\"] img')];"
        " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }"
    )


def _upload(page, path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(path))
    wait_idle(page)


def test_upload_photo_shows_legend_then_portrait_and_handoff(page, shared_assets, tmp_path):
    page.goto(page.app_url + URL_PATH)
    page.get_by_text("Semantic segmentation").first.wait_for()
    page.get_by_text(re.compile(r"cat — \d+\.\d%")).wait_for(timeout=120_000)  # default sample
    _images_loaded(page)
    screenshot(page, "segmentation_cat_sample")

    # Upload a photo: the legend lists the person with its share.
    page.locator('[data-testid="stRadio"]').filter(has_text="Camera").get_by_text("Upload", exact=True).click()
    wait_idle(page)
    _upload(page, shared_assets / "samples" / "grace_hopper.jpg")
    page.get_by_text(re.compile(r"person — \d+\.\d%")).wait_for()
    legend = _legend(page)
    assert len(legend) == 1 and legend[0].startswith("person — "), legend
    share = float(re.search(r"(\d+\.\d)%", legend[0]).group(1))
    assert 50 < share < 80
    page.get_by_text(re.compile(r"showing person at 60% opacity")).wait_for()
    _images_loaded(page)
    screenshot(page, "segmentation_upload_grace_hopper")
    page.get_by_text("Side by side", exact=True).click()
    page.get_by_text(re.compile(r"Side by side · 512×600 · showing person")).wait_for()
    _images_loaded(page)
    screenshot(page, "segmentation_side_by_side")
    page.get_by_text("Overlay", exact=True).click()
    wait_idle(page)

    # A text file named .png: a clear message, and the server keeps serving.
    bad = tmp_path / "notes.png"
    bad.write_text("not an image\n" * 10)
    _upload(page, bad)
    page.get_by_text("notes.png is not an image this app can read").wait_for()
    assert not page.locator('[data-testid="stException"]').count()
    screenshot(page, "segmentation_bad_upload")
    _upload(page, shared_assets / "samples" / "dog.jpg")
    page.get_by_text(re.compile(r"dog — \d+\.\d%")).wait_for()

    # Portrait mode: the dog kept sharp on a blurred background.
    page.get_by_text("Portrait mode").click()
    wait_idle(page)
    page.get_by_text("Portrait: dog kept").wait_for()
    _images_loaded(page)
    screenshot(page, "segmentation_portrait_dog")

    # Remove this object: the dilated mask goes to the inpainting page.
    page.get_by_text("Remove an object").click()
    wait_idle(page)
    page.get_by_text(re.compile(r"Mask to fill: dog grown by 7 px")).wait_for()
    _images_loaded(page)
    screenshot(page, "segmentation_remove_dog")
    if not (ROOT / "pages" / "2_Inpainting.py").is_file():
        pytest.skip("inpainting page not built yet")
    page.get_by_role("button", name=re.compile("Send to inpainting")).click()
    page.wait_for_url(re.compile(r"/Inpainting"))
    wait_idle(page)
    assert not page.locator('[data-testid="stException"]').count()
    screenshot(page, "segmentation_handoff_inpainting")


def test_class_id_download_is_at_the_uploaded_size(page, shared_assets, tmp_path):
    """A 4000×3000 upload is segmented on a 2048-px working copy; the class-id PNG comes back 4000×3000."""
    import numpy as np
    from PIL import Image

    big = Image.open(shared_assets / "samples" / "dog.jpg").convert("RGB").resize((4000, 3000), Image.LANCZOS)
    path = tmp_path / "dog_4000x3000.jpg"
    big.save(path, quality=90)
    page.goto(page.app_url + URL_PATH)
    page.get_by_text("Semantic segmentation").first.wait_for()
    wait_idle(page)
    page.locator('[data-testid="stRadio"]').filter(has_text="Camera").get_by_text("Upload", exact=True).click()
    wait_idle(page)
    _upload(page, path)
    page.get_by_text(re.compile(r"dog — \d+\.\d%")).wait_for(timeout=120_000)
    page.get_by_text("Downloads are 4000×3000").wait_for()
    _images_loaded(page)
    screenshot(page, "segmentation_4000x3000_upload")
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("Class-id mask")).click()
    out = tmp_path / "classes.png"
    info.value.save_as(out)
    png = Image.open(out)
    ids = np.asarray(png)
    dog = seg_index("dog")
    print(f"class-id download: {png.size} {png.mode}; ids {sorted(np.unique(ids).tolist())}; "
          f"dog {np.mean(ids == dog):.1%}")
    assert png.size == (4000, 3000)
    assert np.mean(ids == dog) > 0.05
    legend = _legend(page)
    assert all(float(re.search(r"(\d+\.\d)%", x).group(1)) >= 0.5 for x in legend), legend

    # A file type the app does not take: refused in words a person knows (no MIME type).
    ico = tmp_path / "favicon.ico"
    big.resize((64, 64)).save(ico)
    _upload(page, ico)
    page.get_by_text("favicon.ico is a .ico file").wait_for()
    assert "image/" not in page.inner_text("body")



def seg_index(name: str) -> int:
    from models.segmentation import VOC_CLASSES

    return VOC_CLASSES.index(name)


def _pick(tab, label: str, option: str) -> None:
    box = tab.locator('[data-testid="stSelectbox"]').filter(has=tab.get_by_role("combobox", name=label, exact=True))
    combo = box.first.get_by_role("combobox")  # Streamlit 1.67: a react-aria combobox
    combo.click()
    if combo.get_attribute("aria-expanded") != "true":
        combo.press("ArrowDown")  # a click on a combobox in a column does not always open its list
    tab.get_by_role("option", name=option, exact=True).click()
    tab.wait_for_timeout(500)
    wait_idle(tab, 240_000)


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_camvid_model_street_sample_legend_and_class_id_download(page, shared_assets, tmp_path, size):
    """The trained CamVid option on a street sample: its own classes in the legend and the card, segmentation as
    the only mode, and a class-id PNG at the image's size with ids 0-10."""
    import numpy as np
    from PIL import Image

    from models import segmentation as seg

    option = seg.SegModel.DEEPLABV3PLUS_CAMVID
    if option not in seg.SPECS:
        pytest.skip("the trained CamVid models are not in models/weights/segmentation/ yet")
    names = seg.class_names(option)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(page.app_url + URL_PATH)
    page.get_by_text(re.compile(r"cat — \d+\.\d%")).wait_for(timeout=120_000)  # the VOC default on the cat
    _pick(page, "Model", option.spec.title)
    page.get_by_text("one of 11 CamVid classes", exact=False).first.wait_for(timeout=120_000)
    _pick(page, "Sample", "Street: parked car, cyclists (CamVid)")
    page.get_by_text(re.compile(r"Overlay · 480×360 · showing ")).wait_for(timeout=120_000)
    _images_loaded(page)
    legend = [x.split(" — ")[0] for x in _legend(page) if not x.startswith("Show traces")]  # not the toggle
    print(f"viewport {size}: CamVid legend {_legend(page)}")
    assert legend and set(legend) <= set(names), legend
    assert {"Road", "Sky"} <= set(legend), legend
    body = page.inner_text("body")
    assert "background —" not in body and "PASCAL VOC" not in body
    assert "need a person class" in body
    modes = page.locator('[data-testid="stRadio"]').filter(has_text="What to do").get_by_role("radio")
    assert modes.count() == 1  # segmentation only: no portrait mode, no object removal
    # The card (expanded) lists all 11 classes with their val IoU, and the data's licence.
    page.get_by_text("About the model").click()
    page.get_by_text("CC BY-NC 4.0", exact=False).first.wait_for()
    table = page.locator('[data-testid="stExpander"] table').inner_text()
    assert all(n in table for n in names), table
    page.get_by_text("About the model").scroll_into_view_if_needed()
    screenshot(page, f"segmentation_camvid_card_{size[0]}")
    page.get_by_text("About the model").click()  # collapsed again for the screenshot of the result
    wait_idle(page)
    page.get_by_text(re.compile(r"Overlay · 480×360")).scroll_into_view_if_needed()
    _images_loaded(page)
    shot = screenshot(page, f"segmentation_camvid_street_{size[0]}")
    overflow = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                             " return m.scrollWidth - m.clientWidth; }")
    print(f"screenshot {shot.name}; main block horizontal overflow {overflow} px")
    assert overflow <= 0

    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("Class-id mask")).click()
    out = tmp_path / "classes.png"
    info.value.save_as(out)
    png = Image.open(out)
    ids = np.asarray(png)
    print(f"class-id download {info.value.suggested_filename}: {png.size} {png.mode}, ids {sorted(np.unique(ids).tolist())}")
    assert png.size == (480, 360) and png.mode == "P"
    assert ids.max() < 11

