"""Share a result: the page's sample inputs and settings live in the URL, so a link reopens the same result.

A page calls :func:`share` once, right under its title, with the widget keys to carry and, for each, either the
list of its options (an option is written as its enum name, its ``id`` or its text), a typed setting
(:class:`components.settings.Number`: the bounds the widget is drawn with; :class:`~components.settings.Several`:
a multiselect; :class:`~components.settings.Colour`), a type (``str``, ``bool``) or an :class:`Action`. The spec
is made from the page's settings declaration (components/settings.py ``PageSettings``), where each key is written
once::

    share("seg", SEG.spec())  # components/segmentation_settings.py

Every value of a link is checked here, in :func:`decode`, before it reaches session state: an option must be one
of the options, a number finite and within its widget's bounds; anything else is dropped (the widget keeps its
default), so no link can make a widget raise or draw ``nan``. Numbers are declared with :class:`Number`, never as
a bare ``int``/``float`` (tests/page/test_share_bounds.py checks every page's spec).

On the first run of a session the values named in the URL are put into session state before the widgets are
drawn (unknown or invalid values are ignored), so the widgets open on them. On every run the current values are
written back into the URL (``st.query_params``): the address bar always holds a link to what is on screen, and a
"Share" box shows it with a copy button. Uploads, camera shots and drawings are never put in a link.

A result made by a button (a restoration, an optimisation) travels as an :class:`Action`: ``key=1`` when the result
on screen was made from the current values of its inputs; a link opened with it reruns the action. A mode, tab or
view travels as the widget that picks it (a horizontal ``st.radio`` on every page: ``st.tabs`` keeps no state).
What a link cannot carry (an upload, a drawing) is named in one sentence by :func:`not_in_link`, where the page
shows what it can instead; :func:`from_link` tells a value the link set (and the visitor has not changed since).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from components.settings import Colour, Number, Several


@dataclass(frozen=True)
class Action:
    """A button's result that a link carries: ``key`` is set (in session state) to the values of ``inputs`` (widget
    keys) when the button is pressed (:meth:`request`, an ``on_click``) or a link names it; :meth:`requested` is
    True while the inputs still hold those values, so the page (re)makes the result whenever it is missing."""

    key: str
    inputs: tuple[str, ...]

    def signature(self, state: Any) -> str:
        return repr([_text(state.get(k)) for k in self.inputs])

    def request(self) -> None:
        """The button's ``on_click``: runs before the script, so the link drawn at the top already carries it."""
        st.session_state[self.key] = self.signature(st.session_state)

    def cancel(self) -> None:
        """A Stop button's ``on_click``: the result left on screen is not the action's, a link must not claim it."""
        st.session_state.pop(self.key, None)

    def requested(self, state: Any = None) -> bool:
        state = st.session_state if state is None else state
        return state.get(self.key) == self.signature(state)

    def spec(self) -> dict[str, Action]:
        return {self.key: self}


Kind = Sequence[Any] | type | Number | Several | Colour | Action
Spec = Mapping[str, Kind]
SPECS: dict[str, Spec] = {}  # each page's spec as last drawn, by page name (tests iterate them)
_FROM_LINK = "_share_from_link"  # session state: {key: value} the link set
_BOX = "_share_box"  # session state: (spec, the Share box's slot) of this run, for refresh()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return ",".join(encode(v) for v in value) if isinstance(value, list) else encode(value)


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


def decode(text: str, kind: Kind) -> Any:
    """The value ``text`` stands for; ValueError when it is not one of the options, not of the type, or (numbers)
    not finite or outside the setting's bounds."""
    if isinstance(kind, Action):
        raise ValueError("an action is restored from its inputs")
    if isinstance(kind, (Number, Several, Colour)):
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


def restore(spec: Spec, params: Mapping[str, str], state: Any, dropped: list[str] | None = None) -> list[str]:
    """Put the values named in ``params`` into ``state`` (session state); returns the keys set. An action named
    ``1`` is requested for the inputs as restored (it runs unless one of them was dropped). The keys whose value
    was refused are appended to ``dropped`` when given."""
    done = []
    for key, kind in spec.items():
        if isinstance(kind, Action):
            continue
        if key in params:
            try:
                state[key] = decode(params[key], kind)
                done.append(key)
            except (ValueError, TypeError, OverflowError):
                if dropped is not None:
                    dropped.append(key)
                continue  # a hand-edited or stale link: that widget keeps its default
    for key, kind in spec.items():
        if isinstance(kind, Action) and params.get(key) == "1":
            state[key] = kind.signature(state)
            done.append(key)
    return done


