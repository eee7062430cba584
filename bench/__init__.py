"""Benchmarks of the whole Aduan stack against the raw servers it runs on (`make bench`)."""
