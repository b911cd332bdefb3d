"""Test hook: a page that raises, to check that visitors see an error id and no traceback."""

import streamlit as st

st.title("Hook: raise")
st.write("This page raises on purpose.")
raise RuntimeError("hook-secret-detail: this message must stay on the server")
