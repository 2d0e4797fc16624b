"""People: accounts, roles, passwords and sessions."""
