"""Issue 23, acceptance 4: the proxy on the open internet: HTTPS with a certificate, HTTP redirected to it, browser
protection headers, and a cap on the connections one address may hold (the 401st websocket refused).

One app server with the production settings and two private nginx instances from ``deploy/render-nginx.sh`` in front
of it: with ``--tls-cert/--tls-key`` (a self-signed certificate made here by openssl) and without (plain HTTP, what
the Compose proxy serves).
"""

from __future__ import annotations

import base64
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from components.home_cards import INTRO_WORDS
from tests.conftest import screenshot, wait_idle
from tests.deploy.deploy_helpers import (
    DEPLOY,
    app_tree_with_hooks,
    nginx_binary,
    self_signed_certificate,
    start_nginx,
    start_production_app,
    stop,
)

DOMAIN = "vision-demo.test"
CONN_PER_ADDRESS = 400  # render-nginx.sh's default: what a production render gets


@pytest.fixture(scope="module")
def proxies(tmp_path_factory):
    """(tls proxy, plain proxy, app, cert path)."""
    nginx_binary()
    work = tmp_path_factory.mktemp("tls")
    # certbot's webroot, where nginx's workers (nobody, when the test runs as root) can read it
    acme = Path(tempfile.mkdtemp(prefix="vision-acme-"))
    acme.chmod(0o755)
    cert, key = self_signed_certificate(work)
    app = start_production_app(sys.executable, app_tree_with_hooks(work / "app"), work / "app.log")
    started = [app]
    try:
        tls = start_nginx(app.url.removeprefix("http://"), work / "tls", tls=(cert, key),
                          render_args=("--acme-root", str(acme)))
        tls.extra["acme"] = acme
        started.append(tls)
        plain = start_nginx(app.url.removeprefix("http://"), work / "plain")
        started.append(plain)
    except Exception:
        for served in started:
            stop(served.proc)
        raise
    yield tls, plain, app, cert
    for served in reversed(started):
        stop(served.proc)
    shutil.rmtree(acme, ignore_errors=True)


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _request(url: str, path: str, context: ssl.SSLContext | None = None, host: str | None = None):
    """(status, headers as a list of (name, value), body) of one GET, redirects not followed."""
    port = _port(url)
    conn = (http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10) if context
            else http.client.HTTPConnection("127.0.0.1", port, timeout=10))
    try:
        conn.request("GET", path, headers={"Host": host or f"127.0.0.1:{port}"})
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()


def _values(headers, name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name.lower()]


