"""What the admin page shows and visitors never see: timing breakdowns and why a model could not be had.

Pages report here (through ``components.status.timing_badge`` and ``require_model``); the records live in this
process only (a bounded ring per kind), newest first on ``pages/9_Admin.py``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

LOG = logging.getLogger("vision.diagnostics")
_LOCK = threading.Lock()
_TIMINGS: deque[Timing] = deque(maxlen=300)
_MISSING: deque[Missing] = deque(maxlen=100)


@dataclass(frozen=True)
class Timing:
    at: float  # time.time()
    page: str
    parts_ms: dict[str, float]
    run: str = ""  # the page run that recorded it (components.page.page_setup's token): its whole-run time joins it


@dataclass(frozen=True)
class Missing:
    at: float
    page: str
    entry_id: str
    reason: str


def current_page() -> str:
    try:
        import streamlit as st

        return str(st.session_state.get("_vision_page", "?"))
    except Exception:
        return "?"


def _current_run() -> str:
    try:
        import streamlit as st

        return str(st.session_state.get("_vision_run", ""))
    except Exception:
        return ""


def record_timing(parts_ms: dict[str, float], page: str | None = None) -> None:
    with _LOCK:
        _TIMINGS.appendleft(Timing(time.time(), page or current_page(), dict(parts_ms), _current_run()))


def record_run(run: str, page: str, parts_ms: dict[str, float]) -> None:
    """Add ``parts_ms`` (the whole-run time) to the record this page run made, or record them alone when the run
    recorded nothing (a page that stopped early, a rerun that computed nothing)."""
    with _LOCK:
        for i, t in enumerate(_TIMINGS):
            if run and t.run == run:
                _TIMINGS[i] = Timing(t.at, t.page, {**t.parts_ms, **parts_ms}, run)
                return
        _TIMINGS.appendleft(Timing(time.time(), page, dict(parts_ms), run))


def record_missing(entry_id: str, reason: str = "", page: str | None = None) -> None:
    LOG.warning("model %s unavailable on %s: %s", entry_id, page or current_page(), reason or "not in the store")
    with _LOCK:
        _MISSING.appendleft(Missing(time.time(), page or current_page(), entry_id, reason))


def timings() -> list[Timing]:
    with _LOCK:
        return list(_TIMINGS)


def missing() -> list[Missing]:
    with _LOCK:
        return list(_MISSING)
