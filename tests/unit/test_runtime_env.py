"""models/runtime.py: TensorFlow's CUDA probe is quiet on CPU-only hosts and a GPU host is left as it is."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from models.runtime import LOG_LEVEL_ENV, configure_tf_logging, nvidia_present
from tests.conftest import ROOT


def test_nvidia_detection_from_its_inputs(tmp_path):
    driver = tmp_path / "driver_nvidia"
    assert not nvidia_present(driver, which=lambda _name: None)  # CPU host: no /proc folder, no tool
    driver.mkdir()
    assert nvidia_present(driver, which=lambda _name: None)  # the kernel driver is loaded
    assert nvidia_present(tmp_path / "absent", which=lambda name: f"/usr/bin/{name}")  # the tool is installed


def test_gpu_host_keeps_its_gpu_and_default_level():
    env: dict[str, str] = {}
    assert configure_tf_logging(env, nvidia=True) == "2"
    assert env == {LOG_LEVEL_ENV: "2"}  # no CUDA_VISIBLE_DEVICES: nothing hides the GPU
    env = {"CUDA_VISIBLE_DEVICES": "0"}
    configure_tf_logging(env, nvidia=True)
    assert env["CUDA_VISIBLE_DEVICES"] == "0"


def test_cpu_host_hides_the_probe_error_and_an_operator_value_wins():
    env: dict[str, str] = {}
    assert configure_tf_logging(env, nvidia=False) == "3"
    assert "CUDA_VISIBLE_DEVICES" not in env
    env = {LOG_LEVEL_ENV: "0"}
    assert configure_tf_logging(env, nvidia=False) == "0"  # someone debugging TensorFlow asked for everything


@pytest.mark.skipif(nvidia_present(), reason="this host has an NVIDIA device: the probe succeeds")
def test_importing_tensorflow_through_the_runtime_prints_no_cuinit_line():
    env = {k: v for k, v in os.environ.items() if k != LOG_LEVEL_ENV}  # as a fresh shell: nothing set
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", "import models.runtime as r; r.tf().constant(1.0) + 1.0"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True)
    print(done.stderr)
    assert "cuInit" not in done.stderr and "(303)" not in done.stderr
