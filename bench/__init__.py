"""Benchmarks: conversation throughput and latency, outbox dispatch, scale, and the plain
python-telegram-bot way side by side. ``python -m bench.run`` (``make bench``) writes
``bench/results.md``; nothing here runs in ``make test``."""
