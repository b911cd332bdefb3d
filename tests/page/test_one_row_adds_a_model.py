"""Adding a model = one registry entry + one table row, shown end to end on a tiny real TFLite DeepLab.

The model below has the Coral DeepLab signature (uint8 [1,513,513,3] → class ids [1,513,513]) and is built here,
so the test needs no download. It is added through the two documented hooks only:
``models.registry.register`` (where the file lives in the store) and ``models.segmentation.register`` (the
option row: title, blurb, kind of model, input size, store entry). Nothing else changes: the page offers it,
and ``create()`` builds a working backend for it, in served mode too (the model server, another process, never ran
this ``register``: the row is local-only, ``served=False``, so it runs in the UI process).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from models import registry
from models import segmentation as seg
from models.store import Store
from tests.conftest import ROOT
from tests.unit.test_segmentation import BLUE, RED, blob_image, build_tiny_classmap_tflite, iou

PAGE = str(ROOT / "pages" / "1_Segmentation.py")
ENTRY_ID = "deeplab_tiny_blobs_test"

# The one registry entry ...
ENTRY = registry.Entry(
    ENTRY_ID, "Tiny blob DeepLab (test)", registry.Capability.SEGMENTATION, registry.Format.TFLITE,
    "models/test/deeplab_tiny_blobs.tflite", ("https://example.invalid/deeplab_tiny_blobs.tflite",), "Apache-2.0",
    contract="uint8 [1,513,513,3] -> int64 class ids [1,513,513]",
)
# ... and the one table row.
ROW = seg.ModelSpec("Tiny blob DeepLab · 513 px · test model", seg.Backend.TFLITE_CLASSMAP, 513,
                    "Red blobs are people, blue blobs are cats.", ENTRY_ID)


@pytest.fixture
def added_model(empty_store: Path):
    build_tiny_classmap_tflite(_mkdir(empty_store / ENTRY.path))
    registry.register(ENTRY)
    seg.register(ROW)
    yield empty_store
    seg.unregister(ENTRY_ID)
    registry.unregister(ENTRY_ID)


def _mkdir(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_the_new_row_runs_through_create(added_model):
    assert ENTRY_ID in seg.options() and ENTRY_ID not in [m.value for m in seg.SegModel]
    backend = seg.create(ENTRY_ID, Store(added_model))
    rgb = blob_image(300, 400, 150, 120, 60)  # a red disc on grey
    rgb[(np.mgrid[:300, :400][0] - 150) ** 2 + (np.mgrid[:300, :400][1] - 310) ** 2 <= 40**2] = (20, 20, 230)
    result = backend.predict(rgb)
    assert result.model == ENTRY_ID and result.class_map.shape == (300, 400)
    truth_red = np.all(rgb == (230, 20, 20), axis=-1)
    truth_blue = np.all(rgb == (20, 20, 230), axis=-1)
    print(f"IoU person {iou(result.class_map == RED, truth_red):.3f}, cat {iou(result.class_map == BLUE, truth_blue):.3f}")
    assert iou(result.class_map == RED, truth_red) > 0.9
    assert iou(result.class_map == BLUE, truth_blue) > 0.9
    # The first option that works in this store: the only store model here, unless a model trained here ships
    # (those need no store entry and come earlier in the table).
    works = [o for o in seg.options() if o == ENTRY_ID or not seg.spec_of(o).store_entries]
    assert seg.default_choice(Store(added_model).has) == works[0]


def test_the_page_offers_and_runs_the_new_row(added_model, monkeypatch):
    monkeypatch.setenv("VISION_SHOW_TIMINGS", "1")  # the ⏱️ breakdown, hidden from visitors otherwise
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    box = at.selectbox(key="seg_model")
    assert ROW.title in box.options, box.options
    box.set_value(ENTRY_ID).run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any(c.value == ROW.blurb for c in at.caption)
    badge = next(c.value for c in at.caption if c.value.startswith("⏱️"))
    assert "model" in badge
    # The tiny model only knows person (red) and cat (blue): every legend row is one of those.
    assert all(c.label.split(" — ")[0] in {"person", "cat"} for c in at.checkbox)


def test_in_served_mode_the_page_runs_the_new_row_in_process(added_model, monkeypatch):
    import socket

    import streamlit as st

    from models import backends

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: any request there fails, and the page would say so
    monkeypatch.setenv("VISION_SERVE_ADDRESS", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("VISION_SHOW_TIMINGS", "1")
    st.cache_resource.clear()
    st.cache_data.clear()  # the segmentation itself must run now, not come from an earlier test's cache
    assert not ROW.served and not backends.is_served(seg.BACKENDS, ENTRY_ID)
    assert backends.is_served(seg.BACKENDS, seg.SegModel.MNV2_513)  # the built-in TFLite rows do go to the server
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    box = at.selectbox(key="seg_model")
    assert ROW.title in box.options, box.options
    box.set_value(ENTRY_ID).run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    badge = next(c.value for c in at.caption if c.value.startswith("⏱️"))
    assert "model" in badge and "network + queue" not in badge  # computed here, not on the model server
    assert all(c.label.split(" — ")[0] in {"person", "cat"} for c in at.checkbox)
    assert at.checkbox, "no legend: nothing was segmented"
    st.cache_resource.clear()
    st.cache_data.clear()


def test_without_the_row_the_page_does_not_offer_it(empty_store):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    # An empty store: no option is installed, so the page offers none (no selector at all) and says so.
    boxes = [b for b in at.selectbox if b.key == "seg_model"]
    assert not boxes or ROW.title not in boxes[0].options
    assert not at.exception
