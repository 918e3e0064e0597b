"""Benchmarks (``make bench``); importable so that gunicorn finds ``bench.settings`` and ``bench.urls``."""
