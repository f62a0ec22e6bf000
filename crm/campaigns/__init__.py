"""Campaigns: a saved target list, bulk assignment and progress."""
