"""What the views use, one set per app, kept in `app.extensions["masterywiki"]`."""

from __future__ import annotations

from dataclasses import dataclass

from masterywiki.db.database import Database
from masterywiki.repository.attachments import Attachments
from masterywiki.repository.edits import Editor
from masterywiki.repository.history import History
from masterywiki.repository.wiki import Wiki
from masterywiki.settings import Settings
from masterywiki.support.lru import LRU
from masterywiki.web.startup import Startup


@dataclass
class Services:
    """What the views use; one per app, stored in `app.extensions`."""

    settings: Settings
    database: Database  # accounts and operational data
    wiki: Wiki
    editor: Editor
    attachments: Attachments
    history: History
    pages: LRU[str]  # finished page HTML by (page name, commit, interface language)
    created: bool
    startup: Startup
