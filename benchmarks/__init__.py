"""Benchmark scripts: run by hand (`python -m benchmarks.NAME`), never as timed unit tests."""
