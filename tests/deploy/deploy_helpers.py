"""Helpers for the deployment tests: the app started with the production settings, and nginx in front of it.

nginx runs as a private instance (``nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'``) on 127.0.0.1 with a free
non-privileged port, from the configuration ``deploy/render-nginx.sh --standalone`` renders: the same template a
VM or the Compose proxy uses.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.appserver import free_port, stop, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PRODUCTION_ENV = DEPLOY / "production.env"
HOOK_PAGES = ROOT / "tests" / "deploy" / "hook_pages"
IN_CI = os.environ.get("VISION_CI") == "1"


def nginx_binary() -> str:
    """Path of nginx; skips (outside CI) or fails (in CI, where .ci/setup --test installs it) when absent."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found:
        return found
    message = "nginx is not installed (apt-get install -y nginx; `bash .ci/setup --test` does it)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def app_tree_with_hooks(dest: Path) -> Path:
    """A folder that serves the real app plus the test-only hook pages (never part of a production install)."""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "app.py", dest / "app.py")  # a copy: Streamlit finds pages/ next to the main script
    for name in ("components", "models", ".streamlit"):
        (dest / name).symlink_to(ROOT / name)
    pages = dest / "pages"
    pages.mkdir()
    for page in sorted((ROOT / "pages").glob("*.py")) + sorted(HOOK_PAGES.glob("*.py")):
        (pages / page.name).symlink_to(page)
    (dest / "static").mkdir()
    (dest / "static" / "probe.txt").write_text("static-probe: served only when server.enableStaticServing is on\n")
    return dest


@dataclass
class Served:
    url: str
    log: Path
    proc: subprocess.Popen
    extra: dict = field(default_factory=dict)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def start_production_app(python: str, app_dir: Path, log: Path, env_file: Path = PRODUCTION_ENV,
                         env: dict | None = None, user_cmd: list[str] | None = None,
                         address: str = "127.0.0.1") -> Served:
    """``python -m components.serve --env-file …`` in ``app_dir``, on ``address`` and a free port (the URL is
    always the loopback one)."""
    port = free_port()
    cmd = [python, "-m", "components.serve", "--env-file", str(env_file), "app.py",
           "--server.port", str(port), "--server.address", address]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    full_env.update(env or {})
    with log.open("wb") as out:
        proc = subprocess.Popen((user_cmd or []) + cmd, cwd=app_dir, stdout=out, stderr=subprocess.STDOUT,
                                env=full_env)
    served = Served(f"http://127.0.0.1:{port}", log, proc)
    try:
        wait_healthy(served.url, proc, log)
    except Exception:
        stop(proc)
        raise
    return served


def self_signed_certificate(folder: Path, names: tuple[str, ...] = ("vision-demo.test",)) -> tuple[Path, Path]:
    """(cert.pem, key.pem): a throw-away self-signed certificate for ``names`` and 127.0.0.1, made by openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    san = ",".join([f"DNS:{n}" for n in names] + ["IP:127.0.0.1"])
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    f"/CN={names[0]}", "-addext", f"subjectAltName={san}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def start_nginx(upstream: str, workdir: Path, tls: tuple[Path, Path] | None = None,
                render_args: tuple[str, ...] = ()) -> Served:
    """A private nginx on 127.0.0.1:<free port> in front of ``upstream`` (host:port).

    With ``tls`` (cert, key): HTTPS on a second free port (``Served.url`` is https://…), and the first port only
    redirects to it (``extra["http_url"]``); ``extra["context"]`` is an SSL context that trusts only that cert.
    """
    binary = nginx_binary()
    port = free_port()
    prefix = workdir / "nginx"
    args = [str(DEPLOY / "render-nginx.sh"), "--standalone", str(prefix), "--upstream", upstream,
            "--listen", f"127.0.0.1:{port}", *render_args]
    url, context = f"http://127.0.0.1:{port}", None
    if tls:
        https_port = free_port()
        args += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1]), "--https-listen", f"127.0.0.1:{https_port}"]
        url, context = f"https://127.0.0.1:{https_port}", ssl.create_default_context(cafile=str(tls[0]))
    subprocess.run(args, check=True, capture_output=True)
    tmp = prefix / "tmp"
    tmp.chmod(0o777)  # nginx started as root runs its workers as nobody: they buffer into this folder
    log = prefix / "stdout.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                                stdout=out, stderr=subprocess.STDOUT)
    served = Served(url, prefix / "error.log", proc,
                    {"prefix": prefix, "http_url": f"http://127.0.0.1:{port}", "context": context})
    try:
        wait_healthy(served.url, proc, log, timeout=30, context=context)
    except Exception:
        stop(proc)
        raise
    return served
