"""Heavy jobs through the process's bounded pool, with the visitor's place in the queue and a Cancel button.

    from components.jobs import run_heavy
    result = run_heavy("the Gatys optimisation", lambda: sty.gatys_transfer(...), key="gatys")

When a slot is free the job starts at once (nothing is shown). Otherwise the page shows "⏳ 1 ahead of you",
updated every half second, and a **Cancel** button: a click withdraws the job (its place is given back) and
the page shows that it was cancelled. Light actions (segmentation, DCGAN sampling, small style, face verify)
do not call this, so they never wait behind heavy jobs. Pool size: ``VISION_HEAVY_WORKERS`` (see
models/serving/job_pool.py).

A job that already runs is interrupted the Streamlit way: any click reruns the script, which stops at the
next element update (Gatys and video analysis update a progress bar every step); the slot is given back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from models.serving.job_pool import heavy_pool

T = TypeVar("T")
CANCELLED_KEY = "_heavy_jobs_cancelled"
POLL_S = 0.5


def _cancel(key: str) -> None:
    st.session_state.setdefault(CANCELLED_KEY, set()).add(key)


def _again(key: str) -> None:
    st.session_state.setdefault(CANCELLED_KEY, set()).discard(key)


def queue_line(label: str, ahead: int, waited_s: float) -> str:
    """The one sentence a waiting heavy job shows (here and on pages that poll a background job)."""
    return (
        f"⏳ The server is busy with other visitors' jobs: **{ahead} ahead of you**. "
        f"{label[:1].upper()}{label[1:]} starts as soon as one ends (waiting {waited_s:.0f} s)."
    )


def run_heavy(label: str, fn: Callable[[], T], *, key: str, auto: bool = False) -> T:
    """Run ``fn()`` in this session's thread once the heavy-job pool has a slot; return its result.

    ``label`` names the job for the visitor ("the video analysis"). ``key`` is unique on the page.
    ``auto``: the page starts this job by itself whenever its inputs are new (no button): after a Cancel it
    is then not restarted until the visitor asks (a "Start again" button; ``st.stop()`` until then). Jobs
    started by a button (``auto=False``) run whenever called: the click is the request.
    """
    cancelled: set[str] = st.session_state.setdefault(CANCELLED_KEY, set())
    if key in cancelled:
        if not auto:
            cancelled.discard(key)
        else:
            st.info(f"You cancelled {label}.", icon="✋")
            st.button("Start again", key=f"_job_again_{key}", on_click=_again, args=(key,))
            st.stop()
    pool = heavy_pool()
    ticket = pool.enter(label)
    try:
        if not pool.wait(ticket, 0):
            box = st.empty()
            with box.container(border=True):
                line = st.empty()
                st.button(
                    "Cancel",
                    key=f"_job_cancel_{key}",
                    on_click=_cancel,
                    args=(key,),
                    help="Leave the queue; nothing is computed.",
                )
            # Each update is also where a click (Cancel, or any widget) interrupts this run; the finally
            # below then gives the place back.
            while not pool.wait(ticket, POLL_S):
                line.info(queue_line(label, pool.ahead(ticket), ticket.waited_s))
            box.empty()
        return fn()
    finally:
        pool.leave(ticket)
