"""Per-session memory bound: large results kept in session state are released when a session goes idle.

Streamlit frees a session's state when the browser tab closes (after ``server.disconnectedSessionTTL``), but a
tab left open keeps its decoded clip, full-size results and Gatys state for as long as it stays open. Every
page run calls :func:`touch` (through ``components.page.page_setup``); a daemon thread, started once per
process, drops the groups of keys :func:`releasable` lists from sessions that ran no script for
``VISION_IDLE_RELEASE_S`` seconds (default 900). Each group is removed whole, so a page never finds half of
what it stored (e.g. the video's run key without its analysis) and simply recomputes on the next visit.

The groups are those the pages' settings declare (``Key(..., release="group")`` in ``components/<page>_settings.py``,
named by each page of components/catalog.py): a key is written there once, never copied here.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import threading
import time

from components.catalog import PAGES
from components.settings import PageSettings
from components.st_compat import session_id, session_states

IDLE_ENV = "VISION_IDLE_RELEASE_S"
DEFAULT_IDLE_S = 900.0
SWEEP_EVERY_S = 30.0


@functools.cache
def releasable() -> tuple[tuple[str, ...], ...]:
    """Groups of session-state keys that hold large arrays or bytes and can be recomputed: every page's settings'
    ``release`` groups (components/settings.py ``Key``). Read on the first sweep, not at import: the home page does
    not load every page's settings."""
    for page in PAGES:
        importlib.import_module(page.settings)
    return tuple(group for settings in PageSettings.pages() for group in settings.releasable())


_LOG = logging.getLogger(__name__)
_last_run: dict[str, float] = {}
_lock = threading.Lock()
_started = False


def idle_seconds() -> float:
    raw = os.environ.get(IDLE_ENV, "").strip()
    return float(raw) if raw else DEFAULT_IDLE_S


def touch() -> None:
    """Record that this session runs its script now; start the sweeper once per process."""
    sid = session_id()
    if sid is None:
        return
    with _lock:
        _last_run[sid] = time.monotonic()
    _start()


def release_idle(now: float | None = None, idle_s: float | None = None) -> int:
    """Drop the releasable keys of sessions idle for ``idle_s`` seconds; returns how many groups were dropped."""
    now = time.monotonic() if now is None else now
    idle_s = idle_seconds() if idle_s is None else idle_s
    with _lock:
        stale = [sid for sid, t in _last_run.items() if now - t >= idle_s]
    states = session_states(stale)
    if states is None:  # no runtime: nothing to release
        return 0
    released = 0
    for sid in stale:
        state = states.get(sid)
        if state is None:  # the session is gone: Streamlit freed its state
            with _lock:
                _last_run.pop(sid, None)
            continue
        for group in releasable():
            if any(k in state for k in group):
                for k in group:
                    if k in state:
                        del state[k]
                released += 1
        with _lock:
            _last_run.pop(sid, None)  # nothing left to release until it runs again
    if released:
        _LOG.info("released %d idle result group(s) from %d session(s)", released, len(stale))
    return released


def _sweep_forever() -> None:
    while True:
        time.sleep(min(SWEEP_EVERY_S, max(1.0, idle_seconds() / 4)))
        try:
            release_idle()
        except Exception:
            _LOG.exception("idle-session sweep failed")


def _start() -> None:
    global _started
    with _lock:
        if _started:
            return
        _started = True
    threading.Thread(target=_sweep_forever, name="idle-session-sweeper", daemon=True).start()
