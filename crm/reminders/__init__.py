"""Reminders for open assignments: due soon, due today, overdue, escalation."""
