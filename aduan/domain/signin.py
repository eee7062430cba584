"""Signing staff in: how failed attempts slow down and lock an account, and when a browser
session ends. Pure rules; the desk's pages and `aduan users` apply them (docs/desk.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_FAILURES = 5  # in a row; the next attempt finds the account locked
LOCK = timedelta(minutes=15)
MIN_PASSWORD = 10


@dataclass(frozen=True)
class SessionLimits:
    """A session ends after `idle` without a request, and after `absolute` in any case."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)

    def alive(self, created_at: datetime, seen_at: datetime, now: datetime) -> bool:
        """Whether a session created and last seen at these moments still holds at `now`."""
        return now - seen_at < self.idle and now - created_at < self.absolute


def delay_after(failures: int) -> float:
    """Seconds to wait before answering the `failures`-th wrong password in a row: none for
    the first, then 0.5, 1, 2 s, so guessing slows down long before the lock."""
    return 0.0 if failures <= 1 else min(2.0, 0.5 * 2 ** (failures - 2))


def locks(failures: int, now: datetime) -> datetime | None:
    """Until when the account is locked after `failures` wrong passwords in a row."""
    return now + LOCK if failures >= MAX_FAILURES else None


def username_problem(username: str) -> str | None:
    """Why `username` cannot be an account's name, or None."""
    if not USERNAME.fullmatch(username):
        return "a user name is 1-64 lowercase letters, digits, '.', '_' or '-'"
    return None


def password_problem(password: str) -> str | None:
    """Why `password` is too weak to set, or None."""
    if len(password) < MIN_PASSWORD:
        return f"a password has at least {MIN_PASSWORD} characters"
    if "\x00" in password:
        return "a password cannot hold a NUL character"
    return None
