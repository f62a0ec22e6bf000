"""Advocacy days: events, target offices, schedules, and the debrief."""
