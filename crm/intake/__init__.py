"""Import a coalition's own people, organizations and contact history from CSV or Excel."""
