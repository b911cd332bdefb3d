"""The browser's training run (models/segmentation/session_training.py) on a tiny generated set: it finishes with
figures, Stop keeps the best checkpoint, the workspace is bounded and removed, the CamVid sample is sized."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from models.errors import VisionError
from models.segmentation import session_training as st_
from models.segmentation.labelled import read_labelled
from tests.shapes_set import NAMES, shapes_zip


@pytest.fixture(scope="module")
def sets():
    return read_labelled(shapes_zip(8, 4))


@pytest.fixture(scope="module")
def npy(shared_assets):
    from models.store import Store

    store = Store(shared_assets)
    if not store.has("mobilenet_v2_imagenet_npy"):
        pytest.skip("the MobileNetV2 .npy backbone is not in the shared store")
    return store.path("mobilenet_v2_imagenet_npy")


def test_recipe_fits_small_images_and_the_estimate_grows_with_epochs(sets):
    train, val = sets
    cfg = st_.browser_config("fcn8s", 3, train)
    assert cfg.crop == (64, 96) and cfg.batch == 4 and cfg.eval_every == 1 and cfg.epochs == 3
    assert st_.estimate_seconds(st_.browser_config("fcn8s", 10, train), 8, val) > st_.estimate_seconds(cfg, 8, val)


def test_two_epoch_run_finishes_with_figures_and_downloads(sets, npy):
    train, val = sets
    run = st_.SessionRun.create(train, val, "fcn8s", 2)
    steps, evals = [], []
    history = run.train(npy, lambda s, t, loss: steps.append((s, t, loss)), evals.append)
    assert [s for s, _, _ in steps] == [1, 2, 3, 4] and all(t == 4 for _, t, _ in steps)
    assert [e["epoch"] for e in evals] == [1, 2] and len(history.evals) == 2
    result = run.finish()
    assert result.names == NAMES and result.size == (64, 96)
    assert result.scores.matrix.shape == (3, 3) and 0.0 <= result.scores.miou <= 1.0
    assert result.scores.miou == pytest.approx(history.best_miou, abs=1e-5)  # the kept checkpoint's figures
    assert len(result.examples) == 3 and all(p.shape == (64, 96) and p.dtype == np.uint8 for *_, p in result.examples)
    assert {"report.md", "report.json", "curves.png", "model.json"} <= set(result.files)
    assert b"mIoU" in result.files["report.md"]
    table = st_.confusion_table(result.scores)
    assert np.allclose(np.nansum(table, axis=1)[~np.isnan(table).all(axis=1)], 1.0)
    names = set(zipfile.ZipFile(__import__("io").BytesIO(st_.report_zip(result))).namelist())
    assert names == set(result.files)
    assert len(result.keras_bytes()) > 1_000_000  # MobileNetV2 weights inside
    seg = result.segmenter().predict(val.images[0])
    assert seg.class_map.shape == (64, 96) and seg.labels == NAMES
    from models.segmentation.trained import tflite_class_map

    lite = tflite_class_map(result.tflite_bytes(), val.images[0])
    assert (lite != seg.class_map).mean() < 0.01
    assert run.workspace.used_bytes() < run.workspace.cap_bytes
    folder = run.workspace.path
    run.workspace.remove()
    assert not folder.exists() and run.workspace.removed


def test_stop_keeps_the_best_checkpoint(sets, npy):
    train, val = sets
    run = st_.SessionRun.create(train, val, "deeplabv3plus", 5)
    with pytest.raises(VisionError, match="before its first check"):
        run.finish()
    steps: list[int] = []
    history = run.train(npy, lambda s, t, loss: steps.append(s), should_stop=lambda: len(steps) >= 3)
    # Stopped after step 3 (epoch 2 of 5), evaluated there; the best of the two evaluations is kept.
    assert steps == [1, 2, 3] and [e["epoch"] for e in history.evals] == [1, 2]
    best = max(e["miou"] for e in history.evals)
    assert history.best_miou == pytest.approx(best, abs=1e-5) and run.has_checkpoint
    result = run.finish()
    assert result.scores.miou == pytest.approx(best, abs=1e-5)
    run.workspace.remove()


def test_workspace_is_capped_and_removed_when_dropped(tmp_path):
    ws = st_.Workspace(cap_bytes=1000)
    (ws.path / "a").write_bytes(b"x" * 999)
    ws.check()
    (ws.path / "b").write_bytes(b"x" * 2)
    with pytest.raises(st_.WorkspaceFull, match="working space"):
        ws.check()
    folder = ws.path
    assert str(folder).startswith(__import__("tempfile").gettempdir())
    del ws
    import gc

    gc.collect()
    assert not folder.exists()


def test_camvid_sample_is_spread_and_halved(shared_assets):
    from models.store import Store

    store = Store(shared_assets)
    if not store.has("camvid"):
        pytest.skip("CamVid is not in the shared store")
    train, val = st_.camvid_sample(store.path("camvid"))
    assert (len(train), len(val)) == (48, 16) and train.images[0].shape == (180, 240, 3)
    assert train.labels[0].shape == (180, 240) and train.classes.size == 11 and train.classes.void == 11
    assert train.stems[0] != train.stems[1] and len({s.split("_")[0] for s in train.stems}) > 1  # several streets
    assert st_.spread(10, 3) == [0, 4, 9] and st_.spread(2, 5) == [0, 1]
