"""Routing service: reads `complaint.received` (the complaint's text from PostgreSQL),
decides the unit, assigns the officer of that unit with least work, publishes
`routing.decided`, and links the complaint to an open incident it matches closely enough
(its complainant is told)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import structlog
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.adapters.bus import RetryLater
from aduan.config import Settings
from aduan.domain.events import READS, Consumer, Event, EventType, new_event
from aduan.domain.routing import RuleSet, decide, load_rules
from aduan.store import assignment, complaints, db, incidents

log = structlog.get_logger(__name__)
MISSING_COMPLAINT_DELAY_S = 2.0  # until the complaint row is readable, try again soon


class Router:
    """Applies the rules to each received complaint."""

    def __init__(self, rules: RuleSet, js: JetStreamContext, pool: asyncpg.Pool) -> None:
        self.rules = rules
        self.js = js
        self.pool = pool

    async def handle(self, event: Event) -> None:
        """Decide and publish; the event id derives from the complaint, so retries dedupe."""
        text = await self._text(event)
        decision = decide(
            self.rules,
            text,
            category=event.data.get("category"),
            region_code=event.data.get("region_code"),
            answered=event.data.get("answered") or [],  # codes only: the values stay stored
        )
        if decision.officer is None:
            try:
                decision.officer = await assignment.assign(
                    self.pool,
                    event.complaint_id,
                    decision.unit,
                    decision.complaint_class,
                    self.rules.load_weights,
                    datetime.now(UTC),
                )
            except db.DATABASE_DOWN as exc:
                raise RetryLater(f"PostgreSQL unavailable: {exc}") from exc
        decided = new_event(
            EventType.ROUTING_DECIDED,
            event.complaint_id,
            datetime.now(UTC),
            decision.model_dump(exclude_none=True),
            step="routing.decided",
        )
        await bus.publish(self.js, decided)
        log.info(
            "routing.decided",
            category=decision.category,
            unit=decision.unit,
            assigned=decision.officer is not None,
            matched=decision.matched,
        )
        # After the decision is out: a failure here redelivers the event, which publishes
        # the same decision (deduplicated) and tries the link again; linking is idempotent.
        incident_id = await incidents.link_on_arrival(
            self.pool, event.complaint_id, decision.category, now=datetime.now(UTC)
        )
        if incident_id is not None:
            log.info("incident.linked_on_arrival", incident_id=str(incident_id))

    async def _text(self, event: Event) -> str:
        """Subject and description, from PostgreSQL: the event carries no one's words."""
        try:
            complaint = await complaints.find(self.pool, event.complaint_id)
        except db.DATABASE_DOWN as exc:
            raise RetryLater(f"PostgreSQL unavailable: {exc}") from exc
        if complaint is None:  # stored in the transaction that wrote the event: a lagging replica
            raise RetryLater("complaint not stored yet", delay=MISSING_COMPLAINT_DELAY_S)
        return " ".join(filter(None, [complaint["subject"], complaint["description"]]))


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Route complaints until `stop` is set."""
    rules = load_rules(settings.routing_rules)
    nc = await bus.connect(settings.nats_servers, "aduan-routing")
    try:
        # Lazy: routing starts while PostgreSQL is away, and a link waits for it to return.
        pool = await db.create_pool(settings.dsn, min_size=0)
        try:
            js = nc.jetstream()
            await bus.consume(
                js,
                Consumer.ROUTING,
                READS[Consumer.ROUTING],
                Router(rules, js, pool).handle,
                stop,
                ack_wait=settings.consumer_ack_wait_s,
                batch=64,
                in_order=False,
            )
        finally:
            await pool.close()
    finally:
        await nc.drain()
