"""Typed page settings: one declaration per numeric widget that both the widget and the share link read.

A :class:`Number` holds a setting's session-state key, default and bounds. The page draws the widget from it
(:meth:`Number.slider`, :meth:`Number.number_input`) and lists it in its share spec (``{**OPACITY.spec()}``), so
a link's value is checked against the very bounds the widget is drawn with (:meth:`Number.decode`): a value out of
range, not finite (``nan``, ``inf``, ``1e309``), not whole for an integer setting, or not a number is dropped and
the widget opens on its default. Dropped, not clamped: a link outside the bounds was edited by hand or made by an
older version of the page, and clamping would open a setting its sender never saw. Before drawing, the widget
also drops a session value outside its bounds (bounds that depend on the data, e.g. an index into a list).
A value the session holds is handed to the browser on every draw (:func:`held`), so the widget never shows (and
then sends back) anything else: see :func:`held` for the Streamlit behaviour that made settings fall to their minimum.
Issue 25 heads towards one such object per page setting (options, releasable memory); this is its numeric part,
with :class:`Several` (a multiselect) and :class:`Colour` (a colour picker) beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import streamlit as st


@dataclass(frozen=True)
class Number:
    """A numeric widget's ``key``, ``default`` and inclusive bounds ``min``..``max`` (``step``: the widget's step).

    The setting is an ``int`` when default, bounds and step are all ints, else a ``float``.
    """

    key: str
    default: float
    min: float
    max: float
    step: float | None = None

    def __post_init__(self) -> None:
        if not self.min <= self.default <= self.max:
            raise ValueError(f"{self.key}: default {self.default} is outside {self.min}..{self.max}")

    @property
    def kind(self) -> type:
        values = (self.default, self.min, self.max, self.step if self.step is not None else 1)
        return int if all(isinstance(v, int) and not isinstance(v, bool) for v in values) else float

    def valid(self, value: Any, max_value: float | None = None) -> bool:
        """True when ``value`` is a finite number of this setting's kind within min..``max_value`` (default: self.max)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind is int and not (isinstance(value, int) or float(value).is_integer()):
            return False
        top = self.max if max_value is None else max_value
        return math.isfinite(value) and self.min <= value <= top

    def decode(self, text: str) -> float:
        """A share link's text → the value; ValueError when it is not a valid value of this setting."""
        try:
            value = int(text) if self.kind is int else float(text)
        except (ValueError, OverflowError):
            raise ValueError(f"{self.key}: {text[:40]!r} is not a number") from None
        if not self.valid(value):
            raise ValueError(f"{self.key}: {text[:40]!r} is outside {self.min}..{self.max}")
        return value

    def spec(self) -> dict[str, Number]:
        """This setting as a share-spec entry: ``share("seg", {..., **OPACITY.spec()})``."""
        return {self.key: self}

    def _prepare(self, max_value: float | None, default: float | None = None) -> dict[str, Any]:
        state = st.session_state
        if self.key in state and not self.valid(state[self.key], max_value):
            del state[self.key]  # a value the widget would refuse (or draw as nan) never reaches it
        # The default only when the state holds none: Streamlit warns about both (the key is the widget's identity).
        return {} if held(self.key) else {"value": self.kind(self.default if default is None else default)}

    def slider(self, label: str, *, container: Any = None, max_value: float | None = None, **kwargs: Any) -> Any:
        """``st.slider`` (or ``container.slider``) drawn from this setting; returns its value."""
        top = self.max if max_value is None else max_value
        return (container or st).slider(
            label, self.min, top, step=self.step, key=self.key, **self._prepare(max_value), **kwargs
        )

    def number_input(
        self,
        label: str,
        *,
        container: Any = None,
        max_value: float | None = None,
        default: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """``st.number_input`` (or ``container.number_input``) drawn from this setting; returns its value.

        ``default``: the value shown until the visitor (or a link) sets one, when it depends on the data
        (e.g. the number of people found); it must lie within the bounds drawn."""
        top = self.max if max_value is None else max_value
        return (container or st).number_input(
            label, self.min, top, step=self.step, key=self.key, **self._prepare(max_value, default), **kwargs
        )


@dataclass(frozen=True)
class Several:
    """A multiselect's setting: a list of ``options`` (each written as in ``components.share.encode``), in a link
    as one comma-separated value (``seg_keep=15,8``; empty: none chosen)."""

    options: tuple[Any, ...]

    def valid(self, value: Any) -> bool:
        return isinstance(value, list) and all(v in self.options for v in value)

    def encode(self, value: list[Any]) -> str:
        from components.share import encode

        return ",".join(encode(v) for v in value)

    def decode(self, text: str) -> list[Any]:
        """``"a,b"`` → the options written so (in that order, each once); ValueError for any unknown part."""
        from components.share import decode

        parts = [p for p in text.split(",") if p] if text else []
        if len(parts) > len(self.options):
            raise ValueError("more values than options")
        return list(dict.fromkeys(decode(p, list(self.options)) for p in parts))


@dataclass(frozen=True)
class Colour:
    """A colour picker's setting: ``#rrggbb`` (lower-case in a link)."""

    def valid(self, value: Any) -> bool:
        return isinstance(value, str) and len(value) == 7 and value[0] == "#" and _is_hex(value[1:])

    def encode(self, value: str) -> str:
        return value.lower()

    def decode(self, text: str) -> str:
        if not self.valid(text):
            raise ValueError(f"{text[:40]!r} is not a #rrggbb colour")
        return text.lower()


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def held(key: str) -> bool:
    """True when session state holds a value for the widget ``key``; that value is then also sent to the browser.

    Call it just before drawing the widget, and pass the widget no default when it returns True. Why the value is
    written back (``state[key] = state[key]``), Streamlit 1.67: a run that ends in ``st.stop()`` before a widget is
    drawn (e.g. Inpainting's "the mask is empty") keeps that widget's value in the server's session state
    (``exec_code``: a premature stop skips the stale-widget clean-up), while the browser drops the widget and its
    value when that run finishes. The next run that draws the widget again finds the key in session state, gets no
    default, so its element carries the widget's bare default (a slider's *minimum*, a toggle's False) and no value:
    the freshly mounted widget shows that default, and the browser sends it back on the next run (Grow mask 0,
    radius 1, "work only around the mask" off, and so in the share link). A value written through session state
    is sent with the element (``set_value``), so the browser shows and keeps what the server holds.
    """
    state = st.session_state
    if key not in state:
        return False
    state[key] = state[key]
    return True


def initial(key: str, value: Any) -> dict[str, Any]:
    """A widget's ``value``/``default`` argument, only when session state holds no value for ``key`` (one set by a
    share link, a callback or an earlier run, which the browser is then given: :func:`held`); Streamlit warns on
    the page when it gets both."""
    return {} if held(key) else {"value": value}
