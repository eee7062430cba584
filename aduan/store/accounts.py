"""Staff accounts and their browser sessions in PostgreSQL.

Passwords arrive here already hashed (aduan.adapters.passwords); a session's cookie value
is stored only as its SHA-256, so reading the table signs nobody in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from aduan.domain.signin import LOCK, MAX_FAILURES
from aduan.domain.staff import Staff, make_staff

_COLUMNS = (
    "username, display_name, role, unit, email, active, away, failed_signins, locked_until,"
    " created_at, last_signin_at"
)


@dataclass(frozen=True)
class Account:
    """A staff account as the desk shows it (never its password hash)."""

    username: str
    display_name: str
    role: str
    unit: str | None
    email: str | None
    active: bool
    away: bool  # nothing is assigned to them (leave, a field day)
    failed_signins: int
    locked_until: datetime | None
    created_at: datetime
    last_signin_at: datetime | None

    @property
    def staff(self) -> Staff:
        """Who the account signs in as, for the role rules."""
        return make_staff(self.username, self.role, self.unit)

    def locked(self, now: datetime) -> bool:
        """Whether too many wrong passwords locked it until after `now`."""
        return self.locked_until is not None and self.locked_until > now


def _account(row: asyncpg.Record) -> Account:
    return Account(**{k: row[k] for k in Account.__dataclass_fields__})


async def add(
    pool: asyncpg.Pool,
    staff: Staff,
    password_hash: str,
    *,
    display_name: str,
    email: str | None = None,
) -> bool:
    """Create the account; False if the user name is taken."""
    done = await pool.fetchval(
        """INSERT INTO staff_accounts (username, display_name, role, unit, email, password_hash)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING RETURNING 1""",
        staff.user,
        display_name,
        staff.role,
        staff.unit,
        email,
        password_hash,
    )
    return done is not None


async def add_first_admin(pool: asyncpg.Pool, password_hash: str) -> bool:
    """Create `admin` if there is no account at all (a fresh installation); True if created."""
    done = await pool.fetchval(
        """INSERT INTO staff_accounts (username, display_name, role, password_hash)
        SELECT 'admin', 'Administrator', 'admin', $1
        WHERE NOT EXISTS (SELECT 1 FROM staff_accounts)
        ON CONFLICT (username) DO NOTHING RETURNING 1""",
        password_hash,
    )
    return done is not None


# Stored for accounts of the identity provider: no password ever matches it.
NO_PASSWORD = "!external"


async def from_provider(
    pool: asyncpg.Pool, staff: Staff, *, display_name: str, email: str | None
) -> Account | None:
    """The account of someone the identity provider signed in, created or brought up to date
    with the provider's role and unit; None if an admin disabled it."""
    row = await pool.fetchrow(
        f"""INSERT INTO staff_accounts (username, display_name, role, unit, email, password_hash)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (username) DO UPDATE SET display_name = $2, role = $3, unit = $4,
            email = COALESCE($5, staff_accounts.email)
        RETURNING {_COLUMNS}""",
        staff.user,
        display_name[:200],
        staff.role,
        staff.unit,
        email,
        NO_PASSWORD,
    )
    account = _account(row)
    return account if account.active else None


async def find(pool: asyncpg.Pool, username: str) -> Account | None:
    """The account named `username`, if any."""
    row = await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM staff_accounts WHERE username = $1", username
    )
    return _account(row) if row else None


async def password_hash(pool: asyncpg.Pool, username: str) -> str | None:
    """The stored hash, for checking a password at sign-in."""
    found: str | None = await pool.fetchval(
        "SELECT password_hash FROM staff_accounts WHERE username = $1", username
    )
    return found


async def all_accounts(pool: asyncpg.Pool) -> list[Account]:
    """Every account, by user name."""
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM staff_accounts ORDER BY username")
    return [_account(row) for row in rows]


async def in_unit(pool: asyncpg.Pool, unit: str) -> list[Account]:
    """The active officers and supervisors of `unit`, by user name (who may inspect)."""
    rows = await pool.fetch(
        f"""SELECT {_COLUMNS} FROM staff_accounts
        WHERE unit = $1 AND active AND role IN ('officer', 'supervisor') ORDER BY username""",
        unit,
    )
    return [_account(row) for row in rows]


