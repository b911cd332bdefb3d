"""Only working options are offered: a choice whose model is missing from the store is left out of the widget.

One place decides what a visitor may pick. Given the options of a widget and, for each, the model-store entry
ids it needs, :func:`offer` splits them into those that work now and those that do not; :func:`choose` draws the
widget with the working ones only and, under it, one plain sentence naming what is not installed. Paths, fetch
commands and exceptions never reach a visitor: they are on the admin page (``pages/9_Admin.py``).

>>> offer(["a", "b"], {"a": (), "b": ("sface",)}.get, title_of=str.upper).note  # doctest: +SKIP
'B is not installed on this server.'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import streamlit as st

from components.feedback import ICONS, NOT_INSTALLED
from models.store import Store

T = TypeVar("T")


def installed(entry_ids: Iterable[str | None], store: Store | None = None) -> bool:
    """True when every named store entry is present (None and empty names need nothing)."""
    store = store or Store()
    return all(store.has(e) for e in entry_ids if e)


@dataclass(frozen=True)
class Offer(Generic[T]):
    options: list[T]  # the options whose entries are all present, in the given order
    missing: list[T]  # the others
    note: str  # one sentence naming the missing ones; "" when nothing is missing


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def not_installed_sentence(titles: Sequence[str]) -> str:
    """``"X is not installed on this server."`` / ``"Not installed on this server: X and Y."`` (the list last: option
    titles hold their own separators, "DeepLabV3 MobileNetV2 (COCO + VOC) · frozen graph", and a verb after two of
    them is lost)."""
    if not titles:
        return ""
    if len(titles) == 1:
        return f"{titles[0]} is {NOT_INSTALLED}."
    return f"{NOT_INSTALLED[0].upper()}{NOT_INSTALLED[1:]}: {_join(list(titles))}."


def cannot_sentence(what: str) -> str:
    """The one sentence for a page (or a part of one) that nothing installed can run:
    ``"Style transfer needs a model that is not installed on this server."``"""
    return f"{what} needs a model that is {NOT_INSTALLED}."


def _page_what() -> str:
    """What the current page does, from its title (``components.page.page_setup`` records it)."""
    title = st.session_state.get("_vision_page")
    return str(title) if title else "This part of the page"


def offer(
    options: Sequence[T],
    entries_of: Callable[[T], Iterable[str | None] | str | None],
    *,
    title_of: Callable[[T], str] = str,
    store: Store | None = None,
) -> Offer[T]:
    """Split ``options`` by whether the store entries they need (``entries_of(option)``) are present."""
    store = store or Store()

    def needs(option: T) -> list[str | None]:
        got = entries_of(option)
        return [got] if got is None or isinstance(got, str) else list(got)

    ok = [o for o in options if installed(needs(o), store)]
    missing = [o for o in options if o not in ok]
    return Offer(ok, missing, not_installed_sentence([title_of(o) for o in missing]))


def choose(
    widget: Callable[..., T],
    label: str,
    options: Sequence[T],
    entries_of: Callable[[T], Iterable[str | None] | str | None],
    *,
    key: str,
    format_func: Callable[[T], str] = str,
    title_of: Callable[[T], str] | None = None,
    note: bool = True,
    container: Any = None,
    what: str | None = None,
    required: bool = True,
    one_as_caption: bool = False,
    **kwargs: Any,
) -> T | None:
    """Draw ``widget`` (``st.selectbox``, ``c1.radio``…) with the working options only; None when none works.

    ``container`` (a column, the sidebar) receives the note; default: the main area.

    When no option works, one sentence says what this server cannot do (:func:`cannot_sentence` of ``what``,
    default: the page's title) and, with ``required`` (default), the page stops there: what follows (pickers,
    settings) cannot run without one of these options, so it is not drawn. ``required=False`` returns None.

    ``one_as_caption``: when exactly one option works, no widget is drawn (a choice of one is no choice); a caption
    names it (``"Method: Fast"``) and its value is kept in session state under ``key`` (share links read it).

    ``index`` (if given) refers to ``options``; it is moved onto the same option among those offered, or the first
    one when that option is not installed. A value kept in session state that is no longer offered is dropped.
    """
    off = offer(options, entries_of, title_of=title_of or format_func)
    where = container if container is not None else st
    if not off.options:
        where.info(cannot_sentence(what or _page_what()), icon=ICONS["missing"])
        if required:
            st.stop()
        return None
    if key in st.session_state and st.session_state[key] not in off.options:
        del st.session_state[key]
    if one_as_caption and len(off.options) == 1:
        only = off.options[0]
        st.session_state[key] = only
        where.caption(f"{label}: **{format_func(only)}**")
        value = only
    else:
        if "index" in kwargs:
            wanted = options[kwargs["index"]] if kwargs["index"] is not None else None
            kwargs["index"] = off.options.index(wanted) if wanted in off.options else 0
        if key in st.session_state:
            kwargs.pop("index", None)
        value = widget(label, off.options, format_func=format_func, key=key, **kwargs)
    if note and off.note:
        where.caption(off.note)
    return value


def require(entries: Sequence[str], what: str | None = None, store: Store | None = None) -> None:
    """Stop the page with the one :func:`cannot_sentence` (of ``what``, default the page's title) unless the store
    holds every entry in ``entries``: for a page whose every path needs them (the training page's encoder)."""
    store = store or Store()
    if not all(store.has(e) for e in entries):
        st.info(cannot_sentence(what or _page_what()), icon=ICONS["missing"])
        st.stop()
