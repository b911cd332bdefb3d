"""Inpainting links (issue 27): an example with its settings reopens the same; painted strokes, an uploaded mask
and a segmentation hand-off are named as what a link cannot carry."""

from __future__ import annotations

from models.inpainting import Method
from models.inpainting.examples import Example
from tests.page.links import assert_same, link, open_link
from tests.unit.test_inpainting import canvas_key, paint_it, stroke

PAGE = "pages/2_Inpainting.py"


def _draw(at):
    at.session_state[canvas_key(at)] = {"drawing": {"raw": {"objects": [stroke(100, 100, 300, 120)]}, "data": None},
                                        "backgroundFit": None}
    return at.run()


def test_example_link_round_trips():
    at = open_link(PAGE, {})
    at.radio(key="inpaint_example").set_value(Example.OBJECT).run()
    at.slider(key="inpaint_radius").set_value(7)
    at.slider(key="inpaint_dilation").set_value(5)
    at.toggle(key="inpaint_crop").set_value(False).run()
    other = next(m for m in Method if m is not at.radio(key="inpaint_compare").value)
    at.radio(key="inpaint_compare").set_value(other).run()
    params = link(at)
    assert params["inpaint_example"] == "object" and params["inpaint_radius"] == "7" and params["inpaint_crop"] == "0"
    assert params["inpaint_drawn"] == "0"
    fresh = open_link(PAGE, params)
    assert_same(at, fresh)
    assert at.session_state["inpaint_last_result"][0] == fresh.session_state["inpaint_last_result"][0]


def test_strokes_painted_on_an_example_are_named_as_missing():
    at = _draw(open_link(PAGE, {}))
    params = link(at)
    assert params["inpaint_drawn"] == "1"
    fresh = open_link(PAGE, params)
    assert not fresh.exception
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The strokes painted of this link were a drawing, which cannot travel in a link: the result below is "
        "without them."]
    assert link(fresh)["inpaint_drawn"] == "1"  # still missing: the fresh page's own link keeps saying so


def test_a_painted_mask_link_names_the_drawing():
    at = _draw(paint_it(open_link(PAGE, {})))
    assert not at.exception and any("Telea" in b.proto.label for b in at.get("download_button"))
    fresh = open_link(PAGE, link(at))
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The painted mask of this link was a drawing, which cannot travel in a link: paint it again below."]


def test_uploaded_mask_and_hand_off_links_name_what_is_missing():
    fresh = open_link(PAGE, {"inpaint_mask_source": "upload"})
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The mask of this link was an upload, which cannot travel in a link: upload it again, or paint one below."]
    fresh = open_link(PAGE, {"inpaint_mask_source": "handoff", "inpaint_example": "object"})
    assert not fresh.exception
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The mask of this link was handed over from Segmentation, which cannot travel in a link: open "
        "Segmentation's “Remove an object” to hand one over; here is the example."]
    assert fresh.radio(key="inpaint_mask_source").value.value == "Example" and link(fresh)["inpaint_example"] == "object"
