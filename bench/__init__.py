"""Benchmarks: developer tools run by hand (``make bench-email``), not product code or tests."""
