"""Assignment by load: within its unit, a complaint goes to the officer with least work.

Pure rules; the store (aduan/store/assignment.py) reads the officers and their open
complaints under a lock and writes the choice. docs/assignment.md explains the weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

DEFAULT_WEIGHT = 1.0


@dataclass(frozen=True)
class Candidate:
    """An officer who may take a complaint: their weighted open load and last assignment."""

    username: str
    load: float
    last_assigned_at: datetime | None = None


def weighted_load(classes: Iterable[str | None], weights: Mapping[str, float]) -> float:
    """The sum of the weights of an officer's open complaints, by their class."""
    return sum(weights.get(c or "", DEFAULT_WEIGHT) for c in classes)


def _order(candidate: Candidate) -> tuple[float, bool, datetime | None, str]:
    # Never assigned sorts before any date; the user name makes the order total.
    never = candidate.last_assigned_at is None
    return (candidate.load, not never, candidate.last_assigned_at, candidate.username)


def choose(candidates: Iterable[Candidate]) -> str | None:
    """The officer with the smallest load; ties go to the one waiting longest since their
    last assignment. None when nobody may take it (the unit assigns by hand)."""
    ranked = sorted(candidates, key=_order)
    return ranked[0].username if ranked else None
