"""MoViNet stream (TFLite, states in and out): a tiny self-built model of the same kind always, the real
A0 int8 model on the sample clips when the shared store has it; the page and CLI default to it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models import video as V

ROOT = Path(__file__).resolve().parents[2]
SIZE, CLASSES = 16, 600


@pytest.fixture(scope="session")
def tiny_stream_tflite(tmp_path_factory) -> Path:
    """A TFLite with MoViNet stream's signature kind: ``image`` [1,1,16,16,3] + states in, ``logits`` [1,600]
    + the same states out. Its logits are 10 × the running mean colour (R, G, B → classes 0, 1, 2) kept in
    ``*_pool_buffer`` / ``*_pool_frame_count`` states, plus 10 × the mean absolute change against the frame
    two calls back (class 3), held in a ``*_stream_buffer`` state, as MoViNet's causal convolutions do."""
    from models.runtime import tf

    tf_ = tf()

    class TinyStream(tf_.Module):
        @tf_.function(input_signature=[
            tf_.TensorSpec([1, 1, SIZE, SIZE, 3], tf_.float32, name="image"),
            tf_.TensorSpec([1, 2, SIZE, SIZE, 3], tf_.float32, name="state_b0_stream_buffer"),
            tf_.TensorSpec([1, 3], tf_.float32, name="state_head_pool_buffer"),
            tf_.TensorSpec([1], tf_.int32, name="state_head_pool_frame_count"),
        ])
        def serve(self, image, state_b0_stream_buffer, state_head_pool_buffer, state_head_pool_frame_count):
            colour = tf_.reduce_mean(image, axis=[1, 2, 3])  # [1,3]
            pool = state_head_pool_buffer + colour
            count = state_head_pool_frame_count + 1
            mean = pool / tf_.cast(count, tf_.float32)[:, None]
            motion = tf_.reduce_mean(tf_.abs(image[:, 0] - state_b0_stream_buffer[:, 0]))
            logits = tf_.concat([10.0 * mean, 10.0 * tf_.reshape(motion, [1, 1]), tf_.zeros([1, CLASSES - 4])], axis=1)
            buffer = tf_.concat([state_b0_stream_buffer[:, 1:], image], axis=1)
            return {"logits": logits, "state_b0_stream_buffer": buffer, "state_head_pool_buffer": pool,
                    "state_head_pool_frame_count": count}

    module = TinyStream()
    root = tmp_path_factory.mktemp("stream")
    tf_.saved_model.save(module, str(root / "sm"), signatures={"serving_default": module.serve})
    conv = tf_.lite.TFLiteConverter.from_saved_model(str(root / "sm"), signature_keys=["serving_default"])
    path = root / "tiny_stream.tflite"
    path.write_bytes(conv.convert())
    return path


LABELS = ["red", "green", "blue", "moving"] + [f"action {i}" for i in range(4, CLASSES)]


def tiny_classifier(path: Path) -> V.StreamClassifier:
    from models import runtime

    return V.StreamClassifier(runtime.load_tflite_signature(path), LABELS)


def colour_clip() -> V.DecodedVideo:
    """2 s red then 4 s blue at 10 fps."""
    frames = np.zeros((60, 24, 32, 3), np.uint8)
    frames[:20, ..., 0] = 255
    frames[20:, ..., 2] = 255
    return V.DecodedVideo.constant_rate(frames, 10.0)


def test_stream_classifier_carries_states_and_resets_pooling_per_segment(tiny_stream_tflite):
    clf = tiny_classifier(tiny_stream_tflite)
    assert clf.size == SIZE and set(clf.state_specs) == {
        "state_b0_stream_buffer", "state_head_pool_buffer", "state_head_pool_frame_count"}
    result = V.classify(colour_clip(), clf, V.Options(segment_seconds=2.0))
    # 5 frames a second, chosen by time: 30 instants, 10 per 2-s segment
    assert [len(r.frame_indices) for r in result.segments] == [10, 10, 10]
    assert result.segments[0].frame_indices.tolist() == list(range(0, 20, 2))
    # clip: the running mean over all 30 fed frames (10 red, 20 blue), softmaxed
    expected = V.softmax(np.r_[10 * np.array([1 / 3, 0, 2 / 3]), 0, np.zeros(CLASSES - 4)])
    print("tiny stream clip top-3:", result.top[:3])
    assert result.top[0][0] == "blue" and result.top[1][0] == "red"
    assert result.top[0][1] == pytest.approx(float(expected[2]), rel=1e-5)
    # timeline: pooling restarts per segment, so segment 2 is all blue (not the clip-so-far mix)
    assert [r.top(LABELS)[0] for r in result.segments] == ["red", "blue", "blue"]
    blue_alone = V.softmax(np.r_[0, 0, 10, 0, np.zeros(CLASSES - 4)])
    assert result.segments[1].probs[2] == pytest.approx(float(blue_alone[2]), rel=1e-4)
    # feeding the same frames one by one by hand gives the same clip logits (states really round-trip)
    states = clf.initial_states()
    for i in range(0, 60, 2):
        logits, states = clf.step(colour_clip().frames[i], states)
    assert np.allclose(V.softmax(logits), result.probs, atol=1e-6)
    assert int(states["state_head_pool_frame_count"][0]) == 30
    # a segment's first states: pooling restarted, the convolution buffer carried from the continuous pass
    seg = clf.segment_states(states)
    assert seg["state_b0_stream_buffer"] is states["state_b0_stream_buffer"]
    assert not seg["state_head_pool_buffer"].any() and not seg["state_head_pool_frame_count"].any()


