"""The one cached way a page gets a model backend: :func:`backend` (served or in-process, see models.backends).

Every page asks ``backend(<package>.BACKENDS, option)``: the backend is built once per process and option (and store,
and model-server address: switching ``VISION_SERVE_ADDRESS`` never hands out the other mode's backend) and shared by
every session. At most :data:`MAX_LOADED` backends stay loaded, least recently used dropped first (before, each page
had its own bound: segmentation 3, faces 2, video 4).
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import streamlit as st

from models import backends
from models.serving import serve_address
from models.store import Store

B = TypeVar("B")
MAX_LOADED = 10  # a process's loaded backends, all pages together: every page's default (5) and 5 more options
LOADING = "Loading the model (first use only)…"


def backend(
    capability: backends.CapabilityBackends[B],
    choice: str | Enum,
    store_root: str | None = None,
    *,
    loading: str = LOADING,
) -> B:
    """The backend of ``choice`` (an option id or its enum member) of a capability, cached per process.

    ``store_root``: the model store (default: ``Store()``'s). ``loading``: the spinner text while it loads; a spinner
    shows only after 0.5 s, so a cached backend (returned in microseconds) shows none. Raises what the capability's
    ``create`` raises (``ModelMissingError``, ``ModelFileError``): the page says so in the visitor's words.
    """
    root = store_root if store_root is not None else str(Store().root)
    with st.spinner(loading):
        return _cached(capability.capability, backends.option_id(choice), root, serve_address(), capability)


@st.cache_resource(show_spinner=False, max_entries=MAX_LOADED)
def _cached(
    name: str, option: str, store_root: str, address: str | None, _capability: backends.CapabilityBackends[B]
) -> B:
    # Keyed on the capability's name, the option, the store and the address (the entry itself is not hashed).
    return backends.backend(_capability, option, Store(store_root))
