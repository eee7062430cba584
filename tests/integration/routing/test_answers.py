"""Routing by answers, against real PostgreSQL and JetStream: a complaint submitted with its
meter number answered, under a category that decides nothing, goes to the billing unit; the
`received` event tells routing which questions were answered, never the answers."""

from __future__ import annotations

import uuid

import asyncpg
import nats
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from aduan.config import Settings
from aduan.domain.events import ROUTING_DECIDED, Event
from aduan.domain.policy import load_policy
from aduan.domain.routing import load_rules
from aduan.store.submission import ComplaintIn, submit
from services.routing.consumer import Router
from tests.support.routing import SHIPPED_RULES

RULES = load_rules(SHIPPED_RULES)


async def _submitted(pool: asyncpg.Pool, pg_dsn: str, **fields: object) -> uuid.UUID:
    body = ComplaintIn.model_validate(
        {"description": "Mohon dibantu, ada masalah di rumah saya.", **fields}
    )
    settings = Settings(database_url=pg_dsn)
    created, _ = await submit(
        pool, settings, load_policy(settings.sla_policy), body, rules=RULES, idempotency_key=None
    )
    return created.id


async def _routed(pool: asyncpg.Pool, js: JetStreamContext, complaint_id: uuid.UUID) -> Event:
    """Route the complaint's `received` event as the routing service would; its decision."""
    payload = await pool.fetchval(
        "SELECT payload FROM outbox WHERE payload->>'complaint_id' = $1"
        " AND payload->>'type' = 'received'",
        str(complaint_id),
    )
    received = Event.model_validate(payload)
    sub = await js.pull_subscribe(
        ROUTING_DECIDED, config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW)
    )
    try:
        await Router(RULES, js, pool).handle(received)
        while True:
            try:
                batch = await sub.fetch(10, timeout=5)
            except (nats.errors.TimeoutError, TimeoutError):
                raise AssertionError("no routing decision was published") from None
            for message in batch:
                await message.ack()
                decided = Event.model_validate_json(message.data)
                if decided.complaint_id == complaint_id:
                    return decided
    finally:
        await sub.unsubscribe()


async def test_a_general_complaint_with_its_meter_number_answered_goes_to_billing(
    pool: asyncpg.Pool, js: JetStreamContext, pg_dsn: str
) -> None:
    answered = await _submitted(
        pool, pg_dsn, category="general", answers={"meter_number": "88-1234"}
    )
    payload = await pool.fetchval(
        "SELECT payload FROM outbox WHERE payload->>'complaint_id' = $1", str(answered)
    )
    assert payload["data"]["answered"] == ["meter_number"]
    assert "88-1234" not in str(payload)

    decided = await _routed(pool, js, answered)
    assert (decided.data["category"], decided.data["unit"]) == ("billing", "penagihan")

    unanswered = await _submitted(pool, pg_dsn, category="general")
    decided = await _routed(pool, js, unanswered)
    assert (decided.data["category"], decided.data["unit"]) == ("general", "pengaduan-umum")
