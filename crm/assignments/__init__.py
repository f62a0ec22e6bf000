"""Outreach assignments: my work, the team view, follow-ups and the calendar feed."""
