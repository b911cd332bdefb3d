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
Every other key a page keeps is declared here too (issue 25): :class:`Choice` (a radio, a selectbox, a
select_slider), :class:`Flag` (a toggle, a checkbox, or a yes/no the page sets itself), :class:`Several` (a
multiselect), :class:`Colour` (a colour picker), :class:`Image` (an ``image_input``'s source and sample),
:class:`Flags` (one checkbox per id) and :class:`Key` (a result or memo no link carries; ``release=`` makes it
one of the large results an idle session drops, components/session_memory.py). A page gathers its declarations
in one :class:`PageSettings` subclass (``components/<page>_settings.py``), so each key string is written once:
the widgets take ``key=SEG.view.key`` (or are drawn by the declaration), the share spec is ``SEG.spec()`` and
the memory release reads ``releasable()`` of every page's settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

import streamlit as st


class Keyed:
    """Session-state access for a declaration's ``key`` (the widget's value, or what the page keeps under it)."""

    key: str

    def get(self, default: Any = None) -> Any:
        return st.session_state.get(self.key, default)

    def set(self, value: Any) -> None:
        st.session_state[self.key] = value

    def pop(self) -> Any:
        """Remove the value (if any) and return it."""
        return st.session_state.pop(self.key, None)

    def in_state(self) -> bool:
        return self.key in st.session_state


def _listed(options: Any) -> list[Any]:
    """A declaration's options as a list: a sequence, an Enum class, or a function returning them (called now)."""
    if isinstance(options, type) and issubclass(options, Enum):
        return list(options)
    return list(options() if callable(options) else options)


@dataclass(frozen=True)
class Number(Keyed):
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
class Choice(Keyed):
    """A widget that picks one of ``options`` (a radio, a selectbox, a select_slider), in a link as the option's
    enum name, ``id`` or text (``components.share.encode``).

    ``options``: a sequence, an Enum class, or a function returning them when they depend on what the store holds
    (``samples(kind)``): it is called when the share spec is made. The widget may offer fewer (those of the chosen
    model, say); a link's value is checked against all of them.
    """

    key: str
    options: Any
    default: Any = None  # the option shown until the visitor (or a link) picks one, when not the first

    def choices(self) -> list[Any]:
        return _listed(self.options)

    def select_slider(self, label: str, *, container: Any = None, **kwargs: Any) -> Any:
        """``st.select_slider`` over all the options, opening on :attr:`default`; returns the option picked."""
        start = {} if self.default is None else initial(self.key, self.default)
        return (container or st).select_slider(label, self.choices(), key=self.key, **start, **kwargs)

    def spec(self) -> dict[str, Any]:
        return {self.key: self.choices()}


@dataclass(frozen=True)
class Flag(Keyed):
    """A yes/no: a toggle or checkbox (:meth:`toggle`, :meth:`checkbox`), or one the page sets itself (whether
    strokes were painted); ``1``/``0`` in a link."""

    key: str
    default: bool = False

    def toggle(self, label: str, *, container: Any = None, **kwargs: Any) -> bool:
        """``st.toggle`` (or ``container.toggle``) drawn from this setting; returns its value."""
        return (container or st).toggle(label, key=self.key, **initial(self.key, self.default), **kwargs)

    def checkbox(self, label: str, *, container: Any = None, **kwargs: Any) -> bool:
        """``st.checkbox`` (or ``container.checkbox``) drawn from this setting; returns its value."""
        return (container or st).checkbox(label, key=self.key, **initial(self.key, self.default), **kwargs)

    def spec(self) -> dict[str, Any]:
        return {self.key: bool}


@dataclass(frozen=True)
class Flags:
    """One checkbox per id, keyed ``prefix`` + id (a legend's show/hide per class): each one a :class:`Flag`."""

    prefix: str
    ids: tuple[Any, ...]
    default: bool = False

    def of(self, id: Any) -> Flag:
        return Flag(f"{self.prefix}{id}", self.default)

    def spec(self) -> dict[str, Any]:
        return {k: v for i in self.ids for k, v in self.of(i).spec().items()}


@dataclass(frozen=True)
class Several(Keyed):
    """A multiselect's setting: a list of ``options`` (each written as in ``components.share.encode``), in a link
    as one comma-separated value (``seg_keep=15,8``; empty: none chosen). ``options`` as for :class:`Choice`."""

    key: str
    options: Any

    def choices(self) -> list[Any]:
        return _listed(self.options)

    def valid(self, value: Any, options: list[Any] | None = None) -> bool:
        """True when ``value`` is a list of ``options`` (default: all of this setting's)."""
        among = self.choices() if options is None else options
        return isinstance(value, list) and all(v in among for v in value)

    def encode(self, value: list[Any]) -> str:
        from components.share import encode

        return ",".join(encode(v) for v in value)

    def decode(self, text: str) -> list[Any]:
        """``"a,b"`` → the options written so (in that order, each once); ValueError for any unknown part."""
        from components.share import decode

        options = self.choices()
        parts = [p for p in text.split(",") if p] if text else []
        if len(parts) > len(options):
            raise ValueError("more values than options")
        return list(dict.fromkeys(decode(p, options) for p in parts))

    def spec(self) -> dict[str, Any]:
        return {self.key: self}


@dataclass(frozen=True)
class Colour(Keyed):
    """A colour picker's setting: ``#rrggbb`` (lower-case in a link), drawn by :meth:`picker`."""

    key: str
    default: str = "#000000"

    def valid(self, value: Any) -> bool:
        return isinstance(value, str) and len(value) == 7 and value[0] == "#" and _is_hex(value[1:])

    def encode(self, value: str) -> str:
        return value.lower()

    def decode(self, text: str) -> str:
        if not self.valid(text):
            raise ValueError(f"{text[:40]!r} is not a #rrggbb colour")
        return text.lower()

    def picker(self, label: str, *, container: Any = None, **kwargs: Any) -> str:
        """``st.color_picker`` drawn from this setting (a value it would refuse is dropped first); its value."""
        if self.key in st.session_state and not self.valid(st.session_state[self.key]):
            del st.session_state[self.key]
        return (container or st).color_picker(label, key=self.key, **initial(self.key, self.default), **kwargs)

    def spec(self) -> dict[str, Any]:
        return {self.key: self}


@dataclass(frozen=True)
class Image:
    """The widgets of one ``components.image_input.image_input(key, kind=...)``: its source radio and sample
    selectbox (in a link), its uploader and camera (never in one). ``kind``: the sample kind(s) offered."""

    key: str
    kind: Any = None  # a models.samples.SampleKind or several; None: photos

    @property
    def source(self) -> str:
        return f"{self.key}_source"

    @property
    def sample(self) -> str:
        return f"{self.key}_sample"

    def spec(self) -> dict[str, Any]:
        from components.share import image_keys

        return image_keys(self.key, self.kind)


@dataclass(frozen=True)
class Key(Keyed):
    """A session-state key that no widget draws and no link carries: a result, a memo, a run under way.

    ``release``: the name of a group of large, recomputable results dropped together from a session gone idle
    (components/session_memory.py; a page never finds half of a group); empty: kept while the session lives."""

    key: str
    release: str = ""


class _Frozen(type):
    def __setattr__(cls, name: str, value: Any) -> None:
        raise AttributeError(f"{cls.__name__}.{name}: a page's settings are declared once, in its class")


class PageSettings(metaclass=_Frozen):
    """One page's settings: a subclass with one declaration per attribute (``view = Choice(<key>, View)``), each
    key string written there and nowhere else. Read, never instantiated: ``SEG.view.key``, ``SEG.spec()``.

    Attributes that are no declaration (a helper, a constant) must start with ``_``."""

    _pages: ClassVar[list[type[PageSettings]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        odd = [
            n for n, v in vars(cls).items() if not n.startswith("_") and not (isinstance(v, Key) or hasattr(v, "spec"))
        ]
        if odd:
            raise TypeError(f"{cls.__name__}: {odd} are no declarations (name helpers and constants with a leading _)")
        PageSettings._pages.append(cls)

    @classmethod
    def declared(cls) -> list[Any]:
        """The declarations, in the order written (a subclass's own, after those it inherits)."""
        seen: dict[str, Any] = {}
        for klass in reversed(cls.__mro__[:-1]):
            if klass is not PageSettings:
                seen.update({n: v for n, v in vars(klass).items() if not n.startswith("_")})
        return list(seen.values())

    @classmethod
    def spec(cls) -> dict[str, Any]:
        """The page's share spec (``components.share.share``): every declaration a link carries."""
        out: dict[str, Any] = {}
        for d in cls.declared():
            if not isinstance(d, Key):
                out.update(d.spec())
        return out

    @classmethod
    def declared_keys(cls) -> list[str]:
        """Every key (or key prefix and image base key) declared, as written."""
        return [d.key if hasattr(d, "key") else d.prefix for d in cls.declared()]

    @classmethod
    def releasable(cls) -> tuple[tuple[str, ...], ...]:
        """The groups of keys declared with ``release=``, one per group name, keys in the order declared."""
        groups: dict[str, list[str]] = {}
        for d in cls.declared():
            if isinstance(d, Key) and d.release:
                groups.setdefault(d.release, []).append(d.key)
        return tuple(tuple(g) for g in groups.values())

    @staticmethod
    def pages() -> list[type[PageSettings]]:
        """Every page's settings class imported so far."""
        return list(PageSettings._pages)


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
