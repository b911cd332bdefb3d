"""The admin / diagnostics page: store table with paths, fetch commands, device, recorded timings."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from components import diagnostics
from models.capabilities import page_defaults
from models.cards import CARDS
from models.runtime import device_info
from models.store import FETCH_COMMAND, OFFLINE_ENV, STORE_ENV, Store, limited_pages, offline


def _when(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S")


def store_section(store: Store) -> None:
    status = store.status()
    present = sum(s.present for s in status)
    st.subheader("Model store")
    st.write(
        f"`{store.root}` — **{present} of {len(status)}** entries present. Set `{STORE_ENV}` to use another "
        f"folder. Downloads on first use: **{'off' if offline() else 'on'}** (`{OFFLINE_ENV}`)."
    )
    limited = limited_pages(store)
    if limited:
        st.warning(
            "Pages limited (their default options need missing entries): "
            + "; ".join(f"**{p}** ({', '.join(m)})" for p, m in limited.items())
        )
    else:
        st.success(f"Every page's default options have their models ({len(page_defaults())} pages checked).")
    table = pd.DataFrame(
        {
            "Entry": [s.entry.id for s in status],
            "What": [s.entry.title for s in status],
            "Used by": [str(s.entry.capability) for s in status],
            "Status": ["✅ present" if s.present else "❌ missing" for s in status],
            "Size (MB)": [round(s.size / 1e6, 3) if s.size else None for s in status],
            "Path": [str(s.path) for s in status],
            "Where from": [s.entry.sources[0] for s in status],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", column_config={"Where from": st.column_config.LinkColumn()})
    missing = [s.entry.id for s in status if not s.present]
    if missing:
        st.markdown(f"**Fetch the {len(missing)} missing entries** (progress, sha256 check, atomic rename):")
        st.code(
            f"{FETCH_COMMAND} --defaults   # what the pages' default options need\n"
            f"{FETCH_COMMAND} --all\n# or just some:\n{FETCH_COMMAND} {' '.join(missing[:3])}",
            language="bash",
        )


def device_section() -> None:
    st.subheader("Device")
    d = device_info()
    import streamlit  # noqa: PLC0415

    rows = {
        "Device": d.label,
        "Python": sys.version.split()[0],
        "Platform": platform.platform(),
        "CPU cores": str(os.cpu_count()),
        "Streamlit": streamlit.__version__,
        "TensorFlow": getattr(sys.modules.get("tensorflow"), "__version__", None) or "not loaded yet",
    }
    st.table(pd.DataFrame({"": list(rows), "Value": list(rows.values())}))


def timings_section() -> None:
    st.subheader("Timings recorded by the pages")
    rows = diagnostics.timings()
    if not rows:
        st.caption("No page has reported a timing since the server started.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "At (UTC)": [_when(r.at) for r in rows],
                    "Page": [r.page for r in rows],
                    "Breakdown": [" · ".join(f"{k} {v:,.0f} ms" for k, v in r.parts_ms.items()) for r in rows],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    gone = diagnostics.missing()
    st.subheader("Models the pages could not get")
    if not gone:
        st.caption("None since the server started.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "At (UTC)": [_when(m.at) for m in gone],
                    "Page": [m.page for m in gone],
                    "Entry": [m.entry_id for m in gone],
                    "Why": [m.reason or "not in the store" for m in gone],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def cards_section() -> None:
    st.subheader("How the model cards' own figures were measured")
    for card in CARDS.values():
        if card.measured_by:
            st.markdown(f"**{card.name}**")
            st.code(card.measured_by, language="bash")


def admin_page() -> None:
    st.title("⚙️ Admin · diagnostics")
    st.caption("For whoever runs this server: visitors are never shown paths, commands or timings.")
    store = Store()
    store_section(store)
    device_section()
    timings_section()
    cards_section()
