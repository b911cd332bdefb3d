"""The evaluate CLI on a VOC-layout set made from the sample photos, and on CamVid with the models trained here."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from models.segmentation.classes import PALETTE

PHOTOS = ("cat", "dog", "pets", "bird", "grace_hopper", "two_people_snow")


@pytest.fixture(scope="module")
def voc_set(shared_assets, tmp_path_factory):
    """JPEGImages/ + SegmentationClass/ (palette PNGs, a 5-px void band of 255 on every class boundary, as VOC draws
    it). The labels are the 513-px DeepLab's own class maps: figures against them measure agreement with that model."""
    from models.segmentation import create
    from models.store import Store

    store = Store(shared_assets)
    if not store.has("deeplab_mnv2_513_quant"):
        pytest.skip("the DeepLab TFLite models are not in the shared store")
    root = tmp_path_factory.mktemp("voc")
    (root / "JPEGImages").mkdir()
    (root / "SegmentationClass").mkdir()
    teacher = create("deeplab_mnv2_513_quant", store)
    for name in PHOTOS:
        rgb = np.asarray(Image.open(shared_assets / f"samples/{name}.jpg").convert("RGB"))
        Image.fromarray(rgb).save(root / "JPEGImages" / f"{name}.jpg", quality=95)
        cm = teacher.predict(rgb).class_map.copy()
        edges = cv2.morphologyEx(cm, cv2.MORPH_GRADIENT, np.ones((5, 5), np.uint8)) > 0
        cm[edges] = 255
        im = Image.fromarray(cm, mode="P")
        im.putpalette(PALETTE.ravel().tolist())
        im.save(root / "SegmentationClass" / f"{name}.png")
    return root


def test_voc_options_on_a_voc_layout_set(voc_set, monkeypatch, capsys, shared_assets):
    from models.segmentation import evaluate

    monkeypatch.setenv("VISION_STORE", str(shared_assets))
    figures = {}
    for model in ("deeplab_mnv2_513_quant", "deeplab_mnv2_dm05_513_quant"):
        out = voc_set / f"{model}.json"
        assert evaluate.main([str(voc_set), "--split", "all", "--model", model, "--json", str(out)]) == 0
        text = capsys.readouterr().out
        print(text)
        assert "mIoU" in text and "person" in text and "confusion (rows true):" in text
        import json

        figures[model] = json.loads(out.read_text())
    # The teacher scored on its own labels (void band ignored) is near exact: only the JPEG round trip of the
    # photos (quality 95) moves a few boundary pixels; a reader or scorer that mislaid pixels would be far off.
    assert figures["deeplab_mnv2_513_quant"]["miou"] > 0.99
    assert figures["deeplab_mnv2_513_quant"]["pixel_accuracy"] > 0.995
    half = figures["deeplab_mnv2_dm05_513_quant"]
    assert 0.3 < half["miou"] < 0.99 and half["pairs"] == len(PHOTOS)


def test_a_set_of_other_classes_is_refused_plainly(voc_set, shared_assets, monkeypatch, capsys):
    from models.segmentation import evaluate

    monkeypatch.setenv("VISION_STORE", str(shared_assets))
    camvid = shared_assets / "data/camvid"
    if not camvid.is_dir():
        pytest.skip("CamVid is not in the shared store")
    assert evaluate.main([str(camvid), "--split", "val", "--limit", "2", "--model", "deeplab_mnv2_513_quant"]) == 2
    assert "the set has 11 classes and the model 21" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["deeplabv3plus_camvid", "fcn8s_camvid"])
def test_trained_models_on_camvid_val(model, shared_assets, capsys):
    import json

    from models.segmentation import SPECS, evaluate
    from models.segmentation.trained import TRAINED_DIR, read_card

    if model not in SPECS:
        pytest.skip(f"{model} has no model folder in this checkout")
    camvid = shared_assets / "data/camvid"
    if not camvid.is_dir():
        pytest.skip("CamVid is not in the shared store")
    assert evaluate.main([str(camvid), "--split", "val", "--limit", "6", "--model", model]) == 0
    text = capsys.readouterr().out
    assert "Road" in text and "mIoU" in text
    card = read_card(TRAINED_DIR / model)
    assert json.dumps(card["val"]["iou"]) and card["val_pairs"] == 101 and card["train_pairs"] == 367
