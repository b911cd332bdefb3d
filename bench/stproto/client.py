"""A Streamlit visitor without a browser: Streamlit 1.67's own websocket protocol, spoken from Python.

What a browser tab does, message for message (read from Streamlit 1.67's server and its frontend bundle):

- **open a page**: GET the page's URL and ``/_stcore/health`` (which sets the ``_streamlit_xsrf`` cookie) and
  ``/_stcore/host-config``; open ``/_stcore/stream`` with the subprotocols ``["streamlit", <xsrf cookie>]``; send
  ``BackMsg(rerun_script=ClientState(page_name=<URL path>, page_script_hash=""))``, as the frontend does on a page
  load. A sidebar link click (:meth:`Visitor.navigate`) sends the link's ``page_script_hash`` instead.
- **change a widget**: a rerun whose ``WidgetStates`` carry the new value under the widget's id, read from the
  ``ForwardMsg`` deltas by the widget's label or key. Values this visitor set earlier on the page are sent again
  (the frontend sends every widget's state); widgets never touched are left out, so the server keeps their
  current value, which is what the browser would have sent back. Buttons are one-shot triggers.
- **upload**: ``BackMsg(file_urls_request)`` → ``ForwardMsg(file_urls_response)`` → ``PUT`` of a multipart form
  (field named after the file, ``X-Xsrftoken`` header) to the upload URL → a rerun with the uploader's
  ``FileUploaderState``.
- **media**: every ``/media/...`` URL an image, video or audio element (or HTML in markdown) names is fetched once
  the run ends, as the page's ``<img>``/``<video>`` tags would. Download buttons are not fetched (a browser fetches
  them only on a click).
- **forward-message cache**: cacheable messages are kept by hash (per tab: :meth:`Visitor.open` starts empty) and
  their hashes sent with each rerun, so the server answers with ``ref_hash`` references as it does to a browser.

The page is kept as the frontend keeps it (bench/stproto/page.py). :meth:`Visitor.text` is the page's text.

Every call blocks until the run it caused has finished (``script_finished``) and its media are fetched, and
returns a :class:`Run` with the wall time of that whole action. No Streamlit runtime is started: only the
generated protobuf classes of the installed ``streamlit`` package are used. Plain sockets, so it runs in threads
and under gevent (Locust) alike.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from .page import VALUE_FIELD, Page

# on_request(kind, name, seconds, bytes, error or None): every HTTP request and rerun, for a load tool's stats
OnRequest = Callable[[str, str, float, int, "str | None"], None]

FINISHED = ForwardMsg.ScriptFinishedStatus
CACHE_MAX = 1000  # cached forward messages kept (the frontend prunes its cache by age; a bound is enough here)


class ProtocolError(RuntimeError):
    """The server answered in a way a browser would show as broken (closed socket, timeout, HTTP error)."""


@dataclass
class Run:
    """One action's outcome. ``wall_s``: from the first request to the run's end and its media fetched."""

    wall_s: float
    runs: int = 0  # script runs it took (a page's own st.rerun() adds one)
    media: int = 0  # media files fetched
    media_bytes: int = 0
    errors: list[str] = field(default_factory=list)  # exceptions and error alerts shown on the page


class Visitor:
    """One browser tab's worth of Streamlit session, over the websocket protocol.

    ``base_url``: ``http://host:port`` of the app (a base path is kept). ``timeout_s`` bounds each wait for a
    message. ``on_request`` (optional) is called once per HTTP request and per script run, for Locust's stats.
    """

    def __init__(self, base_url: str, *, timeout_s: float = 240.0, on_request: OnRequest | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.on_request = on_request
        self.http = requests.Session()
        self.ws: websocket.WebSocket | None = None
        self.session_id = ""
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # URL path ("Segmentation") → page script hash
        self.page = Page()
        self.values: dict[str, WidgetState] = {}  # what this visitor set on the current page
        self.cache: dict[str, ForwardMsg] = {}  # forward-message cache, as the frontend keeps one
        self.fetched: set[str] = set()
        self.refs = 0  # forward messages the server sent as a reference to this visitor's cache
        self.refs_possible = 0  # cacheable messages received

    # --- requests, timed ---------------------------------------------------------------------------------
    def _report(self, kind: str, name: str, t0: float, size: int, error: str | None) -> None:
        if self.on_request is not None:
            self.on_request(kind, name, time.perf_counter() - t0, size, error)

    def _http(self, method: str, path: str, name: str, **kw: Any) -> requests.Response:
        t0 = time.perf_counter()
        try:
            r = self.http.request(method, self.base + path, timeout=self.timeout_s, **kw)
            r.raise_for_status()
        except requests.RequestException as exc:
            self._report(method, name, t0, 0, str(exc))
            raise ProtocolError(f"{method} {path}: {exc}") from exc
        self._report(method, name, t0, len(r.content), None)
        return r

    # --- connection --------------------------------------------------------------------------------------
    def open(self, page: str = "", query: str = "") -> Run:
        """Load ``/<page>`` as a fresh tab: a new websocket session, the page's default widget values."""
        t0 = time.perf_counter()
        self.close()
        self._http("GET", f"/{page}", "/[page]")
        self._http("GET", "/_stcore/health", "/_stcore/health")
        self._http("GET", "/_stcore/host-config", "/_stcore/host-config")
        xsrf = self.http.cookies.get("_streamlit_xsrf") or ""
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        try:
            self.ws = websocket.create_connection(
                f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream",
                subprotocols=["streamlit", xsrf],
                origin=f"{parts.scheme}://{parts.netloc}",
                cookie=cookie,
                timeout=self.timeout_s,
            )
        except (OSError, websocket.WebSocketException) as exc:
            raise ProtocolError(f"websocket: {exc}") from exc
        self.page.clear()
        self.cache.clear()  # the frontend's message cache lives in the tab's memory; the HTTP cache stays
        self.values.clear()
        self.page_hash = ""
        return self._rerun(t0, page_name=page, query=query)

    def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(OSError, websocket.WebSocketException):
                self.ws.close()
            self.ws = None

    # --- actions -----------------------------------------------------------------------------------------
    def navigate(self, page: str) -> Run:
        """Click the sidebar link to ``page`` (its URL path, e.g. "Inpainting"): a rerun with its script hash."""
        pages = {**self.pages, **self.page.links}  # a link's own hash is what the click sends
        if page not in pages:
            raise KeyError(f"no link to page {page!r} (known: {sorted(pages)})")
        t0 = time.perf_counter()
        self.values.clear()
        return self._rerun(t0, page_hash=pages[page])

    def set(self, widget: str, value: Any) -> Run:
        """Set a widget (by label or key) the way its frontend component does, and rerun.

        Values: radio/selectbox the option's text; checkbox a bool; slider a number or a list; multiselect and
        pills a list of option texts; number/text inputs a number/str.
        """
        kind, proto = self.widget(widget)
        state = WidgetState(id=proto.id)
        name = VALUE_FIELD[kind]
        if kind == "number_input" and proto.data_type == proto.INT:
            name = "int_value"
        if kind in ("radio", "selectbox") and value not in proto.options:
            raise ValueError(f"{widget!r} has no option {value!r} (options: {list(proto.options)})")
        if name.endswith("_array_value"):
            values = value if isinstance(value, list | tuple) else [value]
            getattr(state, name).data.extend(values)
        else:
            setattr(state, name, value)
        self.values[proto.id] = state
        return self._rerun(time.perf_counter())

    def choose(self, option: str) -> Run:
        """Pick ``option`` in the one radio or selectbox that offers it (a click on the option's text)."""
        found = [p for _, k, p in self.elements() if k in ("radio", "selectbox") and option in p.options]
        if len(found) != 1:
            raise KeyError(f"{len(found)} radios/selectboxes offer {option!r}")
        return self.set(found[0].id, option)

    def click(self, button: str) -> Run:
        """Press a button (by label or key): a one-shot trigger, not kept for later reruns."""
        kind, proto = self.widget(button)
        if kind != "button":
            raise TypeError(f"{button!r} is a {kind}, not a button")
        return self._rerun(time.perf_counter(), trigger=WidgetState(id=proto.id, trigger_value=True))

    def upload(self, uploader: str, name: str, data: bytes, mime: str = "application/octet-stream") -> Run:
        """Drop a file on a file uploader (by label or key), through the upload endpoint, and rerun."""
        kind, proto = self.widget(uploader)
        if kind not in ("file_uploader", "camera_input"):
            raise TypeError(f"{uploader!r} is a {kind}, not a file uploader")
        t0 = time.perf_counter()
        request_id = str(uuid.uuid4())
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        self._send(msg)
        urls: list[FileURLs] = []

        def answered(f: ForwardMsg) -> bool:
            if f.WhichOneof("type") == "file_urls_response" and f.file_urls_response.response_id == request_id:
                if f.file_urls_response.error_msg:
                    raise ProtocolError(f"file URLs refused: {f.file_urls_response.error_msg}")
                urls.extend(f.file_urls_response.file_urls)
                return True
            return False

        self._pump(answered)
        url = urls[0]
        xsrf = self.http.cookies.get("_streamlit_xsrf") or ""
        self._http(
            "PUT",
            url.upload_url,
            "/_stcore/upload_file/[session]/[file]",
            files={name: (name, data, mime)},
            headers={"X-Xsrftoken": xsrf},
        )
        state = WidgetState(id=proto.id)
        state.file_uploader_state_value.uploaded_file_info.append(
            UploadedFileInfo(name=name, size=len(data), file_id=url.file_id, file_urls=url)
        )
        self.values[proto.id] = state
        return self._rerun(t0)

    # --- the page ----------------------------------------------------------------------------------------
    def elements(self) -> list[tuple[tuple[int, ...], str, Any]]:
        return self.page.elements()

    def widget(self, name: str) -> tuple[str, Any]:
        return self.page.widget(name)

    def widget_labels(self) -> list[str]:
        return self.page.widget_labels()

    def text(self) -> str:
        return self.page.text()

    def errors(self) -> list[str]:
        return self.page.errors()

    def media_urls(self) -> list[str]:
        return self.page.media_urls()

    # --- protocol ----------------------------------------------------------------------------------------
    def _send(self, msg: BackMsg) -> None:
        if self.ws is None:
            raise ProtocolError("not connected: open() a page first")
        try:
            self.ws.send_binary(msg.SerializeToString())
        except (OSError, websocket.WebSocketException) as exc:
            raise ProtocolError(f"websocket send: {exc}") from exc

    def _rerun(
        self,
        t0: float,
        *,
        page_name: str = "",
        page_hash: str | None = None,
        query: str = "",
        trigger: WidgetState | None = None,
    ) -> Run:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        cs.page_name = page_name
        cs.page_script_hash = self.page_hash if page_hash is None else page_hash
        cs.widget_states.widgets.extend([*self.values.values(), *([trigger] if trigger else [])])
        cs.cached_message_hashes.extend(self.cache)
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.base}/{page_name}"
        t_run = time.perf_counter()
        self._send(msg)
        run = Run(wall_s=0.0)
        finished: list[int] = []

        def done(f: ForwardMsg) -> bool:
            if f.WhichOneof("type") != "script_finished":
                return False
            run.runs += 1
            finished.append(f.script_finished)
            # A page's own st.rerun() ends this run early; the server starts the next one by itself.
            return f.script_finished != FINISHED.FINISHED_EARLY_FOR_RERUN

        try:
            self._pump(done)
        except ProtocolError as exc:
            self._report("WS", "rerun", t_run, 0, str(exc))
            raise
        self._report("WS", "rerun", t_run, 0, None)
        if finished[-1] == FINISHED.FINISHED_WITH_COMPILE_ERROR:
            run.errors.append("the script failed to compile")
        for url in self.media_urls():
            if url in self.fetched:
                continue  # the browser's own cache: the same URL is not fetched twice
            r = self._http("GET", url, "/media/[file]")
            self.fetched.add(url)
            run.media += 1
            run.media_bytes += len(r.content)
        run.errors += self.errors()
        run.wall_s = time.perf_counter() - t0
        return run

    def _pump(self, until: Callable[[ForwardMsg], bool]) -> None:
        """Handle forward messages until ``until(msg)`` is true."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            if self.ws is None:
                raise ProtocolError("not connected")
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = self.ws.recv()
            except websocket.WebSocketTimeoutException as exc:
                raise ProtocolError(f"no answer in {self.timeout_s:.0f} s") from exc
            except (OSError, websocket.WebSocketException) as exc:
                raise ProtocolError(f"websocket closed: {exc}") from exc
            if not isinstance(data, bytes) or not data:
                raise ProtocolError("the server closed the websocket" if not data else "a text frame")
            f = ForwardMsg()
            f.ParseFromString(data)
            f = self._resolve(f)
            self._handle(f)
            if until(f):
                return

    def _resolve(self, f: ForwardMsg) -> ForwardMsg:
        if f.WhichOneof("type") == "ref_hash":
            cached = self.cache.get(f.ref_hash)
            if cached is None:
                raise ProtocolError(f"reference to a message this visitor never had: {f.ref_hash}")
            full = ForwardMsg()
            full.CopyFrom(cached)
            full.metadata.CopyFrom(f.metadata)  # the reference carries the message's new place
            self.refs += 1
            return full
        if f.metadata.cacheable and f.hash:
            self.cache[f.hash] = f
            self.refs_possible += 1
            while len(self.cache) > CACHE_MAX:
                self.cache.pop(next(iter(self.cache)))  # the oldest: its hash is no longer offered
        return f

    def _handle(self, f: ForwardMsg) -> None:
        kind = f.WhichOneof("type")
        if kind == "new_session":
            self.page.start_run()  # each script run starts with one
            ns = f.new_session
            self.session_id = ns.initialize.session_id or self.session_id
            self.page_hash = ns.page_script_hash or self.page_hash
        elif kind == "navigation":
            # The page the run resolved to (new_session may name the main script before pages are known).
            self.page_hash = f.navigation.page_script_hash or self.page_hash
            for p in f.navigation.app_pages:
                self.pages[p.url_pathname] = p.page_script_hash
        elif kind == "delta":
            self.page.apply(f)
        elif kind == "script_finished" and f.script_finished == FINISHED.FINISHED_SUCCESSFULLY:
            # The frontend's clearStaleNodes: what this run did not draw is gone.
            self.page.finish_run()
        elif kind == "page_not_found":
            raise ProtocolError(f"page not found: {f.page_not_found.page_name!r}")
