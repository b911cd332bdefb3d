"""Test hook: reports the exact size the app received for an uploaded clip (the proxy must pass it whole)."""

import hashlib

import streamlit as st

st.title("Hook: upload")
clip = st.file_uploader("Clip", type=["mp4"])
if clip is not None:
    data = clip.getvalue()
    st.success(f"Received {clip.name}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}")
