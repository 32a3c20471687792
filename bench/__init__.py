"""Benchmarks that print figures (``python -m bench``) and the synthetic school generator.

Each ``bench/bench_*.py`` module exposes ``main()``; :mod:`bench.generate` writes a school in
the three real export formats for benchmarks and tests.
"""
