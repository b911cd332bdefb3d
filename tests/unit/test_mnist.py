"""MNIST loading: IDX parsing, the 8k/2k split of the official test set, the npz preference, bad files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from models.digits import mnist
from models.store import ModelMissingError, Store


def write_idx(path, array: np.ndarray, compress: bool = True) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if compress else data)


def tiny_store(root, n=10_000, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    write_idx(root / "data/mnist/t10k-images-idx3-ubyte.gz", images)
    write_idx(root / "data/mnist/t10k-labels-idx1-ubyte.gz", labels)
    return images, labels


def test_read_idx_roundtrip_plain_and_gz(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", a)
    write_idx(tmp_path / "a.idx", a, compress=False)
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "a.gz"), a)
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "a.idx"), a)


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "junk.idx").write_bytes(b"\x12\x34\x08\x01" + b"\x00" * 8)
    with pytest.raises(mnist.IdxError, match="not an unsigned-byte"):
        mnist.read_idx(tmp_path / "junk.idx")
    a = np.zeros((4, 5), np.uint8)
    write_idx(tmp_path / "short.idx", a, compress=False)
    (tmp_path / "short.idx").write_bytes((tmp_path / "short.idx").read_bytes()[:-3])  # truncated body
    with pytest.raises(mnist.IdxError, match="expected 20 values, found 17"):
        mnist.read_idx(tmp_path / "short.idx")


def test_idx_split_is_first_8000_then_2000(tmp_path):
    images, labels = tiny_store(tmp_path)
    split = mnist.load(Store(tmp_path))
    assert split.source is mnist.Source.IDX_TEST_SPLIT
    assert (len(split.x_train), len(split.x_held)) == (8000, 2000)
    np.testing.assert_array_equal(split.x_train, images[:8000])
    np.testing.assert_array_equal(split.y_held, labels[8000:])
    assert "held out 2000" in split.describe()


def test_npz_preferred_when_present(tmp_path):
    tiny_store(tmp_path)
    rng = np.random.default_rng(1)
    xt, yt = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), rng.integers(0, 10, 30, dtype=np.uint8)
    np.savez(tmp_path / "data/mnist/mnist.npz", x_train=xt, y_train=yt, x_test=xt[:5], y_test=yt[:5])
    split = mnist.load(Store(tmp_path))
    assert split.source is mnist.Source.KERAS_NPZ
    assert len(split.x_train) == 30 and len(split.x_held) == 5
    assert mnist.load(Store(tmp_path), prefer_full=False).source is mnist.Source.IDX_TEST_SPLIT


def test_missing_data_names_the_fetch_command(empty_store):
    with pytest.raises(ModelMissingError) as exc:
        mnist.load()
    assert "python -m models.store fetch mnist_test_images" in str(exc.value)


def test_tanh_roundtrip():
    x = np.array([[0, 1, 127, 128, 254, 255]], np.uint8).repeat(28, 0)[None, :, :6]
    t = mnist.to_tanh(x)
    assert t.shape == (1, 28, 6, 1) and t.min() == -1.0 and t.max() == 1.0
    np.testing.assert_array_equal(mnist.from_tanh(t), x)


def test_real_mnist_test_set(shared_assets):
    split = mnist.load(Store(shared_assets), prefer_full=False)
    assert split.x_train.shape == (8000, 28, 28) and split.x_held.shape == (2000, 28, 28)
    counts = np.bincount(split.y_held, minlength=10)
    print("held-out class counts", counts.tolist())
    assert counts.min() > 150  # every digit is well represented in the held-out 2k
    assert 25 < split.x_train.mean() < 40  # MNIST's mean intensity is ~33/255
