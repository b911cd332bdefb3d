"""The errors this project raises for things a person did or gave it; pages catch :class:`VisionError`.

Every message is written for the person: what is wrong with their input and what to do, in plain words,
never a path, a command, an exception class name or a library's phrasing. Each capability's own errors
derive from these (``ImageError``, ``VideoError``, ``DigitImageError``, ``ModelMissingError`` …).
"""

from __future__ import annotations


class VisionError(Exception):
    """Base of every error whose message can be shown to a visitor as is."""


class InputError(VisionError, ValueError):
    """An input (file, image, mask, clip, setting) that cannot be used; the message says why."""


class ModelFileError(VisionError, ValueError):
    """A model file that is not what its option promises (unreadable, or another input/output signature)."""
