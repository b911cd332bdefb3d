"""Face similarity links (issue 27): verify and compare-many (each clustering method) reopen the same result."""

from __future__ import annotations

import pytest

from models import faces as F
from models.samples import SampleKind, samples
from tests.page.links import assert_same, link, open_link, shown

PAGE = "pages/5_Face_Similarity.py"


def test_verify_link_round_trips(shared_assets):
    at = open_link(PAGE, {})
    at.toggle(key="face_b_copy").set_value(True).run()
    at.slider(key="face_threshold_dlib_euclidean").set_value(0.3).run()  # below the copy's distance: "different"
    params = link(at)
    assert params["face_b_copy"] == "1" and params["face_threshold_dlib_euclidean"] == "0.3"
    fresh = open_link(PAGE, params)
    assert_same(at, fresh)
    assert any("Different people" in t for t in shown(fresh))


def test_verify_link_keeps_the_face_picked_in_a_group_photo(shared_assets):
    at = open_link(PAGE, {"face_a_sample": "photo_face"})  # four faces: a picker
    at.selectbox(key="face_a_which").set_value(2).run()
    params = link(at)
    assert params["face_a_which"] == "2"
    assert_same(at, open_link(PAGE, params))


@pytest.mark.parametrize("method", list(F.ClusterMethod))
def test_compare_many_link_keeps_the_clustering(method, shared_assets):
    at = open_link(PAGE, {"face_mode": "many"})
    at.selectbox(key="many_method").set_value(method).run()
    if method is F.ClusterMethod.KMEANS:
        at.number_input(key="many_k").set_value(3).run()
    at.toggle(key="many_copies").set_value(False).run()
    at.multiselect(key="many_samples").unselect(next(s for s in samples(SampleKind.PHOTO) if s.id == "photo_squat"))
    at.run()
    params = link(at)
    assert params["many_method"] == method.name.lower() and params["many_copies"] == "0"
    assert "photo_squat" not in params["many_samples"]
    fresh = open_link(PAGE, params)
    assert_same(at, fresh)
    assert fresh.session_state["many_people"] == at.session_state["many_people"]
    if method is F.ClusterMethod.KMEANS:
        assert "3 people" in shown(fresh)


def test_uploaded_photos_link_names_the_uploads(shared_assets):
    fresh = open_link(PAGE, {"face_mode": "many", "many_source": "Upload"})
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The photos of this link were uploads, which cannot travel in a link: upload them again, or choose samples."]


def test_hand_edited_face_values_are_dropped(shared_assets):
    fresh = open_link(PAGE, {"face_mode": "many", "many_method": "kmeans", "many_k": "41", "many_samples": "nope",
                             "face_threshold_dlib_euclidean": "7"})
    assert not fresh.exception
    assert fresh.number_input(key="many_k").value >= 1 and len(fresh.multiselect(key="many_samples").value) == 4
