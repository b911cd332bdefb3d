"""Sample results shared across sessions (issue 26): a page's first screen on a sample at default settings is
computed once per server process; a second session (a fresh AppTest: nothing shared but the process) shows the same
words and pictures without calling the model again. A visitor's upload is never shared."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components import shared_results
from components.catalog import ROOT
from components.image_input import Source
from tests.page.links import shown, widgets

pytestmark = pytest.mark.slow

STYLE = "pages/4_Style_Transfer.py"
VIDEO = "pages/6_Video_Classification.py"
INPAINT = "pages/2_Inpainting.py"


def _open(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=300).run()
    assert not at.exception, at.exception
    return at


def _media(at: AppTest) -> list[str]:
    """Pictures and videos shown: Streamlit names each media file by a hash of its bytes."""
    urls = [i.url for img in at.image for i in img.proto.imgs]
    return urls + [el.proto.url for el in at.get("video")]


@pytest.fixture
def fresh_store():
    """An empty shared-results store (the models stay loaded)."""
    shared_results._results.clear()
    yield
    shared_results._results.clear()


@pytest.mark.parametrize(
    ("path", "kind", "ready"),
    [
        (STYLE, "style", "Output "),
        (INPAINT, "inpaint", "Mask: "),
        (VIDEO, "video", "Timeline"),
    ],
)
def test_second_session_reuses_the_sample_result(shared_assets, fresh_store, path, kind, ready):
    before = shared_results.COMPUTED[kind]
    first = _open(path)
    assert any(t.startswith(ready) for t in shown(first)), shown(first)
    assert shared_results.COMPUTED[kind] == before + 1  # computed once, in the first session
    second = _open(path)
    assert shared_results.COMPUTED[kind] == before + 1  # the second session did not run the model
    assert shown(second) == shown(first)
    assert widgets(second) == widgets(first)
    assert _media(second) == _media(first) and _media(first)


def test_shared_copies_are_independent(fresh_store):
    """Each hit is a fresh copy: a session that changes its result changes nobody else's."""
    import numpy as np

    calls = []

    def compute():
        calls.append(1)
        return {"image": np.zeros((4, 4, 3), np.uint8), "timings": {"total": 1.0}}

    a = shared_results.shared(("unit", "sample"), compute)
    a["image"][:] = 255
    a["timings"]["x"] = 2.0
    b = shared_results.shared(("unit", "sample"), compute)
    assert len(calls) == 1 and not b["image"].any() and b["timings"] == {"total": 1.0}


def test_sessions_missing_the_same_key_at_once_compute_it_once(fresh_store):
    """Four sessions open the same sample at once: one computes, three wait for its result (and know it is shared)."""
    import threading
    import time

    calls, got, reused = [], [], []
    gate = threading.Barrier(4)

    def compute():
        calls.append(threading.get_ident())
        time.sleep(0.5)  # long enough for every other session to miss the key meanwhile
        return {"total": 500.0}

    def session():
        shared_results.new_run()
        gate.wait()
        got.append(shared_results.shared(("unit", "at-once"), compute))
        reused.append(shared_results.run_reused())

    threads = [threading.Thread(target=session) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and got == [{"total": 500.0}] * 4
    assert sorted(reused) == [False, True, True, True]  # only the computing session's timings are its own


def test_a_failed_computation_lets_the_waiting_session_compute(fresh_store):
    import threading
    import time

    calls = []

    def failing():
        calls.append("fail")
        time.sleep(0.3)
        raise RuntimeError("the first session's run was stopped")

    def working():
        calls.append("ok")
        return 42

    results = []
    first = threading.Thread(target=lambda: pytest.raises(RuntimeError, shared_results.shared, ("unit", "f"), failing))
    first.start()
    time.sleep(0.1)
    second = threading.Thread(target=lambda: results.append(shared_results.shared(("unit", "f"), working)))
    second.start()
    first.join(5)
    second.join(5)
    assert calls == ["fail", "ok"] and results == [42]
    assert shared_results._results()._flights == {}  # no lock left behind


def test_bounds_drop_the_least_recently_used():
    store = shared_results.SharedResults(max_entries=2, max_bytes=10_000)
    assert store.put("a", b"x" * 100) and store.put("b", b"y" * 100)
    assert store.get("a") is not None  # "a" is now the most recently used
    store.put("c", b"z" * 100)
    assert store.get("b") is None and store.get("a") is not None and len(store) == 2
    assert not store.put("huge", b"h" * 20_000) and store.get("huge") is None  # over the whole bound: not kept
    assert store.nbytes <= store.max_bytes


def test_uploaded_photo_is_never_shared(shared_assets, fresh_store, monkeypatch):
    """Two sessions upload the same bytes as the content image: the network stylizes twice (a counting wrapper
    around the real backend's ``stylize``), and nothing is kept in the shared store."""
    from components.backends import backend
    from models import style as sty
    from models.store import Store

    computed = shared_results.COMPUTED["style"]
    at = _open(STYLE)  # loads the network; the sample result is shared
    stored = len(shared_results._results())
    model = backend(sty.BACKENDS, sty.default_choice(Store().has))
    real = type(model).stylize
    calls: list[int] = []

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(model), "stylize", counting)
    photo = (shared_assets / "samples" / "grace_hopper.jpg").read_bytes()
    texts = []
    for _ in range(2):
        at = _open(STYLE)
        at.radio(key="style_content_source").set_value(Source.UPLOAD).run()
        at.file_uploader(key="style_content_upload").set_value(("mine.jpg", photo, "image/jpeg")).run()
        assert not at.exception, at.exception
        texts.append(shown(at))
    assert len(calls) == 2  # each session's upload went through the network
    assert texts[0] == texts[1] and any(t.startswith("Output ") for t in texts[0])
    assert len(shared_results._results()) == stored  # no entry for an upload
    assert shared_results.COMPUTED["style"] == computed + 1  # only the sample's first screen was computed through the store
