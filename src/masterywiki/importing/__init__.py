"""Planning an import of another wiki's markdown: pages, links, navigation."""
