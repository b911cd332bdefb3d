"""Test hook: a widget that Streamlit's own validation refuses (a session value above the slider's max), to check
that this failure too shows the visitor an error id and no traceback."""

import streamlit as st

st.title("Hook: widget error")
st.session_state["hook_widget_value"] = 5.0
st.slider("Refused by Streamlit", 0.0, 1.0, key="hook_widget_value")
