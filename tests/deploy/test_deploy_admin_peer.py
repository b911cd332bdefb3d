"""Issue 23: the admin page (store paths, commands, host details) needs a loopback peer as well as no proxy header.

The production app bound to 0.0.0.0, as the Docker image runs it (or an upstream on a non-loopback address): a
browser reaching the app port over this host's own non-loopback address sends no proxy header, and must still be
refused; the same server over 127.0.0.1 (an operator's SSH tunnel) shows the page.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.conftest import screenshot, wait_idle
from tests.deploy.deploy_helpers import app_tree_with_hooks, start_production_app, stop


def non_loopback_address() -> str | None:
    """An IPv4 address of this host that is not loopback and can be bound (``hostname -I``), or None."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    for address in out:
        if "." in address and not address.startswith("127."):
            try:
                with socket.socket() as s:
                    s.bind((address, 0))
                return address
            except OSError:
                continue
    return None


@pytest.fixture(scope="module")
def app_on_all_addresses(tmp_path_factory):
    address = non_loopback_address()
    if address is None:
        pytest.skip("this host has no non-loopback IPv4 address to reach the app from")
    work = tmp_path_factory.mktemp("admin-peer")
    app = start_production_app(sys.executable, app_tree_with_hooks(work / "app"), work / "app.log",
                               address="0.0.0.0")  # production.env has VISION_ADMIN=local
    yield app, address
    stop(app.proc)


@pytest.mark.browser
def test_admin_page_refused_to_a_non_loopback_peer(app_on_all_addresses, chromium):
    app, address = app_on_all_addresses
    port = app.url.rsplit(":", 1)[1]
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        # from this host's own non-loopback address: no proxy header, yet not loopback -> refused, no link
        tab.goto(f"http://{address}:{port}/Admin")
        tab.get_by_text("This page is not available here.").wait_for()
        wait_idle(tab)
        sidebar = tab.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Video classification").wait_for()  # the navigation is drawn (it slides in)
        body = tab.inner_text("body")
        nav = sidebar.inner_text()
        print(f"http://{address}:{port}/Admin -> 'This page is not available here.'; sidebar: {nav.splitlines()}")
        assert "entries present" not in body and "models.store" not in body, body[:1500]
        assert "Admin" not in nav, nav
        screenshot(tab, "admin_refused_non_loopback")
        # the same server over loopback: the page and its link are there
        tab.goto(f"{app.url}/Admin")
        tab.get_by_text("entries present").first.wait_for()
        wait_idle(tab)
        # its link at the foot of the navigation (waited for: the sidebar's text is empty while it slides in)
        sidebar.get_by_text("Admin · diagnostics").wait_for()
    finally:
        context.close()
