"""Loaders for each format, on tiny models the test builds and on the real TFLite files when present."""

from __future__ import annotations

import io
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from models import runtime
from models.imaging import fit_within, read_image
from models.runtime import device_info, load_frozen_graph, load_saved_model, load_tflite, read_labels, tf, timed


def _tiny_tflite(path: Path) -> Path:
    _tf = tf()

    @_tf.function(input_signature=[_tf.TensorSpec([1, 4, 4, 3], _tf.float32)])
    def double_plus_one(x):
        return {"y": x * 2.0 + 1.0}

    conv = _tf.lite.TFLiteConverter.from_concrete_functions([double_plus_one.get_concrete_function()], double_plus_one)
    path.write_bytes(conv.convert())
    return path


def test_tflite_loader_runs_a_tiny_model_and_is_thread_safe(tmp_path):
    model = load_tflite(_tiny_tflite(tmp_path / "tiny.tflite"))
    assert model.inputs[0].shape == (1, 4, 4, 3) and model.outputs[0].shape == (1, 4, 4, 3)
    x = np.arange(48, dtype=np.float32).reshape(1, 4, 4, 3)
    np.testing.assert_allclose(model(x)[0], x * 2 + 1)
    with pytest.raises(ValueError, match="expected shape"):
        model(np.zeros((1, 5, 5, 3), np.float32))

    # Many threads share one interpreter (as browser sessions do): each must get its own answer.
    errors = []

    def worker(k: float):
        for _ in range(50):
            out = model(np.full((1, 4, 4, 3), k, np.float32))[0]
            if not np.allclose(out, 2 * k + 1):
                errors.append(k)

    threads = [threading.Thread(target=worker, args=(float(k),)) for k in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []


def test_saved_model_loader_uses_hub_load_on_a_tiny_model(tmp_path):
    _tf = tf()

    class Scale(_tf.Module):
        def __init__(self):
            super().__init__()
            self.w = _tf.Variable(3.0)

        @_tf.function(input_signature=[_tf.TensorSpec([None, 2], _tf.float32)])
        def __call__(self, x):
            return x * self.w

    _tf.saved_model.save(Scale(), str(tmp_path / "sm"))
    model = load_saved_model(tmp_path / "sm")
    out = model(_tf.constant([[1.0, 2.0]])).numpy()
    np.testing.assert_allclose(out, [[3.0, 6.0]])


def _frozen_graph_tarball(path: Path) -> Path:
    """Same tensor names and tarball layout as tensorflow.org's DeepLab releases."""
    _tf = tf()
    graph = _tf.Graph()
    with graph.as_default():
        image = _tf.compat.v1.placeholder(_tf.uint8, [1, None, None, 3], name="ImageTensor")
        # "class" = 1 where red > 128, like a one-class segmenter.
        pred = _tf.cast(image[..., 0] > 128, _tf.int64)
        _tf.identity(pred, name="SemanticPredictions")
    data = graph.as_graph_def().SerializeToString()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("deeplabv3_tiny_pascal/frozen_inference_graph.pb")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        ckpt = tarfile.TarInfo("deeplabv3_tiny_pascal/model.ckpt.index")
        ckpt.size = 3
        tar.addfile(ckpt, io.BytesIO(b"abc"))
    return path


def test_frozen_graph_loader_reads_the_tarball_layout(tmp_path):
    tarball = _frozen_graph_tarball(tmp_path / "deeplab_tiny.tar.gz")
    model = load_frozen_graph(tarball, ["ImageTensor:0"], ["SemanticPredictions:0"])
    image = np.zeros((1, 6, 9, 3), np.uint8)
    image[0, 2:4, 3:7, 0] = 200
    (pred,) = model(image)
    assert pred.shape == (1, 6, 9) and pred.sum() == 8 and pred[0, 2:4, 3:7].all()
    # A different size runs too (DeepLab graphs take any size).
    assert model(np.zeros((1, 11, 5, 3), np.uint8))[0].shape == (1, 11, 5)


def test_frozen_graph_loader_names_a_bad_tarball(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        info = tarfile.TarInfo("x/readme.txt")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(ValueError, match="frozen_inference_graph.pb"):
        load_frozen_graph(bad, ["ImageTensor:0"], ["SemanticPredictions:0"])


def test_every_real_tflite_file_loads_and_runs(shared_assets):
    from models.registry import ENTRIES, Format

    files = [shared_assets / e.path for e in ENTRIES if e.format is Format.TFLITE]
    assert len(files) == 8 and all(f.is_file() for f in files)
    for f in files:
        model = load_tflite(f)
        arrays = [np.zeros(s.shape, s.dtype) for s in model.inputs]
        outs = model(*arrays)
        assert [o.shape for o in outs] == [s.shape for s in model.outputs], f.name


def test_real_mobilenet_recognises_the_cat(shared_assets):
    model = load_tflite(shared_assets / "models/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite")
    labels = read_labels(shared_assets / "models/mobilenet_v2/imagenet_labels.txt")
    from PIL import Image

    rgb = np.asarray(Image.fromarray(read_image(shared_assets / "samples/cat.jpg").rgb).resize((224, 224)))
    scores = model(rgb[None])[0][0]
    assert len(labels) == 1001 and scores.shape == (1001,)
    top = [labels[i] for i in np.argsort(scores)[::-1][:3]]
    assert any("cat" in t.lower() for t in top), top


def test_device_and_timing_helpers():
    info = device_info()
    assert info.kind in ("CPU", "GPU") and info.name
    with timed() as t:
        sum(range(10000))
    assert t.ms > 0
    assert runtime.has_gpu() in (True, False)


def test_fit_within_keeps_aspect_and_never_upscales():
    img = np.zeros((300, 1200, 3), np.uint8)
    assert fit_within(img, 600).shape == (150, 600, 3)
    assert fit_within(img, 5000).shape == img.shape


NO_TF = """
import sys, numpy as np
from models import runtime
m = runtime.load_tflite(sys.argv[1])
out = m(*[np.zeros(s.shape, s.dtype) for s in m.inputs])
print(runtime.tflite_runtime(), "tensorflow" in sys.modules, out[0].shape)
"""


def test_tflite_runs_through_litert_without_importing_tensorflow(tmp_path):
    import subprocess
    import sys

    from models.runtime import tf

    tf_ = tf()

    @tf_.function(input_signature=[tf_.TensorSpec([1, 4], tf_.float32)])
    def double(x):
        return 2.0 * x

    path = tmp_path / "double.tflite"
    path.write_bytes(tf_.lite.TFLiteConverter.from_concrete_functions([double.get_concrete_function()], double).convert())
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", NO_TF, str(path)], cwd=root, capture_output=True, text=True, timeout=120)
    print(out.stdout, out.stderr[-500:])
    assert out.stdout.split() == ["litert", "False", "(1,", "4)"]
