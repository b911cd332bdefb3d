"""``python -m models.segmentation FOLDER``: a class-id PNG per image at its own size, in the model's palette,
for a VOC option (real TFLite weights from the shared store) and for a trained option (a tiny model folder)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from models import segmentation as seg
from models.segmentation.__main__ import main

SIZES = {"wide": (61, 37), "tall": (29, 53)}  # (width, height): odd sizes, neither the model's input size


def _folder(tmp_path, source: Image.Image):
    folder = tmp_path / "images"
    folder.mkdir()
    for stem, size in SIZES.items():
        source.resize(size).save(folder / f"{stem}.png")
    (folder / "notes.txt").write_text("not an image")  # not an image extension: left out of the folder
    return folder


def _check(folder, out, palette: np.ndarray, classes: int) -> None:
    for stem, size in SIZES.items():
        png = Image.open(out / f"{stem}_classes.png")
        ids = np.asarray(png)
        print(f"{stem}_classes.png: {png.size} {png.mode}, ids {sorted(np.unique(ids).tolist())}")
        assert png.size == size and png.mode == "P"
        assert ids.max() < classes
        assert np.array_equal(np.asarray(png.getpalette()[: 3 * classes]).reshape(classes, 3), palette[:classes])
        assert Image.open(out / f"{stem}_overlay.png").size == size


def test_folder_gets_class_id_pngs_with_a_voc_model(shared_assets, tmp_path, capsys):
    folder = _folder(tmp_path, Image.open(shared_assets / "samples" / "cat.jpg").convert("RGB"))
    assert main([str(folder), "--model", seg.SegModel.MNV2_513.value]) == 0
    printed = capsys.readouterr().out
    assert "wide.png: background" in printed and "tall.png:" in printed and "notes" not in printed
    _check(folder, folder, seg.PALETTE, seg.NUM_CLASSES)  # no --out: next to the images
    # A second run reads the images again, not the PNGs it wrote (and --out sends them elsewhere).
    assert main([str(folder), "--model", seg.SegModel.MNV2_513.value, "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{s}_{k}.png" for s in SIZES for k in ("classes", "overlay")
    )


@pytest.fixture
def tiny_trained_option(tmp_path, monkeypatch):
    """A trained option whose model folder holds a randomly initialised FCN-8s for 3 classes (no background)."""
    from models.segmentation import trained
    from models.segmentation.architectures import build

    colours = [[200, 10, 10], [10, 200, 10], [10, 10, 200]]
    folder = tmp_path / "weights" / "tiny_trained"
    folder.mkdir(parents=True)
    build("fcn8s", 3).save_weights(str(folder / "model.weights.h5"))
    (folder / "model.json").write_text(json.dumps({"arch": "fcn8s", "classes": ["A", "B", "C"], "colours": colours}))
    monkeypatch.setattr(trained, "TRAINED_DIR", tmp_path / "weights")
    spec = seg.ModelSpec("Tiny · trained", seg.Backend.KERAS_TRAINED, 64, "test", "tiny_trained", "",
                         builtin="tiny_trained", class_set="Tiny")
    seg.register(spec)
    yield spec.entry_id, np.asarray(colours, dtype=np.uint8)
    seg.unregister(spec.entry_id)


def test_folder_gets_class_id_pngs_with_a_trained_model(tiny_trained_option, tmp_path, capsys):
    option, colours = tiny_trained_option
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (80, 80, 3), dtype=np.uint8))
    folder = _folder(tmp_path, noise)
    (folder / "broken.png").write_bytes(b"not a png")
    assert main([str(folder), "--model", option]) == 1  # one unreadable image: reported, the others written
    printed = capsys.readouterr().out
    assert "broken.png:" in printed and "wide.png:" in printed and "background" not in printed
    _check(folder, folder, colours, 3)
    assert not (folder / "broken_classes.png").exists()
