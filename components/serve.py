"""Production launcher: ``python -m components.serve [--env-file FILE] [--supervise] [APP] [streamlit run options…]``.

What ``deploy/`` starts (systemd unit, Docker image, the proxy tests) instead of a bare ``streamlit run``:

1. reads the production settings from an environment file (``--env-file``, else ``$VISION_ENV_FILE``, else none):
   ``KEY=VALUE`` lines (the format of systemd's ``EnvironmentFile=`` and Compose's ``env_file:``); a variable already
   set in the environment wins, so ``docker run -e`` and systemd overrides keep working;
2. installs :func:`components.errors.install_global_handler`: an uncaught exception in a page is logged with an id
   and the visitor sees only that id;
3. runs ``streamlit run APP`` (default ``app.py``) in this process.

With ``--supervise`` (``bin/serve-all``: what the systemd unit and the Docker image run) it runs
``$VISION_UI_PROCESSES`` such servers as child processes, on the ports ``STREAMLIT_SERVER_PORT``, ``+1``, … (nginx
spreads visitors over them: a Streamlit process runs Python one thread at a time, so one process uses about one
core). Each child is health-checked on its own ``/_stcore/health`` every ``$VISION_UI_HEALTH_INTERVAL_S`` seconds
(default 10): one that fails :data:`HEALTH_FAILURES` checks in a row after answering once, or has not answered
:data:`START_GRACE_S` seconds after its start, is killed. A child that exits (or is killed) is started again after
:data:`RESTART_S` seconds while the others keep serving; SIGTERM/SIGINT stop them all.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ENV_FILE_VAR = "VISION_ENV_FILE"
PROCESSES_VAR = "VISION_UI_PROCESSES"
HEALTH_INTERVAL_VAR = "VISION_UI_HEALTH_INTERVAL_S"
RESTART_S = 5.0
HEALTH_FAILURES = 3
START_GRACE_S = 180.0


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines; ``#`` comments and blank lines skipped; one level of quotes removed."""
    values: dict[str, str] = {}
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        if not sep or not key.replace("_", "").isalnum():
            raise ValueError(f"{path}:{n}: not a KEY=VALUE line: {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = shlex.split(value)[0]
        values[key] = value
    return values


def apply_env_file(path: Path) -> dict[str, str]:
    values = read_env_file(path)
    for key, value in values.items():
        os.environ.setdefault(key, value)
    return values


def ui_ports() -> list[int]:
    """The UI processes' ports: ``$VISION_UI_PROCESSES`` (default 1) consecutive ports from ``$STREAMLIT_SERVER_PORT``
    (default 8501). Raises ValueError on a count below 1 or a port out of range."""
    count = int(os.environ.get(PROCESSES_VAR, "1"))
    first = int(os.environ.get("STREAMLIT_SERVER_PORT", "8501"))
    if count < 1 or not 0 < first <= 65536 - count:
        raise ValueError(f"{PROCESSES_VAR}={count} from port {first}: need at least 1 process and ports up to 65535")
    return [first + i for i in range(count)]


def _log(message: str) -> None:
    print(f"[serve] {message}", file=sys.stderr, flush=True)


def healthy(port: int, timeout: float) -> bool:
    """Whether the UI process on ``port`` answers ``/_stcore/health`` with 200 within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def supervise(app: str, args: list[str]) -> int:
    """Runs one ``python -m components.serve`` child per port of :func:`ui_ports` until SIGTERM/SIGINT; health-checks
    each, kills one that stops answering and restarts a child that exits. Returns 0 after a requested stop."""
    ports = ui_ports()
    interval = float(os.environ.get(HEALTH_INTERVAL_VAR, "10"))
    if interval <= 0:
        raise ValueError(f"{HEALTH_INTERVAL_VAR}={interval}: need a positive number of seconds")
    cmd = [sys.executable, "-m", "components.serve", app, *args]
    children: dict[int, subprocess.Popen] = {}
    started_at: dict[int, float] = {}
    answered: dict[int, bool] = {}  # answered a health check since its start
    failures: dict[int, int] = {}  # failed checks in a row
    exited_at: dict[int, float] = {}
    next_check = time.monotonic() + interval
    checker = ThreadPoolExecutor(len(ports), thread_name_prefix="health")
    stopping = False

    def start(port: int) -> None:
        children[port] = subprocess.Popen([*cmd, "--server.port", str(port)])
        started_at[port], answered[port], failures[port] = time.monotonic(), False, 0
        _log(f"UI process on port {port}: pid {children[port].pid}")

    def check_health() -> None:
        running = [p for p, c in children.items() if c.poll() is None]
        results = checker.map(lambda p: healthy(p, min(interval, 4.0)), running)
        now = time.monotonic()
        for port, ok in zip(running, results, strict=True):
            child = children[port]
            if ok:
                answered[port], failures[port] = True, 0
                continue
            failures[port] += 1
            if answered[port] and failures[port] >= HEALTH_FAILURES:
                why = f"failed {failures[port]} health checks in a row"
            elif not answered[port] and now - started_at[port] >= START_GRACE_S:
                why = f"did not answer its health check within {START_GRACE_S:.0f} s of its start"
            else:
                continue
            _log(f"UI process on port {port} (pid {child.pid}) {why}: killed")
            child.kill()

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    _log(f"{len(ports)} UI processes on ports {ports[0]}-{ports[-1]}")
    for port in ports:
        start(port)
    while not stopping:
        time.sleep(0.2)
        if time.monotonic() >= next_check:
            check_health()
            next_check = time.monotonic() + interval
        for port, child in list(children.items()):
            code = child.poll()
            if code is None:
                continue
            if port not in exited_at:
                exited_at[port] = time.monotonic()
                _log(f"UI process on port {port} (pid {child.pid}) exited with {code}; restart in {RESTART_S:.0f} s")
            elif time.monotonic() - exited_at[port] >= RESTART_S:
                del exited_at[port]
                start(port)
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 25  # Streamlit stops in a second or two; 25 s is under the unit's TimeoutStopSec
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    checker.shutdown(wait=False)
    _log("stopped")
    return 0


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    env_file = os.environ.get(ENV_FILE_VAR)
    if args[:1] == ["--env-file"]:
        env_file, args = args[1], args[2:]
    if env_file:
        apply_env_file(Path(env_file))
    supervised = args[:1] == ["--supervise"]
    if supervised:
        args = args[1:]
    app = "app.py"
    if args and not args[0].startswith("-"):
        app, args = args[0], args[1:]
    if supervised:
        sys.exit(supervise(app, args))

    from components.errors import install_global_handler

    install_global_handler()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", app, *args]
    cli.main()


if __name__ == "__main__":
    main()
