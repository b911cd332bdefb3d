"""Real browser (issue 27): a link copied from the Share box reopens the result in a fresh browser context: a DCGAN
restoration is rerun; a portrait on an uploaded background says the upload cannot travel and shows a blur one."""

from __future__ import annotations

import re

import pytest

from tests.conftest import screenshot, wait_idle

pytestmark = pytest.mark.browser


def _tab(chromium, app_server):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})  # a fresh context: no cookies, no state
    tab = context.new_page()
    tab.set_default_timeout(120_000)
    tab.app_url = app_server
    return context, tab


def _copied_link(tab) -> str:
    """The link as a visitor copies it: from the page's own Share box."""
    tab.get_by_text("🔗 Share").first.click()
    link = tab.locator('[data-testid="stPopoverBody"] code').first.inner_text().strip()
    tab.keyboard.press("Escape")
    return link


def _pick(tab, group: str, option: str) -> None:
    tab.locator('[data-testid="stRadio"]').filter(has_text=group).locator("label").filter(has_text=option).first.click()
    wait_idle(tab)


def _metric(tab, label: str) -> str:
    box = tab.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_dcgan_restore_link_reruns_the_restoration(chromium, app_server, shared_assets):
    context, tab = _tab(chromium, app_server)
    try:
        tab.goto(f"{app_server}/Digit_GAN")
        tab.get_by_text("Judge agrees with the requested digit").wait_for()
        wait_idle(tab)
        tab.locator("[data-testid='stRadio'] label").filter(has_text="Restore a digit").first.click()
        wait_idle(tab)
        tab.get_by_role("button", name="Restore").click()
        tab.get_by_text("Error in the damage, DCGAN").wait_for()
        wait_idle(tab)
        sent = {k: _metric(tab, k) for k in ("Error in the damage, DCGAN", "Error in the damage, Telea",
                                             "Best-fitting digit")}
        link = _copied_link(tab)
        assert "gan_view=restore" in link and "rest_done=1" in link, link
        screenshot(tab, "share_dcgan_restore_sent")
    finally:
        context.close()
    fresh, tab2 = _tab(chromium, app_server)
    try:
        tab2.goto(link)
        tab2.get_by_text("Error in the damage, DCGAN").wait_for()  # rerun on opening: no click
        wait_idle(tab2)
        assert {k: _metric(tab2, k) for k in sent} == sent
        screenshot(tab2, "share_dcgan_restore_opened")
    finally:
        fresh.close()


def test_portrait_on_an_uploaded_background_link(chromium, app_server, shared_assets):
    context, tab = _tab(chromium, app_server)
    try:
        tab.goto(f"{app_server}/Segmentation")
        tab.get_by_text(re.compile(r"cat — \d+\.\d%")).wait_for()
        wait_idle(tab)
        _pick(tab, "What to do", "Portrait mode")
        tab.get_by_text("Portrait: cat kept").wait_for()
        _pick(tab, "Background", "Image")
        tab.get_by_text("Upload a background image to continue.").wait_for()
        uploader = tab.locator('[data-testid="stFileUploader"]').filter(has_text="Background image")
        uploader.locator('input[type="file"]').set_input_files(str(shared_assets / "samples" / "dog.jpg"))
        wait_idle(tab)
        tab.get_by_text("Portrait: cat kept").wait_for()
        link = _copied_link(tab)
        assert "seg_mode=portrait" in link and "seg_bg_mode=image" in link and "upload" not in link.lower(), link
        screenshot(tab, "share_portrait_upload_sent")
    finally:
        context.close()
    fresh, tab2 = _tab(chromium, app_server)
    try:
        tab2.goto(link)
        said = tab2.get_by_text("The background image of this link was an upload, which cannot travel in a link: "
                                "shown with a blur background instead (upload one to use it).")
        said.wait_for()
        tab2.get_by_text("Portrait: cat kept").wait_for()  # the result it can show: same photo and class, blurred
        wait_idle(tab2)
        assert not tab2.get_by_text("Upload a background image to continue.").count()
        screenshot(tab2, "share_portrait_upload_opened")
    finally:
        fresh.close()
