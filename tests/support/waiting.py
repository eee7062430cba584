"""Waiting for a state instead of sleeping "long enough": poll, and fail saying what was awaited."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(
    predicate: Callable[[], T | None] | Callable[[], Awaitable[T | None]],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 - a deadline that fails saying what was awaited
    interval: float = 0.05,
    what: str = "the condition",
) -> T:
    """Poll `predicate` (plain or async) until it returns something truthy, and return that.

    Fails with `what` once `timeout` seconds have passed without it holding."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(interval)  # the poll interval


def eventually(
    probe: Callable[[], T | None],
    timeout: float = 60,
    what: str = "condition",
    interval: float = 0.3,
) -> T:
    """Poll `probe` until it returns something other than None or False, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(interval)  # the poll interval
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
