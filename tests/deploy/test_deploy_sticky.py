"""nginx in front of N UI processes (``deploy/render-nginx.sh --upstream A --upstream B``): each visitor sticks to one
(a Streamlit session lives in one process) by the ``vision_ui`` cookie the proxy sets, visitors spread over them even
from one address (a NAT'd review room), and a process that stops is skipped. Real nginx on 127.0.0.1 in front of two
tiny HTTP servers that answer their own name. ``test_deploy_install.py`` does the same with the installed app's real
UI processes."""

from __future__ import annotations

import http.client
import http.server
import re
import threading
from collections import Counter

import pytest

from tests.deploy.deploy_helpers import start_nginx, stop


def _backend(name: str):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def _get(port: int, cookie: str | None = None, path: str = "/", source: str = "127.0.0.1") -> tuple[str, str | None]:
    """(the backend's name, the vision_ui cookie the proxy set, if any) of one request from ``source``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"Cookie": f"vision_ui={cookie}"} if cookie else {})
        r = conn.getresponse()
        assert r.status == 200, r.status
        set_cookie = r.getheader("Set-Cookie") or ""
        value = set_cookie.split(";", 1)[0].removeprefix("vision_ui=") if set_cookie.startswith("vision_ui=") else None
        return r.read().decode(), value
    finally:
        conn.close()


@pytest.fixture
def two_replicas(tmp_path):
    a, b = _backend("A"), _backend("B")
    proxy = start_nginx(f"127.0.0.1:{a.server_port},127.0.0.1:{b.server_port}", tmp_path)
    yield proxy, {"A": a, "B": b}
    stop(proxy.proc)
    for s in (a, b):
        s.shutdown()
        s.server_close()


def test_visitors_stick_to_one_replica_and_spread_over_both(two_replicas):
    proxy, _ = two_replicas
    conf = (proxy.extra["prefix"] / "vision-playground.conf").read_text()
    assert "hash $vision_ui_key consistent;" in conf and len(re.findall(r"^    server \S+ max_fails=3 fail_timeout=10s;$", conf, re.M)) == 2
    port = int(proxy.url.rsplit(":", 1)[1])
    seen = {}
    for _ in range(40):  # 40 visitors from ONE address: the cookie, not the address, picks the process
        first, cookie = _get(port)
        assert cookie, "the proxy sets the vision_ui cookie on a visitor's first response"
        paths = ("/", "/_stcore/stream", "/media/x.png", "/_stcore/upload_file/s", "/static/js/a.js")
        answers = {first} | {_get(port, cookie, p)[0] for p in paths}
        assert len(answers) == 1, (cookie, answers)  # every request of one visitor: the process of its first response
        assert _get(port, cookie)[1] is None  # set once, not on every response
        seen[cookie] = answers.pop()
    spread = Counter(seen.values())
    print(f"40 visitors from one address over 2 processes: {dict(spread)}")
    assert set(spread) == {"A", "B"} and min(spread.values()) >= 8


def test_a_stopped_replica_is_skipped(two_replicas):
    proxy, backends = two_replicas
    port = int(proxy.url.rsplit(":", 1)[1])
    first, cookie = _get(port)
    backends[first].shutdown()
    backends[first].server_close()
    other = {"A": "B", "B": "A"}[first]
    assert _get(port, cookie)[0] == other  # nginx retries the next server when the connection is refused
    assert _get(port, cookie)[0] == other
    assert {_get(port)[0] for _ in range(10)} == {other}  # new visitors too


def test_one_upstream_sets_no_cookie(tmp_path):
    """One UI process: a plain ``server`` line, no hashing, no cookie."""
    a = _backend("A")
    proxy = start_nginx(f"127.0.0.1:{a.server_port}", tmp_path)
    try:
        conf = (proxy.extra["prefix"] / "vision-playground.conf").read_text()
        assert "hash " not in conf and "$vision_ui" not in conf
        assert _get(int(proxy.url.rsplit(":", 1)[1])) == ("A", None)
    finally:
        stop(proxy.proc)
        a.shutdown()
        a.server_close()
