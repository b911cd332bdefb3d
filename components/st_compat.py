"""Every Streamlit internal this app touches, in one module (Streamlit is pinned at 1.67, requirements.txt).

Nothing outside this module imports from ``streamlit.runtime`` or reads a private attribute of Streamlit: when
Streamlit is upgraded, this is the one file to read, and ``tests/unit/test_st_compat.py`` says which of the
internals below still exist. Each one names what it reaches and since when it has been that way.

=================================  ===========================================================  ==============
internal                           used for                                                     last checked
=================================  ===========================================================  ==============
``scriptrunner.get_script_run_ctx``  the running session's id, page hash, fragment registry      1.67
``script_runner._clean_problem_modules``  replaced: no ``keras.backend.clear_session()`` after   1.67
                                     every run; the hook :func:`after_every_run` runs from it
``ScriptRunContext.fragment_storage`` / ``fragment_ids_this_run``  forget stale fragments        1.67 (1.37+)
``Runtime.__init__``                 wrapped: fill in ``RuntimeConfig.on_script_error``          1.67 (1.46+)
``Runtime._session_mgr``             the session states of idle sessions (memory release)        1.67
``Runtime.get_client(...).client_context.remote_ip``  the websocket's TCP peer (admin page)      1.67
``scriptrunner_utils.exceptions``    ``RerunException`` / ``StopException`` are control flow     1.67
``SessionState._new_widget_state`` / ``_widget_changed`` / ``_key_id_mapper``  which widgets      1.67
                                     the browser changed for this run (a fragment run's batch)
=================================  ===========================================================  ==============
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable
from typing import Any

from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner import script_runner as _script_runner
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

LOG = logging.getLogger(__name__)

__all__ = [
    "INTERNALS",
    "CONTROL_FLOW",
    "after_every_run",
    "changed_widgets",
    "forget_fragments_of_earlier_runs",
    "install_on_script_error",
    "keep_keras_state_between_runs",
    "page_hash",
    "session_id",
    "session_states",
    "websocket_peer",
]

CONTROL_FLOW = (RerunException, StopException)  # raised by st.rerun() / st.stop(): never an error to show

# (module, attribute path) of every internal above; the compatibility test imports each and reads the path.
INTERNALS: tuple[tuple[str, str], ...] = (
    ("streamlit.runtime.scriptrunner", "get_script_run_ctx"),
    ("streamlit.runtime.scriptrunner.script_runner", "_clean_problem_modules"),
    ("streamlit.runtime.scriptrunner.script_runner", "ScriptRunner._run_script"),
    ("streamlit.runtime.scriptrunner_utils.script_run_context", "ScriptRunContext.fragment_storage"),
    ("streamlit.runtime.scriptrunner_utils.script_run_context", "ScriptRunContext.fragment_ids_this_run"),
    ("streamlit.runtime.scriptrunner_utils.script_run_context", "ScriptRunContext.page_script_hash"),
    ("streamlit.runtime.scriptrunner_utils.script_run_context", "ScriptRunContext.session_id"),
    ("streamlit.runtime.runtime", "Runtime.__init__"),
    ("streamlit.runtime.runtime", "Runtime.get_client"),
    ("streamlit.runtime.runtime", "RuntimeConfig.on_script_error"),
    ("streamlit.runtime.session_manager", "SessionManager.get_session_info"),
    ("streamlit.runtime.state.session_state", "SessionState._widget_changed"),
    ("streamlit.runtime.state.session_state", "SessionState._new_widget_state"),
    ("streamlit.runtime.state.session_state", "SessionState._key_id_mapper"),
    ("streamlit.runtime.state.session_state", "KeyIdMapper.id_key_mapping"),
    ("streamlit.runtime.state.safe_session_state", "SafeSessionState._state"),
    ("streamlit.runtime.scriptrunner_utils.exceptions", "RerunException"),
    ("streamlit.runtime.scriptrunner_utils.exceptions", "StopException"),
)

_after_run: list[Callable[[], None]] = []


def session_id() -> str | None:
    """The id of the session whose script runs on this thread; None outside a script run (a CLI, a test)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def page_hash() -> str:
    """The running page's script hash ("" outside a script run): names the page in logs without its path."""
    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx is not None else ""


def forget_fragments_of_earlier_runs() -> None:
    """Drop the fragments registered by earlier runs, at the start of a full page run.

    Why: Streamlit 1.67 forgets a run's unused fragments only when the run ends normally; a run that ends in
    ``st.stop()`` or ``st.rerun()`` before the inpainting canvas keeps the old one. A late report of the old canvas
    then reruns it at its old position in the page, which the shorter new page no longer has, and the browser's
    app crashes to a white page ("Bad delta path index 11 (should be between [0, 10])"). Every fragment still on
    the page registers again in this run; a report of a forgotten one is skipped by Streamlit.
    """
    ctx = get_script_run_ctx()
    if ctx is not None and not ctx.fragment_ids_this_run:  # a full run (page code never runs in a fragment rerun)
        ctx.fragment_storage.clear()


