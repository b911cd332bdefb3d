"""Shared test set-up.

- Downloads are disabled (``VISION_OFFLINE=1``): tests never touch the network.
- ``VISION_STORE`` points at ``../shared/assets`` when that folder exists (CI does the same), else at an
  empty temporary store; tests that need real weights use the ``shared_assets`` fixture, which skips with
  a reason when the folder is absent.
- Browser tests (``@pytest.mark.browser``) share one ``streamlit run`` server on 127.0.0.1 and one
  headless Debian Chromium driven by Playwright; screenshots go to ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from bench.appserver import free_port, start_streamlit, stop, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
SHARED_ASSETS = Path(os.environ.get("VISION_SHARED_ASSETS", ROOT.parent / "shared" / "assets")).resolve()
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

os.environ["VISION_OFFLINE"] = "1"
import models.runtime  # noqa: E402, F401 - sets TensorFlow's log level for this host before any test imports it

if "VISION_STORE" not in os.environ:
    os.environ["VISION_STORE"] = str(SHARED_ASSETS) if SHARED_ASSETS.is_dir() else tempfile.mkdtemp(prefix="store-")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Chromium against a streamlit server")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


@pytest.fixture(scope="session")
def shared_assets() -> Path:
    if not SHARED_ASSETS.is_dir():
        pytest.skip(f"real weights not available: {SHARED_ASSETS} is absent")
    return SHARED_ASSETS


@pytest.fixture
def empty_store(tmp_path, monkeypatch) -> Path:
    """A store with nothing in it, selected through the documented setting."""
    root = tmp_path / "store"
    root.mkdir()
    monkeypatch.setenv("VISION_STORE", str(root))
    return root


# --- browser ---------------------------------------------------------------------------------------
_SERVER_LOG: dict[str, Path] = {}  # the shared server's log, printed (tail) when a browser test fails
_SERVER_PID: dict[str, int] = {}  # the shared server's process id, for tests that measure its memory


def app_server_memory() -> tuple[int, int]:
    """(VmRSS, VmHWM) in bytes of the shared ``app_server`` process: its resident memory now and at its peak."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{_SERVER_PID['pid']}/status").read_text().splitlines()
    )
    return tuple(int(fields[k].split()[0]) * 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


@pytest.fixture(scope="session")
def app_server():
    """Base URL of ``streamlit run app.py`` on 127.0.0.1, started once for the session."""
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)  # noqa: SIM115 - lives as long as the server
    proc, url = start_streamlit(free_port(), log)
    _SERVER_LOG["path"] = Path(log.name)
    _SERVER_PID["pid"] = proc.pid
    wait_healthy(url, proc, Path(log.name), timeout=60)
    yield url
    stop(proc, grace_s=10)
    if proc.returncode not in (0, -15, None):
        print(Path(log.name).read_text()[-3000:])
    Path(log.name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the whole run: a second sync_playwright() in the same thread is refused."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    # Playwright's launch() always starts from a fresh temporary profile.
    p = playwright_driver
    browser = p.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    )
    yield browser
    browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(request, chromium, app_server):
    """A fresh browser tab (own context) with ``page.app_url`` set to the server's base URL.

    When the test fails, the tab is saved as ``FAILED-<test>.png`` next to the other screenshots.
    """
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.app_url = app_server
    # What the tab said, printed only when the test fails: a blank app is otherwise a white screenshot.
    events: list[str] = []
    tab.on("console", lambda m: events.append(f"console.{m.type}: {m.text[:500]}"))
    tab.on("pageerror", lambda e: events.append(f"pageerror: {str(e)[:1000]}"))
    tab.on("crash", lambda _: events.append("CRASH: the renderer of this tab crashed"))
    tab.on("framenavigated", lambda f: events.append(f"navigated: {f.url[:200]}") if f == tab.main_frame else None)
    tab.on("requestfailed", lambda r: events.append(f"request failed: {r.url[:200]} {r.failure}"))
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print_failure_evidence(tab, request.node.name, events)
    context.close()


def print_failure_evidence(tab, name: str, events: list[str]) -> None:
    """Screenshot, the tab's console/errors/navigations and the server log's tail, for a failed browser test."""
    try:
        print(f"screenshot of the failure: {screenshot(tab, f'FAILED-{name}')}")
    except Exception as exc:  # a broken tab must not hide the real failure
        print(f"no screenshot of the failure: {exc}")
    try:
        body = tab.evaluate("() => document.body ? document.body.innerHTML.length : -1")
        print(f"document.body.innerHTML length: {body}; url: {tab.url}")
    except Exception as exc:
        print(f"tab not readable: {exc}")
    print("--- tab events (last 60) ---")
    print("\n".join(events[-60:]) or "(none)")
    log = _SERVER_LOG.get("path")
    if log is not None and log.exists():
        print("--- server log (last 4000 chars) ---")
        print(log.read_text(errors="replace")[-4000:])


def screenshot(tab, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def wait_idle(tab, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished running the script (no 'Running…' status widget)."""
    tab.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    tab.wait_for_timeout(300)
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )


def choose(tab, option: str, appears, wait_ms: int = 60_000) -> None:
    """Click the radio option labelled ``option`` and wait until ``appears`` (a locator) is attached.

    A page opened on the option through its link (``?key=value``) already shows ``appears``: nothing to click. One
    click, no retry: a lost click is a failure (the mask canvas's batch race was one, fixed in
    ``components/mask_canvas.py``, tested in ``tests/browser/test_browser_fragment_batch.py``).
    """
    try:
        appears.first.wait_for(state="attached", timeout=3000)
        return
    except Exception:
        pass
    radio = tab.locator('[data-testid="stRadio"]').filter(has=tab.get_by_text(option, exact=True)).first
    radio.get_by_text(option, exact=True).click()
    wait_idle(tab)
    appears.first.wait_for(state="attached", timeout=wait_ms)
