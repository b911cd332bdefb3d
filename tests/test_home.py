"""Home page through Streamlit's AppTest: renders, lists capabilities and the store's real status."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.catalog import PAGES, ROOT
from models.registry import ENTRIES, get

APP = str(ROOT / "app.py")


def _run(monkeypatch, store: Path) -> AppTest:
    monkeypatch.setenv("VISION_STORE", str(store))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_home_lists_store_status_with_some_models_missing(monkeypatch, tmp_path):
    # A store holding exactly two entries, one of them a directory-type (SavedModel) entry.
    lite = get("deeplab_mnv2_513_quant")
    (tmp_path / lite.path).parent.mkdir(parents=True)
    (tmp_path / lite.path).write_bytes(b"x" * 1234)
    saved = get("magenta_style_savedmodel")
    (tmp_path / saved.path).mkdir(parents=True)
    (tmp_path / saved.path / "saved_model.pb").write_bytes(b"y" * 10)

    at = _run(monkeypatch, tmp_path)
    table = at.dataframe[0].value
    assert len(table) == len(ENTRIES)
    status = dict(zip(table["Entry"], table["Status"], strict=True))
    assert status["deeplab_mnv2_513_quant"] == "✅ present"
    assert status["magenta_style_savedmodel"] == "✅ present"
    assert sum(s == "✅ present" for s in status.values()) == 2
    assert status["movinet_a0_k600"] == "❌ missing"
    sizes = dict(zip(table["Entry"], table["Size (MB)"], strict=True))
    assert sizes["deeplab_mnv2_513_quant"] == round(1234 / 1e6, 2)
    page_text = " ".join(m.value for m in at.markdown)
    assert f"2 of {len(ENTRIES)}" in page_text
    codes = " ".join(c.value for c in at.code)
    assert "python -m models.store fetch --all" in codes


def test_home_shows_six_capabilities_and_links_only_existing_pages(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path)
    links = [el.proto.label.strip("*") for el in at.main.get("page_link")]
    nav = [el.proto.label for el in at.sidebar.get("page_link")]
    assert nav == ["Home"] + [p.title for p in PAGES if p.exists]
    existing = [p for p in PAGES if p.exists]
    assert links == [p.title for p in existing]  # a link for every built page, none for the others
    text = " ".join(m.value for m in at.markdown)
    for p in PAGES:
        if not p.exists:
            assert f"**{p.title}** · _not built yet_" in text
    assert len(PAGES) == 6 and len(links) + text.count("not built yet") == 6


def test_full_shared_store_is_reported_present(monkeypatch, shared_assets):
    at = _run(monkeypatch, shared_assets)
    table = at.dataframe[0].value
    present = set(table.loc[table["Status"] == "✅ present", "Entry"])
    assert {"deeplab_mnv2_513_quant", "magenta_predict_int8", "mobilenet_v2_224_quant", "style_starry_night"} <= present
    assert "deeplab_xception_frozen" not in present