def current(spec: Spec, state: Any) -> dict[str, str]:
    """The URL parameters for the values now in ``state`` (keys of widgets not shown are left out)."""
    out = {}
    for key, kind in spec.items():
        if key in state and state[key] is not None:
            value = state[key]
            if isinstance(kind, Action):
                if kind.requested(state):
                    out[key] = "1"
            elif isinstance(kind, (Several, Colour)):
                if kind.valid(value):
                    out[key] = kind.encode(value)
            elif isinstance(kind, Number):
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
        dropped: list[str] = []
        done = restore(spec, {k: st.query_params[k] for k in st.query_params}, st.session_state, dropped)
        st.session_state[_FROM_LINK] = {k: st.session_state[k] for k in done}
        if dropped:  # said once, naming what the visitor's own address bar holds; then gone from the address
            st.info(dropped_notice({k: st.query_params[k] for k in dropped}), icon="🔗")
            for key in dropped:
                del st.query_params[key]  # a copied address must not carry the refused value on
    link = _sync(spec)
    if show:
        with st.popover("🔗 Share", help="A link to this page with the same sample and settings"):
            st.caption(
                "Copy this link (button at its right): it opens this page on the same sample and settings. "
                "Your own uploads and drawings are not part of it."
            )
            with st.container(key="share_link"):  # components/layout.py shows its copy button on touch screens
                box = st.empty()
        _show(box, link)
        st.session_state[_BOX] = (spec, box)
    return link


def dropped_notice(refused: Mapping[str, str]) -> str:
    """The sentence shown when values of a link could not be used: ``refused`` maps each URL parameter to its text
    (≥ 1 entry). Shown as markdown, so each pair is reduced to letters, digits and ``._+-`` and cut to 24 characters
    (a hand-edited link may hold markup)."""

    def clean(text: str) -> str:
        kept = "".join(c for c in text if c.isascii() and (c.isalnum() or c in "._+-"))
        return kept[:24] + ("…" if len(kept) > 24 else "")

    pairs = [f"`{clean(k)}={clean(v)}`" for k, v in refused.items()]
    listed = pairs[0] if len(pairs) == 1 else ", ".join(pairs[:-1]) + " and " + pairs[-1]
    if len(pairs) == 1:
        return f"This link's {listed} is not valid here (out of range or unknown), so the page opened with the default."
    return f"This link's {listed} are not valid here (out of range or unknown), so the page opened with the defaults."


def refresh() -> None:
    """Call after changing a shared value during the run (not from a widget or callback, which come before the
    script): the URL and the Share box follow it at once, not on the next run."""
    spec, box = st.session_state.get(_BOX, (None, None))
    if spec is not None:
        _show(box, _sync(spec))


def _show(box: Any, link: str) -> None:
    box.code(link or "(open the page in a browser to get its link)", language=None, wrap_lines=True)


def _sync(spec: Spec) -> str:
    """Write the current values of ``spec`` into the URL; returns the link."""
    params = current(spec, st.session_state)
    for key in spec:
        if key in params:
            if st.query_params.get(key) != params[key]:
                st.query_params[key] = params[key]
        elif key in st.query_params and (key in st.session_state or isinstance(spec[key], Action)):
            del st.query_params[key]
    query = {k: st.query_params[k] for k in st.query_params}
    try:
        base = (st.context.url or "").split("?")[0]
    except Exception:
        base = ""
    return f"{base}?{urlencode(query)}" if query else base


def from_link(key: str) -> bool:
    """True when the link this session was opened with set ``key`` and the value is still the link's."""
    given = st.session_state.get(_FROM_LINK, {})
    return key in given and st.session_state.get(key) == given[key]


def not_in_link(what: str, then: str, *, was: str = "was an upload") -> None:
    """One sentence on the page: ``what`` (e.g. "The background image") of the link ``was`` ("was a drawing",
    "were uploads"), which cannot travel in a link, and ``then`` (what is shown instead, or what to do)."""
    st.info(f"{what} of this link {was}, which cannot travel in a link: {then}.", icon="🔗")


def image_keys(key: str, kind: Any = None) -> dict[str, Sequence[Any]]:
    """The share spec of one ``components.image_input.image_input(key, kind=...)``: its source and sample."""
    from components.image_input import Source
    from models.samples import SampleKind, samples

    return {f"{key}_source": list(Source), f"{key}_sample": samples(kind or SampleKind.PHOTO)}
