"""Page set-up shared by every page (each page is its own script in Streamlit's pages/ mode)."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from components.catalog import PAGES
from components.session_memory import touch

HOME = "app.py"
ADMIN = "pages/9_Admin.py"  # diagnostics: linked at the foot of the navigation, never among the capabilities


def page_setup(title: str, icon: str) -> None:
    """Wide layout, tab title and the sidebar navigation; must be the first Streamlit call of the page.

    Streamlit's automatic page list is turned off (.streamlit/config.toml) because it names the home page
    after its file ("app"); this one uses the titles of components/catalog.py.
    """
    st.set_page_config(page_title=f"{title} · Vision playground", page_icon=icon, layout="wide")
    st.session_state["_vision_page"] = title  # names the page in the admin page's timings
    touch()  # idle sessions release their large results (components/session_memory.py)
    try:
        with st.sidebar:
            st.page_link(HOME, label="Home", icon="🏠")
            for page in PAGES:
                if page.exists:
                    st.page_link(page.path, label=page.title, icon=page.icon)
            st.page_link(ADMIN, label="Admin · diagnostics", icon="⚙️")
            st.divider()
    except StreamlitAPIException:
        # A page run on its own (e.g. by AppTest) knows no other pages: no navigation to draw.
        pass
