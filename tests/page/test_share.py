"""Share links: values written into the URL reopen the same sample and settings (AppTest sets query params)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from components import share
from components.catalog import ROOT
from components.share import current, decode, encode, restore
from models import segmentation as seg
from models.samples import SampleKind, samples


def test_encode_decode_round_trip():
    opts = list(seg.SegModel)
    for o in opts:
        assert decode(encode(o), opts) is o
    photos = samples(SampleKind.PHOTO)
    assert decode(encode(photos[1]), photos) == photos[1]
    assert decode("0.35", float) == 0.35 and decode("1", bool) is True and decode("7", int) == 7
    state: dict = {}
    dropped: list[str] = []
    assert restore({"a": opts, "b": float, "c": int}, {"a": "nonsense", "b": "x", "c": "3"}, state, dropped) == ["c"]
    assert state == {"c": 3}  # a stale or hand-edited value is ignored, the widget keeps its default
    assert dropped == ["a", "b"]  # and named in the page's one sentence (share.dropped_notice)
    assert share.dropped_notice({"seg_opacity": "5"}) == (
        "This link's `seg_opacity=5` is not valid here (out of range or unknown), so the page opened with the default."
    )
    assert "`a=x` and `b=1e309` are not valid" in share.dropped_notice({"a": "x", "b": "1e309"})
    assert share.dropped_notice({"x": "<b>`*#" + "9" * 40}).startswith("This link's `x=b" + "9" * 23 + "…`")  # markup gone, cut
    assert current({"c": int, "d": float}, state) == {"c": "3"}


def _seg(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/1_Segmentation.py"), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def test_segmentation_link_reopens_same_sample_and_settings(shared_assets):
    at = _seg({})
    assert not at.exception, at.exception
    # A visitor changes the sample, the model, the view and the opacity...
    at.selectbox(key="seg_sample").set_value(next(s for s in samples(SampleKind.PHOTO) if s.id == "photo_pets"))
    at.selectbox(key="seg_model").set_value(seg.SegModel.MNV2_DM05_513)
    at.radio(key="seg_view").set_value(at.radio(key="seg_view").options[1])
    at.slider(key="seg_opacity").set_value(0.35)
    at.run()
    at.run()  # the URL is written at the top of each run, from the values the widgets sent
    assert not at.exception, at.exception
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert params["seg_sample"] == "photo_pets" and params["seg_model"] == "mnv2_dm05_513"
    assert params["seg_view"] == "colour_map" and params["seg_opacity"] == "0.35"
    shown = at.session_state["seg_sample"], at.selectbox(key="seg_model").value
    # ...and a fresh session opened on that link shows the same sample, model and settings.
    fresh = _seg(params)
    assert not fresh.exception, fresh.exception
    assert (fresh.selectbox(key="seg_sample").value, fresh.selectbox(key="seg_model").value) == shown
    assert fresh.radio(key="seg_view").value.name == "COLOUR_MAP"
    assert fresh.slider(key="seg_opacity").value == 0.35
    assert not fresh.warning
