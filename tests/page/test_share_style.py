"""Style transfer links (issue 27): a Fast result reopens the same; a finished Gatys run is rerun by its link."""

from __future__ import annotations

from models import style as sty
from models.registry import get
from models.samples import SampleKind, samples
from tests.page.links import assert_same, link, open_link, pictures, shown
from tests.unit.test_style import _write_vgg_h5

PAGE = "pages/4_Style_Transfer.py"


def test_fast_link_round_trips(shared_assets):
    at = open_link(PAGE, {})
    other = next(s for s in samples(SampleKind.STYLE) if s.available and s.id != "style_starry_night")
    at.selectbox(key="style_style_sample").set_value(other).run()
    at.slider(key="style_strength").set_value(0.45).run()
    at.select_slider(key="style_size").set_value(256).run()
    params = link(at)
    assert params["style_strength"] == "0.45" and params["style_size"] == "256"
    fresh = open_link(PAGE, params)
    assert_same(at, fresh)
    assert fresh.selectbox(key="style_style_sample").value == other and pictures(fresh)


def test_gatys_link_reruns_the_optimisation(empty_store):
    """A finished Gatys run (a random-weight VGG19 file in an empty store: the loop is the same) is rerun by its
    link; a stopped one is not claimed by it."""
    _write_vgg_h5(empty_store / get(sty.VGG19_ENTRY).path)
    at = open_link(PAGE, {})
    at.slider(key="gatys_iterations").set_value(10)
    at.select_slider(key="gatys_size").set_value(128).run()
    assert "gatys_done" not in link(at)
    at.button(key="gatys_run").click().run()
    assert any(t.startswith("Done: 10 steps") for t in shown(at))
    params = link(at)
    assert params["gatys_done"] == "1" and params["gatys_iterations"] == "10" and params["gatys_size"] == "128"
    fresh = open_link(PAGE, params)
    assert_same(at, fresh)  # same words (timings dropped), settings and pictures: the run is deterministic
    fresh.slider(key="gatys_every").set_value(5).run()  # another setting: the image shown is the last run's
    assert "gatys_done" not in link(fresh)


def test_a_link_whose_content_was_an_upload_names_only_what_is_missing(shared_assets):
    """The style of the link is a sample and arrives; the content was an upload: the page asks for that one only."""
    fresh = open_link(PAGE, {"style_content_source": "upload"})
    assert not fresh.exception
    texts = [i.value for i in fresh.info]
    assert "Choose a content image to start." in texts, texts
    assert not any("style image" in t and t.startswith("Choose") for t in texts), texts
