"""nginx in front of N UI replicas (``deploy/render-nginx.sh --upstream A --upstream B``): each visitor sticks to one
replica (a Streamlit session lives in one process), visitors spread over the replicas, and a replica that stops is
skipped. Real nginx on 127.0.0.1 in front of two tiny HTTP servers that answer their own name; visitors are told
apart by their source address (127.0.0.x: the whole 127/8 block is loopback on Linux)."""

from __future__ import annotations

import http.client
import http.server
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


def _get(port: int, source: str, path: str = "/") -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        assert r.status == 200, r.status
        return r.read().decode()
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
    assert "hash $remote_addr consistent;" in conf and conf.count("max_fails=3") == 2
    port = int(proxy.url.rsplit(":", 1)[1])
    seen = {}
    for i in range(2, 42):
        source = f"127.0.0.{i}"
        answers = {_get(port, source, p) for p in ("/", "/_stcore/stream", "/media/x.png", "/_stcore/upload_file/s")}
        assert len(answers) == 1, (source, answers)  # every request of one visitor: the same replica
        seen[source] = answers.pop()
    spread = Counter(seen.values())
    print(f"40 visitors over 2 replicas: {dict(spread)}")
    assert set(spread) == {"A", "B"} and min(spread.values()) >= 8


def test_a_stopped_replica_is_skipped(two_replicas):
    proxy, backends = two_replicas
    port = int(proxy.url.rsplit(":", 1)[1])
    first = _get(port, "127.0.0.7")
    backends[first].shutdown()
    backends[first].server_close()
    other = {"A": "B", "B": "A"}[first]
    assert _get(port, "127.0.0.7") == other  # nginx retries the next server when the connection is refused
    assert _get(port, "127.0.0.7") == other
