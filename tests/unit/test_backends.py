"""``models.backends.backend``: for every capability and every option row, the local backend in-process, and with
a model-server address the served client exactly for the rows that say ``served`` (every other row still local).

A stub HTTP server on 127.0.0.1 stands in for the model server and records every request: creating a served client
sends none, except the video client, which asks for its model's labels once.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from models import backends, serving
from models import digits as D
from models import faces as F
from models import segmentation as seg
from models import style as sty
from models import video as V
from models.segmentation.trained import TrainedSegmenter
from models.serving import wire
from models.store import ModelMissingError, Store

# The rows the model server runs today (deploy/ray/serve_config.yaml): the public behaviour this refactor keeps.
SERVED_ROWS = {
    "segmentation": {"deeplab_mnv2_513_quant", "deeplab_mnv2_dm05_513_quant", "deeplab_257_float"},
    "style": {"tflite_fp16", "tflite_int8"},
    "faces": {"dlib"},
    "video": {"movinet_a0_stream"},
    "digits": {"dcgan"},
}
LOCAL_TYPES: dict[str, tuple[type, ...]] = {
    "segmentation": (seg.Segmenter, TrainedSegmenter),
    "style": (sty.MagentaTFLite, sty.MagentaSavedModel),
    "faces": (F.FaceAnalyzer,),
    "video": (V.StreamClassifier, V.MovinetClassifier, V.FrameClassifier),
    "digits": (D.DigitGenerator,),
}
SERVED_TYPES: dict[str, type] = {
    "segmentation": seg.ServedSegmenter,
    "style": sty.ServedStyle,
    "faces": F.ServedFaceAnalyzer,
    "video": V.ServedStreamClassifier,
    "digits": D.ServedDigitGenerator,
}
LABELS = [f"action {i}" for i in range(600)]


class _Stub(BaseHTTPRequestHandler):
    requests: list[tuple[str, str]] = []

    def do_POST(self):
        type(self).requests.append(("POST", self.path))
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/video/labels":
            body = wire.pack({"labels": LABELS, "size": 172, "rate": 5.0, "fit": V.Fit.RESIZE.value})
            self.send_response(200)
            self.send_header("Content-Type", wire.CONTENT_TYPE)
        else:
            body = b'{"error": "not expected in this test"}'
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        type(self).requests.append(("GET", self.path))
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_server(monkeypatch):
    _Stub.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(serving.SERVE_ADDRESS_ENV, f"http://127.0.0.1:{server.server_address[1]}")
    yield _Stub.requests
    server.shutdown()
    server.server_close()


def _local_or_missing(capability: str, option: str, store: Store) -> str:
    """Build the row's backend: 'built' (and it is a local one) or 'missing' (its files are not in ``store``)."""
    try:
        b = backends.backend(capability, option, store)
    except ModelMissingError:
        return "missing"
    assert isinstance(b, LOCAL_TYPES[capability]), (capability, option, type(b))
    assert not isinstance(b, SERVED_TYPES[capability])
    return "built"


def test_every_capability_registers_its_pair_and_every_row_says_whether_it_is_served():
    table = backends.registered()
    assert list(table) == list(serving.CAPABILITIES)
    for name, entry in table.items():
        assert entry.capability == name
        rows = [backends.option_id(o) for o in entry.options()]
        assert rows and len(rows) == len(set(rows)), name
        assert {o for o in rows if entry.can_serve(o)} == SERVED_ROWS[name], name
    # The row's own field decides, nothing else.
    assert {backends.option_id(k) for k, s in seg.SPECS.items() if s.served} == SERVED_ROWS["segmentation"]
    assert {b.value for b, s in sty.SPECS.items() if s.served} == SERVED_ROWS["style"]
    assert {e.value for e, s in F.SPECS.items() if s.served} == SERVED_ROWS["faces"]
    assert {c.id for c in V.MODEL_CHOICES if c.served} == SERVED_ROWS["video"]
    assert {m.value for m, s in D.SPECS.items() if s.served} == SERVED_ROWS["digits"]


def test_in_process_every_row_gets_its_local_backend(monkeypatch, shared_assets):
    monkeypatch.delenv(serving.SERVE_ADDRESS_ENV, raising=False)
    store = Store(shared_assets)
    outcome = {}
    for name, entry in backends.registered().items():
        for option in entry.options():
            assert not backends.is_served(entry, option)
            outcome[name, backends.option_id(option)] = _local_or_missing(name, option, store)
    print({k: v for k, v in outcome.items()})
    # Every capability built at least its default in-process from the shared store (and the served rows all did).
    for name, rows in SERVED_ROWS.items():
        assert all(outcome[name, o] == "built" for o in rows), name


