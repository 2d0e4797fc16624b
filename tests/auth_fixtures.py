"""Fixtures for logging in during tests (filled in with the accounts work, issue 3)."""
