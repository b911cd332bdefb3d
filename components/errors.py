"""Errors a visitor can quote: each failure gets a short id, logged server-side with its traceback.

Production (deploy/) hides Streamlit's error details from visitors (``client.showErrorDetails = "none"``), so a
visitor would only see a generic sentence. With an id, the visitor can quote it and the operator finds the full
traceback in the server log (``journalctl -u vision-playground`` / ``docker compose logs app``) by grepping the id.

Two ways in, both without Streamlit imports at module load beyond what pages already pay:

- ``install_global_handler()`` (called by ``components/serve.py``, the production launcher): every exception a page
  does not catch is logged as ``error id ABC123DEF0 on page …`` with the traceback, and the visitor sees
  "Something went wrong … error id ABC123DEF0" instead of Streamlit's box. No page has to change.
- ``error_boundary(label)``: a context manager a page can adopt around one step (e.g. a model call) so that only
  that step's panel shows the message and the rest of the page keeps working::

      with error_boundary("segmentation"):
          result = run_model(image)
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterator

LOGGER = logging.getLogger("vision.errors")


def new_error_id() -> str:
    return secrets.token_hex(5).upper()  # 10 hex characters: easy to read out, unique enough for one log


def log_error(ex: BaseException, where: str = "") -> str:
    """Log ``ex`` with its traceback under a fresh id; returns the id."""
    error_id = new_error_id()
    if not LOGGER.handlers and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    LOGGER.error(
        "error id %s%s: %s: %s",
        error_id,
        f" on {where}" if where else "",
        type(ex).__name__,
        ex,
        exc_info=(type(ex), ex, ex.__traceback__),
    )
    return error_id


def log_refusal(ex: BaseException, where: str = "") -> None:
    """Log an input this app refused (an empty, truncated or over-long file…) as one WARNING line: no traceback,
    no error id, so the log tells refused inputs from faults (which :func:`log_error` logs as ERROR)."""
    if not LOGGER.handlers and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    message = " ".join(str(ex).split())  # one line whatever the message holds
    LOGGER.warning("refused input%s: %s: %s", f" on {where}" if where else "", type(ex).__name__, message[:300])


def _page_name() -> str:
    from components.st_compat import page_hash

    try:
        digest = page_hash()
        return f"page {digest[:8]}" if digest else ""  # the traceback names the page's file
    except Exception:
        return ""


def on_script_error(ex: Exception) -> bool:
    """Streamlit's ``on_script_error`` hook: log with an id, show only the id; True = hide Streamlit's own box."""
    from components.feedback import internal_error

    internal_error(log_error(ex, _page_name()))
    return True


@contextlib.contextmanager
def error_boundary(label: str = "") -> Iterator[None]:
    """Run a block; an exception in it is logged with an id and shown as a one-line message with that id."""
    try:
        yield
    except Exception as ex:
        from components.st_compat import CONTROL_FLOW

        if isinstance(ex, CONTROL_FLOW):  # Streamlit's control flow (st.rerun, st.stop), not an error
            raise
        from components.feedback import internal_error

        internal_error(log_error(ex, label))


def install_global_handler() -> None:
    """Make every Streamlit runtime created in this process use :func:`on_script_error` (the launcher calls this
    before the runtime exists; ``components.st_compat.install_on_script_error``). Idempotent."""
    from components.st_compat import install_on_script_error

    install_on_script_error(on_script_error)
