"""Start, wait for and stop a local app server: the one copy used by the benches and the tests.

``start_streamlit`` runs ``streamlit run app.py`` headless on 127.0.0.1 (any extra arguments after it);
``wait_healthy`` polls ``/_stcore/health`` until it answers 200, failing early with the log's tail when the
process exits; ``stop`` terminates, then kills after a grace period.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_streamlit(
    port: int, log: IO[Any], env: Mapping[str, str] | None = None, cwd: Path = ROOT, extra: Sequence[str] = ()
) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on 127.0.0.1:``port`` (headless), output into ``log``; returns (process, base URL).

    Does not wait: call :func:`wait_healthy`.
    """
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", *extra]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=dict(env or os.environ))
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(
    url: str, proc: subprocess.Popen, log: Path, timeout: float = 120, context: ssl.SSLContext | None = None
) -> None:
    """Return once ``url``/_stcore/health answers 200; RuntimeError (with the log's tail) if ``proc`` exits first or
    ``timeout`` seconds pass (then ``proc`` is killed)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited early ({proc.returncode}):\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=3, context=context) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{url} not healthy in {timeout:.0f} s:\n{_tail(log)}")


def stop(proc: subprocess.Popen, grace_s: float = 15) -> None:
    """Terminate ``proc``; kill it if it is still there after ``grace_s`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-4000:]
    except OSError:
        return "(no log)"
