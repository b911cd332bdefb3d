"""Shared fixtures of the deployment tests: deploy/install.sh run once per test session as the non-root user
``vision-ci`` into a temporary prefix from a wheelhouse of the pinned requirements (test_deploy_install.py checks the
install, test_deploy_processes.py serves it)."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import SHARED_ASSETS
from tests.deploy.deploy_helpers import IN_CI, ROOT, nginx_binary

SERVICE_USER = "vision-ci"
WHEELHOUSE = Path(os.environ.get("VISION_WHEELHOUSE", "/var/cache/vision-playground/wheelhouse"))
SOURCES = ("app.py", "pages", "components", "models", ".streamlit", "requirements.txt", "deploy")


def _skip_or_fail(message: str):
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def ensure_wheelhouse() -> Path:
    """Wheels of exactly requirements.txt (pinned), built once; a stamp holds the requirements' sha256."""
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    stamp = WHEELHOUSE / "requirements.sha256"
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return WHEELHOUSE
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    print(f"building the wheelhouse {WHEELHOUSE} (once per requirements.txt)")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check",
                           "-r", str(ROOT / "requirements.txt"), "-w", str(WHEELHOUSE)],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        _skip_or_fail(f"could not build the wheelhouse (offline?): {done.stderr[-1500:]}")
    for p in [WHEELHOUSE, *WHEELHOUSE.iterdir()]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    stamp.write_text(digest + "\n")
    return WHEELHOUSE


def ensure_service_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", SERVICE_USER], check=True)
        return pwd.getpwnam(SERVICE_USER)


def as_user(*cmd: str, **env: str) -> list[str]:
    """A command run as the non-root test user with a clean environment (what a fresh login has)."""
    base = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8", "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    base.update(env)
    return ["runuser", "-u", SERVICE_USER, "--", "env", "-i", *[f"{k}={v}" for k, v in base.items()], *cmd]


def expected_ui_processes() -> int:
    """The UI process count of the rule deploy/README.md states, from this host's cores and RAM: one per core, at
    least 1, at most as many as 75 % of RAM holds at 3 GiB each."""
    cores = len(os.sched_getaffinity(0))
    total_kib = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                         if ln.startswith("MemTotal:")))
    budget_kib = total_kib * 75 // 100
    return max(1, min(cores, budget_kib // (3 * 1024 * 1024)))


@pytest.fixture(scope="session")
def installed():
    """(prefix, install log): deploy/install.sh run by a non-root user into a temporary prefix."""
    if os.geteuid() != 0:
        _skip_or_fail("needs root to create the non-root service user and hand it a prefix (CI runs as root)")
    if not shutil.which("runuser"):
        _skip_or_fail("runuser (util-linux) is missing")
    if not Path("/usr/bin/python3").exists():
        _skip_or_fail("Debian's /usr/bin/python3 is missing (apt-get install -y python3 python3-venv)")
    nginx_binary()
    wheelhouse = ensure_wheelhouse()
    user = ensure_service_user()
    work = Path(tempfile.mkdtemp(prefix="vision-install-"))
    work.chmod(0o755)
    try:
        # The sources the script installs from, readable by the user wherever the checkout lives.
        src = work / "src"
        src.mkdir()
        for name in SOURCES:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(path, src / name)
        prefix = work / "prefix"
        prefix.mkdir()
        os.chown(prefix, user.pw_uid, user.pw_gid)
        store = SHARED_ASSETS if SHARED_ASSETS.is_dir() else prefix / "store"
        cmd = as_user("bash", str(src / "deploy" / "install.sh"), "--prefix", str(prefix), "--wheelhouse",
                      str(wheelhouse), "--offline", "--store", str(store), "--python", "/usr/bin/python3")
        print("$", " ".join(cmd))
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
        log = done.stdout + done.stderr
        print(log[-6000:])
        assert done.returncode == 0, log[-4000:]
        yield prefix, log, store
    finally:
        shutil.rmtree(work, ignore_errors=True)

