"""Issue 26, every core used: the install chooses one UI process per core (memory permitting; see deploy/README.md)
and bin/serve-all (what the systemd unit and the Docker image run: components/serve.py --supervise) starts them,
health-checks each and restarts one; nginx from deploy/render-nginx.sh spreads visitors over them. Real processes of the install (the ``installed``
fixture of tests/deploy/conftest.py) and a real nginx, rendered with --upstream-header so that each response names the
process that served it: visitors reach every process, each visitor stays on its own (the vision_ui cookie: page,
static files, media of its reruns, the websocket), and a killed process is skipped by nginx and started again.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from components.home_cards import INTRO_WORDS, TITLE
from tests.conftest import screenshot, wait_idle
from tests.deploy.conftest import as_user, expected_ui_processes
from tests.deploy.deploy_helpers import Served, free_port, start_nginx, stop, wait_healthy


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports on 127.0.0.1."""
    for _ in range(200):
        first = free_port()
        if first + count > 65535:
            continue
        try:
            for port in range(first + 1, first + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free ports")


def ui_pids(log: Path) -> dict[int, int]:
    """{port: pid} of the UI processes bin/serve-all started last ("[serve] UI process on port P: pid X")."""
    return {int(m[1]): int(m[2]) for m in re.finditer(r"UI process on port (\d+): pid (\d+)", log.read_text())}


@pytest.fixture(scope="module")
def installed_server(installed, tmp_path_factory):
    """bin/serve-all as the service user (the install's VISION_UI_PROCESSES processes on consecutive free ports) and
    nginx in front of them, rendered with --upstream-header so each response names the process that served it."""
    prefix, _, _ = installed
    count = expected_ui_processes()
    first = free_ports(count)
    ports = list(range(first, first + count))
    log = tmp_path_factory.mktemp("installed") / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(as_user(str(prefix / "bin/serve-all"), STREAMLIT_SERVER_PORT=str(first)),
                                stdout=out, stderr=subprocess.STDOUT)
    app = Served(f"http://127.0.0.1:{first}", log, proc, {"ports": ports})
    try:
        for port in ports:
            wait_healthy(f"http://127.0.0.1:{port}", proc, log, timeout=180)
        proxy = start_nginx(f"127.0.0.1:{first}", tmp_path_factory.mktemp("installed-proxy"),
                            render_args=("--processes", str(count), "--upstream-header"))
    except Exception:
        stop(proc)
        raise
    print(f"{count} UI processes behind nginx: {ui_pids(log)} (port: pid)")
    yield proxy, app, prefix
    stop(proxy.proc)
    # runuser -> bin/serve-all (the supervisor) -> the UI processes: stopping runuser stops them all
    stop(proc)


def test_installed_healthcheck(installed_server):
    _, app, prefix = installed_server
    ports = app.extra["ports"]
    done = subprocess.run(as_user(str(prefix / "bin/healthcheck"), STREAMLIT_SERVER_PORT=str(ports[0])),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr  # every UI process answers
    done = subprocess.run(as_user(str(prefix / "bin/healthcheck"), str(ports[0]), str(free_port())),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "Connection refused" in done.stderr, done.stderr  # one port down: unhealthy


def _visit(proxy_url: str, path: str = "/", cookie: str | None = None) -> tuple[int, str, str | None]:
    """(status, the UI process's address that answered, the vision_ui cookie set) of one request through nginx."""
    port = int(proxy_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": f"vision_ui={cookie}"} if cookie else {})
        r = conn.getresponse()
        r.read()
        set_cookie = r.getheader("Set-Cookie", "")
        made = re.search(r"(?:^|, )vision_ui=([^;]+)", set_cookie)
        # nginx lists every address it tried ("A, B" when A refused the connection): the last one answered
        return r.status, r.getheader("X-Vision-Upstream", "").split(", ")[-1], made[1] if made else None
    finally:
        conn.close()


def _websocket_upstream(proxy_url: str, cookie: str) -> str:
    """The UI process a real websocket of this visitor reaches through nginx (101 expected)."""
    import base64

    port = int(proxy_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
                   f"Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
                   f"Sec-WebSocket-Protocol: streamlit\r\nCookie: vision_ui={cookie}\r\n\r\n").encode())
        head = s.recv(4096).decode(errors="replace")
    assert " 101 " in head.split("\r\n", 1)[0], head
    return re.search(r"X-Vision-Upstream: (\S+)", head)[1]


def _visitors(proxy_url: str, n: int) -> dict[str, str]:
    """{cookie: process address} of ``n`` fresh visitors (their first page load)."""
    seen = {}
    for _ in range(n):
        status, upstream, cookie = _visit(proxy_url)
        assert status == 200 and cookie and upstream, (status, upstream, cookie)
        seen[cookie] = upstream
    return seen


def test_visitors_reach_every_ui_process_and_stay_on_theirs(installed_server):
    """Fresh visitors (all from one address) spread over all UI processes; every later request of one visitor (page,
    static file, health, the websocket) reaches the process of its first response."""
    proxy, app, _ = installed_server
    ports = app.extra["ports"]
    seen = _visitors(proxy.url, 12 * len(ports))
    spread = Counter(seen.values())
    pids = ui_pids(app.log)
    by_process = {f"{a} (pid {pids[int(a.rsplit(':', 1)[1])]})": c for a, c in sorted(spread.items())}
    print(f"{len(seen)} fresh visitors over {len(ports)} UI processes: {by_process}")
    assert set(spread) == {f"127.0.0.1:{p}" for p in ports}, spread
    assert min(spread.values()) >= 2, spread
    static = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', urllib_get(f"{proxy.url}/"))[1]
    for cookie, upstream in list(seen.items())[: 3 * len(ports)]:
        for path in ("/", "/_stcore/health", f"/{static}", "/Digit_GAN"):
            status, answered, again = _visit(proxy.url, path, cookie)
            assert (status, answered, again) == (200, upstream, None), (path, status, answered, upstream)
        assert _websocket_upstream(proxy.url, cookie) == upstream


def urllib_get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


@pytest.mark.browser
def test_browser_reaches_the_installed_server_through_nginx(installed_server, chromium):
    proxy, app, prefix = installed_server
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    sockets = []
    served = []  # (status, UI process, url) of every response through the proxy
    tab.on("websocket", lambda ws: sockets.append(ws.url))
    tab.on("response", lambda r: served.append((r.status, r.headers.get("x-vision-upstream", ""), r.url))
           if r.url.startswith(proxy.url) else None)
    try:
        tab.goto(proxy.url)
        tab.get_by_text(TITLE).wait_for()
        tab.get_by_text(INTRO_WORDS).first.wait_for()
        wait_idle(tab)
        assert any(u.endswith("/_stcore/stream") for u in sockets)
        screenshot(tab, "installed_home")
        cookie = next(c["value"] for c in context.cookies() if c["name"] == "vision_ui")
        home = {u for _, u, _ in served}
        assert len(home) == 1 and home.pop() == _websocket_upstream(proxy.url, cookie), served
        # the admin page is not served through the proxy (VISION_ADMIN=local in the installed settings) ...
        tab.goto(f"{proxy.url}/Admin")
        tab.get_by_text("This page is not available here.").wait_for()
        # ... but on the app's own loopback port it is, and names the store the install made
        tab.goto(f"{app.url}/Admin")
        tab.get_by_text("entries present").first.wait_for()
        wait_idle(tab)
        body = tab.inner_text("body")
        assert str(prefix) in body or "entries present" in body
        # one page with a model: the DCGAN's weights ship in the repository, so this works on any store
        tab.goto(f"{proxy.url}/Digit_GAN")
        tab.get_by_text("Judge agrees with the requested digit").wait_for(timeout=180_000)
        wait_idle(tab, timeout_ms=180_000)
        # reruns of this session (a button): their new images are media of this session's process
        tab.get_by_role("button", name="Surprise me").click()
        wait_idle(tab, timeout_ms=180_000)
        tab.get_by_text("Judge agrees with the requested digit").wait_for(timeout=180_000)
        assert "Traceback" not in tab.inner_text("body")
        screenshot(tab, "installed_dcgan")
    finally:
        context.close()
    via_proxy = [(s, u, url) for s, u, url in served if u]
    media = [x for x in via_proxy if "/media/" in x[2] and "/static/" not in x[2]]  # this session's images
    processes = Counter(u for _, u, _ in via_proxy)
    print(f"one browser visitor: {len(via_proxy)} responses through the proxy ({len(media)} media) from {dict(processes)}")
    assert len(processes) == 1 and media, (processes, media)
    # (404s are Streamlit's own probes of /PAGE/_stcore/health on a deep link before it tries /_stcore/health)
    bad = [x for x in via_proxy if x[0] in (413, 429) or x[0] >= 500 or (x[0] == 404 and "/_stcore/" not in x[2])]
    assert not bad, bad
    assert "error id" not in app.log_text()


def test_a_killed_ui_process_is_skipped_and_restarted(installed_server):
    """SIGKILL one UI process: nginx answers its visitors and all new ones from the others; bin/serve-all starts it
    again, and new visitors reach it again."""
    proxy, app, _ = installed_server
    ports = app.extra["ports"]
    if len(ports) < 2:
        pytest.skip(f"one UI process on this host ({len(os.sched_getaffinity(0))} cores): nothing to route around")
    seen = _visitors(proxy.url, 8 * len(ports))
    victim = f"127.0.0.1:{ports[-1]}"
    cookie = next(c for c, u in seen.items() if u == victim)
    old_pid = ui_pids(app.log)[ports[-1]]
    os.kill(old_pid, signal.SIGKILL)
    killed = time.time()
    status, answered, _ = _visit(proxy.url, "/", cookie)
    assert status == 200 and answered != victim, (status, answered)  # its visitor: another process
    during = _visitors(proxy.url, 20)
    print(f"pid {old_pid} on {victim} killed; 20 new visitors meanwhile: {dict(Counter(during.values()))}")
    assert victim not in during.values()
    deadline = time.time() + 180
    while ui_pids(app.log).get(ports[-1]) == old_pid and time.time() < deadline:
        time.sleep(0.5)
    new_pid = ui_pids(app.log)[ports[-1]]
    assert new_pid != old_pid, app.log_text()[-2000:]
    wait_healthy(f"http://127.0.0.1:{ports[-1]}", app.proc, app.log, timeout=180)
    print(f"restarted as pid {new_pid}, healthy {time.time() - killed:.1f} s after the kill")
    assert re.search(rf"port {ports[-1]} \(pid {old_pid}\) exited with -9", app.log_text())
    time.sleep(11)  # nginx's fail_timeout=10s: then it tries the process again
    after = Counter(_visitors(proxy.url, 12 * len(ports)).values())
    print(f"after the restart: {dict(after)}")
    assert victim in after, after



def test_launcher_supervises_its_ui_processes(tmp_path):
    """``components.serve --supervise`` without an install (seconds, a one-line app): VISION_UI_PROCESSES servers on
    consecutive ports, one killed is started again after 5 s, one that stops answering (SIGSTOP: alive, no health
    answers) is killed after 3 failed health checks and started again, SIGTERM stops them all."""
    import sys

    from tests.deploy.deploy_helpers import PRODUCTION_ENV, ROOT

    (tmp_path / "tiny.py").write_text("import streamlit as st\nst.write('tiny')\n")
    first = free_ports(2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env.update(PYTHONPATH=str(ROOT), VISION_UI_PROCESSES="2", STREAMLIT_SERVER_PORT=str(first),
               VISION_UI_HEALTH_INTERVAL_S="1")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "components.serve", "--env-file", str(PRODUCTION_ENV),
                                 "--supervise", "tiny.py"], cwd=tmp_path, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        for port in (first, first + 1):
            wait_healthy(f"http://127.0.0.1:{port}", proc, log, timeout=60)
        pids = ui_pids(log)
        assert sorted(pids) == [first, first + 1], log.read_text()
        os.kill(pids[first + 1], signal.SIGKILL)
        deadline = time.time() + 60
        while ui_pids(log)[first + 1] == pids[first + 1] and time.time() < deadline:
            time.sleep(0.2)
        wait_healthy(f"http://127.0.0.1:{first + 1}", proc, log, timeout=60)
        restarted = ui_pids(log)[first + 1]
        print(f"UI processes {pids}; pid {pids[first + 1]} killed, restarted as {restarted}")
        assert restarted != pids[first + 1] and ui_pids(log)[first] == pids[first]
        # a hung process: alive but not answering; the supervisor's health checks kill it and start it again
        os.kill(pids[first], signal.SIGSTOP)
        stopped = time.time()
        deadline = time.time() + 60
        while ui_pids(log)[first] == pids[first] and time.time() < deadline:
            time.sleep(0.2)
        wait_healthy(f"http://127.0.0.1:{first}", proc, log, timeout=60)
        revived = ui_pids(log)[first]
        text = log.read_text()
        print(f"pid {pids[first]} stopped (SIGSTOP), killed after failed health checks and restarted as {revived}, "
              f"healthy {time.time() - stopped:.1f} s later")
        assert revived != pids[first] and f"(pid {pids[first]}) failed 3 health checks in a row: killed" in text, text
        assert ui_pids(log)[first + 1] == restarted  # the other process kept serving
        proc.terminate()
        assert proc.wait(30) == 0
        for pid in (revived, restarted):
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    finally:
        stop(proc)
