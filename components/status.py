"""Device badge, timings (recorded for the admin page), and model fetching with a one-sentence fallback."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from components import diagnostics, shared_results
from components.feedback import not_installed
from models.registry import Entry, get
from models.runtime import device_info
from models.store import ModelMissingError, Store


def device_badge() -> None:
    d = device_info()
    st.caption(f"{'🟢' if d.kind == 'GPU' else '🖥️'} Running on **{d.label}**")


def timing_badge(timings_ms: dict[str, float], *, reused: bool | None = None) -> None:
    """Record a timing breakdown, e.g. ``{"model": 212.0, "total": 260.3}``, for the admin page.

    Visitors are not shown developer timings; the admin / diagnostics page lists them per page. An operator
    setting, ``VISION_SHOW_TIMINGS=1`` (off in production), also shows them on the page as a ⏱️ caption: what
    ``bench/load.py`` reads as the app's own time next to what the visitor waited. ``reused`` (default: whether this
    run took a shared result, ``components.shared_results.run_reused``): the result was computed by another session,
    so the times are recorded and shown as that computation's ("shared result, computed earlier: …"), and this
    run's own cost as ``shared hit`` 0 ms.
    """
    if reused is None:
        reused = shared_results.run_reused()
    if reused:
        diagnostics.record_timing({"shared hit": 0.0, **{f"{k} (earlier)": v for k, v in timings_ms.items()}})
    else:
        diagnostics.record_timing(timings_ms)
    if os.environ.get("VISION_SHOW_TIMINGS") == "1":
        parts = " · ".join(f"{name} **{ms:,.0f} ms**" for name, ms in timings_ms.items())
        st.caption(f"⏱️ shared result, computed earlier: {parts}" if reused else f"⏱️ {parts}")


def model_unavailable(exc: ModelMissingError) -> None:
    """One plain sentence for the visitor; the path, command and reason go to the log and the admin page."""
    diagnostics.record_missing(exc.entry.id, exc.reason)
    not_installed(exc.entry.title)


def require_model(entry: Entry | str) -> Path | None:
    """Path of a store entry, downloading it with a progress bar if allowed; None (one sentence shown) if not."""
    entry = get(entry) if isinstance(entry, str) else entry
    store = Store()
    if store.has(entry):
        return store.path(entry)
    bar = st.progress(0.0, text=f"Downloading {entry.title}…")

    def progress(done: int, total: int | None) -> None:
        frac = min(1.0, done / total) if total else 0.0
        bar.progress(frac, text=f"Downloading {entry.title}: {done / 1e6:.1f} MB")

    try:
        path = store.require(entry, progress=progress)
    except ModelMissingError as exc:
        bar.empty()
        model_unavailable(exc)
        return None
    bar.empty()
    return path
