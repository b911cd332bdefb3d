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
    # the sample first (a newcomer can train without a set of their own), the upload beside it
    assert at.radio(key="segtrain_source").options == ["Use the CamVid sample set", "Upload a zip"]
    assert at.radio(key="segtrain_source").value == "Use the CamVid sample set"
    at.radio(key="segtrain_source").set_value("Upload a zip").run()
    at.file_uploader(key="segtrain_zip").set_value(("shapes.zip", shapes_zip(8, 4), "application/zip")).run()
    assert not at.exception, at.exception
    assert not at.error
    assert "8 training and 4 validation pairs" in _texts(at) and "ground, square, disc" in _texts(at)
    assert at.radio(key="segtrain_arch").options == ["FCN-8s", "DeepLabV3+"]
    lengths = at.radio(key="segtrain_length").options
    assert [x.split(" · ")[0] for x in lengths] == ["Short", "Medium", "Long"] and all("min" in x for x in lengths)
    assert at.button(key="segtrain_go").label == "Train"


def _expander_images(at: AppTest, label: str) -> list:
    return [img for exp in at.expander if exp.label == label for img in exp.get("image")]


def test_the_model_card_shows_the_committed_training_curves(monkeypatch, tmp_path, shared_assets):
    """Issue 27: the card of the training page shows the curves of the FCN-8s this project trained on CamVid (the
    committed models/weights/segmentation/fcn8s_camvid/curves.png), as does the home card's picture."""
    from components.catalog import PAGES
    from models.cards import CARDS, FCN8S_CAMVID_CURVES

    at = _page(monkeypatch, _store_with(tmp_path, shared_assets, ("mobilenet_v2_imagenet_npy",)))
    images = _expander_images(at, "About the model")
    captions = [c for img in images for c in img.captions]
    print("card images:", len(images), captions)
    assert len(images) == 1 and any("FCN-8s trained here on all 367 CamVid" in c for c in captions)
    assert CARDS["seg_training"].picture == FCN8S_CAMVID_CURVES and FCN8S_CAMVID_CURVES.is_file()
    training = next(p for p in PAGES if p.path.endswith("7_Train_segmenter.py"))
    assert ROOT / training.picture == FCN8S_CAMVID_CURVES


def test_score_tables_fit_their_rows_and_wrap_instead_of_scrolling(monkeypatch):
    """Issue 27: the IoU table and the confusion matrix are as tall and as wide as their content (Streamlit's
    default showed 10 rows and scrolled; the 11-class matrix scrolled sideways in a fixed column at 1440 px) and sit
    in a wrapping row (the matrix goes below the IoU table where both do not fit)."""
    from streamlit.testing.v1 import local_script_runner

    def script():
        import json

        import numpy as np

        from components.catalog import ROOT
        from components.seg_training_view import score_tables
        from models.segmentation import metrics

        card = json.loads((ROOT / "models/weights/segmentation/fcn8s_camvid/model.json").read_text())
        score_tables(card["classes"], metrics.scores(np.asarray(card["val"]["confusion"], dtype=np.int64)))

    # AppTest's tree keeps each element's own message only: the layout (width/height configs) is read from the
    # run's messages, passed through unchanged.
    seen: list = []
    parse = local_script_runner.parse_tree_from_messages
    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", lambda msgs: (seen.extend(msgs), parse(msgs))[1])
    at = AppTest.from_function(script, default_timeout=120).run()
    assert not at.exception, at.exception
    row = at.main.children[0]
    assert row.proto.flex_container.wrap and len(at.dataframe) == 2
    assert len(at.dataframe[1].value) == 11  # CamVid's 11 classes in the matrix
    frames = [m.delta.new_element for m in seen if m.HasField("delta") and m.delta.HasField("new_element")
              and m.delta.new_element.WhichOneof("type") == "dataframe"]
    specs = [(f.height_config.WhichOneof("height_spec"), f.width_config.WhichOneof("width_spec")) for f in frames]
    print("dataframe (height, width) specs:", specs)
    assert specs == [("use_content", "use_content")] * 2
