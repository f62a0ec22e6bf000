"""Duplicate people: merge two records, or remember that they are not the same."""
