"""Rate limits on what the public sends, shared by every replica.

The `limits` library's fixed-window strategy over a PostgreSQL storage (table
`rate_limits`): one upsert per counted request. Client addresses and contacts are counted
under a keyed hash, so the table never holds an address, an e-mail or a phone number.
"""

from __future__ import annotations

import ipaddress
import math
import random
import time
from enum import StrEnum
from functools import lru_cache

import asyncpg
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter

from aduan.config import Settings
from aduan.domain import signing
from aduan.domain.errors import RateLimited

_LABEL = b"aduan rate limit v1"
_SWEEP_CHANCE = 0.01  # one counted request in a hundred also deletes expired windows


class Scope(StrEnum):
    """What is counted; each has its own `ADUAN_RATE_*` setting."""

    SUBMISSIONS = "submissions"
    CONTACT = "contact"
    UPLOADS = "uploads"
    LOGINS = "logins"
    WEBHOOKS = "webhooks"
    READS = "reads"


_WHO = {Scope.CONTACT: "e-mail address or phone number"} | {
    scope: "client address" for scope in Scope if scope != Scope.CONTACT
}


class PostgresStorage(Storage):
    """A `limits` storage keeping fixed windows in the `rate_limits` table."""

    STORAGE_SCHEME = ["aduan+postgresql"]  # noqa: RUF012 (the base class declares it so)

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__()
        self.pool = pool

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (asyncpg.PostgresError, OSError)

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count `amount` hits in the key's window, opening a new window once it expired."""
        if random.random() < _SWEEP_CHANCE:
            await self.pool.execute("DELETE FROM rate_limits WHERE expires_at < now()")
        hits = await self.pool.fetchval(
            """INSERT INTO rate_limits AS r (key, hits, expires_at)
            VALUES ($1, $3, now() + make_interval(secs => $2))
            ON CONFLICT (key) DO UPDATE SET
                hits = CASE WHEN r.expires_at <= now() THEN EXCLUDED.hits
                            ELSE r.hits + EXCLUDED.hits END,
                expires_at = CASE WHEN r.expires_at <= now() THEN EXCLUDED.expires_at
                                  ELSE r.expires_at END
            RETURNING hits""",
            key,
            float(expiry),
            amount,
        )
        return int(hits)

    async def get(self, key: str) -> int:
        """The hits of the key's current window."""
        hits = await self.pool.fetchval(
            "SELECT hits FROM rate_limits WHERE key = $1 AND expires_at > now()", key
        )
        return int(hits or 0)

    async def get_expiry(self, key: str) -> float:
        """When the key's window ends (Unix time; now if it has none)."""
        ends = await self.pool.fetchval(
            "SELECT extract(epoch FROM expires_at) FROM rate_limits WHERE key = $1", key
        )
        return float(ends) if ends is not None else time.time()

    async def check(self) -> bool:
        """Whether the table answers."""
        return bool(await self.pool.fetchval("SELECT true"))

    async def reset(self) -> int | None:
        """Forget every window."""
        result = await self.pool.execute("DELETE FROM rate_limits")
        return int(result.split()[-1])

    async def clear(self, key: str) -> None:
        """Forget one key's window."""
        await self.pool.execute("DELETE FROM rate_limits WHERE key = $1", key)


@lru_cache(maxsize=64)
def _items(rates: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(rates)) if rates.strip() else ()


def rates(settings: Settings, scope: Scope) -> tuple[RateLimitItem, ...]:
    """The limits of `scope` as configured (empty: not limited)."""
    return _items(getattr(settings, f"rate_{scope.value}"))


def check_rates(settings: Settings) -> None:
    """Refuse to start with an `ADUAN_RATE_*` setting `limits` cannot read."""
    for scope in Scope:
        try:
            rates(settings, scope)
        except ValueError as exc:
            raise ValueError(f"ADUAN_RATE_{scope.value.upper()}: {exc}") from exc


def client_key(host: str) -> str:
    """Who a client address is for counting: IPv6 by its /64, as one host holds a /64."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class RateLimits:
    """Counts hits per scope and identity; raises RateLimited when a limit is spent."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self.settings = settings
        self.limiter = FixedWindowRateLimiter(PostgresStorage(pool))
        self._key = signing.derive_key(settings.secret_key, _LABEL)

    def identity(self, value: str) -> str:
        """A keyed hash of an address or contact: countable, not readable."""
        return signing.sign(self._key, value.encode())[:32]

    async def hit(self, scope: Scope, who: str) -> None:
        """Count one hit of `who` (an address or contact, hashed here) against `scope`."""
        identity = self.identity(who)
        for item in rates(self.settings, scope):
            if not await self.limiter.hit(item, scope.value, identity):
                stats = await self.limiter.get_window_stats(item, scope.value, identity)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                raise RateLimited(
                    f"too many {scope.value} from this {_WHO[scope]}; try again in {wait} s",
                    retry_after=wait,
                    limit=scope.value,
                )

    async def refund(self, scope: Scope, who: str) -> None:
        """Take back one hit (it turned out to be a retry of something already counted)."""
        identity = self.identity(who)
        for item in rates(self.settings, scope):
            await self.limiter.storage.incr(
                item.key_for(scope.value, identity), item.get_expiry(), amount=-1
            )
