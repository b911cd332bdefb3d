"""The "Train a segmenter" page through AppTest: a bad zip gets its one plain message (nothing kept), a store
without CamVid or without the backbone says so in a sentence, and a good zip offers the training choices."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.catalog import ROOT
from tests.shapes_set import shapes_zip

PAGE = str(ROOT / "pages/7_Train_segmenter.py")


def _page(monkeypatch, store) -> AppTest:
    monkeypatch.setenv("VISION_STORE", str(store))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "error", "warning", "success")
                    for e in at.get(kind))


def _store_with(tmp_path, shared_assets, entries: tuple[str, ...]):
    """A store holding only ``entries`` of the shared one (symlinked, nothing copied)."""
    from models.registry import get

    root = tmp_path / "store"
    for e in entries:
        src = shared_assets / get(e).path
        if not src.exists():
            pytest.skip(f"{e} is not in the shared store")
        (root / get(e).path).parent.mkdir(parents=True, exist_ok=True)
        (root / get(e).path).symlink_to(src)
    return root


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_without_camvid_the_sample_is_not_offered_and_a_sentence_says_so(monkeypatch, tmp_path, shared_assets):
    at = _page(monkeypatch, _store_with(tmp_path, shared_assets, ("mobilenet_v2_imagenet_npy",)))
    assert at.radio(key="segtrain_source").options == ["Upload a zip"]
    assert "The CamVid sample set is not installed on this server." in _texts(at)
    assert str(tmp_path) not in _texts(at)


def test_without_the_backbone_the_page_says_so(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path / "empty")
    assert [i.value for i in at.info] == ["Training a segmenter needs a model that is not installed on this server."]
    assert not at.button


def _png(h: int, w: int, channels: int = 3) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.zeros((h, w, channels) if channels > 1 else (h, w), np.uint8)).save(buf, "PNG")
    return buf.getvalue()


MISMATCH = {f"s/images/{i}.png": _png(32, 48) for i in range(5)} | {f"s/labels/{i}.png": _png(32, 40, 1) for i in range(5)}


@pytest.mark.parametrize(("files", "message"), [
    ({"notes.txt": b"hello"}, "No labelled images found."),
    ({"s/images/a.png": _png(32, 48), "s/labels/a.png": _png(32, 48, 1)}, "at least 4 are needed"),
    (MISMATCH, "each label must be the size of its image"),
], ids=["no-pairs", "too-few", "size-mismatch"])
def test_a_bad_zip_shows_its_message_and_nothing_is_kept(monkeypatch, tmp_path, shared_assets, files, message):
    at = _page(monkeypatch, _store_with(tmp_path, shared_assets, ("mobilenet_v2_imagenet_npy",)))
    at.file_uploader(key="segtrain_zip").set_value(("my set.zip", _zip(files), "application/zip")).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and message in at.error[0].value
    assert "Traceback" not in at.error[0].value and str(tmp_path) not in at.error[0].value
    assert "segtrain_sets" not in at.session_state
    assert not [b for b in at.button if b.key == "segtrain_go"]


def test_not_a_zip_at_all(monkeypatch, tmp_path, shared_assets):
    at = _page(monkeypatch, _store_with(tmp_path, shared_assets, ("mobilenet_v2_imagenet_npy",)))
    at.file_uploader(key="segtrain_zip").set_value(("set.zip", b"PK\x03\x04 broken", "application/zip")).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "zip" in at.error[0].value.lower()


def test_a_good_zip_offers_architectures_and_lengths_with_estimates(monkeypatch, tmp_path, shared_assets):
    at = _page(monkeypatch, _store_with(tmp_path, shared_assets, ("mobilenet_v2_imagenet_npy", "camvid")))
    assert at.radio(key="segtrain_source").options == ["Upload a zip", "Use the CamVid sample set"]
    at.file_uploader(key="segtrain_zip").set_value(("shapes.zip", shapes_zip(8, 4), "application/zip")).run()
    assert not at.exception, at.exception
    assert not at.error
    assert "8 training and 4 validation pairs" in _texts(at) and "ground, square, disc" in _texts(at)
    assert at.radio(key="segtrain_arch").options == ["FCN-8s", "DeepLabV3+"]
    lengths = at.radio(key="segtrain_length").options
    assert [x.split(" · ")[0] for x in lengths] == ["Short", "Medium", "Long"] and all("min" in x for x in lengths)
    assert at.button(key="segtrain_go").label == "Train"
