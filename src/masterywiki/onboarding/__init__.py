"""Onboarding: ordered reading paths for new staff, and confirmations that a page was read."""
