"""Admin / diagnostics: the model store, fetch commands, device, and the timings pages recorded.

Linked from the foot of the sidebar navigation, never from the capability list: visitors do not need it.
"""

from __future__ import annotations

import streamlit as st

from components.page import admin_visible, page_setup

page_setup("Admin · diagnostics", "⚙️")  # first Streamlit call

from components.admin import admin_page  # noqa: E402 - after page_setup, which must come first

if admin_visible():
    admin_page()
else:  # through the public proxy of a production server (VISION_ADMIN=local) or turned off
    st.title("⚙️ Admin · diagnostics")
    st.info("This page is not available here.")
