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


def test_missing_model_offline_shows_panel_with_fetch_command(empty_store, monkeypatch):
    monkeypatch.setenv("VISION_OFFLINE", "1")
    at = AppTest.from_function(_missing_model_script, default_timeout=30).run()
    assert not at.exception
    assert "MoViNet-A0" in at.error[0].value
    assert at.code[0].value == f"VISION_STORE={empty_store} python -m models.store fetch movinet_a0_k600"
    assert any("path=None" in m.value for m in at.markdown)


def test_present_model_returns_its_path(empty_store, monkeypatch):
    target = empty_store / "models/movinet/a0_base_k600"
    target.mkdir(parents=True)
    at = AppTest.from_function(_missing_model_script, default_timeout=30).run()
    assert not at.error
    assert any(f"path={target}" in m.value for m in at.markdown)


def test_timing_badge_shows_figures_and_device():
    at = AppTest.from_function(_badge_script, default_timeout=30).run()
    text = at.caption[0].value
    assert "model **212 ms**" in text and "total **1,260 ms**" in text and "CPU" in text


def test_wipe_splits_before_and_after():
    before = np.zeros((10, 20, 3), np.uint8)
    after = np.full((5, 10, 3), 200, np.uint8)  # different size: resized to the before image
    out = wipe(before, after, 0.25)
    assert out.shape == before.shape
    assert (out[:, :4] == 0).all() and (out[:, 6:] == 200).all()
    assert (out[:, 4] == 255).all()  # the divider line
