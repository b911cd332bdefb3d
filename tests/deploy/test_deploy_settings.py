"""The production settings (deploy/production.env), the launcher (components/serve.py) and error ids
(components/errors.py), without a server."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from components.errors import error_boundary, log_error
from components.serve import apply_env_file, read_env_file
from tests.deploy.deploy_helpers import PRODUCTION_ENV, ROOT

EXPECTED = {
    "client.showErrorDetails": "none",
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.enableStaticServing": False,
    "browser.gatherUsageStats": False,
    "server.headless": True,
    "client.toolbarMode": "viewer",
    "server.maxUploadSize": 200,  # from .streamlit/config.toml, the one place it is set
}


def _config_show(env: dict) -> dict:
    """Effective options as `streamlit config show` prints them (env vars reach Streamlit through its CLI)."""
    import tomllib

    out = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    values, section, set_here = {}, "", set()
    for line in out.splitlines():
        if m := re.match(r"^\[(\w+)\]$", line):
            section = m[1]
        elif m := re.match(r"^(# )?(\w+) = (.+)$", line):
            key = f"{section}.{m[2]}"
            if m[1] and key in set_here:
                continue
            try:
                values[key] = tomllib.loads(f"v = {m[3]}")["v"]
            except tomllib.TOMLDecodeError:
                continue
            if not m[1]:
                set_here.add(key)
    return values


def test_every_streamlit_variable_names_a_real_option_and_takes_effect():
    """A misspelt STREAMLIT_* variable would be ignored silently: each must be an option of the installed Streamlit,
    and `streamlit config show` under the production environment shows the intended values."""
    env = read_env_file(PRODUCTION_ENV)
    names = [k for k in env if k.startswith("STREAMLIT_")]
    known = subprocess.run(
        [sys.executable, "-c", "from streamlit import config; print(*(o.env_var for o in config.get_config_options().values()))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert [n for n in names if n not in known] == []
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    effective = _config_show({**clean, **env})
    assert {k: effective.get(k) for k in EXPECTED} == EXPECTED
    assert "STREAMLIT_SERVER_MAX_UPLOAD_SIZE" not in env


def test_env_file_parsing_and_precedence(tmp_path, monkeypatch):
    f = tmp_path / "x.env"
    f.write_text("# comment\n\nA=1\nexport B='two words'\nC=\"q\"\nD=already\n")
    assert read_env_file(f) == {"A": "1", "B": "two words", "C": "q", "D": "already"}
    monkeypatch.setenv("D", "from the environment")
    for k in "ABC":
        monkeypatch.delenv(k, raising=False)
    apply_env_file(f)
    assert os.environ["A"] == "1" and os.environ["D"] == "from the environment"  # the environment wins
    f.write_text("not a setting\n")
    with pytest.raises(ValueError, match="not a KEY=VALUE line"):
        read_env_file(f)


def test_log_error_gives_an_id_and_logs_the_traceback(caplog):
    caplog.set_level(logging.ERROR, logger="vision.errors")
    try:
        raise KeyError("inner detail")
    except KeyError as ex:
        error_id = log_error(ex, "unit test")
    assert re.fullmatch(r"[0-9A-F]{10}", error_id)
    record = next(r for r in caplog.records if error_id in r.getMessage())
    assert "KeyError" in record.getMessage() and "inner detail" in record.getMessage() and record.exc_info


def _page_with_boundary():
    import streamlit as st

    from components.errors import error_boundary

    st.write("before")
    with error_boundary("the model step"):
        raise ValueError("secret-internal-detail")
    st.write("after: the rest of the page still runs")


def test_error_boundary_shows_only_the_id_and_the_page_goes_on():
    at = AppTest.from_function(_page_with_boundary).run()
    assert not at.exception
    assert len(at.error) == 1 and re.search(r"quote error id \*\*[0-9A-F]{10}\*\*", at.error[0].value)
    assert "secret-internal-detail" not in at.error[0].value
    assert [m.value for m in at.markdown][-1] == "after: the rest of the page still runs"


def test_error_boundary_lets_streamlit_control_flow_through():
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    with pytest.raises(StopException), error_boundary():
        raise StopException()


def test_deploy_scripts_pass_shellcheck():
    """deploy/*.sh are run as root on fresh hosts: lint them when shellcheck (Debian package) is installed."""
    import shutil

    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed (apt-get install -y shellcheck)")
    scripts = [str(ROOT / "deploy" / name) for name in ("install.sh", "render-nginx.sh")]
    done = subprocess.run(["shellcheck", *scripts], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
