"""What public statistics may show: a count of fewer than 5 complaints is never published,
nor a median, percentile or average taken over fewer than 5 (docs/statistics.md)."""

from __future__ import annotations

SMALLEST_SHOWN = 5
HIDDEN = f"< {SMALLEST_SHOWN}"  # how the page and the CSV write a count that is not shown

# A published count: the number, or None for fewer than SMALLEST_SHOWN (zero included: that a
# cell is empty tells as much about the few in the cells beside it as a one would).
Shown = int | None


def disclosed(count: int) -> Shown:
    """The count as it may be published: itself from SMALLEST_SHOWN up, None below."""
    return count if count >= SMALLEST_SHOWN else None


def measured(value: float, based_on: int, digits: int = 2) -> float | None:
    """A median, percentile or average of `based_on` complaints as it may be published:
    rounded to `digits`, or None when taken over fewer than SMALLEST_SHOWN."""
    return round(value, digits) if based_on >= SMALLEST_SHOWN else None


def shown(count: Shown) -> str:
    """A published count as text: the number, or "< 5"."""
    return HIDDEN if count is None else str(count)
