"""Test hook: a heavy job of a controllable length through the real heavy-job pool, and a light action."""

import os
import time

import streamlit as st

from components.jobs import run_heavy

SECONDS = float(os.environ.get("VISION_HOOK_HEAVY_SECONDS", "8"))

st.title("Hook: heavy job")
if st.button("Start a heavy job", key="hook_heavy_go"):
    bar = st.empty()

    def job() -> float:
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < SECONDS:
            bar.progress(min(1.0, elapsed / SECONDS), text=f"Heavy job running ({elapsed:.0f} s)")
            time.sleep(0.25)
        return time.monotonic() - started

    took = run_heavy("the test job", job, key="hook_heavy")
    bar.empty()
    st.success(f"Heavy job done after {took:.1f} s")
if st.button("Light action", key="hook_light"):
    st.success("Light action done")
