"""Benchmarks: enspace-async measured side by side with what users would use instead.

Run every comparison with ``python -m benchmarks`` (``--quick`` for a seconds-long smoke run,
``--only NAME`` for one module). Each ``bench_<name>.py`` module exposes
``run(quick: bool) -> list[dict[str, object]]``; see :mod:`benchmarks._harness` for the row keys.
"""