async def set_active(pool: asyncpg.Pool, username: str, active: bool) -> bool:
    """Enable or disable; disabling ends the account's sessions. False if no such account."""
    async with pool.acquire() as connection, connection.transaction():
        done = await connection.fetchval(
            "UPDATE staff_accounts SET active = $2 WHERE username = $1 RETURNING 1",
            username,
            active,
        )
        if not active:
            await connection.execute("DELETE FROM staff_sessions WHERE username = $1", username)
    return done is not None


async def set_role(pool: asyncpg.Pool, staff: Staff) -> bool:
    """Give the account another role and unit; its sessions end (they carry the old ones)."""
    async with pool.acquire() as connection, connection.transaction():
        done = await connection.fetchval(
            "UPDATE staff_accounts SET role = $2, unit = $3 WHERE username = $1 RETURNING 1",
            staff.user,
            staff.role,
            staff.unit,
        )
        await connection.execute("DELETE FROM staff_sessions WHERE username = $1", staff.user)
    return done is not None


async def set_password(pool: asyncpg.Pool, username: str, password_hash: str) -> bool:
    """Replace the password, lift any lock, end every session. False if no such account."""
    async with pool.acquire() as connection, connection.transaction():
        done = await connection.fetchval(
            """UPDATE staff_accounts SET password_hash = $2, failed_signins = 0,
                   locked_until = NULL
            WHERE username = $1 RETURNING 1""",
            username,
            password_hash,
        )
        await connection.execute("DELETE FROM staff_sessions WHERE username = $1", username)
    return done is not None


async def failed_signin(pool: asyncpg.Pool, username: str, now: datetime) -> int:
    """Count a wrong password (the count starts again once a lock has run out); lock the
    account at MAX_FAILURES. The count now, 0 for an unknown name."""
    count: int | None = await pool.fetchval(
        """UPDATE staff_accounts SET
               failed_signins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2
                                     THEN 1 ELSE failed_signins + 1 END,
               locked_until = CASE
                   WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN NULL
                   WHEN failed_signins + 1 >= $3 THEN $2 + $4::interval
                   ELSE locked_until END
        WHERE username = $1 RETURNING failed_signins""",
        username,
        now,
        MAX_FAILURES,
        LOCK,
    )
    return count or 0


async def open_session(pool: asyncpg.Pool, username: str, now: datetime) -> tuple[str, str]:
    """A new session after a right password: (cookie value, CSRF token); failures reset."""
    value, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(
            """UPDATE staff_accounts SET failed_signins = 0, locked_until = NULL,
                   last_signin_at = $2 WHERE username = $1""",
            username,
            now,
        )
        await connection.execute(
            """INSERT INTO staff_sessions (id_hash, username, csrf, created_at, seen_at)
            VALUES ($1, $2, $3, $4, $4)""",
            _hashed(value),
            username,
            csrf,
            now,
        )
    return value, csrf


@dataclass(frozen=True)
class Session:
    """A signed-in browser: its account, CSRF token and times."""

    account: Account
    csrf: str
    created_at: datetime
    seen_at: datetime


async def session(pool: asyncpg.Pool, value: str) -> Session | None:
    """The session a cookie value opens, with its account if that is still active."""
    row = await pool.fetchrow(
        f"""SELECT s.csrf, s.created_at AS session_created, s.seen_at,
                   {", ".join("a." + c.strip() for c in _COLUMNS.split(","))}
        FROM staff_sessions s JOIN staff_accounts a USING (username)
        WHERE s.id_hash = $1 AND a.active""",
        _hashed(value),
    )
    if row is None:
        return None
    return Session(_account(row), row["csrf"], row["session_created"], row["seen_at"])


async def touch_session(pool: asyncpg.Pool, value: str, now: datetime) -> None:
    """The session was used at `now` (its idle time starts again)."""
    await pool.execute(
        "UPDATE staff_sessions SET seen_at = $2 WHERE id_hash = $1", _hashed(value), now
    )


async def close_session(pool: asyncpg.Pool, value: str) -> None:
    """Sign out: the cookie value opens nothing any more."""
    await pool.execute("DELETE FROM staff_sessions WHERE id_hash = $1", _hashed(value))


def _hashed(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
