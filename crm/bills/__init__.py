"""Bills from the official record: the bill page and tracking."""
