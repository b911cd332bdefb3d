"""Page set-up shared by every page (each page is its own script in Streamlit's pages/ mode)."""

from __future__ import annotations

import streamlit as st


def page_setup(title: str, icon: str) -> None:
    """Wide layout and a tab title; must be the first Streamlit call of the page."""
    st.set_page_config(page_title=f"{title} · Vision playground", page_icon=icon, layout="wide")
