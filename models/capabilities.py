"""The one registration of each capability, and the tables derived from all of them.

A capability (a page backed by a model package) is declared once, by its own package, in
``models/<package>/registration.py`` as ``CAPABILITY = Registration(...)``: its name, its pages (path, icon, title,
summary, settings module), what its default options need from the store, its home-card example maker, its sample
picture, whether the model server runs it, and when it can run at all. :func:`registered` finds every such module
(any subpackage of ``models`` with a ``registration.py``), so nothing central lists the capabilities: the home page's
cards and the navigation (``components.catalog.PAGES``), ``fetch --defaults`` and the admin page
(:func:`page_defaults`), the store's entry list (:func:`entries`), the home-card examples (``models.examples.MAKERS``), the muted cards
(``models.readiness.can_run``) and the model server's applications (:func:`served`, ``models.serving.CAPABILITIES``)
are all read from here.

Importing this module imports no capability package; :func:`registered` imports each package (none imports
TensorFlow at import time) and its ``registration`` module, once per process. No Streamlit here.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import models  # the package itself: its folders hold the capability packages
from models.registry import BY_ID, ENTRIES, Entry, get, register

if TYPE_CHECKING:
    import numpy as np  # the makers' pictures (numpy is not imported here at run time)

ROOT = Path(__file__).resolve().parent.parent  # the app root: pages/ and components/ live here
THUMB = 480  # the widest an example picture may be (px)
MODULE = "registration"  # the module of a package that holds its registration, as ``CAPABILITY``
DEFAULT_ORDER = 100


class Holdings(Protocol):
    """What an example maker or a readiness check asks of the model store (``models.store.Store`` is one)."""

    def has(self, entry: str) -> bool:
        """Whether the entry is in the store."""
        ...

    def path(self, entry: str) -> Path:
        """Where the entry is (or would be) in the store."""
        ...


# An example maker: (RGB uint8 picture at most THUMB px wide, whether it is a real result rather than the sample)
Maker = Callable[[Holdings], "tuple[np.ndarray, bool]"]
Ready = Callable[[Callable[[str], bool]], bool]  # (is this store entry present?) -> can some option run


@dataclass(frozen=True)
class Page:
    """One page of a capability: where its script lives and how the home page and the navigation show it."""

    path: str  # relative to the app root: pages/<N>_<Name>.py (N orders the pages; Name is its URL)
    icon: str
    title: str
    summary: str  # the home card's one line
    settings: str  # the module declaring the page's settings (components/settings.py PageSettings)
    # store entries this page needs beyond what its capability's options need (the home card is muted without them)
    needs: tuple[str, ...] = ()
    # a committed picture for the card instead of the capability's example result, and the part of it shown
    # (left, top, right, bottom as fractions of the picture)
    picture: str = ""
    picture_crop: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    capability: str = ""  # set from its registration (the registration's name)

    @property
    def exists(self) -> bool:
        """Whether the page's script is there (the home page shows only pages that are)."""
        return (ROOT / self.path).is_file()

    @property
    def number(self) -> int:
        """The page's place in the navigation: the number its file name starts with (after all numbered ones)."""
        head = Path(self.path).stem.split("_", 1)[0]
        return int(head) if head.isdigit() else 1_000_000


@dataclass(frozen=True)
class Registration:
    """Everything the app needs to know about one capability, declared by its package.

    ``name``: the capability's name (the ``capability`` of its store entries, the examples' file names).
    ``pages``: its pages; the first is its own page, the one :func:`page_defaults` names.
    ``defaults``: the store entries its first page's default options need (``fetch --defaults`` fetches them).
    ``entries``: store entries this capability adds (registered with ``models.registry.register`` on discovery).
    ``example`` / ``example_needs``: the home card's example maker and the entries its picture depends on.
    ``fallback``: a scikit-image sample (``skimage/data/``) shown on the card until the example exists.
    ``served``: the model server has an application for it, at ``/<package>`` (``models.<package>.served``).
    ``ready``: whether some option can run with a store's entries (None: always, it needs nothing from the store).
    ``order``: its place among the capabilities (the model server's applications, the defaults); pages are
    ordered by their file's number instead.
    """

    name: str
    pages: tuple[Page, ...]
    defaults: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()
    example: Maker | None = None
    example_needs: tuple[str, ...] = ()
    fallback: str = "chelsea.png"
    served: bool = False
    ready: Ready | None = None
    order: int = DEFAULT_ORDER
    package: str = field(default="", compare=False)  # set on discovery: the package that declares it

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", str(self.name))  # a ``Capability`` member becomes its plain name
        object.__setattr__(self, "pages", tuple(replace(p, capability=self.name) for p in self.pages))

    @property
    def route(self) -> str:
        """The package's own name (``digits`` for ``models.digits``): the model server's route prefix."""
        return self.package.rsplit(".", 1)[-1]


def _declaring_packages() -> list[str]:
    """Every subpackage of ``models`` that has a ``registration.py``, by name (``models`` may span several folders)."""
    found = []
    for info in pkgutil.iter_modules(models.__path__):
        folder = getattr(info.module_finder, "path", None)
        if info.ispkg and folder is not None and (Path(folder) / info.name / f"{MODULE}.py").is_file():
            found.append(f"models.{info.name}")
    return sorted(found)


@functools.cache
def registered() -> tuple[Registration, ...]:
    """Every capability's registration, in ``order`` (then name); their store entries registered."""
    out = []
    for package in _declaring_packages():
        module = importlib.import_module(f"{package}.{MODULE}")
        reg = getattr(module, "CAPABILITY", None)
        if not isinstance(reg, Registration):
            raise TypeError(f"{package}.{MODULE} must define CAPABILITY = models.capabilities.Registration(...)")
        out.append(replace(reg, package=package))
    names = [r.name for r in out]
    if len(names) != len(set(names)):
        raise ValueError(f"two packages register the same capability: {sorted(names)}")
    for reg in out:
        for entry in reg.entries:
            if BY_ID.get(entry.id, entry) != entry:
                raise ValueError(f"{reg.package}.{MODULE}: store entry {entry.id!r} is already another entry's id")
            register(entry)
    return tuple(sorted(out, key=lambda r: (r.order, r.name)))


def by_name() -> dict[str, Registration]:
    """Name → registration."""
    return {r.name: r for r in registered()}


def pages() -> tuple[Page, ...]:
    """Every capability's pages, in navigation order (their files' numbers)."""
    return tuple(sorted((p for r in registered() for p in r.pages), key=lambda p: (p.number, p.path)))


def page_defaults() -> dict[str, tuple[str, ...]]:
    """What each capability page's default options need from the store, by the page's title, in page order.

    ``python -m models.store fetch --defaults`` fetches exactly these; the admin page and the offline set-up message
    name the pages that are limited without them.
    """
    first = sorted(((r.pages[0], r.defaults) for r in registered() if r.pages), key=lambda pd: pd[0].number)
    return {page.title: defaults for page, defaults in first}


def default_entries() -> list[Entry]:
    """The entries of :func:`page_defaults`, each once, in page order."""
    seen: dict[str, Entry] = {}
    for ids in page_defaults().values():
        for i in ids:
            seen.setdefault(i, get(i))
    return list(seen.values())


def entries() -> tuple[Entry, ...]:
    """The store's entries: the shipped ones (``models.registry.ENTRIES``), then those the registrations add."""
    return (*ENTRIES, *(e for r in registered() for e in r.entries))


def served() -> tuple[str, ...]:
    """The packages the model server runs (each an application at ``/<name>``), in capability order."""
    return tuple(r.route for r in registered() if r.served)
