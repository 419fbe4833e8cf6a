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


class IndexUnavailableError(VerbatimError):
    """The index is missing, stale, corrupt or built with another model."""

    status = 503
    exit_code = 3


class ModelUnavailableError(VerbatimError):
    status = 503
    exit_code = 3


class BackendUnsupportedError(ModelUnavailableError):
    """The model folder cannot run on the requested embedding backend (the torch backend still can)."""
