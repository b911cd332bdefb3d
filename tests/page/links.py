"""Helpers for share-link round trips: read the link from the page's own Share box, open it in a fresh session,
and compare what the two sessions show (words, widget values, pictures)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from streamlit.testing.v1 import AppTest

from components.catalog import ROOT

WIDGETS = ("selectbox", "radio", "slider", "select_slider", "number_input", "multiselect", "checkbox", "toggle",
           "color_picker", "text_input")


def link(at: AppTest) -> dict[str, str]:
    """The query of the link in the page's Share box (``st.code`` under "Copy this link"), as a visitor copies it."""
    codes = [c.value for c in at.code if c.value.startswith(("?", "http", "(open"))]
    assert codes, "no Share box on the page"
    text = codes[0]
    return dict(parse_qsl(urlsplit(text).query, keep_blank_values=True)) if text.startswith(("?", "http")) else {}


def open_link(path: str, params: dict[str, str], timeout: int = 300) -> AppTest:
    """A fresh session of the page at ``path`` opened on ``params`` (a new AppTest: nothing shared but the URL)."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def shown(at: AppTest) -> list[str]:
    """What the page says in words, timings and the Share box dropped (they differ between runs)."""
    texts = [e.value for kind in ("subheader", "caption", "markdown", "success", "info", "warning", "error")
             for e in at.get(kind)]
    texts += [f"{m.label}: {m.value}" for m in at.get("metric")]
    texts += [c for img in at.image for c in img.captions]
    return [re.sub(r"\d[\d.,]* ?(ms|s)\b", "…", t) for t in texts if isinstance(t, str) and "Copy this link" not in t]


def widgets(at: AppTest) -> dict[str, object]:
    """Every keyed widget's value."""
    return {w.key: w.value for kind in WIDGETS for w in at.get(kind) if w.key}


def pictures(at: AppTest) -> list[str]:
    """The media URLs of the pictures shown: Streamlit names each file by a hash of its bytes, so equal URLs are
    equal pictures."""
    return [i.url for img in at.image for i in img.proto.imgs]


def assert_same(a: AppTest, b: AppTest, *, images: bool = True) -> None:
    """``b`` (opened on ``a``'s link) shows the same result as ``a``."""
    assert not a.exception and not b.exception, (a.exception, b.exception)
    assert widgets(b) == widgets(a)
    assert shown(b) == shown(a)
    if images:
        assert pictures(b) == pictures(a)
