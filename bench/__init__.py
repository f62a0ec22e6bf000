"""Benchmarks and the coalition-scale data generator (not part of the test run)."""

# Every member bench/generate.py creates signs in with this password; benchmarks use the first
# plain member. Kept here so the runner can sign in without importing the app.
BENCH_PASSWORD = "bench-password-2026"
BENCH_MEMBER = "member001@bench.example.org"
