"""The lobbying-contact report (LD-2 and state reports)."""