def changed_widgets() -> set[str]:
    """The widgets whose value the browser changed for the running script run: their keys (a widget without a key:
    its id). Empty outside a script run.

    Why: Streamlit 1.67's browser sends widget changes in batches (one 0-ms timer) and gives a batch the fragment id
    of the first fragment widget in it (``WidgetStateManager.scheduleFlush``). A click on a page widget that lands in
    the batch of a fragment widget's own report (the mask canvas reporting its background when it mounts) then
    reruns only that fragment: the server holds the new value, the page below was drawn with the old one. A fragment
    that sees a change outside itself here asks for a full rerun (``components/mask_canvas.py``).
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return set()
    state = ctx.session_state._state  # SafeSessionState -> SessionState; read-only here
    keys = state._key_id_mapper.id_key_mapping
    return {keys.get(wid, wid) for wid in list(state._new_widget_state.states) if state._widget_changed(wid)}


def after_every_run(hook: Callable[[], None]) -> None:
    """Call ``hook()`` on the script thread after every script run (full or fragment), its session's context still
    current. Idempotent per hook. Exceptions in it are logged, never raised into Streamlit."""
    if hook not in _after_run:
        _after_run.append(hook)


def keep_keras_state_between_runs() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit 1.67 does that (``script_runner._clean_problem_modules``) whenever Keras is imported. Here it cost
    about a fifth of the server's time under load (py-spy, bench/load.py): each call runs a full ``gc.collect()``
    that holds the GIL (the event loop, and so every visitor's websocket and the health check, stalls for
    hundreds of ms), empties TensorFlow's kernel cache (the next model call rebuilds kernels), and resets Keras's
    global state while other sessions' threads use it. This app builds its Keras models once (cached) and keeps
    no per-run Keras state, so there is nothing to clear; matplotlib figures are still closed as before. The
    replacement also runs the :func:`after_every_run` hooks. Idempotent.
    """
    if getattr(_script_runner._clean_problem_modules, "_vision_keeps_keras", False):
        return

    def clean_problem_modules() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        for hook in list(_after_run):
            try:
                hook()
            except Exception:  # a logging hook must never break a visitor's run
                LOG.exception("after-run hook %s failed", getattr(hook, "__name__", hook))

    clean_problem_modules._vision_keeps_keras = True  # type: ignore[attr-defined]
    _script_runner._clean_problem_modules = clean_problem_modules


_error_hook_installed = False


def install_on_script_error(hook: Callable[[Exception], bool]) -> None:
    """Make every Streamlit runtime created in this process use ``hook`` as its ``on_script_error``.

    ``streamlit run`` builds its ``RuntimeConfig`` without an ``on_script_error`` (only ``st.App`` takes one in
    Streamlit 1.67), so the launcher fills it in as the runtime is created. Idempotent.
    """
    global _error_hook_installed
    if _error_hook_installed:
        return
    from streamlit.runtime import runtime as rt  # noqa: PLC0415 - the launcher calls this before the runtime exists

    original_init = rt.Runtime.__init__

    def init(self: Any, config: Any, *args: Any, **kwargs: Any) -> None:
        if getattr(config, "on_script_error", None) is None:
            config = dataclasses.replace(config, on_script_error=hook)
        original_init(self, config, *args, **kwargs)

    rt.Runtime.__init__ = init  # type: ignore[method-assign]
    _error_hook_installed = True


def session_states(session_ids: list[str]) -> dict[str, Any] | None:
    """{session id: its session state} for the ids that still have a session (a missing id: Streamlit has freed
    it); None without a runtime (a CLI, AppTest)."""
    if not runtime.exists():
        return None
    mgr = runtime.get_instance()._session_mgr
    infos = {sid: mgr.get_session_info(sid) for sid in session_ids}
    return {sid: info.session.session_state for sid, info in infos.items() if info is not None}


def websocket_peer() -> tuple[str | None, bool]:
    """(peer, has a connection) of this session's websocket: the raw TCP peer address ("" when the connection names
    none), not ``st.context.ip_address`` (that one reports both loopback and "unknown" as None).

    (None, False) without a runtime, outside a script run, or under AppTest (its runtime is a mock)."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return None, False
    client = runtime.get_instance().get_client(ctx.session_id)
    if client is None or client.client_context is None:
        return None, False
    peer = client.client_context.remote_ip
    if not isinstance(peer, str | None):  # AppTest runs scripts on a mocked runtime: no connection at all
        return None, False
    return peer or "", True
