"""Results of samples at default settings, computed once per server process and reused by every session.

A page's first screen shows what its models make of a sample (Style's first stylization, Video's sample-clip
analysis, Inpainting's examples). That result is the same for every visitor, so it is computed once per server
process and kept here; every other session gets a copy. A visitor's own upload (or camera photo, or painted
strokes) never comes here: pages call :func:`shared` only when the input is a sample, and the key names the sample
by its id, never by pixels a visitor sent.

    from components.shared_results import shared
    result = shared(("style", content_id, style_id, backend, strength, side), compute) if is_sample else compute()

``compute`` is the page's ordinary path (the heavy-job pool, progress bars and all), run in the session that
asks first; a hit skips it, so the page's text is the same either way (timings aside).

Bounds: at most :data:`MAX_ENTRIES` results and :data:`MAX_BYTES` bytes in all (``VISION_SHARED_RESULTS_MB``,
default 64 MB), least recently used dropped first; a result larger than the whole bound is not kept. Values are
stored pickled (that is what the byte bound counts) and each hit unpickles a fresh copy, so no session can change
what another one sees (arrays, dicts of timings). The store itself is one ``st.cache_resource`` object per server
process (cleared with Streamlit's caches). :data:`COMPUTED` counts, per kind (a key's first item), how many results
were computed through here: the page tests read it.

One computation per key: sessions that miss the same key at once wait for the first one's result instead of
computing it again (a per-key lock; a waiter computes itself only if the first one failed or was stopped, or after
:data:`WAIT_S`). :func:`run_reused` tells the timing badge whether this script run took a result another session
computed, so its timings are labelled as that computation's, not this visitor's wait (``page_setup`` starts each
run with :func:`new_run`).
"""

from __future__ import annotations

import os
import pickle
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

import streamlit as st

T = TypeVar("T")
MAX_ENTRIES = 24
BYTES_ENV = "VISION_SHARED_RESULTS_MB"
DEFAULT_MB = 64.0
COMPUTED: Counter[str] = Counter()  # results computed through shared(), per kind; hits do not count
WAIT_S = 300.0  # a session waits at most this long for another one computing the same key
_RUN = threading.local()  # per script thread: {key: True when this run's result for key was another session's}


def max_bytes() -> int:
    raw = os.environ.get(BYTES_ENV, "").strip()
    return int(float(raw) * 2**20) if raw else int(DEFAULT_MB * 2**20)


MAX_BYTES = max_bytes()


class SharedResults:
    """A bounded LRU of pickled results, safe across session threads."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Lock] = {}  # a lock per key being computed
        self.nbytes = 0

    def flight(self, key: Hashable) -> threading.Lock:
        """The lock a session holds while it computes ``key`` (the same object for every session meanwhile)."""
        with self._lock:
            return self._flights.setdefault(key, threading.Lock())

    def landed(self, key: Hashable) -> None:
        """The computation of ``key`` is over (kept or failed): later misses make a fresh lock."""
        with self._lock:
            self._flights.pop(key, None)

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            blob = self._items.get(key)
            if blob is None:
                return None
            self._items.move_to_end(key)
        return pickle.loads(blob)  # a fresh copy for this session

    def put(self, key: Hashable, value: Any) -> bool:
        """Keep ``value`` under ``key``; False when it alone is over the byte bound (then it is not kept)."""
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if len(blob) > self.max_bytes:
            return False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= len(old)
            self._items[key] = blob
            self.nbytes += len(blob)
            while len(self._items) > self.max_entries or self.nbytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self.nbytes -= len(dropped)
        return True

    def __len__(self) -> int:
        return len(self._items)


@st.cache_resource(show_spinner=False)
def _results() -> SharedResults:
    return SharedResults(MAX_ENTRIES, MAX_BYTES)


def shared(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """The result kept under ``key`` (sample id, settings, model choice; the first item names the kind), else
    ``compute()`` (run here, in this session), kept for every later session. Only for samples, never uploads."""
    store = _results()
    hit = store.get(key)
    if hit is None:
        flight = store.flight(key)
        holding = flight.acquire(timeout=WAIT_S)  # another session computing this key: wait for its result
        try:
            hit = store.get(key)
            if hit is None:
                _reused()[key] = False
                value = compute()  # an exception (or st.stop / a rerun) releases the lock: a waiter computes
                COMPUTED[str(key[0])] += 1
                store.put(key, value)
                return value
        finally:
            if holding:
                store.landed(key)
                flight.release()
    _reused()[key] = True
    return cast(T, hit)


def _reused() -> dict[Hashable, bool]:
    if not hasattr(_RUN, "keys"):
        _RUN.keys = {}
    return _RUN.keys


def new_run() -> None:
    """Forget the previous run's hits (called by ``components.page.page_setup`` at the start of every run)."""
    _RUN.keys = {}


def run_reused() -> bool:
    """True when a :func:`shared` call of this script run returned a result another session computed."""
    return any(_reused().values())