def test_stream_sampling_is_by_time_not_frame_count(tiny_stream_tflite):
    """A 25-fps GIF and its every-frame feed: the stream model sees 5 frames per second either way."""
    clf = tiny_classifier(tiny_stream_tflite)
    frames = np.zeros((79, 16, 16, 3), np.uint8)
    v = V.DecodedVideo.constant_rate(frames, 25.0)  # 3.16 s
    result = V.classify(v, clf, V.Options(segment_seconds=2.0))
    used = np.concatenate([r.frame_indices for r in result.segments])
    assert len(used) == 16 and used.tolist() == [round(t * 25) for t in np.arange(16) / 5]


def test_stream_model_refuses_wrong_files(tiny_stream_tflite, tmp_path):
    from models import runtime

    model = runtime.load_tflite_signature(tiny_stream_tflite)
    with pytest.raises(ValueError, match="3 labels for a model with 600 outputs"):
        V.StreamClassifier(model, ["a", "b", "c"])
    with pytest.raises(ValueError, match="expected shape"):
        model(image=np.zeros((1, 1, 8, 8, 3), np.float32), **{k: np.zeros(s.shape, s.dtype) for k, s in
                                                               model.inputs.items() if k != "image"})


# --- the real MoViNet-A0 stream model -----------------------------------------------------------
REAL = {  # sample clip → the action it shows (Kinetics-600 names) and the least top-1 probability
    "arm_wrestling.mp4": ("arm wrestling", 0.9),
    "basketball.mp4": ("shooting basketball", 0.8),
    "cricket_shot_ucf101.gif": ("playing cricket", 0.5),
}


@pytest.fixture(scope="module")
def real_stream(request):
    shared = request.getfixturevalue("shared_assets")
    model = shared / "models/movinet/movinet_a0_stream_int8.tflite"
    if not model.is_file():
        pytest.skip(f"MoViNet-A0 stream model not in the shared store ({model} absent)")
    return V.load_classifier(V.CHOICE_BY_ID["movinet_a0_stream"], model,
                             shared / "models/kinetics/kinetics600_label_map.txt")


@pytest.mark.parametrize("clip", list(REAL))
def test_real_stream_model_recognises_the_sample_actions(real_stream, shared_assets, clip):
    path = shared_assets / "samples/video" / clip
    a = V.analyze(path.read_bytes(), clip, real_stream, annotated=clip.endswith(".gif"))
    print(f"\n{clip}: {a.info.duration:.2f} s; top-5: {[(label, round(p, 3)) for label, p in a.result.top]}")
    print("   timeline:", [(r.start_s, V.short_label(r.top(a.result.labels)[0])) for r in a.result.segments])
    action, least = REAL[clip]
    assert a.result.top[0][0] == action and a.result.top[0][1] >= least
    assert a.result.semantics is V.Semantics.ACTIONS
    if a.webm:  # the annotated copy is stamped with the action (band text drawn from the timeline)
        assert a.webm[:4] == b"\x1a\x45\xdf\xa3"


def test_cli_defaults_to_the_stream_model(shared_assets):
    if not (shared_assets / "models/movinet/movinet_a0_stream_int8.tflite").is_file():
        pytest.skip("MoViNet-A0 stream model not in the shared store")
    out = subprocess.run([sys.executable, "-m", "models.video", str(shared_assets / "samples/video/arm_wrestling.mp4")],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    print(out.stdout)
    assert out.returncode == 0 and "MoViNet-A0 stream" in out.stdout
    assert "arm wrestling" in out.stdout.split("Top-5 actions (Kinetics-600):")[1].splitlines()[1]


# --- the page --------------------------------------------------------------------------------------
PAGE = str(ROOT / "pages" / "6_Video_Classification.py")


def _app(**state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=180)
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def test_page_defaults_to_the_stream_model_on_the_sample(shared_assets):
    if not (shared_assets / "models/movinet/movinet_a0_stream_int8.tflite").is_file():
        pytest.skip("MoViNet-A0 stream model not in the shared store")
    at = _app()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="video_model").value.id == "movinet_a0_stream"
    assert at.subheader[0].value == "Top-5 actions (Kinetics-600)"
    labels = at.dataframe[0].value["Label"].tolist()
    print("page top-5 on the first sample:", labels)
    assert labels[0] == "arm wrestling"
    assert at.radio(key="video_source").value == "Sample clip"
    assert not [r for r in at.radio if r.key == "video_pooling"]  # nothing to pool for a MoViNet


def test_page_tiny_stream_model_from_a_store(tiny_stream_tflite, tmp_path, monkeypatch):
    root = tmp_path / "store"
    (root / "models/movinet").mkdir(parents=True)
    shutil.copy(tiny_stream_tflite, root / "models/movinet/movinet_a0_stream_int8.tflite")
    (root / "models/kinetics").mkdir(parents=True)
    (root / "models/kinetics/kinetics600_label_map.txt").write_text("\n".join(LABELS) + "\n")
    monkeypatch.setenv("VISION_STORE", str(root))
    from tests.unit.test_video import synthetic_frames, write_clip

    at = _app(video_source="Upload", video_annotated=False)
    assert at.selectbox(key="video_model").value.id == "movinet_a0_stream"
    frames = synthetic_frames(40, 64, 48)
    frames[:] = (20, 230, 20)  # 4 s of green
    at.file_uploader(key="video_upload").upload("green.avi", write_clip(tmp_path / "g.avi", frames, fourcc="MJPG"),
                                                "video/x-msvideo")
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.dataframe[0].value["Label"].iloc[0] == "green"
