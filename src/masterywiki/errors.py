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


class RepositoryBusy(WikiError):
    status = 503
    title = "The wiki is busy"


class RepositoryWriteError(WikiError):
    """Git could not write to the repository (permissions, a full disk, a lock that
    cannot be taken): not a concurrent change, so trying again will not help."""

    status = 500
    title = "Could not write to the repository"


class ConfigError(WikiError):
    status = 500
    title = "Configuration error"


class DatabaseUnavailable(WikiError):
    """The accounts database cannot be reached or is locked for too long (PostgreSQL
    down, a full disk): trying again shortly may help."""

    status = 503
    title = "The database is not available"


# --- Accounts, login and permissions (people/accounts.py, web/views/auth.py) -


class InvalidInput(WikiError):
    status = 400
    title = "Please check the form"


class BadCsrfToken(WikiError):
    status = 400
    title = "Form expired"


class LoginRequired(WikiError):
    status = 401
    title = "Login required"


class LoginFailed(WikiError):
    status = 401
    title = "Login failed"


class Forbidden(WikiError):
    status = 403
    title = "Not allowed"


class UnknownUser(WikiError):
    status = 404
    title = "No such user"


class UserExists(WikiError):
    status = 409
    title = "User already exists"


def wait_text(seconds: int) -> str:
    """How long to wait, as a person says it: '45 seconds', '2 minutes'."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class TooManyAttempts(WikiError):
    status = 429
    title = "Too many attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, for the Retry-After header


# --- Comments (discussion/service.py, web/views/comments.py) ---------------


class CommentNotFound(WikiError):
    status = 404
    title = "Comment not found"


class CommentTooLarge(WikiError):
    status = 413
    title = "Comment too long"


class CommentRateLimited(TooManyAttempts):
    title = "Too many comments"


# --- Signing in with the school's accounts (people/oidc.py, people/directory.py) ----


class SignInFailed(WikiError):
    """A provider's answer cannot be trusted: a wrong state or nonce, a forged or
    expired ID token. Starting again usually helps; nothing was created."""

    status = 400
    title = "Sign-in failed"


class SignInRefused(WikiError):
    """The provider vouched for someone this wiki does not let in (an email outside
    the allowed domains, an unverified email)."""

    status = 403
    title = "Sign-in refused"


class ProviderUnavailable(WikiError):
    """The sign-in provider or the directory did not answer, or answered nonsense."""

    status = 503
    title = "Sign-in provider not available"


# --- Releases (git/releases.py, web/views/releases.py) ---------------------


class InvalidReleaseName(WikiError):
    status = 400
    title = "Invalid release name"


class ReleaseExists(WikiError):
    status = 409
    title = "Release already exists"
