"""Admin / diagnostics: the model store, fetch commands, device, and the timings pages recorded.

Linked from the foot of the sidebar navigation, never from the capability list: visitors do not need it.
"""

from __future__ import annotations

from components.page import page_setup

page_setup("Admin · diagnostics", "⚙️")  # first Streamlit call

from components.admin import admin_page  # noqa: E402 - after page_setup, which must come first

admin_page()
