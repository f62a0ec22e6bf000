"""Keep-in-touch cadence: the daily follow-up job and the due-for-a-touch list."""
