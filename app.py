"""Vision playground: the home page. The capability pages live in pages/ (Streamlit's multipage folder)."""

from __future__ import annotations

import streamlit as st

from components.home_cards import TITLE, built_pages, capability_cards, intro
from components.page import page_setup


def home() -> None:
    st.title(f"🔭 {TITLE}")
    st.write(intro(len(built_pages())))  # one card per page of the catalog
    capability_cards()


page_setup("Home", "🔭")
home()
