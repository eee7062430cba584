"""Calls made under a concurrency limit or at a steady pace, and their statistics."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.progress import Task


@dataclass
class Call:
    """One call: when it started (wall clock), how long it took, what it returned."""

    index: int
    started: float
    latency_s: float
    value: Any = None
    error: str | None = None

    @property
    def ended(self) -> float:
        """Wall-clock time the call returned."""
        return self.started + self.latency_s


@dataclass
class LoadRun:
    """Every call of one run; rates count only the calls that succeeded."""

    began: float
    ended: float = 0.0
    calls: list[Call] = field(default_factory=list)

    @property
    def ok(self) -> list[Call]:
        """The calls that succeeded, in index order."""
        return sorted((c for c in self.calls if c.error is None), key=lambda c: c.index)

    @property
    def rate(self) -> float:
        """Successful calls per second of the whole run."""
        elapsed = self.ended - self.began
        return len(self.ok) / elapsed if elapsed > 0 else 0.0

    def latencies_ms(self) -> list[float]:
        """Latency of each successful call, in milliseconds."""
        return [c.latency_s * 1000 for c in self.ok]

    def errors(self) -> dict[str, int]:
        """How often each kind of error happened."""
        return dict(Counter(c.error for c in self.calls if c.error is not None))


Caller = Callable[[int], Awaitable[Any]]


async def _timed(index: int, call: Caller) -> Call:
    started, t0 = time.time(), time.perf_counter()
    try:
        value = await call(index)
    except Exception as exc:
        return Call(
            index,
            started,
            time.perf_counter() - t0,
            error=f"{type(exc).__name__}: {str(exc)[:120]}",
        )
    return Call(index, started, time.perf_counter() - t0, value)


async def run_load(count: int, concurrency: int, call: Caller, task: Task | None = None) -> LoadRun:
    """`count` calls, at most `concurrency` in flight, as fast as they are answered."""
    run = LoadRun(began=time.time())
    indexes = iter(range(count))

    async def client() -> None:
        for index in indexes:  # shared iterator: each index is taken once
            run.calls.append(await _timed(index, call))
            if task is not None:
                task.advance()

    await asyncio.gather(*(client() for _ in range(min(concurrency, count))))
    run.ended = time.time()
    return run


async def run_paced(
    count: int, per_second: float, call: Caller, task: Task | None = None
) -> LoadRun:
    """`count` calls started at a steady `per_second`, whatever their latency."""
    run = LoadRun(began=time.time())
    t0 = time.perf_counter()

    async def one(index: int) -> None:
        run.calls.append(await _timed(index, call))
        if task is not None:
            task.advance()

    pending = []
    for index in range(count):
        await asyncio.sleep(max(0.0, t0 + index / per_second - time.perf_counter()))
        pending.append(asyncio.create_task(one(index)))
    await asyncio.gather(*pending)
    run.ended = time.time()
    return run


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear between closest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def span_rate(times: Sequence[float]) -> float | None:
    """Events per second between the first and the last of `times` (seconds)."""
    if len(times) < 2:
        return None
    span = max(times) - min(times)
    return (len(times) - 1) / span if span > 0 else None
