"""See what happened: record histories from the audit log, the audit page, the trash."""
