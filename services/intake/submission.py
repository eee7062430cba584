"""Intake's channels submit through the path shared with desk (aduan.submission)."""

from __future__ import annotations

from aduan.submission import submit

__all__ = ["submit"]
