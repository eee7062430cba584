"""The cache of public reads: what it keeps, for how long, and what it never keeps."""

from __future__ import annotations

import asyncio

import pytest

from aduan.web.http import ReadCache


class Counter:
    """A computation that counts its runs; `gate` holds each run until it is set."""

    def __init__(self) -> None:
        self.runs = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self) -> int:
        self.runs += 1
        await self.gate.wait()
        return self.runs


async def test_a_value_is_kept_for_its_period_only() -> None:
    now, compute = [0.0], Counter()
    cache: ReadCache[str, int] = ReadCache(5, 4, clock=lambda: now[0])
    assert [await cache.get("k", compute) for _ in range(3)] == [1, 1, 1]
    now[0] = 5.0
    assert await cache.get("k", compute) == 2


async def test_callers_of_a_key_being_computed_share_the_computation() -> None:
    compute = Counter()
    compute.gate.clear()
    cache: ReadCache[str, int] = ReadCache(5, 4)
    waiting = [asyncio.ensure_future(cache.get("k", compute)) for _ in range(10)]
    await asyncio.sleep(0)  # one loop turn: every caller has asked
    waiting[0].cancel()  # one caller hangs up: the others still get their answer
    compute.gate.set()
    answers = await asyncio.gather(*waiting, return_exceptions=True)
    assert isinstance(answers[0], asyncio.CancelledError) and answers[1:] == [1] * 9
    assert compute.runs == 1


async def test_a_failure_is_not_kept() -> None:
    runs = []

    async def failing() -> int:
        runs.append(1)
        raise ConnectionRefusedError

    cache: ReadCache[str, int] = ReadCache(5, 4)
    for _ in range(2):
        with pytest.raises(ConnectionRefusedError):
            await cache.get("k", failing)
    assert len(runs) == 2


async def test_at_most_size_keys_are_kept_the_oldest_going_first() -> None:
    compute = Counter()
    cache: ReadCache[str, int] = ReadCache(5, 2)
    for key in ("a", "b", "c"):
        await cache.get(key, compute)
    assert await cache.get("c", compute) == 3 and await cache.get("b", compute) == 2
    assert await cache.get("a", compute) == 4  # dropped for "c": computed again
