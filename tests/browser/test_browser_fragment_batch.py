"""Real browser: a click that lands in the same widget batch as the mask canvas's own report still reruns the page.

Streamlit 1.67's browser sends widget changes in batches (one ``setTimeout(0)`` flush) and gives a batch the
fragment id of the first fragment widget in it (``WidgetStateManager.scheduleFlush``: ``scheduledFragmentId ??=
fragmentId``). The mask canvas lives in a fragment (``components/mask_canvas.py``) and reports its background's fit
when it mounts; a radio click in the same batch then reran **only the canvas fragment**: the browser showed the new
option, the server had its value, and the page below stayed on the old one (seen six times in CI under load, where
a busy CPU stretches the flush's window). The fix: the fragment sees the page widget's change
(``st_compat.changed_widgets``) and asks for a full rerun. This test stretches that window on purpose (every widget
flush waits 1.5 s) and clicks while the canvas's report waits in it; without the fix it fails (the page stays on the
example, as in CI).
"""

from __future__ import annotations

import pytest

from tests.conftest import wait_idle

pytestmark = pytest.mark.browser

# Delay each widget flush (Streamlit's ``setTimeout(() => this.sendUpdateWidgetsMessage(...), 0)``) by 1.5 s and
# say whether one waits: what a busy CPU does to that 0-ms timer, made long enough to click in.
STRETCH_FLUSH_JS = """
(() => {
  const original = window.setTimeout;
  window.__widgetFlushes = {pending: 0, sent: 0};
  window.setTimeout = function (callback, ms, ...rest) {
    if (typeof callback === "function" && !ms && String(callback).includes("sendUpdateWidgetsMessage")) {
      window.__widgetFlushes.pending += 1;
      return original.call(this, () => {
        window.__widgetFlushes.pending -= 1;
        window.__widgetFlushes.sent += 1;
        callback();
      }, 1500);
    }
    return original.call(this, callback, ms, ...rest);
  };
})();
"""


def test_a_click_batched_with_the_canvas_report_reruns_the_page(page):
    page.add_init_script(STRETCH_FLUSH_JS)
    page.goto(f"{page.app_url}/Inpainting")
    page.get_by_text("Compare with the original").wait_for(timeout=120_000)  # the example's result
    page.locator("canvas.upper-canvas").wait_for()
    # the freshly mounted canvas's report (its background's fit) waits in the stretched flush: click in that window
    page.wait_for_function("() => window.__widgetFlushes.pending > 0", timeout=60_000)
    radio = page.locator('[data-testid="stRadio"]').filter(has=page.get_by_text("Paint it", exact=True)).first
    radio.get_by_text("Paint it", exact=True).click()
    page.wait_for_function("() => window.__widgetFlushes.pending === 0 && window.__widgetFlushes.sent > 0")
    wait_idle(page)
    flushes = page.evaluate("() => window.__widgetFlushes")
    print(f"widget flushes sent: {flushes['sent']}")
    # the page ran with the clicked source: an own photo to paint on, no mask yet
    page.get_by_text("The mask is empty").wait_for(state="attached", timeout=60_000)
    assert "inpaint_mask_source=draw" in page.url
    assert not page.locator('[data-testid="stException"]').count()
