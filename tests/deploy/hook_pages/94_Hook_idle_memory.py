"""Test hook: stores a large result in session state the way the pages do, and says whether it is still there."""

import numpy as np
import streamlit as st

from components.page import page_setup

page_setup("Hook: idle memory", "🧪")
st.title("Hook: idle memory")
if st.button("Store a large result", key="hook_store"):
    st.session_state["inpaint_last_result"] = ("fp", np.zeros((2000, 2000, 3), np.uint8))
held = st.session_state.get("inpaint_last_result")
st.write(f"Result held: {'yes' if held is not None else 'no'}")
st.button("Check again", key="hook_check")
