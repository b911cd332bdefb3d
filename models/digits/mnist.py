"""MNIST loading for the DCGAN and the digit judge, from the local model store.

Two sources, best first:
- ``mnist_npz`` (the Keras datasets file: 60k train + 10k test), when it is in the store or can be fetched;
- the official idx ``.gz`` test files (``mnist_test_images`` / ``mnist_test_labels``), 10k digits only.

With only the 10k test set available (offline here), a fixed split is used: the first 8,000 digits train,
the last 2,000 are held out (judge accuracy, restoration evaluation). The split is reported in ``source``
so training logs can say honestly what was used.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from models.errors import InputError
from models.store import Store, StoreError

TEST_ONLY_TRAIN = 8000  # first 8k of the official test set train; the remaining 2k are held out


class Source(str, Enum):
    """Where the MNIST digits came from (the value describes the split for logs and reports)."""

    KERAS_NPZ = "keras mnist.npz (60k train / 10k test)"
    IDX_TEST_SPLIT = "official 10k test set, idx gz: first 8,000 train / last 2,000 held out"


@dataclass(frozen=True)
class MnistSplit:
    """MNIST digits for training and a held-out part that training never sees."""

    x_train: np.ndarray  # (N, 28, 28) uint8
    y_train: np.ndarray  # (N,) uint8
    x_held: np.ndarray  # held-out digits: never used for training
    y_held: np.ndarray
    source: Source

    def describe(self) -> str:
        """One line for logs: the source and the number of train and held-out digits."""
        return f"{self.source.value}: train {len(self.x_train)}, held out {len(self.x_held)}"


class IdxError(InputError):
    """An MNIST idx file that is not what its name says (magic number, sizes)."""


def read_idx(path: Path | str) -> np.ndarray:
    """Read an IDX file (optionally gzip) into a uint8 array; checks magic number and size."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4:
        raise IdxError(f"{path.name}: too short for an IDX header")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:  # 0x08 = unsigned byte, the only type MNIST uses
        raise IdxError(f"{path.name}: not an unsigned-byte IDX file")
    dims = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise IdxError(f"{path.name}: expected {int(np.prod(dims))} values, found {body.size}")
    return body.reshape(dims)


def _load_npz(path: Path) -> MnistSplit:
    with np.load(path) as f:
        return MnistSplit(f["x_train"], f["y_train"], f["x_test"], f["y_test"], Source.KERAS_NPZ)


def load(store: Store | None = None, *, prefer_full: bool = True) -> MnistSplit:
    """The best MNIST split available (see module doc). Raises ModelMissingError if nothing is there."""
    store = store or Store()
    if prefer_full:
        try:
            return _load_npz(store.require("mnist_npz"))
        except StoreError:
            pass  # offline or unreachable: fall back to the local idx test set
    images = read_idx(store.require("mnist_test_images"))
    labels = read_idx(store.require("mnist_test_labels"))
    if len(images) != len(labels):
        raise IdxError("MNIST images and labels differ in count")
    n = TEST_ONLY_TRAIN
    return MnistSplit(images[:n], labels[:n], images[n:], labels[n:], Source.IDX_TEST_SPLIT)


def to_tanh(x: np.ndarray) -> np.ndarray:
    """uint8 (N,28,28) -> float32 (N,28,28,1) in [-1, 1], the generator's output range."""
    return (x.astype(np.float32)[..., None] / 127.5) - 1.0


def from_tanh(x: np.ndarray) -> np.ndarray:
    """Float in [-1, 1] (any trailing channel) -> uint8 (N,28,28)."""
    x = np.asarray(x)
    if x.ndim == 4:
        x = x[..., 0]
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)
