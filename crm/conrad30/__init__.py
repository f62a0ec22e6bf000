"""The Conrad 30 program tracker, state by state and fiscal year."""
