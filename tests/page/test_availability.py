"""components/availability.py: the sentences a visitor reads when options are missing, in every case.

Empty store (nothing installed), one option missing, several missing, one option left; and the pages whose every
option is missing: one sentence saying what this server cannot do, and no pickers under it.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from components.availability import cannot_sentence, not_installed_sentence, offer
from components.catalog import ROOT
from models.store import Store

# The broken construction of issue 27 ("No model option is not installed…") and internal ids (snake_case words).
DOUBLE_NEGATIVE = re.compile(r"\bNo\b[^.]*\bis not installed\b")
INTERNAL_ID = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


def _sentence(text: str) -> bool:
    """One sentence: a capital first, one full stop, at the end."""
    return bool(re.fullmatch(r"[A-Z][^.]*\.", text)) and not DOUBLE_NEGATIVE.search(text)


def test_sentences_for_none_one_and_many_missing(empty_store):
    store = Store()
    needs = {"a": (), "b": ("sface",), "c": ("vgg19_notop",), "d": ("movinet_a1_k600",)}
    assert offer(["a"], needs.get, title_of=str.upper, store=store).note == ""
    assert offer(["a", "b"], needs.get, title_of=str.upper, store=store).note == "B is not installed on this server."
    many = offer(list(needs), needs.get, title_of=str.upper, store=store).note
    assert many == "Not installed on this server: B, C and D."
    none = offer(["b", "c"], needs.get, title_of=str.upper, store=store)
    assert none.options == [] and none.note == "Not installed on this server: B and C."
    assert cannot_sentence("Style transfer") == "Style transfer needs a model that is not installed on this server."
    for text in (not_installed_sentence(["B"]), many, none.note, cannot_sentence("Video classification")):
        assert _sentence(text), text


def _choose_script(options: list[str], required: bool, one_as_caption: bool = False, what: str | None = None):
    import streamlit as st

    from components.availability import choose

    st.session_state["_vision_page"] = "Test page"  # what components.page.page_setup records
    needs = {"a": (), "b": ("sface",), "c": ()}
    got = choose(st.radio, "Method", options, needs.get, key="m", format_func=str.upper, required=required,
                 one_as_caption=one_as_caption, what=what)
    st.write(f"after: {got}")


def _run(*args) -> AppTest:
    at = AppTest.from_function(_choose_script, args=args, default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def test_choose_nothing_installed_says_what_cannot_run_and_stops(empty_store):
    at = _run(["b"], True)
    assert [i.value for i in at.info] == ["Test page needs a model that is not installed on this server."]
    assert not at.radio and not [m for m in at.markdown if "after" in m.value]  # stopped: nothing under it
    at = _run(["b"], False, False, "Style transfer with a network")
    assert [i.value for i in at.info] == ["Style transfer with a network needs a model that is not installed on "
                                          "this server."]
    assert any(m.value == "after: None" for m in at.markdown)  # not required: the caller goes on


def test_choose_one_option_left_is_a_caption_not_a_radio(empty_store):
    at = _run(["a", "b"], True, True)
    assert not at.radio
    assert [c.value for c in at.caption] == ["Method: **A**", "B is not installed on this server."]
    assert at.session_state["m"] == "a"  # share links read the value from session state
    assert any(m.value == "after: a" for m in at.markdown)
    at = _run(["a", "b", "c"], True, True)  # two left: a real choice
    assert at.radio[0].options == ["A", "C"]


PAGES = {
    "pages/7_Train_segmenter.py": "Training a segmenter needs a model that is not installed on this server.",
    "pages/4_Style_Transfer.py": "Style transfer needs a model that is not installed on this server.",
    "pages/6_Video_Classification.py": "Video classification needs a model that is not installed on this server.",
}


def _visible_text(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "markdown", "caption", "info", "warning", "error", "subheader")
             for e in getattr(at, kind) if isinstance(getattr(e, "value", None), str)]
    return "\n".join(parts)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_with_empty_store_says_one_sentence_and_hides_its_pickers(empty_store, monkeypatch, page):
    monkeypatch.setenv("VISION_OFFLINE", "1")
    at = AppTest.from_file(str(ROOT / page), default_timeout=120).run()
    assert not at.exception, at.exception
    assert not at.error
    assert [i.value for i in at.info if "installed" in i.value] == [PAGES[page]]
    text = _visible_text(at)
    assert not DOUBLE_NEGATIVE.search(text), text
    assert not INTERNAL_ID.findall(text.replace("_vision_page", "")), INTERNAL_ID.findall(text)
    # no pickers: nothing to choose an image, a clip, a model or a method with
    assert not at.selectbox and not at.radio and not at.slider, (at.selectbox, at.radio, at.slider)
    if page == "pages/4_Style_Transfer.py":  # the intro promises no method this server lacks
        assert "Repaint a photo in the style of an artwork." in [m.value for m in at.markdown], text


def test_style_intro_names_only_the_methods_this_server_runs(shared_assets, monkeypatch):
    monkeypatch.setenv("VISION_OFFLINE", "1")
    from models.store import Store
    from models.style.common import VGG19_ENTRY

    has_vgg = Store(shared_assets).has(VGG19_ENTRY)
    at = AppTest.from_file(str(ROOT / "pages/4_Style_Transfer.py"), default_timeout=120).run()
    intro = next(m.value for m in at.markdown if m.value.startswith("Repaint a photo"))
    assert "**Fast** uses Magenta" in intro
    assert ("**Gatys**" in intro) == has_vgg, (intro, has_vgg)


def test_segmentation_with_empty_store_offers_the_models_trained_here(empty_store, monkeypatch):
    """The CamVid networks are committed with the code: an empty store still segments, with those alone, and says
    which options are not installed."""
    from models import segmentation as seg
    from models.segmentation.segmenter import Backend

    trained = [s.title for s in seg.SPECS.values() if s.backend is Backend.KERAS_TRAINED]
    assert len(trained) == 2

    monkeypatch.setenv("VISION_OFFLINE", "1")
    at = AppTest.from_file(str(ROOT / "pages/1_Segmentation.py"), default_timeout=180).run()
    assert not at.exception, at.exception
    assert not at.error
    model = next(w for w in [*at.selectbox, *at.radio] if w.key == "seg_model")
    assert sorted(model.options) == sorted(trained), model.options
    assert any("installed on this server" in c.value for c in at.caption)
