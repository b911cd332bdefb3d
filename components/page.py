"""Page set-up shared by every page (each page is its own script in Streamlit's pages/ mode)."""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
import time

import streamlit as st
from streamlit.errors import StreamlitAPIException

from components import shared_results, st_compat
from components.catalog import PAGES
from components.diagnostics import record_run
from components.layout import page_style
from components.session_memory import touch

HOME = "app.py"
ADMIN = "pages/9_Admin.py"  # diagnostics: linked at the foot of the navigation, never among the capabilities
LOG = logging.getLogger("vision.page")
WHOLE_RUN = "whole run"  # the timing key every page's whole-run time is recorded under

# session id -> (page title, run token, perf_counter at page_setup) of the run under way; read once by log_run_time
_RUN_STARTS: dict[str, tuple[str, str, float]] = {}
_RUN_LOCK = threading.Lock()


def log_run_time() -> None:
    """After a page run (``st_compat.after_every_run``): one INFO line with the page and its whole-run time, and
    the same figure in the admin page's timings under :data:`WHOLE_RUN`, beside the parts the run recorded.
    Fragment reruns (no page_setup) log nothing."""
    with _RUN_LOCK:
        started = _RUN_STARTS.pop(st_compat.session_id() or "", None)
    if started is None:
        return
    title, run, t0 = started
    ms = (time.perf_counter() - t0) * 1000.0
    LOG.info("page run: %s %.0f ms", title, ms)
    record_run(run, title, {WHOLE_RUN: ms})


st_compat.keep_keras_state_between_runs()
st_compat.after_every_run(log_run_time)


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
    peer, connected = st_compat.websocket_peer()
    if not connected:
        return None, False
    headers = st.context.headers  # the websocket request's, case-insensitive
    return peer, any(headers.get(h) for h in PROXY_HEADERS)


def admin_visible() -> bool:
    """Whether this browser session may see the admin / diagnostics page (store paths, commands, host details).

    ``VISION_ADMIN``: ``local`` (the default, and production's, deploy/production.env), ``on`` (everyone: a private
    instance reached from another host) or ``off``. ``local``: only a browser connected to the app's own loopback
    port (a developer's own browser, or an operator's
    ``ssh -L 8501:127.0.0.1:8501 vm``), never one coming through the reverse proxy (which always sets X-Real-IP /
    X-Forwarded-For, overwriting what a visitor sends) nor one from another host. See ``admin_allowed``.
    """
    # Local by default: the README's `streamlit run app.py` on a VM with an open port shows no paths to visitors.
    mode = os.environ.get(ADMIN_ENV, "local")
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
    page_style()  # phone layout rules (components/layout.py)
    st_compat.forget_fragments_of_earlier_runs()
    shared_results.new_run()  # hits of this run label its timings (components/status.timing_badge)
    run = st.session_state["_vision_run"] = f"{st_compat.session_id()}:{time.perf_counter_ns()}"
    with _RUN_LOCK:
        _RUN_STARTS[st_compat.session_id() or ""] = (title, run, time.perf_counter())
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
