"""One exception family, so every caller (CLI, Blender, live) can show one clear message."""

from __future__ import annotations


class EvokeError(Exception):
    """Base class: the message is meant for the user, already naming the file and the problem."""


class InputError(EvokeError):
    """A recording, stream or array that cannot be used as given."""


class UnsafeFileError(InputError):
    """A file that tried to do more than hold data (e.g. a pickle that would run code)."""


class ModelError(EvokeError):
    """A model file that is malformed or does not fit the feature settings in use."""
