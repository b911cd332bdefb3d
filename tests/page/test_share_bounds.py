"""No share link can break a page: every numeric parameter of every page's share spec, set to a value its widget
would refuse (below min, above max, 1e309, nan, ±inf, text), leaves the page on its default result.

The parameters come from the specs the pages register when they run (``components.share.SPECS``): a numeric
setting added to any page is covered without touching this file."""

from __future__ import annotations

import math
import re

import pytest
from streamlit.testing.v1 import AppTest

from components import share
from components.catalog import PAGES, ROOT
from components.settings import Number
from components.share import restore

BAD_VALUES = {
    "below_min": lambda n: str(n.min - 1),
    "above_max": lambda n: str(n.max + 1),
    "1e309": lambda n: "1e309",
    "nan": lambda n: "nan",
    "inf": lambda n: "inf",
    "-inf": lambda n: "-inf",
    "text": lambda n: "abc",
}
_DEFAULTS: dict[str, tuple[AppTest, dict]] = {}


def _run(path: str, params: dict[str, str]) -> tuple[AppTest, dict]:
    share.SPECS.clear()
    at = AppTest.from_file(str(ROOT / path), default_timeout=300)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert len(share.SPECS) == 1, share.SPECS  # one share() per page
    return at, next(iter(share.SPECS.values()))


def _shown(at: AppTest) -> list[str]:
    """What the page shows in words (timings dropped: they differ between runs)."""
    texts = [e.value for kind in ("caption", "markdown", "success", "info", "warning", "error") for e in at.get(kind)]
    return [re.sub(r"\d[\d.,]* ?(ms|s)\b", "…", t) for t in texts if isinstance(t, str) and "Copy this link" not in t]


def _numbers(spec) -> dict[str, Number]:
    bare = [k for k, kind in spec.items() if kind in (int, float)]
    assert not bare, f"declare {bare} as components.settings.Number (bounds for the widget and the link)"
    return {k: kind for k, kind in spec.items() if isinstance(kind, Number)}


def _default(path: str) -> tuple[AppTest, dict]:
    if path not in _DEFAULTS:
        at, spec = _run(path, {})
        assert not at.exception, at.exception
        _DEFAULTS[path] = at, spec
    return _DEFAULTS[path]


@pytest.mark.parametrize("bad", list(BAD_VALUES))
@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_no_link_value_breaks_a_page(path, bad, shared_assets):
    default, spec = _default(path)
    numbers = _numbers(spec)
    if not numbers:
        pytest.skip(f"{path} shares no numeric setting")
    params = {k: BAD_VALUES[bad](n) for k, n in numbers.items()}
    at, _ = _run(path, params)
    assert not at.exception, (params, at.exception)
    for key, n in numbers.items():  # every widget drawn opens on its default
        if key in default.session_state:
            assert at.session_state[key] == default.session_state[key], (key, at.session_state[key])
            assert n.valid(at.session_state[key])
    shown = _shown(at)  # the default result, word for word, and one sentence naming the refused values
    notice = share.dropped_notice(params)
    assert shown.count(notice) == 1, shown
    assert [t for t in shown if t != notice] == _shown(default)
    assert not set(params) & set(at.query_params), at.query_params  # and they are gone from the address
    assert len(at.get("imgs")) == len(default.get("imgs"))


def test_restore_checks_every_page_setting_against_its_bounds(shared_assets):
    """The one place links are checked: each bad value of each page's numbers never reaches session state."""
    checked = 0
    for page in PAGES:
        _, spec = _default(page.path)
        for key, n in _numbers(spec).items():
            for make in BAD_VALUES.values():
                state: dict = {}
                assert restore(spec, {key: make(n)}, state) == [] and state == {}, (key, make(n))
                checked += 1
            state = {}
            assert restore(spec, {key: str(n.max)}, state) == [key] and state[key] == n.max  # bounds are inclusive
            assert math.isfinite(state[key])
    assert checked >= 7 * 12  # 12 numeric settings across the pages today


def test_number_setting_decodes_only_valid_values():
    opacity = Number("o", 0.6, 0.0, 1.0, 0.05)
    assert opacity.kind is float and opacity.decode("0.35") == 0.35 and opacity.decode("1") == 1.0
    seed = Number("s", 42, 0, 2**31 - 1)
    assert seed.kind is int and seed.decode("7") == 7
    for text in ("1.5", "-1", str(2**31), "1e309", "nan", "", "0x10"):
        with pytest.raises(ValueError):
            seed.decode(text)
    for text in ("1.05", "-0.05", "nan", "inf", "-inf", "1e309", "abc"):
        with pytest.raises(ValueError):
            opacity.decode(text)
    assert not opacity.valid(float("nan")) and not opacity.valid(True) and opacity.valid(0)
    assert seed.valid(5, max_value=9) and not seed.valid(10, max_value=9)
    with pytest.raises(ValueError):
        Number("bad", 5, 0, 1)
