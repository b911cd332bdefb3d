"""Timing + device badge, model-unavailable panel, and model fetching with a progress bar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from models.registry import Entry, get
from models.runtime import device_info
from models.store import STORE_ENV, ModelMissingError, Store


def device_badge() -> None:
    d = device_info()
    st.caption(f"{'🟢' if d.kind == 'GPU' else '🖥️'} Running on **{d.label}**")


def timing_badge(timings_ms: dict[str, float]) -> None:
    """E.g. ``timing_badge({"model": 212.0, "total": 260.3})``; the device is named too."""
    parts = " · ".join(f"{name} **{ms:,.0f} ms**" for name, ms in timings_ms.items())
    st.caption(f"⏱️ {parts} — {device_info().label}")


def model_unavailable(exc: ModelMissingError) -> None:
    e = exc.entry
    st.error(f"**{e.title}** is not available on this server.", icon="📦")
    if exc.reason:
        st.caption(f"Why: {exc.reason}")
    st.markdown("An administrator can download it into the model store with:")
    st.code(exc.command, language="bash")
    st.caption(
        f"Model store: `{exc.store_root}` (set `{STORE_ENV}` to use another folder). "
        f"Source: {e.sources[0]} · licence: {e.licence}"
    )


def require_model(entry: Entry | str) -> Path | None:
    """Path of a store entry, downloading it with a progress bar if needed; None (panel shown) if impossible."""
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
