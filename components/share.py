"""Share a result: the page's sample inputs and settings live in the URL, so a link reopens the same result.

A page calls :func:`share` once, right under its title, with the widget keys to carry and, for each, either the
list of its options (an option is written as its enum name, its ``id`` or its text), a numeric setting
(:class:`components.settings.Number`: the bounds the widget is drawn with) or a type (``str``, ``bool``)::

    share("seg", {"seg_model": list(SegModel), "seg_sample": samples(SampleKind.PHOTO), **OPACITY.spec()})

Every value of a link is checked here, in :func:`decode`, before it reaches session state: an option must be one
of the options, a number finite and within its widget's bounds; anything else is dropped (the widget keeps its
default), so no link can make a widget raise or draw ``nan``. Numbers are declared with :class:`Number`, never as
a bare ``int``/``float`` (tests/page/test_share_bounds.py checks every page's spec).

On the first run of a session the values named in the URL are put into session state before the widgets are
drawn (unknown or invalid values are ignored), so the widgets open on them. On every run the current values are
written back into the URL (``st.query_params``): the address bar always holds a link to what is on screen, and a
"Share" box shows it with a copy button. Uploads, camera shots and drawings are never put in a link.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from components.settings import Number

Spec = Mapping[str, Sequence[Any] | type | Number]
SPECS: dict[str, Spec] = {}  # each page's spec as last drawn, by page name (tests iterate them)


def encode(value: Any) -> str:
    """How one value is written in a URL: enums by lower-case name, objects with an ``id`` by it, else text."""
    if isinstance(value, Enum):
        return value.name.lower()
    if isinstance(getattr(value, "id", None), str):
        return value.id
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def decode(text: str, kind: Sequence[Any] | type | Number) -> Any:
    """The value ``text`` stands for; ValueError when it is not one of the options, not of the type, or (numbers)
    not finite or outside the setting's bounds."""
    if isinstance(kind, Number):
        return kind.decode(text)
    if isinstance(kind, type):
        if kind is bool:
            if text not in ("0", "1"):
                raise ValueError(text)
            return text == "1"
        value = kind(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{text!r} is not finite")
        return value
    for option in kind:
        if encode(option) == text:
            return option
    raise ValueError(f"{text!r} is not one of the options")


def restore(spec: Spec, params: Mapping[str, str], state: Any) -> list[str]:
    """Put the values named in ``params`` into ``state`` (session state); returns the keys set."""
    done = []
    for key, kind in spec.items():
        if key in params:
            try:
                state[key] = decode(params[key], kind)
                done.append(key)
            except (ValueError, TypeError, OverflowError):
                continue  # a hand-edited or stale link: that widget keeps its default
    return done


def current(spec: Spec, state: Any) -> dict[str, str]:
    """The URL parameters for the values now in ``state`` (keys of widgets not shown are left out)."""
    out = {}
    for key, kind in spec.items():
        if key in state and state[key] is not None:
            value = state[key]
            if isinstance(kind, Number):
                if kind.valid(value):
                    out[key] = encode(value)
            elif isinstance(kind, type) or value in list(kind):
                out[key] = encode(value)
    return out


def share(page: str, spec: Spec, *, show: bool = True) -> str:
    """Restore from the URL (first run), write the current values into it, show the link; returns the link."""
    SPECS[page] = spec
    flag = f"_share_restored_{page}"
    if not st.session_state.get(flag):
        st.session_state[flag] = True
        restore(spec, {k: st.query_params[k] for k in st.query_params}, st.session_state)
    params = current(spec, st.session_state)
    for key in spec:
        if key in params:
            if st.query_params.get(key) != params[key]:
                st.query_params[key] = params[key]
        elif key in st.query_params and key in st.session_state:
            del st.query_params[key]
    query = {k: st.query_params[k] for k in st.query_params}
    try:
        base = (st.context.url or "").split("?")[0]
    except Exception:
        base = ""
    link = f"{base}?{urlencode(query)}" if query else base
    if show:
        with st.popover("🔗 Share", help="A link to this page with the same sample and settings"):
            st.caption(
                "Copy this link (button at its right): it opens this page on the same sample and settings. "
                "Your own uploads and drawings are not part of it."
            )
            st.code(link or "(open the page in a browser to get its link)", language=None, wrap_lines=True)
    return link


def image_keys(key: str, kind: Any = None) -> dict[str, Sequence[Any]]:
    """The share spec of one ``components.image_input.image_input(key, kind=...)``: its source and sample."""
    from components.image_input import Source  # noqa: PLC0415
    from models.samples import SampleKind, samples  # noqa: PLC0415

    return {f"{key}_source": list(Source), f"{key}_sample": samples(kind or SampleKind.PHOTO)}
