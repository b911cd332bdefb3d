"""Vision playground: the home page. The capability pages live in pages/ (Streamlit's multipage folder)."""

from __future__ import annotations

import streamlit as st

from components.home_cards import capability_cards
from components.page import page_setup


def home() -> None:
    st.title("🔭 Computer-vision playground")
    st.write("Six things a computer can see, each running a real model on this server. Click a card to try it "
             "on a sample picture or your own. Nothing you upload is stored.")
    capability_cards()


page_setup("Home", "🔭")
home()
