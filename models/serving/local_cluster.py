"""A private Ray cluster on 127.0.0.1 with the Serve application deployed from ``deploy/ray/serve_config.yaml``.

What the tests and ``bench/bench_serving.py`` start, and a one-VM way to try the served mode::

    python -m models.serving.local_cluster --cpus 2        # prints VISION_SERVE_ADDRESS=…, Ctrl-C stops all

Bounded: ``--num-cpus``, ``--memory``, a 200 MB object store, no dashboard, its own temp folder and free ports,
so it neither collides with another cluster on the host nor outlives its owner: :meth:`LocalCluster.stop` ends
the processes it started (its process group, then any process still naming its temp folder), never others.

Private: every Ray port listens on 127.0.0.1 only. ``ray start`` rewrites ``--node-ip-address=127.0.0.1`` to the
host's outward address (``resolve_ip_for_localhost``), and then the GCS, the raylet and the metrics servers listen
on ``*``; ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (Ray's single-node switch: no other node may join, which a
one-VM cluster never needs) keeps 127.0.0.1, and with it every component binds loopback (``ss -ltnp`` checked in
tests/deploy/test_serving.py). Ray's own token authentication is on (``RAY_AUTH_MODE=token``, a fresh
``RAY_AUTH_TOKEN`` per cluster), and the Serve application gets its shared secret (``VISION_SERVE_TOKEN``: the
caller's, else a fresh one; :attr:`LocalCluster.token`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

import models.serving.auth as auth

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "ray" / "serve_config.yaml"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin(name: str) -> str:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


class LocalCluster:
    """``ray start --head`` (blocking, in its own process group) + ``serve run --non-blocking CONFIG``."""

    def __init__(
        self,
        num_cpus: int = 2,
        memory_bytes: int = 6 * 1024**3,
        object_store_bytes: int = 200 * 1024**2,
        config: Path = CONFIG,
        env: dict[str, str] | None = None,
        http_port: int | None = None,
        overrides: dict | None = None,
    ):
        self.num_cpus, self.memory_bytes, self.object_store_bytes = num_cpus, memory_bytes, object_store_bytes
        self.config = Path(config)
        self.gcs_port = free_port()
        self.http_port = http_port or free_port()
        self.temp_dir = tempfile.mkdtemp(prefix="rayv_", dir="/tmp")  # short: Ray's socket paths have a limit
        self.overrides = overrides or {}
        self.token = (env or {}).get(auth.TOKEN_ENV) or os.environ.get(auth.TOKEN_ENV) or secrets.token_hex(32)
        self.ray_env = {  # what a driver (ray.init, serve run) needs to talk to this cluster
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": secrets.token_hex(32),
            "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # keep 127.0.0.1 as the node address (see the module doc)
        }
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "RAY_USAGE_STATS_ENABLED": "0",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RAY_DEDUP_LOGS": "1",
            # Fixed defaults (44217, 44227) would collide with another cluster on the host.
            "AUTOSCALER_METRIC_PORT": str(free_port()),
            "DASHBOARD_METRIC_PORT": str(free_port()),
            **self.ray_env,
            **(env or {}),
            auth.TOKEN_ENV: self.token,
        }
        self._head: subprocess.Popen | None = None
        self.log = Path(self.temp_dir) / "head.log"

    @property
    def address(self) -> str:
        """The Ray GCS address (``ray.init(address=…)``)."""
        return f"127.0.0.1:{self.gcs_port}"

    @property
    def serve_address(self) -> str:
        """What ``VISION_SERVE_ADDRESS`` should be."""
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout_s: float = 90.0) -> LocalCluster:
        """Start the Ray head on 127.0.0.1 and wait until it is up.

        Raises RuntimeError when ``ray start`` exits, TimeoutError after ``timeout_s``.
        """
        cmd = [
            _bin("ray"),
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={self.gcs_port}",
            f"--num-cpus={self.num_cpus}",
            "--num-gpus=0",
            f"--memory={self.memory_bytes}",
            f"--object-store-memory={self.object_store_bytes}",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={self.temp_dir}",
            f"--ray-client-server-port={free_port()}",
            f"--dashboard-agent-listen-port={free_port()}",
        ]
        with open(self.log, "wb") as log:
            self._head = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True, cwd=ROOT
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._head.poll() is not None:
                raise RuntimeError(f"ray start exited ({self._head.returncode}):\n{self.log.read_text()[-3000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.gcs_port)) == 0 and "Ray runtime started" in self.log.read_text():
                    return self
            time.sleep(0.5)
        raise TimeoutError(f"the Ray head did not start in {timeout_s:.0f} s:\n{self.log.read_text()[-3000:]}")

    def config_for_here(self, apps: list[str] | None = None) -> Path:
        """Write the Serve config for this cluster.

        The config file with this cluster's HTTP port, only ``apps`` (default all), and any ``overrides`` per
        application name: ``{"style": {"args": {...}, "deployment": {"num_replicas": 2}}}``.
        """
        cfg = yaml.safe_load(self.config.read_text())
        if apps is not None:
            cfg["applications"] = [a for a in cfg["applications"] if a["name"] in apps]
        cfg["http_options"]["port"] = self.http_port
        cfg["http_options"]["host"] = "127.0.0.1"
        for app in cfg["applications"]:
            over = self.overrides.get(app["name"])
            if over:
                app.setdefault("args", {}).update(over.get("args", {}))
                for d in app.get("deployments", []):
                    d.update(over.get("deployment", {}))
                    if "num_replicas" in d:
                        d.pop("autoscaling_config", None)
        path = Path(self.temp_dir) / "serve_config.yaml"
        path.write_text(yaml.safe_dump(cfg, sort_keys=False))
        return path

    def deploy(self, timeout_s: float = 600.0, apps: list[str] | None = None) -> None:
        """Deploy the config and wait until it answers.

        ``serve run --non-blocking`` the config (applications not in it are removed), then wait until every
        application answers ``GET …/info``.
        """
        path = self.config_for_here(apps)
        subprocess.run(
            [_bin("serve"), "run", "--non-blocking", "-a", self.address, str(path)],
            check=True,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout_s,
        )
        self.wait_ready([a["name"] for a in yaml.safe_load(path.read_text())["applications"]], timeout_s)

    def wait_ready(self, capabilities: list[str], timeout_s: float = 600.0) -> None:
        """Wait until each of ``capabilities`` answers ``GET …/info``; raises TimeoutError after ``timeout_s``."""
        import requests

        deadline = time.monotonic() + timeout_s
        waiting = list(capabilities)
        while waiting and time.monotonic() < deadline:
            for cap in list(waiting):
                try:
                    r = requests.get(f"{self.serve_address}/{cap}/info", headers=auth.header(self.token), timeout=5)
                    if r.status_code == 200:
                        waiting.remove(cap)
                except requests.RequestException:
                    pass
            if waiting:
                time.sleep(1.0)
        if waiting:
            raise TimeoutError(f"not ready after {timeout_s:.0f} s: {', '.join(waiting)}")

    def stop(self) -> None:
        """Stop the Ray head's process group (SIGTERM, then SIGKILL after 30 s) and delete the temp folder."""
        if self._head is not None and self._head.poll() is None:
            try:
                os.killpg(self._head.pid, signal.SIGTERM)
                self._head.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._head.pid, signal.SIGKILL)
        # Anything that left the process group but still names our temp folder is ours.
        for pid in _pids_mentioning(self.temp_dir):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def pids(self) -> list[int]:
        """The processes of this cluster.

        The head's session (``start_new_session``: the GCS, raylet, agents and the workers, whose command lines Ray
        renames to ``ray::…``), and any process naming its temp folder.
        """
        if self._head is None:
            return []
        found = set(_pids_mentioning(self.temp_dir)) | {self._head.pid}
        for entry in Path("/proc").iterdir():
            try:  # field 6 of /proc/PID/stat is the session id; the name field (2) may hold spaces
                if (
                    entry.name.isdigit()
                    and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3]) == self._head.pid
                ):
                    found.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
        return sorted(found)

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _pids_mentioning(text: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if text.encode() in (entry / "cmdline").read_bytes():
                out.append(int(entry.name))
        except OSError:
            pass
    return out


def main(argv: list[str] | None = None) -> int:
    """Start a cluster with the application deployed and keep it up until Ctrl-C; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--memory-gb", type=float, default=6.0)
    p.add_argument("--http-port", type=int, default=8000)
    args = p.parse_args(argv)
    cluster = LocalCluster(args.cpus, int(args.memory_gb * 1024**3), http_port=args.http_port)
    try:
        cluster.start()
        print(f"Ray head at {cluster.address}; deploying {CONFIG.relative_to(ROOT)} …", flush=True)
        cluster.deploy()
        print(f"VISION_SERVE_ADDRESS={cluster.serve_address}", flush=True)
        if not os.environ.get(auth.TOKEN_ENV):  # generated here: the UI server needs it
            print(f"{auth.TOKEN_ENV}={cluster.token}", flush=True)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
