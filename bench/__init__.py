"""Benchmarks and the coalition-scale data generator (not part of the test run)."""

# Every member bench/generate.py creates signs in with this password; benchmarks use the first
# plain member. Kept here so the runner can sign in without importing the app.
BENCH_PASSWORD = "bench-password-2026"
BENCH_MEMBER = "member001@bench.example.org"


def statements_sent(engine, fn) -> int:
    """How many SQL statements fn() sends through engine (the benchmarks' one counter)."""
    import sqlalchemy as sa

    seen = []

    def count(*_args):
        seen.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)
