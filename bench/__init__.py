"""Benchmarks for searchidx: scripts that print figures measured in one run."""
