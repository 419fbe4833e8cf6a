"""Errors that cross a boundary: the API turns them into 4xx JSON, the CLI into one line and an exit code."""

from __future__ import annotations


class VerbatimError(Exception):
    """Base class. ``status`` is the HTTP status; ``exit_code`` the CLI exit code."""

    status: int = 400
    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInputError(VerbatimError):
    """The caller's input cannot be used (a bad corpus file, a bad question, a bad option)."""


class NotFoundError(VerbatimError):
    status = 404


class UnauthorizedError(VerbatimError):
    status = 401


class ForbiddenError(VerbatimError):
    status = 403


class IndexUnavailableError(VerbatimError):
    """The index is missing, stale, corrupt or built with another model."""

    status = 503
    exit_code = 3


class ModelUnavailableError(VerbatimError):
    status = 503
    exit_code = 3


class BackendUnsupportedError(ModelUnavailableError):
    """The model folder cannot run on the requested embedding backend (the torch backend still can)."""


class UnsupportedFormatError(BadInputError):
    """A file of a type Verbatim cannot read (or whose content does not match its name)."""

    status = 415


class FileTooLargeError(BadInputError):
    """A file (or a zip's unpacked content) over the configured limit."""

    status = 413


class NoTextError(BadInputError):
    """A readable file with no text to cite: a scanned PDF without a text layer, an empty page."""

    status = 422


class UnreadableFileError(BadInputError):
    """A corrupt, truncated or encrypted file."""

    status = 422


class DuplicateDocumentError(BadInputError):
    """The same file (same hash) is already in the index."""

    status = 409
