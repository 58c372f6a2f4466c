"""Benchmarks: load generators run from their own process (see docs and bench/inbound.py)."""
