"""Benchmarks of WaveCardio's pipeline against the original demo's (``python -m bench``)."""
