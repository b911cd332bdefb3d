"""Vision playground: the home page. The capability pages live in pages/ (Streamlit's multipage folder)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.catalog import PAGES
from components.page import page_setup
from components.status import device_badge
from models.store import FETCH_COMMAND, STORE_ENV, Store


def home() -> None:
    st.title("🔭 Computer-vision playground")
    st.write(
        "Six capabilities, each backed by a real pretrained or self-trained TensorFlow model. "
        "Pick one below or in the sidebar. Nothing you upload is stored."
    )
    device_badge()

    st.subheader("Capabilities")
    for i, page in enumerate(PAGES):
        if i % 2 == 0:
            cols = st.columns(2)  # one row per pair keeps the reading order 1, 2, 3…
        with cols[i % 2].container(border=True):
            if page.exists:
                st.page_link(page.path, label=f"**{page.title}**", icon=page.icon)
            else:
                st.markdown(f"{page.icon} **{page.title}** · _not built yet_")
            st.caption(page.summary)

    st.subheader("Model store")
    store = Store()
    status = store.status()
    present = sum(s.present for s in status)
    st.write(f"`{store.root}` — **{present} of {len(status)}** entries present. Set `{STORE_ENV}` to use another folder.")
    table = pd.DataFrame(
        {
            "Entry": [s.entry.id for s in status],
            "What": [s.entry.title for s in status],
            "Used by": [s.entry.capability.value for s in status],
            "Status": ["✅ present" if s.present else "❌ missing" for s in status],
            "Size (MB)": [round(s.size / 1e6, 2) if s.size else None for s in status],
            "Where from": [s.entry.sources[0] for s in status],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", column_config={"Where from": st.column_config.LinkColumn()})
    missing = [s.entry.id for s in status if not s.present]
    if missing:
        with st.expander(f"How to fetch the {len(missing)} missing entries"):
            st.code(f"{FETCH_COMMAND} --all\n# or just some:\n{FETCH_COMMAND} {' '.join(missing[:3])}", language="bash")
            st.caption("Pages also download what they need on first use when the server is online.")


page_setup("Home", "🔭")
home()
