"""The shared secret between UI servers and the model server: ``Authorization: Bearer <token>`` on every request.

One setting on both sides: ``VISION_SERVE_TOKEN``. The model server accepts any of a comma-separated list
(``new,old`` while the operator rotates: deploy the pair, move the UI servers to ``new``, then deploy ``new``
alone); the client sends the first. Fail-closed: a deployment whose node has no token (or one shorter than
:data:`MIN_TOKEN_CHARS`) refuses to start, so a model server can never run open.

No Ray and no Streamlit import here: both sides use it.
"""

from __future__ import annotations

import hmac
import os

from models.errors import VisionError

TOKEN_ENV = "VISION_SERVE_TOKEN"
MIN_TOKEN_CHARS = 24  # `openssl rand -hex 32` gives 64; anything this short is a placeholder or a typo


class TokenMissing(VisionError, RuntimeError):
    """The model server was started without a usable ``VISION_SERVE_TOKEN`` (it refuses to serve)."""


def tokens(value: str | None = None) -> list[str]:
    """The tokens in ``value`` (default: ``$VISION_SERVE_TOKEN``), comma-separated, blanks dropped."""
    raw = os.environ.get(TOKEN_ENV, "") if value is None else value
    return [t.strip() for t in raw.split(",") if t.strip()]


def client_token() -> str | None:
    """The token a UI server sends (the first of ``$VISION_SERVE_TOKEN``), or None when none is set."""
    found = tokens()
    return found[0] if found else None


def server_tokens() -> list[bytes]:
    """The tokens a deployment accepts; raises :class:`TokenMissing` when there is none or one is too short."""
    found = tokens()
    if not found:
        raise TokenMissing(
            f"{TOKEN_ENV} is not set on this node: the model server refuses to start without its shared secret "
            "(generate one with `openssl rand -hex 32`; see deploy/production.env)"
        )
    if any(len(t) < MIN_TOKEN_CHARS or "replace" in t.lower() for t in found):
        raise TokenMissing(
            f"{TOKEN_ENV} holds a placeholder or a token shorter than {MIN_TOKEN_CHARS} characters: refused"
        )
    return [t.encode() for t in found]


def authorized(header: str | None, accepted: list[bytes]) -> bool:
    """Whether an ``Authorization`` header value carries one of ``accepted`` (constant-time comparison)."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    candidate = given.strip().encode()
    # Compare with every token (no early exit) so timing does not tell which one nearly matched.
    return any([hmac.compare_digest(candidate, t) for t in accepted])


def header(token: str | None) -> dict[str, str]:
    """The request header for ``token`` (empty when None: the server will answer 401)."""
    return {"Authorization": f"Bearer {token}"} if token else {}
