"""TensorFlow runtime: lazy import, GPU set-up, device report, and one loader per model format.

TensorFlow is imported on first use only (``import tensorflow`` costs seconds), so modules that merely
describe models, and the home page, stay fast. Loaders return plain callables; caching across browser
sessions is the UI layer's job (``st.cache_resource``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tarfile
import threading
import time
from collections.abc import Callable, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import ModelFileError

LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"


def nvidia_present(
    proc_driver: Path = Path("/proc/driver/nvidia"), which: Callable[[str], str | None] = shutil.which
) -> bool:
    """Whether this host has an NVIDIA device: its kernel driver's /proc folder, or the ``nvidia-smi`` tool."""
    return proc_driver.exists() or which("nvidia-smi") is not None


def configure_tf_logging(environ: MutableMapping[str, str], nvidia: bool) -> str:
    """Set TensorFlow's C++ log level in ``environ`` (before TensorFlow is imported); returns the level in force.

    A value the operator set is kept. Otherwise 2 (info and warnings hidden) on a host with an NVIDIA device, 3 on
    one without: TensorFlow's CUDA build probes the driver when it sets devices up and logs "failed call to cuInit:
    … (303)" as an ERROR on every CPU-only host (a probe, not a fault). ``CUDA_VISIBLE_DEVICES=""`` does not stop
    that line (measured with TF 2.21), and this never touches it, so no GPU is ever hidden. Errors that matter still
    reach the visitor and the log as Python exceptions.
    """
    if LOG_LEVEL_ENV not in environ:
        environ[LOG_LEVEL_ENV] = "2" if nvidia else "3"
    return environ[LOG_LEVEL_ENV]


configure_tf_logging(os.environ, nvidia_present())

_tf_lock = threading.Lock()
_tf_module = None


def tf():
    """The tensorflow module, imported once; GPUs get memory growth before any op runs."""
    global _tf_module
    if _tf_module is None:
        with _tf_lock:
            if _tf_module is None:
                import tensorflow as _tf

                for gpu in _tf.config.list_physical_devices("GPU"):
                    # RuntimeError: already initialised by someone else; keep going
                    with contextlib.suppress(RuntimeError):
                        _tf.config.experimental.set_memory_growth(gpu, True)
                _tf_module = _tf
    return _tf_module


@dataclass(frozen=True)
class DeviceInfo:
    """The device TensorFlow runs on."""

    kind: str  # "GPU" or "CPU"
    name: str

    @property
    def label(self) -> str:
        """The device badge's text: "GPU: <name>" or "CPU: <name>"."""
        return f"{self.kind}: {self.name}"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} cores)"
    except OSError:
        pass
    return f"{os.cpu_count()} cores"


@cache
def device_info() -> DeviceInfo:
    """The device models run on. Uses TensorFlow's view once it is imported, else a cheap probe."""
    if _tf_module is not None:
        gpus = _tf_module.config.list_physical_devices("GPU")
        if gpus:
            details = _tf_module.config.experimental.get_device_details(gpus[0])
            return DeviceInfo("GPU", details.get("device_name", gpus[0].name))
        return DeviceInfo("CPU", _cpu_name())
    if shutil.which("nvidia-smi") and Path("/proc/driver/nvidia").exists():
        return DeviceInfo("GPU", "NVIDIA GPU (detected, TensorFlow not loaded yet)")
    return DeviceInfo("CPU", _cpu_name())


def has_gpu() -> bool:
    """Whether TensorFlow sees a GPU (imports TensorFlow)."""
    return bool(tf().config.list_physical_devices("GPU"))


@dataclass
class Timing:
    """The elapsed time of a :func:`timed` block."""

    seconds: float = 0.0

    @property
    def ms(self) -> float:
        """Elapsed milliseconds (so far, or of the finished block)."""
        return self.seconds * 1000.0


@contextmanager
def timed():
    """Time a block in milliseconds.

    Usage: ``with timed() as t: ...`` then ``t.ms``.
    """
    t = Timing()
    start = time.perf_counter()
    try:
        yield t
    finally:
        t.seconds = time.perf_counter() - start


# --- TFLite -------------------------------------------------------------------------------------
# TFLite models run through LiteRT (``ai-edge-litert``), the successor TensorFlow's own deprecation warning
# names; it needs no ``import tensorflow`` (seconds, ~0.5 GB). VISION_TFLITE_RUNTIME=tensorflow selects
# ``tf.lite.Interpreter`` instead (for comparison: bench/bench_litert.py).
TFLITE_RUNTIME_ENV = "VISION_TFLITE_RUNTIME"


