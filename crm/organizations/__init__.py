"""Organizations: agencies, offices, programs, boards and the rest, with their people."""
