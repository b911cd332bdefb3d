"""Page set-up shared by every page (each page is its own script in Streamlit's pages/ mode)."""

from __future__ import annotations

import ipaddress
import logging
import os
import sys

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.catalog import PAGES
from components.session_memory import touch

HOME = "app.py"
ADMIN = "pages/9_Admin.py"  # diagnostics: linked at the foot of the navigation, never among the capabilities


def _keep_keras_state_between_runs() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit 1.67 does that (``script_runner._clean_problem_modules``) whenever Keras is imported. Here it cost
    about a fifth of the server's time under load (py-spy, bench/load.py): each call runs a full ``gc.collect()``
    that holds the GIL (the event loop, and so every visitor's websocket and the health check, stalls for
    hundreds of ms), empties TensorFlow's kernel cache (the next model call rebuilds kernels), and resets Keras's
    global state while other sessions' threads use it. This app builds its Keras models once (cached) and keeps
    no per-run Keras state, so there is nothing to clear; matplotlib figures are still closed as before.
    """
    from streamlit.runtime.scriptrunner import script_runner  # noqa: PLC0415

    if getattr(script_runner._clean_problem_modules, "_vision_keeps_keras", False):
        return

    def clean_problem_modules() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    clean_problem_modules._vision_keeps_keras = True  # type: ignore[attr-defined]
    script_runner._clean_problem_modules = clean_problem_modules


_keep_keras_state_between_runs()


ADMIN_ENV = "VISION_ADMIN"
PROXY_HEADERS = ("X-Real-Ip", "X-Forwarded-For")


def admin_allowed(mode: str, peer: str | None, proxied: bool) -> bool:
    """The admin-page decision, from the setting and what the session's websocket showed.

    ``mode``: the value of ``VISION_ADMIN``. ``peer``: the TCP peer address of the browser's websocket (the
    unforgeable end of the connection, e.g. ``"127.0.0.1"``, ``"::1"``, ``"192.0.2.7"``; ``""`` when the
    connection names none), or ``None`` when the session has no connection at all (AppTest, bare mode).
    ``proxied``: the websocket request carried a proxy header (X-Real-IP / X-Forwarded-For).

    ``on``/``1``/``true``/``yes``: everyone. ``local`` (production): only a browser whose connection comes from a
    loopback address AND carries no proxy header. A loopback peer alone is not enough (nginx on the same host
    connects from 127.0.0.1 for every visitor), nor are missing headers alone (with the Docker image, which binds
    0.0.0.0, or an upstream on a non-loopback address, anyone reaching the app port sends none). Anything else:
    nobody (a misspelt value fails closed: the page shows server paths).
    """
    mode = mode.strip().lower()
    if mode in ("on", "1", "true", "yes"):
        return True
    if mode != "local":
        return False
    if peer is None:  # no network connection: nothing could have come through a proxy or from another host
        return True
    return is_loopback(peer) and not proxied


def is_loopback(address: str) -> bool:
    """Whether ``address`` (IPv4 or IPv6 text) is a loopback address: 127.0.0.0/8, ::1, ::ffff:127.x.y.z."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def _websocket_peer_and_headers() -> tuple[str | None, bool]:
    """(peer, proxied) of this session's websocket; (None, False) without a runtime or a browser session."""
    from streamlit import runtime  # noqa: PLC0415

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return None, False
    client = runtime.get_instance().get_client(ctx.session_id)
    if client is None or client.client_context is None:
        return None, False
    # The raw peer, not st.context.ip_address: that one reports both loopback and "unknown" as None.
    peer = client.client_context.remote_ip
    if not isinstance(peer, str | None):  # AppTest runs scripts on a mocked runtime: no connection at all
        return None, False
    peer = peer or ""  # a real connection that names no peer is not a loopback one
    headers = st.context.headers  # the websocket request's, case-insensitive
    return peer, any(headers.get(h) for h in PROXY_HEADERS)


def admin_visible() -> bool:
    """Whether this browser session may see the admin / diagnostics page (store paths, commands, host details).

    ``VISION_ADMIN``: ``on`` (default: a developer's or a private instance), ``off``, or ``local`` (production,
    deploy/production.env): only a browser connected to the app's own loopback port, e.g. an operator's
    ``ssh -L 8501:127.0.0.1:8501 vm``, never one coming through the reverse proxy (which always sets X-Real-IP /
    X-Forwarded-For, overwriting what a visitor sends) nor one from another host. See ``admin_allowed``.
    """
    mode = os.environ.get(ADMIN_ENV, "on")
    if mode.strip().lower() != "local":
        return admin_allowed(mode, None, False)
    peer, proxied = _websocket_peer_and_headers()
    return admin_allowed(mode, peer, proxied)


def page_setup(title: str, icon: str) -> None:
    """Wide layout, tab title and the sidebar navigation; must be the first Streamlit call of the page.

    Streamlit's automatic page list is turned off (.streamlit/config.toml) because it names the home page
    after its file ("app"); this one uses the titles of components/catalog.py.
    """
    st.set_page_config(page_title=f"{title} · Vision playground", page_icon=icon, layout="wide")
    forget_fragments_of_earlier_runs()
    st.session_state["_vision_page"] = title  # names the page in the admin page's timings
    touch()  # idle sessions release their large results (components/session_memory.py)
    try:
        with st.sidebar:
            st.page_link(HOME, label="Home", icon="🏠")
            for page in PAGES:
                if page.exists:
                    st.page_link(page.path, label=page.title, icon=page.icon)
            if admin_visible():
                st.page_link(ADMIN, label="Admin · diagnostics", icon="⚙️")
            st.divider()
    except StreamlitAPIException as exc:
        # A page run on its own (e.g. by AppTest) knows no other pages: no navigation to draw.
        logging.getLogger(__name__).debug("no sidebar navigation: %s", exc)


def forget_fragments_of_earlier_runs() -> None:
    """Drop the fragments (the inpainting canvas) registered by earlier runs, at the start of a full page run.

    Why: Streamlit 1.67 forgets a run's unused fragments only when the run ends normally; a run that ends in
    ``st.stop()`` or ``st.rerun()`` before the canvas keeps the old one. A late report of the old canvas then
    reruns it at its old position in the page, which the shorter new page no longer has, and the browser's
    app crashes to a white page ("Bad delta path index 11 (should be between [0, 10])"). Every fragment still
    on the page registers again in this run; a report of a forgotten one is skipped by Streamlit.
    """
    ctx = get_script_run_ctx()
    if ctx is not None and not ctx.fragment_ids_this_run:  # a full run (page code never runs in a fragment rerun)
        ctx.fragment_storage.clear()
