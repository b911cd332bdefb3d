"""Shared Streamlit components, run through AppTest scripts."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from components.results import wipe


def _missing_model_script():
    import streamlit as st

    from components.status import require_model

    path = require_model("movinet_a0_k600")
    st.write(f"path={path}")


def _badge_script():
    from components.status import timing_badge

    timing_badge({"model": 212.4, "total": 1260.0})


def test_missing_model_offline_says_one_sentence_and_records_it_for_the_admin(empty_store, monkeypatch):
    from components import diagnostics

    monkeypatch.setenv("VISION_OFFLINE", "1")
    at = AppTest.from_function(_missing_model_script, default_timeout=30).run()
    assert not at.exception and not at.error and not at.code
    assert [i.value for i in at.info] == [
        "MoViNet-A0 base, Kinetics-600 (SavedModel) is not installed on this server, so this part of the page "
        "is unavailable."]
    assert any("path=None" in m.value for m in at.markdown)
    assert diagnostics.missing()[0].entry_id == "movinet_a0_k600"


def test_present_model_returns_its_path(empty_store, monkeypatch):
    target = empty_store / "models/movinet/a0_base_k600"
    target.mkdir(parents=True)
    at = AppTest.from_function(_missing_model_script, default_timeout=30).run()
    assert not at.error
    assert any(f"path={target}" in m.value for m in at.markdown)


def test_timing_badge_records_for_the_admin_page_and_shows_visitors_nothing():
    from components import diagnostics

    at = AppTest.from_function(_badge_script, default_timeout=30).run()
    assert not at.caption and not at.markdown
    assert diagnostics.timings()[0].parts_ms == {"model": 212.4, "total": 1260.0}


def test_wipe_splits_before_and_after():
    before = np.zeros((10, 20, 3), np.uint8)
    after = np.full((5, 10, 3), 200, np.uint8)  # different size: resized to the before image
    out = wipe(before, after, 0.25)
    assert out.shape == before.shape
    assert (out[:, :4] == 0).all() and (out[:, 6:] == 200).all()
    assert (out[:, 4] == 255).all()  # the divider line


def test_download_names_follow_one_rule():
    from components.results import download_name

    assert download_name("My Photo.JPG", "stylized_1.00", "png") == "My_Photo_stylized_1.00.png"
    assert download_name("clip.final.mp4", "timeline", "csv") == "clip.final_timeline.csv"
    assert download_name("camera photo", "classes", ".png") == "camera_photo_classes.png"
    assert download_name(None, "mask", "png") == "image_mask.png"
    assert download_name("dcgan_seed42", "digits_any", "png") == "dcgan_seed42_digits_any.png"


def test_video_timeline_axis_ends_where_the_clip_ends():
    """A 10-s clip's chart ends at 10 s (Vega's "nice" rounding had drawn the axis to 11 s)."""
    import pandas as pd

    from components.video_view import timeline_chart

    table = pd.DataFrame({"start (s)": [0.0, 5.0], "end (s)": [5.0, 10.0], "label": ["a", "b"],
                          "probability": [0.7, 0.4]})
    x = timeline_chart(table).to_dict()["encoding"]["x"]
    assert x["scale"] == {"domain": [0, 10.0], "nice": False}


def test_streamlit_runner_keeps_keras_state_skips_the_full_gc_and_runs_one_runner_per_session():
    """Streamlit's per-run ``keras.backend.clear_session()`` (a full gc.collect holding the GIL, an emptied
    kernel cache) and its post-script ``gc.collect(2)`` stalled every visitor's websocket under load
    (bench/load.py, 3 visitors: health-check p95 665 ms with them, 13 ms without). Both stay off."""
    import tomllib

    import keras
    from streamlit.runtime.scriptrunner import script_runner

    import components.page  # noqa: F401  (importing it is what turns the clearing off)
    from tests.conftest import ROOT

    first = keras.layers.Dense(2)
    script_runner._clean_problem_modules()  # what Streamlit calls after every script run
    second = keras.layers.Dense(2)
    assert first.name != second.name  # a clear_session() would have reset the name counter ("dense" twice)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    assert config["runner"]["fastReruns"] is False  # one script runner per session: widget values in order


def _shared_badge_script():
    from components import shared_results
    from components.status import timing_badge

    shared_results.new_run()
    shared_results.shared(("unit-badge", "sample"), lambda: {"model": 850.0})
    timing_badge({"model": 850.0})


def test_timing_badge_of_a_shared_hit_says_the_times_are_the_earlier_computation(monkeypatch):
    from components import diagnostics, shared_results

    monkeypatch.setenv("VISION_SHOW_TIMINGS", "1")
    shared_results._results.clear()
    first = AppTest.from_function(_shared_badge_script, default_timeout=30).run()
    assert [c.value for c in first.caption if "⏱️" in c.value] == ["⏱️ model **850 ms**"]
    assert diagnostics.timings()[0].parts_ms == {"model": 850.0}
    second = AppTest.from_function(_shared_badge_script, default_timeout=30).run()
    assert [c.value for c in second.caption if "⏱️" in c.value] == ["⏱️ shared result, computed earlier: model **850 ms**"]
    assert diagnostics.timings()[0].parts_ms == {"shared hit": 0.0, "model (earlier)": 850.0}
    shared_results._results.clear()
