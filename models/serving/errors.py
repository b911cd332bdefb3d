"""Errors of the served backends, written for a visitor (see :mod:`models.errors`)."""

from __future__ import annotations

from models.errors import InputError, VisionError


class InferenceUnavailable(VisionError):
    """The model server (Ray Serve) cannot be reached or did not answer; the page shows this message as is.

    ``reason`` holds the technical cause for the admin page and the server log (never shown to visitors).
    """

    def __init__(self, message: str = "", reason: str = ""):
        super().__init__(
            message
            or ("Inference is unavailable right now: the model server did not answer. Please try again in a minute.")
        )
        self.reason = reason


class ServedInputError(InputError):
    """The model server refused the input; its message says why in plain words."""


class ServeAuthError(InferenceUnavailable):
    """The model server refused this UI server's token (401/403): a configuration fault, never retried.

    The visitor sees the plain unavailability message; ``reason`` tells the admin which setting to fix.
    """

    def __init__(self, reason: str = ""):
        super().__init__(
            "Inference is unavailable right now: the model server did not accept this site's credentials. "
            "Please try again later.",
            reason=reason,
        )
