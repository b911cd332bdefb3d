"""Every failure a visitor is told about, in one place: one function and one icon per kind.

=================  ======  ==========================================================================
kind               icon    when
=================  ======  ==========================================================================
bad input          ⚠️      a file or value this app refuses (:class:`models.errors.InputError`); the
                           message says what is wrong in plain words; logged as one WARNING line
not installed      📦      a model or data set the store does not hold (paths and commands stay on the
                           admin page)
server unavailable 🛑      the model server is away (:class:`InferenceUnavailable`): its message, and a
                           "Try again" button that reruns the page
internal error     🐞      anything else: one sentence with an error id; the traceback is in the log
=================  ======  ==========================================================================

Pages and views call :func:`failed` with what they were doing and the exception (it picks the kind), or one of
the kinds directly; nothing else in ``pages/`` or ``components/`` calls ``st.error``.
"""

from __future__ import annotations

import streamlit as st

from components.errors import log_error, log_refusal
from models.errors import InputError
from models.serving.errors import InferenceUnavailable

ICONS = {"input": "⚠️", "missing": "📦", "unavailable": "🛑", "internal": "🐞"}
NOT_INSTALLED = "not installed on this server"
INTERNAL_MESSAGE = (
    "Something went wrong on our side. The details were logged on the server; "
    "if you report this, quote error id **{error_id}**."
)


def bad_input(exc: BaseException | str, where: str = "") -> None:
    """A refused input: its own message (written for the visitor), logged as a refusal (no traceback, no id)."""
    if isinstance(exc, BaseException):
        log_refusal(exc, where)
    st.error(str(exc), icon=ICONS["input"])


def not_installed(title: str) -> None:
    """The one sentence a page shows where a part needs a model that is not installed."""
    st.info(f"{title} is {NOT_INSTALLED}, so this part of the page is unavailable.", icon=ICONS["missing"])


def server_unavailable(exc: BaseException, retry_key: str | None = None, what: str = "") -> None:
    """The model server is away: its message (written for visitors), logged with an id, and "Try again"."""
    log_error(exc, what)
    st.error(f"{what} failed: {exc}" if what else str(exc), icon=ICONS["unavailable"])
    if retry_key:
        st.button("Try again", key=retry_key, help="Runs this step again; nothing is kept from the failure.")


def internal_error(error_id: str, what: str = "") -> None:
    """A fault of this app: one sentence (naming the step ``what`` when given) with the id of its log record."""
    head = f"{what} did not work on this server this time. " if what else ""
    st.error(head + INTERNAL_MESSAGE.format(error_id=error_id), icon=ICONS["internal"])


def failed(what: str, exc: BaseException, retry_key: str | None = None) -> None:
    """Tell the visitor that ``what`` (e.g. "Stylization") failed with ``exc``, in the words of its kind.

    Args:
        what: the step, as a visitor would name it; also the log's "where".
        exc: the exception caught around the step.
        retry_key: widget key of a "Try again" button, shown when the model server is away.
    """
    if isinstance(exc, InputError):
        bad_input(exc, what)
    elif isinstance(exc, InferenceUnavailable):
        server_unavailable(exc, retry_key, what)
    else:
        internal_error(log_error(exc, what), what)
