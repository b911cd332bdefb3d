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
        self.nbytes = 0

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
    if hit is not None:
        return cast(T, hit)
    value = compute()
    COMPUTED[str(key[0])] += 1
    store.put(key, value)
    return value