SECURITY_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",  # not DENY: the canvas component is an iframe of the app's own origin
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def test_https_is_served_with_the_given_certificate(proxies):
    tls, _, _, cert = proxies
    port = _port(tls.url)
    # verified against that certificate alone (chain and host name), for the name and for 127.0.0.1
    for name in (DOMAIN, "127.0.0.1"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                tls.extra["context"].wrap_socket(raw, server_hostname=name) as s:
            served = s.getpeercert(binary_form=True)
            version = s.version()
    assert served == ssl.PEM_cert_to_DER_cert(cert.read_text())
    assert version in ("TLSv1.2", "TLSv1.3"), version
    status, _, body = _request(tls.url, "/_stcore/health", tls.extra["context"])
    print(f"HTTPS on 127.0.0.1:{port}: {version}, the test certificate, /_stcore/health -> {status} {body!r}")
    assert (status, body) == (200, b"ok")
    # a client that trusts only the public CAs refuses the self-signed one: the check above is a real check
    with pytest.raises(ssl.SSLCertVerificationError):
        _request(tls.url, "/_stcore/health", ssl.create_default_context())


def test_http_is_redirected_to_https(proxies):
    tls, _, _, _ = proxies
    http_url, https_port = tls.extra["http_url"], _port(tls.url)
    host = f"{DOMAIN}:{_port(http_url)}"
    status, headers, _ = _request(http_url, "/Segmentation?seg_opacity=0.5", host=host)
    print(f"http://{host}/Segmentation?seg_opacity=0.5 -> {status} {_values(headers, 'Location')}")
    assert status == 301
    assert _values(headers, "Location") == [f"https://{DOMAIN}:{https_port}/Segmentation?seg_opacity=0.5"]
    # the websocket and uploads are redirected too: nothing reaches the app in clear text
    assert _request(http_url, "/_stcore/stream", host=host)[0] == 301
    # certbot's webroot challenge stays on HTTP (renewals), from the acme folder
    token = tls.extra["acme"] / ".well-known" / "acme-challenge" / "probe-token"
    token.parent.mkdir(parents=True, exist_ok=True)
    token.write_text("acme-probe\n")
    token.chmod(0o644)
    for folder in token.parents[:2]:
        folder.chmod(0o755)
    assert _request(http_url, "/.well-known/acme-challenge/probe-token", host=host)[:3:2] == (200, b"acme-probe\n")


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/static/js/no-such-chunk.js"])
def test_security_headers_on_every_response(proxies, path):
    tls, plain, _, _ = proxies
    for proxy, context in ((tls, tls.extra["context"]), (plain, None)):
        status, headers, _ = _request(proxy.url, path, context)
        for name, value in SECURITY_HEADERS.items():
            assert _values(headers, name) == [value], (proxy.url, path, status, name, headers)
        hsts = _values(headers, "Strict-Transport-Security")
        if context:
            assert hsts == ["max-age=31536000"], headers  # a year, on the HTTPS server only
        else:
            assert hsts == [], headers  # browsers ignore HSTS over HTTP; it is not sent there
    print(f"{path}: {status}, {dict((k, v) for k, v in headers if k in SECURITY_HEADERS)}")


def _open_websocket(url: str, context: ssl.SSLContext) -> tuple[socket.socket, str]:
    """A real websocket to the app's /_stcore/stream through the proxy: (the open socket, the status line)."""
    port = _port(url)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    s = context.wrap_socket(raw, server_hostname=DOMAIN)
    host = f"{DOMAIN}:{port}"
    s.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n"
               f"Origin: https://{host}\r\nSec-WebSocket-Protocol: streamlit\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = s.recv(4096)
        if not chunk:
            break
        response += chunk
    return s, response.decode(errors="replace").split("\r\n", 1)[0]


def test_the_401st_websocket_from_one_address_is_refused(proxies, tmp_path, request):
    """400 open websockets from one address are served; the next one is refused (503) while they stay open, and
    accepted again once one of them closes. Its own nginx (same rendering), so the cap touches no other test."""
    _, _, app, cert = proxies
    proxy = start_nginx(app.url.removeprefix("http://"), tmp_path, tls=(cert, cert.with_name("key.pem")))
    request.addfinalizer(lambda: stop(proxy.proc))
    conf = (proxy.extra["prefix"] / "vision-playground.conf").read_text()
    assert f"limit_conn vision_conn_per_address {CONN_PER_ADDRESS};" in conf
    context = proxy.extra["context"]
    sockets: list[socket.socket] = []
    request.addfinalizer(lambda: [s.close() for s in sockets])
    started = time.time()
    for i in range(CONN_PER_ADDRESS):
        if i >= 200:  # keep under the request-rate burst (30 r/s, burst 300), so only the connection cap can refuse
            time.sleep(max(0.0, started + (i - 200) / 25 - time.time()))
        s, status = _open_websocket(proxy.url, context)
        sockets.append(s)
        assert " 101 " in status, (i, status)
    opened = time.time() - started
    extra, status = _open_websocket(proxy.url, context)
    extra.close()
    log = proxy.log_text()
    print(f"{len(sockets)} websockets open from 127.0.0.1 after {opened:.1f} s; websocket {len(sockets) + 1}: "
          f"{status!r}; nginx: {log.count('limiting connections by zone')} refusal(s) logged")
    assert " 503 " in status, status
    assert 'limiting connections by zone "vision_conn_per_address"' in log
    sockets.pop().close()
    time.sleep(0.5)  # nginx sees the close
    again, status = _open_websocket(proxy.url, context)
    sockets.append(again)
    assert " 101 " in status, status


def test_render_and_install_refuse_half_a_tls_setting(tmp_path):
    cert, _ = self_signed_certificate(tmp_path)
    for args, message in ((["--tls-cert", str(cert)], "--tls-cert and --tls-key go together"),
                          (["--tls-cert", str(cert), "--tls-key", str(tmp_path / "none.pem")], "cannot read"),
                          (["--conn-per-address", "0"], "positive number")):
        done = subprocess.run([str(DEPLOY / "render-nginx.sh"), *args], capture_output=True, text=True)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
    # install.sh checks the same before it touches anything (TLS is a setting of its --proxy)
    for args, message in ((["--tls-key", str(cert)], "--tls-cert and --tls-key go together"),
                          (["--tls-cert", str(cert), "--tls-key", str(cert)], "add --proxy")):
        done = subprocess.run(["bash", str(DEPLOY / "install.sh"), "--prefix", str(tmp_path / "never"), *args],
                              capture_output=True, text=True)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert not (tmp_path / "never").exists()


@pytest.mark.browser
def test_home_page_over_https(proxies, playwright_driver):
    """Chromium opens the app over HTTPS (the test certificate accepted for this context only): the page draws,
    so the websocket works as wss:// through the proxy."""
    from tests.conftest import CHROMIUM

    tls, _, _, _ = proxies
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", f"--host-resolver-rules=MAP {DOMAIN} 127.0.0.1"])
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, ignore_https_errors=True)
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        sockets: list[str] = []
        tab.on("websocket", lambda ws: sockets.append(ws.url))
        tab.goto(tls.url.replace("127.0.0.1", DOMAIN))
        tab.get_by_text(INTRO_WORDS).first.wait_for()
        wait_idle(tab)
        print(f"websockets: {sockets}")
        assert any(u.startswith(f"wss://{DOMAIN}:") and u.endswith("/_stcore/stream") for u in sockets), sockets
        screenshot(tab, "proxy_https_home")
    finally:
        browser.close()

