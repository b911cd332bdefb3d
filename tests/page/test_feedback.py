"""One feedback module: every failure kind shown with its own icon and words, and nothing else calls st.error."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def _kinds_script():
    import streamlit as st

    from components.feedback import failed, not_installed
    from models.errors import InputError
    from models.serving.errors import InferenceUnavailable

    which = st.session_state.get("which", "input")
    if which == "input":
        failed("Reading the photo", InputError("photo.png is empty (0 bytes): choose the file again."))
    elif which == "unavailable":
        failed("Segmenting", InferenceUnavailable("Inference is unavailable right now."), retry_key="retry")
    elif which == "internal":
        failed("Stylization", RuntimeError("/srv/secret/path broke"))
    else:
        not_installed("The style network")


def _run(which: str) -> AppTest:
    at = AppTest.from_function(_kinds_script, default_timeout=30)
    at.session_state["which"] = which
    return at.run()


def test_each_kind_has_its_icon_and_its_words():
    from components.feedback import ICONS

    assert len(set(ICONS.values())) == len(ICONS)  # one icon per kind
    at = _run("input")
    assert [e.icon for e in at.error] == [ICONS["input"]] and "is empty (0 bytes)" in at.error[0].value
    at = _run("unavailable")
    assert [e.icon for e in at.error] == [ICONS["unavailable"]]
    assert at.error[0].value == "Segmenting failed: Inference is unavailable right now."
    assert [b.label for b in at.button] == ["Try again"]
    at = _run("internal")
    assert [e.icon for e in at.error] == [ICONS["internal"]]
    assert re.fullmatch(r"Stylization did not work on this server this time\. .*quote error id \*\*[0-9A-F]{10}\*\*\.",
                        at.error[0].value), at.error[0].value
    assert "/srv/secret" not in at.error[0].value  # the exception's text goes to the log only
    at = _run("missing")
    assert not at.error and [i.icon for i in at.info] == [ICONS["missing"]]
    assert at.info[0].value == "The style network is not installed on this server, so this part of the page is unavailable."


def test_no_page_or_view_calls_st_error_itself():
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "components").glob("*.py")]
        if p.name != "feedback.py"
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"\bst\.error\(|\.error\(\s*(str\(|f\")", line) and "LOGGER" not in line and "log." not in line
    ]
    print("st.error outside components/feedback.py:", len(offenders))
    assert offenders == []


def test_every_image_goes_through_the_display_helper():
    """One size policy: no page or view calls ``.image(`` itself, and only components/display.py decodes uploads
    with a cache of its own."""
    calls, decoders = [], []
    for p in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "components").glob("*.py")]:
        if p.name == "display.py":
            continue
        text = p.read_text()
        calls += [f"{p.relative_to(ROOT)}:{n}" for n, line in enumerate(text.splitlines(), 1) if ".image(" in line]
        decoders += [f"{p.relative_to(ROOT)}" for _ in re.finditer(r"@st\.cache_data[^\n]*\n\s*def \w+\([^)]*\)[^:]*:\s*\n"
                                                                     r"(?:\s*#[^\n]*\n)*\s*return decode_image\(", text)]
    print(".image( outside components/display.py:", len(calls), "; cached decoders outside it:", len(decoders))
    assert calls == [] and decoders == []
