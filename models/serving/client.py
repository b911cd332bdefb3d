"""The HTTP client of the model server: one :class:`ServeClient` per address, shared by every served backend.

The served backends themselves live beside their capability (``models.<capability>.served``: ``ServedSegmenter``,
``ServedStyle``, ``ServedFaceAnalyzer``, ``ServedStreamClassifier``, ``ServedDigitGenerator``), wrap nothing but a
:class:`ServeClient` (no Ray import, no model in this process) and return the very types the local backends
return, so a page cannot tell them apart; :func:`models.backends.backend` picks served or local.

Every request carries ``Authorization: Bearer $VISION_SERVE_TOKEN`` (:mod:`models.serving.auth`; read per
request, so a rotated token needs no restart of the client objects).

Failures: a connection refused / reset or a 5xx answer (a replica that died mid-request; Ray restarts it) is
retried once after :data:`RETRY_DELAY_S`; a second failure, or no answer within the timeout, raises
:class:`models.serving.errors.InferenceUnavailable` (a :class:`models.errors.VisionError`: pages show its message
as is). A 4xx is never retried (the same request would get the same answer): 400 raises
:class:`~models.serving.errors.ServedInputError` with the server's plain message, 401/403
:class:`~models.serving.errors.ServeAuthError`, any other 4xx InferenceUnavailable. Nothing is remembered between
calls, so the next call after the cluster is back simply works.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import numpy as np

import models.serving.auth as auth
import models.serving.wire as wire
from models.serving.errors import InferenceUnavailable, ServeAuthError, ServedInputError

TIMEOUT_ENV = "VISION_SERVE_TIMEOUT"  # seconds one request may take (default 300: a 400-step restoration)
DEFAULT_TIMEOUT_S = 300.0
CONNECT_TIMEOUT_S = 3.0
RETRY_DELAY_S = 1.0
RETRY_STATUS = frozenset({500, 502, 503, 504})
AUTH_STATUS = frozenset({401, 403})


def _timeout() -> float:
    try:
        return float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S


class ServeClient:
    """``POST {address}/{capability}/{operation}`` with a :mod:`wire` message; thread-safe (a session per thread).

    ``address``: the Serve HTTP proxy, e.g. ``http://127.0.0.1:8000`` (a path prefix is kept); ``token``: the
    shared secret (default: the first of ``$VISION_SERVE_TOKEN`` at each request).
    """

    def __init__(self, address: str, timeout_s: float | None = None, retries: int = 1, token: str | None = None):
        self.address = address.rstrip("/")
        if "://" not in self.address:
            self.address = "http://" + self.address
        self.timeout_s = timeout_s if timeout_s is not None else _timeout()
        self.retries = retries
        self.token = token
        self._local = threading.local()

    def _auth(self) -> dict[str, str]:
        return auth.header(self.token or auth.client_token())

    def _session(self):
        import requests

        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = requests.Session()
        return s

    def info(self, capability: str, timeout_s: float = 3.0) -> dict[str, Any]:
        """The deployment's ``GET /<capability>/info`` answer; raises InferenceUnavailable when unreachable."""
        import requests

        try:
            r = self._session().get(
                f"{self.address}/{capability}/info", headers=self._auth(), timeout=(CONNECT_TIMEOUT_S, timeout_s)
            )
        except requests.RequestException as exc:
            raise InferenceUnavailable(reason=f"{type(exc).__name__}: {exc}") from None
        if r.status_code in AUTH_STATUS:
            raise ServeAuthError(_auth_reason(r))
        if r.status_code != 200:
            raise InferenceUnavailable(reason=f"HTTP {r.status_code}: {r.text[:200]}")
        return r.json()

    def call(
        self,
        capability: str,
        operation: str,
        params: dict[str, Any] | None = None,
        arrays: dict[str, np.ndarray] | None = None,
    ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """One request → (params, arrays) of the answer.

        Raises InferenceUnavailable (ServeAuthError on 401/403) or ServedInputError (400: the server's plain message).
        """
        import requests

        body = wire.pack(params, arrays)
        url = f"{self.address}/{capability}/{operation}"
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(RETRY_DELAY_S)
                self._local.session = None  # a fresh connection after a failure
            try:
                r = self._session().post(
                    url,
                    data=body,
                    headers={"Content-Type": wire.CONTENT_TYPE, **self._auth()},
                    timeout=(CONNECT_TIMEOUT_S, self.timeout_s),
                )
            except requests.Timeout as exc:
                raise InferenceUnavailable(
                    f"The model server took longer than {self.timeout_s:.0f} s to answer. Please try again later.",
                    reason=f"timeout: {exc}",
                ) from None
            except requests.RequestException as exc:
                reason = f"{type(exc).__name__}: {exc}"
                continue
            if r.status_code == 200:
                return wire.unpack(r.content)
            if r.status_code == 400:
                raise ServedInputError(_error_text(r))
            if r.status_code in AUTH_STATUS:
                raise ServeAuthError(_auth_reason(r))
            reason = f"HTTP {r.status_code} from {url}: {_error_text(r)[:300]}"
            if r.status_code not in RETRY_STATUS:  # 4xx: the same request gets the same answer
                break
        raise InferenceUnavailable(reason=reason)


def _auth_reason(r) -> str:
    sent = "a token" if "Authorization" in r.request.headers else "no token"
    return (
        f"HTTP {r.status_code} from {r.url}: this UI server sent {sent}; set {auth.TOKEN_ENV} to the model "
        "server's token (deploy/production.env)"
    )


def _error_text(r) -> str:
    try:
        return str(r.json().get("error", r.text))
    except ValueError:
        return r.text


_clients: dict[str, ServeClient] = {}
_clients_lock = threading.Lock()


def client_for(address: str) -> ServeClient:
    """The one :class:`ServeClient` of ``address`` (a connection pool shared by every session)."""
    with _clients_lock:
        if address not in _clients:
            _clients[address] = ServeClient(address)
        return _clients[address]


def elapsed_ms(start: float) -> float:
    """Milliseconds since ``start`` (a ``time.perf_counter()`` reading): a served call's whole round trip."""
    return (time.perf_counter() - start) * 1000.0
