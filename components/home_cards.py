"""Home page cards for visitors: each card is one link (picture, title, one line) to its capability page.

The pictures are example results made by the app itself (``models.examples``), cached as PNGs in the cache
folder. Missing ones are made by one background process (``python -m models.examples``, at low CPU priority), so
the home page never waits for a model: until a result exists, its card shows the sample input. A process, not a
thread: building TensorFlow/Keras models holds the GIL for seconds, which stalled the server's event loop (a page
opened right after the home page stayed blank for a minute on 2 cores).
"""

from __future__ import annotations

import base64
import html
import io
import logging
import os
import subprocess
import sys
import threading
from functools import cache
from pathlib import Path

import streamlit as st

from components.catalog import PAGES, ROOT, PageInfo
from models import capabilities, examples
from models.readiness import can_run
from models.samples import skimage_data_dir
from models.store import Store

LOG = logging.getLogger(__name__)
_LOCK = threading.Lock()
_RUNNING: dict[str, subprocess.Popen] = {}  # store root -> the process making its examples

# Shown until the example result exists: the capability's sample input (package-shipped, always there), as its
# registration names it.
FALLBACK: dict[str, str] = {r.name: r.fallback for r in capabilities.registered()}

CSS = """
<style>
a.vp-card {display:block; text-decoration:none !important; color:inherit !important; border:1px solid #d9dce3;
  border-radius:12px; overflow:hidden; background:#fff; transition:box-shadow .15s, transform .15s; height:100%;}
a.vp-card:hover, a.vp-card:focus {box-shadow:0 4px 16px rgba(40,60,120,.18); transform:translateY(-1px);}
a.vp-card img {width:100%; height:170px; object-fit:cover; object-position:center 25%; display:block; background:#f3f4f7;}
a.vp-card .vp-body {display:block; padding:.6rem .8rem .8rem;}
a.vp-card .vp-title {display:block; font-weight:600; font-size:1.05rem; margin-bottom:.2rem;}
a.vp-card .vp-line {display:block; font-size:.9rem; color:#555;}
a.vp-card.vp-off {background:#f6f6f8; border-style:dashed;}
a.vp-card.vp-off img {filter:grayscale(1); opacity:.45;}
a.vp-card.vp-off .vp-title, a.vp-card.vp-off .vp-line {color:#8a8d96;}
a.vp-card .vp-state {display:block; margin-top:.35rem; font-size:.85rem; font-weight:600; color:#8a5a00;}
</style>
"""


def _lower_priority() -> None:  # runs in the child before exec: the server keeps the CPU when it needs it
    os.nice(10)


def start_making(store: Store) -> bool:
    """Start the background process that makes missing examples; False when all exist or one already runs."""
    if all(examples.cached(c, store) for c in examples.MAKERS):
        return False
    key = str(store.root)
    with _LOCK:
        running = _RUNNING.get(key)
        if running is not None and running.poll() is None:
            return False
        env = {**os.environ, "VISION_STORE": key}
        _RUNNING[key] = subprocess.Popen(
            [sys.executable, "-m", "models.examples"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_lower_priority,
        )
    return True


@cache
def _data_url(path: str, mtime: float) -> str:  # keyed on mtime: a remade file is read again
    data = Path(path).read_bytes()
    mime = "image/png" if path.endswith(".png") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@cache
def _cropped_data_url(path: str, mtime: float, box: tuple[float, float, float, float]) -> str:
    from PIL import Image  # noqa: PLC0415

    with Image.open(path) as im:
        w, h = im.size
        part = im.convert("RGB").crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    buf = io.BytesIO()
    part.save(buf, "PNG")
    return f"data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"


def picture(capability: str, store: Store, page: PageInfo | None = None) -> tuple[str, bool]:
    """(data URL, is a result) for a card: the page's committed picture when it has one, else the capability's
    example result, else its sample input."""
    if page is not None and page.picture:
        committed = ROOT / page.picture
        return _cropped_data_url(str(committed), committed.stat().st_mtime, page.picture_crop), True
    path = examples.cached(capability, store)
    if path is None:
        path = skimage_data_dir() / FALLBACK[capability]
    return _data_url(str(path), path.stat().st_mtime), path.parent != skimage_data_dir()


def url_path(page: PageInfo) -> str:
    """Streamlit's URL for a pages/ script: the file name without its number prefix and extension."""
    stem = Path(page.path).stem
    return stem.split("_", 1)[1] if stem.split("_", 1)[0].isdigit() else stem


NOT_AVAILABLE = "Not available on this server: its models are not installed."
# A non-breaking hyphen (U+2011, in Streamlit's font): at 390 px the title broke as "Computer-" / "vision".
TITLE = "Computer\u2011vision playground"
INTRO_WORDS = "each running a real model on this server"  # a fixed part of the intro (tests wait for it)
_NUMBERS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve")


def built_pages() -> list[PageInfo]:
    """The catalog's pages whose file is present: the home page's cards, in order."""
    return [p for p in PAGES if p.exists]


def intro(n_pages: int) -> str:
    """The sentence under the home title for ``n_pages`` cards; the count is the catalog's, so it cannot go stale."""
    count = _NUMBERS[n_pages] if n_pages < len(_NUMBERS) else str(n_pages)
    things = f"{count} thing{'' if n_pages == 1 else 's'}"
    return (
        f"{things} to try with computer vision, {INTRO_WORDS}. Click a card to try it on a sample picture or your "
        "own. Nothing you upload is stored."
    )


def card(page: PageInfo, store: Store) -> str:
    """One card's HTML; a page that cannot run with this store (``models.readiness``) gets a muted card that says so."""
    src, _ = picture(page.capability, store, page)
    title = html.escape(f"{page.icon} {page.title}")
    runs = can_run(page.capability, store.has) and all(store.has(e) for e in page.needs)
    state = "" if runs else f'<span class="vp-state">{NOT_AVAILABLE}</span>'
    label = page.title if runs else f"{page.title} (not available on this server)"
    return (
        f'<a class="vp-card{"" if runs else " vp-off"}" href="{url_path(page)}" target="_self" '
        f'aria-label="{html.escape(label)}">'
        f'<img src="{src}" alt="Example: {html.escape(page.title)}"/>'
        f'<span class="vp-body"><span class="vp-title">{title}</span>'
        f'<span class="vp-line">{html.escape(page.summary)}</span>{state}</span></a>'
    )


def capability_cards(columns: int = 3) -> None:
    store = Store()
    start_making(store)
    st.markdown(CSS, unsafe_allow_html=True)
    built = built_pages()
    for i in range(0, len(built), columns):
        cols = st.columns(columns, gap="medium")
        for col, page in zip(cols, built[i : i + columns], strict=False):
            col.markdown(card(page, store), unsafe_allow_html=True)
