"""The database for what is not content (accounts, sessions, watches, the outbox)."""
