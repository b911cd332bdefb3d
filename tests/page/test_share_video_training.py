"""Video and Train-a-segmenter links (issue 27): the clip, model and settings reopen the same analysis; an
uploaded clip or labelled set, and a model trained in the sender's session, are named as not in the link."""

from __future__ import annotations

import pytest

from models.samples import SampleKind, samples
from tests.page.links import assert_same, link, open_link

VIDEO = "pages/6_Video_Classification.py"
TRAIN = "pages/7_Train_segmenter.py"


def test_video_link_round_trips(shared_assets):
    if not samples(SampleKind.CLIP):
        pytest.skip("no sample clip in the store")
    at = open_link(VIDEO, {})
    at.slider(key="video_segment").set_value(3.0)
    at.checkbox(key="video_annotated").uncheck().run()
    params = link(at)
    assert params["video_annotated"] == "0" and params["video_segment"] == "3" and params["video_source"] and params["video_sample"]
    fresh = open_link(VIDEO, params)
    assert_same(at, fresh, images=False)  # the frame strip is the same clip; its files are named per run
    assert fresh.session_state["video_run_key"][2:] == at.session_state["video_run_key"][2:]


def test_uploaded_clip_link_names_the_upload(shared_assets):
    fresh = open_link(VIDEO, {"video_source": "Upload"})
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The clip of this link was an upload, which cannot travel in a link: upload it again, or pick a sample."]


def test_training_link_round_trips_the_set_and_settings(shared_assets):
    at = open_link(TRAIN, {})
    if len(at.radio(key="segtrain_source").options) < 2:
        pytest.skip("no CamVid sample set in the store")
    at.radio(key="segtrain_source").set_value("Use the CamVid sample set").run()
    at.radio(key="segtrain_arch").set_value("deeplabv3plus")
    at.radio(key="segtrain_length").set_value("Medium").run()
    params = link(at)
    assert params["segtrain_source"] == "Use the CamVid sample set" and params["segtrain_trained"] == "0"
    assert params["segtrain_arch"] == "deeplabv3plus" and params["segtrain_length"] == "Medium"
    assert_same(at, open_link(TRAIN, params))


def test_training_link_of_a_trained_model_says_it_is_not_retrained(shared_assets):
    fresh = open_link(TRAIN, {"segtrain_source": "Use the CamVid sample set", "segtrain_trained": "1"})
    assert not fresh.exception
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The trained model of this link was trained in its sender's session, which cannot travel in a link: press "
        "**Train** to train it again on the same set and settings."]
    fresh = open_link(TRAIN, {"segtrain_source": "Upload a zip"})
    assert [i.value for i in fresh.info if "travel" in i.value] == [
        "The labelled set of this link was an upload, which cannot travel in a link: upload it again, or use the "
        "CamVid sample set."]
