"""User-facing error types.

A mistake by the user (a bad file, a bad field, a point off the map) raises a
:class:`FoxbatError` subclass whose message names the file or option, the field
and what is allowed. The CLI prints that one line and exits with status 2; any
other exception is a bug in foxbat.
"""

from __future__ import annotations


class FoxbatError(Exception):
    """Base class of every error caused by user input.

    ``where`` is the file or command-line option at fault, ``field`` the field or
    value inside it; both are optional and are folded into the one-line message.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None, field: str | None = None):
        self.where = where
        self.field = field
        self.detail = message
        prefix = ""
        if where and field:
            prefix = f"{where}: {field}: "
        elif where:
            prefix = f"{where}: "
        elif field:
            prefix = f"{field}: "
        super().__init__(prefix + message)


class InputFileError(FoxbatError):
    """A file that is missing, unreadable or not of the expected kind."""


class ParameterError(FoxbatError):
    """A value outside what is allowed (k <= 0, a negative range, a malformed site)."""


class OffMapError(FoxbatError):
    """A point outside the DEM, or over a nodata cell."""


class ScenarioError(FoxbatError):
    """A scenario or sites file whose content does not validate."""


class ClusterError(FoxbatError):
    """A Dask cluster that lost every worker (or its scheduler) during a study."""
