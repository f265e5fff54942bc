"""Benchmarks of newsarchive against SQLite FTS5, Tantivy and plain Whoosh (not tests).

Run ``python -m bench`` (see bench/README.md).
"""