def test_with_an_address_exactly_the_served_rows_get_the_served_client(stub_server, tmp_path):
    store = Store(tmp_path)  # empty: a row built in-process here fails fast on its missing file, or needs none
    for name, entry in backends.registered().items():
        for option in entry.options():
            oid = backends.option_id(option)
            assert backends.is_served(name, option) == (oid in SERVED_ROWS[name])
            if oid in SERVED_ROWS[name]:
                b = backends.backend(entry, option, store)
                assert type(b) is SERVED_TYPES[name], (name, oid, type(b))
            else:
                _local_or_missing(name, option, store)
    # Creating served clients sent one request only: the video client's labels.
    assert stub_server == [("POST", "/video/labels")]
    video = backends.backend(V.BACKENDS, "movinet_a0_stream")
    assert video.labels == LABELS and video.size == 172 and video.fit is V.Fit.RESIZE


def test_served_clients_keep_the_rows_contract(stub_server):
    segmenter = backends.backend(seg.BACKENDS, seg.SegModel.MNV2_257_FLOAT)
    assert segmenter.spec is seg.SPECS[seg.SegModel.MNV2_257_FLOAT] and segmenter.labels == seg.VOC_CLASSES
    assert backends.backend(F.BACKENDS, F.Embedder.DLIB).spec is F.SPECS[F.Embedder.DLIB]
    assert backends.backend(sty.BACKENDS, sty.Backend.TFLITE_FP16).backend is sty.Backend.TFLITE_FP16
    gen = backends.backend(D.BACKENDS, D.DigitModel.DCGAN)
    assert gen.with_truncation(0.5).truncation == 0.5
    assert stub_server == []
    # A served client for a row that is not served is refused in words (the server would refuse it too).
    from models.serving.client import client_for

    client = client_for(serving.serve_address())
    for served, option in ((seg.ServedSegmenter, "deeplab_xception_frozen"), (sty.ServedStyle, "saved_model"),
                           (F.ServedFaceAnalyzer, "sface"), (V.ServedStreamClassifier, "movinet_a2")):
        with pytest.raises(ValueError, match="served"):
            served(client, option)
    assert stub_server == []


def test_unknown_capability_or_option(stub_server, monkeypatch):
    with pytest.raises(ValueError, match="unknown capability"):
        backends.backend("inpainting", "telea")
    for mode in ("served", "local"):
        if mode == "local":
            monkeypatch.delenv(serving.SERVE_ADDRESS_ENV)
        with pytest.raises(KeyError):
            backends.backend(seg.BACKENDS, "deeplab_nope")
        with pytest.raises(ValueError):
            backends.backend(sty.BACKENDS, "nope")
    assert stub_server == []


@pytest.fixture
def registered_row(empty_store: Path):
    """A tiny TFLite DeepLab added through the two documented hooks (as tests/page/test_one_row_adds_a_model.py)."""
    from models import registry
    from tests.page.test_one_row_adds_a_model import ENTRY, ROW, _mkdir
    from tests.unit.test_segmentation import build_tiny_classmap_tflite

    build_tiny_classmap_tflite(_mkdir(empty_store / ENTRY.path))
    registry.register(ENTRY)
    seg.register(ROW)
    yield ROW
    seg.unregister(ROW.entry_id)
    registry.unregister(ROW.entry_id)


def test_a_registered_row_is_local_only_unless_it_says_served(registered_row, stub_server, empty_store, monkeypatch):
    import dataclasses

    from tests.unit.test_segmentation import BLUE, blob_image, iou

    assert not registered_row.served  # the default: the model server's process never ran this register()
    rgb = blob_image(200, 240, 100, 120, 50, colour=(20, 20, 230))
    results = {}
    for mode in ("served", "local"):
        if mode == "local":
            monkeypatch.delenv(serving.SERVE_ADDRESS_ENV)
        assert not backends.is_served(seg.BACKENDS, registered_row.entry_id)
        b = backends.backend(seg.BACKENDS, registered_row.entry_id, Store(empty_store))
        assert type(b) is seg.Segmenter and b.spec is registered_row
        results[mode] = b.predict(rgb).class_map
        assert iou(results[mode] == BLUE, np.all(rgb == (20, 20, 230), axis=-1)) > 0.9
    assert np.array_equal(results["served"], results["local"])
    assert stub_server == []  # served mode never sent this row to the model server
    # A row that says served goes to the model server (which must then register the same row).
    seg.register(dataclasses.replace(registered_row, served=True))
    assert type(backends.backend(seg.BACKENDS, registered_row.entry_id)) is seg.Segmenter  # no address: local
    monkeypatch.setenv(serving.SERVE_ADDRESS_ENV, "http://127.0.0.1:9")
    assert type(backends.backend(seg.BACKENDS, registered_row.entry_id)) is seg.ServedSegmenter
