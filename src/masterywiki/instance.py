"""Opening the content repository for an instance, creating it on first run."""

from __future__ import annotations

from masterywiki.resources import starter_files
from masterywiki.settings import Settings
from masterywiki.storage import GitStorage, init_repository

STARTER_MESSAGE = "Create the wiki from the masterywiki starter content"


def create_wiki(path: str) -> GitStorage:
    """`masterywiki init DIR`: a new repository holding the starter content."""
    return init_repository(path, starter_files(), STARTER_MESSAGE)


def open_repository(settings: Settings) -> tuple[GitStorage, bool]:
    """The instance's repository, and whether it was just created.

    The default repository (INSTANCE/wiki) is created from the starter content when
    missing; an explicitly configured one must already exist.
    Raises NotARepository.
    """
    default_repo = settings.instance / "wiki"
    if settings.repo == default_repo and not default_repo.exists():
        settings.instance.mkdir(parents=True, exist_ok=True)
        return create_wiki(str(default_repo)), True
    return GitStorage(settings.repo), False
