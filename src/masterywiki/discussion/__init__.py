"""Comment threads kept beside their pages: the records and the service."""
