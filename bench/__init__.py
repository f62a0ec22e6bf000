"""Benchmarks and the coalition-scale data generator (not part of the test run)."""
