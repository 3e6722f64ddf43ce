"""Exceptions that describe a user's mistake rather than a bug in simbench.

The CLI catches `SimbenchError` (and only it), prints its message on one line
and exits non-zero. Anything else is a bug and keeps its traceback.
"""


class SimbenchError(Exception):
    """A problem the user can fix: bad input, missing data, unknown name."""


class UnknownNameError(SimbenchError, KeyError):
    """A preset, recipe or dataset name that no plugin registered."""

    def __str__(self) -> str:
        # KeyError would wrap the message in quotes.
        return str(self.args[0]) if self.args else ""


class DuplicateNameError(SimbenchError):
    """Two plugins registered the same name."""


class DataError(SimbenchError):
    """A dataset file is missing, empty or malformed."""


class PresetUnavailableError(SimbenchError):
    """A preset could not be loaded (offline, missing package, bad folder)."""


class ResultError(SimbenchError):
    """A result file is corrupt, foreign or from a newer simbench."""
