"""Segmentation links (issue 27): each mode's result, copied from the Share box, reopens the same in a fresh
session, or names the upload a link cannot carry."""

from __future__ import annotations

from models import segmentation as seg
from models.samples import SampleKind, samples
from tests.page.links import assert_same, link, open_link, pictures, shown, widgets

PAGE = "pages/1_Segmentation.py"
TWO_CLASSES = "skimage:astronaut.png"  # person and bottle found: a choice of classes to keep, show or remove


def _start(mode_word: str | None = None):
    at = open_link(PAGE, {})
    at.selectbox(key="seg_sample").set_value(next(s for s in samples(SampleKind.PHOTO) if s.id == TWO_CLASSES)).run()
    if mode_word:
        modes = at.radio(key="seg_mode").options
        at.radio(key="seg_mode").set_value(next(m for m in modes if mode_word in m)).run()
    assert not at.exception, at.exception
    return at


def test_segment_view_link_round_trips(shared_assets):
    at = _start()
    at.radio(key="seg_view").set_value(at.radio(key="seg_view").options[2]).run()
    at.slider(key="seg_opacity").set_value(0.35).run()
    boxes = [c for c in at.checkbox if c.key.startswith("seg_show_")]
    assert len(boxes) >= 2
    hidden = boxes[-1].key
    at.checkbox(key=hidden).uncheck().run()  # hide a class: the picture changes, so the link must carry it
    params = link(at)
    assert params[hidden] == "0" and params["seg_view"] == "side_by_side" and params["seg_opacity"] == "0.35"
    fresh = open_link(PAGE, params)
    assert_same(at, fresh)
    assert fresh.checkbox(key=hidden).value is False


def test_portrait_colour_link_round_trips(shared_assets):
    at = _start("Portrait")
    at.radio(key="seg_bg_mode").set_value(seg.BackgroundMode.COLOUR).run()
    at.color_picker(key="seg_colour").pick("#123abc").run()
    at.slider(key="seg_feather").set_value(14).run()
    keep = at.multiselect(key="seg_keep")
    assert keep.value == [15]  # the person
    keep.select(5).run()  # and the bottle
    params = link(at)
    assert params["seg_colour"] == "#123abc" and params["seg_feather"] == "14" and params["seg_keep"] == "15,5"
    fresh = open_link(PAGE, params)
    assert_same(at, fresh)
    assert "Portrait: person, bottle kept" in shown(fresh)


def test_portrait_with_an_uploaded_background_says_the_upload_cannot_travel(shared_assets):
    at = _start("Portrait")
    at.radio(key="seg_bg_mode").set_value(seg.BackgroundMode.IMAGE).run()
    data = (shared_assets / "samples" / "cat.jpg").read_bytes()
    at.file_uploader(key="seg_bg_upload").set_value(("beach.jpg", data, "image/jpeg")).run()
    assert not at.exception and "Portrait: person kept" in shown(at)
    params = link(at)
    assert params["seg_bg_mode"] == "image" and not any("upload" in k for k in params)
    fresh = open_link(PAGE, params)
    assert not fresh.exception
    said = [i.value for i in fresh.info if "cannot travel in a link" in i.value]
    assert said == ["The background image of this link was an upload, which cannot travel in a link: shown with a "
                    "blur background instead (upload one to use it)."]
    assert "Upload a background image to continue." not in shown(fresh)
    # The rest is the sender's result: same photo, class kept and feather; the background blurred, not the upload.
    assert "Portrait: person kept" in shown(fresh) and widgets(fresh) == widgets(at)
    assert pictures(fresh)[0] == pictures(at)[0] and pictures(fresh)[1] != pictures(at)[1]


def test_remove_object_link_round_trips(shared_assets):
    at = _start("Remove")
    at.selectbox(key="seg_remove_class").set_value(5).run()
    at.slider(key="seg_dilate").set_value(12).run()
    params = link(at)
    assert params["seg_remove_class"] == "5" and params["seg_dilate"] == "12" and params["seg_mode"] == "remove"
    fresh = open_link(PAGE, params)
    assert_same(at, fresh)
    assert any(t.startswith("Mask to fill: bottle grown by 12 px") for t in shown(fresh))


def test_uploaded_photo_link_names_the_upload(shared_assets):
    at = open_link(PAGE, {})
    at.radio(key="seg_source").set_value(at.radio(key="seg_source").options[1]).run()
    at.file_uploader(key="seg_upload").set_value(("me.jpg", (shared_assets / "samples" / "cat.jpg").read_bytes(),
                                                   "image/jpeg")).run()
    assert not at.exception and pictures(at)
    fresh = open_link(PAGE, link(at))
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The image of this link was an upload, which cannot travel in a link: upload it again, or choose a sample."]


def test_hand_edited_values_are_dropped(shared_assets):
    fresh = open_link(PAGE, {"seg_sample": TWO_CLASSES, "seg_mode": "portrait", "seg_keep": "15,999",
                             "seg_colour": "red", "seg_bg_mode": "colour", "seg_feather": "31"})
    assert not fresh.exception and not fresh.warning
    assert fresh.multiselect(key="seg_keep").value == [15]  # the person (the default): 999 is no class
    assert fresh.color_picker(key="seg_colour").value == "#2e7d32" and fresh.slider(key="seg_feather").value == 6