def tflite_runtime() -> str:
    """'litert' when ai-edge-litert is installed and not overridden, else 'tensorflow'."""
    if os.environ.get(TFLITE_RUNTIME_ENV, "").lower() == "tensorflow":
        return "tensorflow"
    try:
        import ai_edge_litert.interpreter  # noqa: F401

        return "litert"
    except ImportError:
        return "tensorflow"


def _interpreter(path: Path, num_threads: int | None) -> Any:
    if tflite_runtime() == "litert":
        from ai_edge_litert.interpreter import Interpreter

        return Interpreter(model_path=str(path), num_threads=num_threads or os.cpu_count())
    return tf().lite.Interpreter(model_path=str(path), num_threads=num_threads or os.cpu_count())


@dataclass(frozen=True)
class TensorSpec:
    """A TFLite input or output: name, shape, dtype and quantisation (real = scale · (q - zero_point))."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    scale: float
    zero_point: int


class TFLiteModel:
    """A TFLite interpreter behind a lock: one interpreter is not safe across browser-session threads."""

    def __init__(self, path: Path | str, num_threads: int | None = None):
        self.path = Path(path)
        try:
            self._interpreter = _interpreter(self.path, num_threads)
            self._interpreter.allocate_tensors()
        except ValueError as exc:  # not a flatbuffer, or ops this runtime lacks
            raise ModelFileError(f"{self.path.name} is not a TFLite model this runtime can run ({exc})") from exc
        self._lock = threading.Lock()
        self.inputs = [self._spec(d) for d in self._interpreter.get_input_details()]
        self.outputs = [self._spec(d) for d in self._interpreter.get_output_details()]
        self._in_index = [d["index"] for d in self._interpreter.get_input_details()]
        self._out_index = [d["index"] for d in self._interpreter.get_output_details()]

    @staticmethod
    def _spec(d: dict) -> TensorSpec:
        scale, zero = d.get("quantization", (0.0, 0))
        return TensorSpec(d["name"], tuple(int(x) for x in d["shape"]), np.dtype(d["dtype"]), float(scale), int(zero))

    def __call__(self, *arrays: np.ndarray) -> list[np.ndarray]:
        """Run the model on one array per input (shapes as in :attr:`inputs`); returns one array per output.

        Raises ValueError for a wrong number of arrays or a wrong shape.
        """
        if len(arrays) != len(self.inputs):
            raise ValueError(f"{self.path.name} takes {len(self.inputs)} inputs, got {len(arrays)}")
        with self._lock:
            for idx, spec, arr in zip(self._in_index, self.inputs, arrays, strict=True):
                arr = np.asarray(arr)
                if tuple(arr.shape) != spec.shape:
                    raise ValueError(f"input {spec.name}: expected shape {spec.shape}, got {arr.shape}")
                self._interpreter.set_tensor(idx, arr.astype(spec.dtype, copy=False))
            self._interpreter.invoke()
            return [self._interpreter.get_tensor(i).copy() for i in self._out_index]


def load_tflite(path: Path | str, num_threads: int | None = None) -> TFLiteModel:
    """A thread-safe :class:`TFLiteModel` for a .tflite file; raises ``ModelFileError`` when it cannot run it."""
    return TFLiteModel(path, num_threads)


class TFLiteSignatureModel:
    """A TFLite model called through one named signature.

    A TFLite model called through a named signature (e.g. MoViNet stream: image + 43 states in, logits +
    43 states out): ``model(**arrays) -> {output name: array}``. Locked like :class:`TFLiteModel`.

    ``inputs`` / ``outputs`` map tensor names to :class:`TensorSpec` (shape, dtype, quantisation).
    Raises ValueError when the file has no such signature, or on a wrong input name or shape.
    """

    def __init__(self, path: Path | str, signature: str = "serving_default", num_threads: int | None = None):
        self.path = Path(path)
        interpreter = _interpreter(self.path, num_threads)
        if signature not in interpreter.get_signature_list():
            raise ModelFileError(f"{self.path.name} has no '{signature}' signature")
        self._runner = interpreter.get_signature_runner(signature)
        self._interpreter = interpreter  # the runner needs it alive
        self._lock = threading.Lock()
        self.inputs = {k: TFLiteModel._spec({**d, "name": k}) for k, d in self._runner.get_input_details().items()}
        self.outputs = {k: TFLiteModel._spec({**d, "name": k}) for k, d in self._runner.get_output_details().items()}

    def __call__(self, **arrays: np.ndarray) -> dict[str, np.ndarray]:
        """Run the signature on one array per named input; returns ``{output name: array}``.

        Raises ValueError for missing or extra names or a wrong shape.
        """
        if set(arrays) != set(self.inputs):
            raise ValueError(f"{self.path.name} takes inputs {sorted(self.inputs)}, got {sorted(arrays)}")
        feed = {}
        for name, arr in arrays.items():
            spec = self.inputs[name]
            if tuple(np.shape(arr)) != spec.shape:
                raise ValueError(f"input {name}: expected shape {spec.shape}, got {np.shape(arr)}")
            feed[name] = np.asarray(arr).astype(spec.dtype, copy=False)
        with self._lock:
            out = self._runner(**feed)
            return {k: np.array(v, copy=True) for k, v in out.items()}


def load_tflite_signature(
    path: Path | str, signature: str = "serving_default", num_threads: int | None = None
) -> TFLiteSignatureModel:
    """A .tflite file called through one of its signatures (named inputs and outputs, e.g. MoViNet's states).

    Raises ``ModelFileError`` when the file or the signature is not usable.
    """
    return TFLiteSignatureModel(path, signature, num_threads)


# --- SavedModel (TF Hub format) -----------------------------------------------------------------
def load_saved_model(path: Path | str) -> Any:
    """``hub.load`` of a local SavedModel directory (TF Hub / Kaggle tarballs unpack to one)."""
    tf()  # GPU set-up first
    import tensorflow_hub as hub

    return hub.load(str(path))


# --- TF1 frozen graph ---------------------------------------------------------------------------
class FrozenGraphModel:
    """A TF1 frozen GraphDef wrapped as a TF2 concrete function: ``model(x) -> list of outputs``."""

    def __init__(self, graph_def: Any, inputs: Sequence[str], outputs: Sequence[str]):
        _tf = tf()

        def _import():
            _tf.compat.v1.import_graph_def(graph_def, name="")

        wrapped = _tf.compat.v1.wrap_function(_import, [])
        graph = wrapped.graph
        self.input_names = list(inputs)
        self.output_names = list(outputs)
        self._fn = wrapped.prune(
            [graph.get_tensor_by_name(n) for n in inputs], [graph.get_tensor_by_name(n) for n in outputs]
        )

    def __call__(self, *arrays: np.ndarray) -> list[np.ndarray]:
        """Run the graph on ``arrays`` (one per input tensor); returns one NumPy array per output tensor."""
        result = self._fn(*[tf().convert_to_tensor(a) for a in arrays])
        return [r.numpy() for r in result]


FROZEN_GRAPH_MEMBER = "frozen_inference_graph.pb"


def read_frozen_graph_def(path: Path | str, member_suffix: str = FROZEN_GRAPH_MEMBER) -> Any:
    """GraphDef from a ``.pb`` file or from the first tarball member ending in ``member_suffix``."""
    path = Path(path)
    _tf = tf()
    if tarfile.is_tarfile(path):
        with tarfile.open(path, "r:*") as tar:
            member = next((m for m in tar.getmembers() if m.isfile() and m.name.endswith(member_suffix)), None)
            if member is None:
                raise ModelFileError(f"{path.name} holds no file ending in {member_suffix}")
            stream = tar.extractfile(member)
            if stream is None:
                raise ModelFileError(f"{path.name}: {member.name} cannot be read")
            data = stream.read()
    else:
        data = path.read_bytes()
    graph_def = _tf.compat.v1.GraphDef()
    graph_def.ParseFromString(data)
    return graph_def


def load_frozen_graph(
    path: Path | str, inputs: Sequence[str], outputs: Sequence[str], member_suffix: str = FROZEN_GRAPH_MEMBER
) -> FrozenGraphModel:
    """A TF1 frozen graph as a callable on named tensors.

    A TF1 frozen graph (.pb or tensorflow.org tarball) as a callable ``model(*inputs) -> [outputs]`` on the named
    tensors; raises ``ModelFileError`` when the tarball holds no graph.
    """
    return FrozenGraphModel(read_frozen_graph_def(path, member_suffix), inputs, outputs)


def read_labels(path: Path | str, limit: int | None = None) -> list[str]:
    """Class names, one per line, stripped.

    The first ``limit`` lines as they are (blanks kept as ''), or every non-blank line when ``limit`` is None.
    """
    lines = [ln.strip() for ln in Path(path).read_text(encoding="utf-8").splitlines()]
    if limit is not None:
        return lines[:limit]
    return [ln for ln in lines if ln]
