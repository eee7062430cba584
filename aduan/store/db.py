"""PostgreSQL: connection pools and migrations."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import orjson
import stamina
from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Raised when PostgreSQL cannot be reached: the request is refused with 503, not lost.
DATABASE_DOWN = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)
# Text PostgreSQL cannot hold or search for (a NUL in a path or query parameter): bad input.
UNSTORABLE_TEXT = (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError)


def _json_text(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


async def _init_connection(connection: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, encoder=_json_text, decoder=orjson.loads, schema="pg_catalog"
        )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections read and write JSON columns as Python objects."""
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, command_timeout=30
    )


async def _connect_when_ready(dsn: str, *, timeout_s: float = 30.0) -> asyncpg.Connection:
    # A fresh server accepts connections on its port before it can serve them ("the database
    # system is starting up"): look again every 0.2 s for up to `timeout_s`, then let it raise.
    retries = stamina.retry_context(
        on=asyncpg.CannotConnectNowError,
        attempts=None,
        timeout=timeout_s,
        wait_initial=0.2,
        wait_exp_base=1,  # polling a starting server: no backoff
        wait_jitter=0.0,
    )
    async for attempt in retries:
        with attempt:
            return await asyncpg.connect(dsn)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def ensure_database(dsn: str) -> None:
    """Create the database named in `dsn` if the server does not have it yet."""
    name = dsn.rsplit("/", 1)[-1].split("?", 1)[0]
    admin = await _connect_when_ready(dsn.rsplit("/", 1)[0] + "/postgres")
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def migrate(dsn: str) -> None:
    """Apply every Alembic migration to the database at `dsn`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", dsn)
    command.upgrade(config, "head")
