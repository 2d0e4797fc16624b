"""The content repository as the wiki keeps it: reading HEAD, saving with
three-way merges, history, attachments, syncing with a remote, opening an instance."""
