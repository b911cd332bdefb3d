"""One way to get a capability's backend: served by the model server, or built in this process.

Each capability package registers one :class:`CapabilityBackends` (its local factory, its served factory, whether an
option's row can be served, its option ids) when it is imported; :func:`backend` is the one entry point:

>>> from models import backends, segmentation as seg
>>> segmenter = backends.backend(seg.BACKENDS, "deeplab_mnv2_513_quant")  # doctest: +SKIP

It returns the served client when ``VISION_SERVE_ADDRESS`` is set (:func:`models.serving.serve_address`) **and** the
option's row says it can be served (the ``served`` field of the row: ``ModelSpec``, ``StyleSpec``,
``EmbedderSpec``, ``ModelChoice``, ``DigitSpec``), else the local backend. There is no list of capabilities or options
here: a row added at run time (``models.segmentation.register``) is served only when it says so, and then only if
the model server registered the same row (it runs its own process: rows are local-only by default).

Creating a served backend sends no request except for video (its labels); a missing server shows up at the first
inference call as :class:`models.serving.errors.InferenceUnavailable`. No Streamlit here (the pages' cached
helper is :func:`components.backends.backend`).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from models.capabilities import served as served_capabilities
from models.serving import serve_address
from models.serving.client import ServeClient, client_for

if TYPE_CHECKING:
    from models.store import Store

B = TypeVar("B")

__all__ = ["CapabilityBackends", "backend", "capability", "is_served", "option_id", "register", "registered"]


@dataclass(frozen=True, eq=False)
class CapabilityBackends(Generic[B]):
    """One capability's two ways to build the backend of an option, and what its option rows say.

    ``capability``: the name (also the model server's route prefix, one of :data:`models.serving.CAPABILITIES`: the
    packages whose registration says ``served``);
    ``local(option, store)``: the in-process backend (the package's ``create``); ``served(client, option)``: the
    served client with the same contract; ``can_serve(option)``: the ``served`` field of the option's row (raises
    KeyError / ValueError for an unknown option, as ``local`` does); ``options()``: every option id, table order.
    """

    capability: str
    local: Callable[[str, Store | None], B]
    served: Callable[[ServeClient, str], B]
    can_serve: Callable[[str], bool]
    options: Callable[[], Sequence[str]]


_table: dict[str, CapabilityBackends[Any]] = {}
_lock = threading.Lock()


def register(entry: CapabilityBackends[B]) -> CapabilityBackends[B]:
    """Add (or replace) a capability's entry; returns it, so a package keeps it as its ``BACKENDS``."""
    with _lock:
        _table[entry.capability] = entry
    return entry


def capability(name: str) -> CapabilityBackends[Any]:
    """The registered entry of ``name``, importing its package (``models.<name>``) when nothing registered it yet.

    Raises ValueError for a name no package registers.
    """
    if name not in _table:
        known = served_capabilities()
        if name in known:
            importlib.import_module(f"models.{name}")  # the package registers itself on import
        if name not in _table:
            raise ValueError(f"unknown capability {name!r} (known: {', '.join(known)})")
    return _table[name]


def registered() -> dict[str, CapabilityBackends[Any]]:
    """Every capability's entry (each package of :data:`models.serving.CAPABILITIES` imported), by name."""
    return {name: capability(name) for name in served_capabilities()}


def option_id(choice: str | Enum) -> str:
    """The option id of ``choice`` (a ``str`` enum member's value, or the id itself)."""
    return str(choice.value) if isinstance(choice, Enum) else str(choice)


def _entry(cap: CapabilityBackends[B] | str) -> CapabilityBackends[Any]:
    return capability(cap) if isinstance(cap, str) else cap


def is_served(cap: CapabilityBackends[Any] | str, choice: str | Enum) -> bool:
    """Whether :func:`backend` hands out the served client for ``choice``: an address is set and its row says so."""
    return serve_address() is not None and _entry(cap).can_serve(option_id(choice))


@overload
def backend(cap: CapabilityBackends[B], choice: str | Enum, store: Store | None = None) -> B: ...
@overload
def backend(cap: str, choice: str | Enum, store: Store | None = None) -> Any: ...
def backend(cap: CapabilityBackends[Any] | str, choice: str | Enum, store: Store | None = None) -> Any:
    """The backend of option ``choice`` of a capability (its entry, or its name).

    The served client when :func:`is_served`, else ``local(choice, store)`` (called only then: nothing is loaded
    here in served mode). Raises what the local factory raises (``ModelMissingError``, ``ModelFileError``,
    KeyError for an unknown option).
    """
    entry = _entry(cap)
    option = option_id(choice)
    address = serve_address()
    if address is not None and entry.can_serve(option):
        return entry.served(client_for(address), option)
    return entry.local(option, store)
