"""DCGAN digits links (issue 27): each view, and a restoration on screen, reopen the same in a fresh session."""

from __future__ import annotations

import pytest

from components.digits_view import View, weights_present
from tests.page.links import assert_same, link, open_link, shown

PAGE = "pages/3_Digit_GAN.py"
pytestmark = pytest.mark.skipif(not weights_present(), reason="the DCGAN weights are not in the repository")


def test_generate_link_round_trips():
    at = open_link(PAGE, {})
    at.selectbox(key="gan_digit").set_value(7)
    at.selectbox(key="gan_grid").set_value("4 × 4")
    at.number_input(key="gan_seed").set_value(123).run()
    at.slider(key="gan_psi").set_value(0.5).run()
    params = link(at)
    assert params["gan_view"] == "generate" and params["gan_seed"] == "123" and params["gan_psi"] == "0.5"
    assert_same(at, open_link(PAGE, params))


def test_interpolate_link_opens_the_interpolate_view():
    at = open_link(PAGE, {})
    at.radio(key="gan_view").set_value(View.INTERPOLATE).run()
    at.number_input(key="interp_a").set_value(10)
    at.selectbox(key="interp_to").set_value(1)
    at.slider(key="interp_steps").set_value(6).run()
    params = link(at)
    assert params["gan_view"] == "interpolate"
    fresh = open_link(PAGE, params)
    assert_same(at, fresh)
    assert fresh.radio(key="gan_view").value is View.INTERPOLATE
    assert any(t.startswith("Judge along the path") for t in shown(fresh))


def test_restore_link_reruns_the_restoration(shared_assets):
    at = open_link(PAGE, {"gan_view": "restore"})
    at.number_input(key="rest_index").set_value(3)
    at.selectbox(key="rest_hint").set_value(5)
    at.slider(key="rest_steps").set_value(50).run()
    assert "Error in the damage, DCGAN" not in [m.label for m in at.metric]  # not restored yet: no flag in the link
    assert "rest_done" not in link(at)
    at.button(key="rest_go").click().run()
    assert "Error in the damage, DCGAN" in [m.label for m in at.metric]
    params = link(at)
    assert params["gan_view"] == "restore" and params["rest_done"] == "1" and params["rest_steps"] == "50"
    fresh = open_link(PAGE, params)
    # Same restoration: same digit, damage, judge verdicts, errors and best digit, pictures equal.
    assert_same(at, fresh)
    # Changing an input drops the flag: the link no longer claims a restoration the page does not show.
    fresh.slider(key="rest_steps").set_value(100).run()
    assert "rest_done" not in link(fresh)
    assert "Inputs changed: press **Restore** again." in shown(fresh)


def test_restore_link_of_an_uploaded_digit_names_the_upload(shared_assets):
    fresh = open_link(PAGE, {"gan_view": "restore", "rest_source": "Upload an image", "rest_done": "1"})
    assert not fresh.exception
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The digit of this link was an upload, which cannot travel in a link: upload it again, or pick a held-out "
        "MNIST digit."]


def test_hand_edited_restore_values_are_dropped(shared_assets):
    fresh = open_link(PAGE, {"gan_view": "nonsense", "rest_steps": "75", "rest_hint": "11", "rest_done": "yes"})
    assert not fresh.exception
    assert fresh.radio(key="gan_view").value is View.GENERATE and "rest_done" not in link(fresh)
