"""Keeping the knowledge base true: owners and review dates, reader feedback."""
