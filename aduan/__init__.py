"""Aduan: complaint handling for public service providers."""
