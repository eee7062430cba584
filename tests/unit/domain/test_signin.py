"""Sign-in rules: delays that grow, the lock, session expiry, names and passwords."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aduan.adapters.passwords import generate_password, hash_password, verify_password
from aduan.domain.signin import (
    LOCK,
    MAX_FAILURES,
    SessionLimits,
    delay_after,
    locks,
    password_problem,
    username_problem,
)

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_wrong_passwords_wait_longer_each_time_up_to_a_bound() -> None:
    delays = [delay_after(n) for n in range(1, 8)]
    assert delays[0] == 0, "one typo costs nothing"
    assert delays == sorted(delays) and delays[1] > 0
    assert max(delays) <= 2


def test_the_lock_comes_at_the_fifth_failure_and_lasts_its_time() -> None:
    assert locks(MAX_FAILURES - 1, NOW) is None
    assert locks(MAX_FAILURES, NOW) == NOW + LOCK


def test_a_session_ends_when_idle_or_too_old() -> None:
    limits = SessionLimits(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    assert limits.alive(NOW, NOW, NOW + timedelta(minutes=29))
    assert not limits.alive(NOW, NOW, NOW + timedelta(minutes=30))
    busy = NOW + timedelta(hours=12)  # used all day long
    assert not limits.alive(NOW, busy - timedelta(minutes=1), busy)


def test_user_names_and_passwords_are_checked() -> None:
    assert username_problem("ani.s_2") is None
    assert username_problem("Ani") and username_problem("") and username_problem("a b")
    assert password_problem("short") and password_problem("x" * 9 + "\x00")
    assert password_problem(generate_password()) is None


def test_a_password_is_stored_hashed_and_checked() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "wrong horse battery")
    assert not verify_password(None, "correct horse battery"), "no account matches nothing"
    assert not verify_password("not a hash", "x")
