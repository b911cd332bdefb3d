"""Test hook: a job that runs longer than nginx's default 60-s proxy timeouts, sending nothing meanwhile."""

import os
import time

import streamlit as st

SECONDS = float(os.environ.get("VISION_HOOK_SLOW_SECONDS", "70"))

st.title("Hook: slow job")
if st.button("Start the slow job"):
    started = time.monotonic()
    with st.spinner(f"Working for {SECONDS:.0f} s…"):
        time.sleep(SECONDS)  # no output at all meanwhile: only the websocket's own pings keep it busy
    st.success(f"Slow job done after {time.monotonic() - started:.0f} s")
