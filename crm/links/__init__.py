"""Signed one-click links from emails: mark done, snooze a week, unsubscribe."""
