"""The WikiError family: every failure the core reports, each with an HTTP status."""

from __future__ import annotations


class WikiError(Exception):
    """Base class; `status` is what the one error handler answers with."""

    status = 500
    title = "Something went wrong"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidPagePath(WikiError):
    status = 400
    title = "Invalid page address"


class PageNotFound(WikiError):
    status = 404
    title = "Page not found"

    def __init__(self, name: str, message: str | None = None) -> None:
        super().__init__(message or f"There is no page at '{name}'.")
        self.name = name


class RevisionNotFound(WikiError):
    status = 404
    title = "Revision not found"


class NotARepository(WikiError):
    status = 500
    title = "Not a git repository"


class ConfigError(WikiError):
    status = 500
    title = "Configuration error"
