"""Acceptance 5 of issue 19: with the heavy-job pool at size 1, a second heavy job shows "1 ahead of you",
starts when the first ends, can be cancelled, and a light action completes meanwhile.

Three visitors (three Playwright contexts = three Streamlit sessions) on the test-only hook page
tests/deploy/hook_pages/93_Hook_heavy_job.py, which runs a job of a known length through the real pool
(components/jobs.run_heavy). The server is the production launcher with VISION_HEAVY_WORKERS=1.
"""

from __future__ import annotations

import sys
import time

import pytest

from tests.conftest import screenshot
from tests.deploy.deploy_helpers import app_tree_with_hooks, start_production_app, stop

HEAVY_S = 10
IDLE_S = 6  # components/session_memory.py: idle sessions release their large results


@pytest.fixture(scope="module")
def queue_app(tmp_path_factory):
    work = tmp_path_factory.mktemp("queue")
    app_dir = app_tree_with_hooks(work / "app")
    served = start_production_app(sys.executable, app_dir, work / "app.log",
                                  env={"VISION_HEAVY_WORKERS": "1", "VISION_HOOK_HEAVY_SECONDS": str(HEAVY_S),
                                       "VISION_IDLE_RELEASE_S": str(IDLE_S)})
    yield served
    stop(served.proc)


def _visitor(chromium, url):
    context = chromium.new_context(viewport={"width": 1100, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(f"{url}/Hook_heavy_job")
    tab.get_by_role("button", name="Start a heavy job").wait_for()
    return context, tab


def test_second_heavy_job_waits_its_turn_light_action_does_not(chromium, queue_app):
    visitors = [_visitor(chromium, queue_app.url) for _ in range(3)]
    a, b, c = (tab for _, tab in visitors)
    try:
        a.get_by_role("button", name="Start a heavy job").click()
        a.get_by_text("Heavy job running").wait_for()
        b.get_by_role("button", name="Start a heavy job").click()
        b.get_by_text("1 ahead of you").wait_for(timeout=15_000)
        screenshot(b, "queue-1-ahead")

        # A light action in a third session completes while both heavy jobs are still going.
        c.get_by_role("button", name="Light action").click()
        c.get_by_text("Light action done").wait_for(timeout=15_000)
        assert a.get_by_text("Heavy job done").count() == 0, "the light action should not have waited for the job"
        assert b.get_by_text("1 ahead of you").count() == 1

        # B starts only when A has ended, and then runs its full length.
        a.get_by_text("Heavy job done").wait_for(timeout=(HEAVY_S + 30) * 1000)
        a_done = time.monotonic()
        b.get_by_text("Heavy job running").wait_for(timeout=20_000)
        assert b.get_by_text("ahead of you").count() == 0
        b.get_by_text("Heavy job done").wait_for(timeout=(HEAVY_S + 30) * 1000)
        assert time.monotonic() - a_done >= HEAVY_S - 1, "B must not have run alongside A"
        took = float(b.get_by_text("Heavy job done after").inner_text().split("after")[1].split("s")[0])
        assert took >= HEAVY_S

        # Cancel: A runs, B waits (1 ahead), C waits (2 ahead) and leaves; B then starts, C never does.
        a.get_by_role("button", name="Start a heavy job").click()
        a.get_by_text("Heavy job running").wait_for()
        b.get_by_role("button", name="Start a heavy job").click()
        b.get_by_text("1 ahead of you").wait_for(timeout=15_000)
        c.get_by_role("button", name="Start a heavy job").click()
        c.get_by_text("2 ahead of you").wait_for(timeout=15_000)
        screenshot(c, "queue-2-ahead")
        c.get_by_role("button", name="Cancel").click()
        c.get_by_text("ahead of you").wait_for(state="detached", timeout=15_000)
        b.get_by_text("Heavy job running").wait_for(timeout=(HEAVY_S + 30) * 1000)
        c.wait_for_timeout(1500)
        assert c.get_by_text("Heavy job running").count() == 0
        assert c.get_by_text("Heavy job done").count() == 0
    finally:
        for context, _ in visitors:
            context.close()
    assert "Traceback" not in queue_app.log_text()


def test_an_idle_session_releases_its_large_results_an_active_one_keeps_them(chromium, queue_app):
    idle_ctx, idle = _visitor_on(chromium, queue_app.url, "Hook_idle_memory")
    busy_ctx, busy = _visitor_on(chromium, queue_app.url, "Hook_idle_memory")
    try:
        for tab in (idle, busy):
            tab.get_by_role("button", name="Store a large result").click()
            tab.get_by_text("Result held: yes").wait_for()
        deadline = time.monotonic() + IDLE_S * 3
        while time.monotonic() < deadline:  # one visitor keeps clicking, the other leaves the tab alone
            busy.get_by_role("button", name="Check again").click()
            busy.wait_for_timeout(1000)
        busy.get_by_text("Result held: yes").wait_for()
        idle.get_by_role("button", name="Check again").click()
        idle.get_by_text("Result held: no").wait_for(timeout=15_000)
    finally:
        idle_ctx.close()
        busy_ctx.close()


def _visitor_on(chromium, url, path):
    context = chromium.new_context(viewport={"width": 1100, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(f"{url}/{path}")
    tab.get_by_role("button", name="Check again").wait_for()
    return context, tab
