"""Notification service: reads complaint events, tells complainant, supervisor and Ombudsman."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import structlog

from aduan import bus, complaints, db
from aduan.bus import RetryLater
from aduan.config import Settings
from aduan.domain import EscalationLevel
from aduan.events import ALL_COMPLAINT_EVENTS, NOTIFICATION_CONSUMER, Event
from services.notification import deliveries, messages, ombudsman
from services.notification.deliveries import DeliveryChannel, DeliveryFailed, Role
from services.notification.dossier import load_dossier
from services.notification.mailer import Mail, Mailer

log = structlog.get_logger(__name__)

Row = Any  # an asyncpg.Record (untyped)
Send = Callable[[], Awaitable[None]]

# Until the complaint row is readable (a replica lagging behind, say), try again soon.
MISSING_COMPLAINT_DELAY_S = 2.0
_LEVELS = (EscalationLevel.SUPERVISOR, EscalationLevel.OMBUDSMAN)


class Notifier:
    """Turns each public complaint event into the deliveries it calls for, once each."""

    def __init__(
        self, settings: Settings, pool: asyncpg.Pool, mailer: Mailer, http: httpx.AsyncClient
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.mailer = mailer
        self.http = http

    async def handle(self, event: Event) -> None:
        """Deliver what `event` calls for; RetryLater if some delivery must be tried again."""
        if not _announced(event):
            log.debug("notification.ignored", event_type=event.type)
            return
        complaint = await complaints.find(self.pool, event.complaint_id)
        if complaint is None:
            raise RetryLater("complaint not stored yet", delay=MISSING_COMPLAINT_DELAY_S)
        delay = await self._escalate(event, complaint) if event.type == "escalated" else None
        # The complainant is told of an escalation only once it has actually been delivered.
        if delay is None:
            delay = await self._tell_complainant(event, complaint)
        if delay is not None:
            raise RetryLater("a delivery failed", delay=delay)

    async def _tell_complainant(self, event: Event, complaint: Row) -> float | None:
        if not (complaint["complainant"] or {}).get("email"):
            log.debug("notification.no_complainant_email")
            return None
        mail = messages.complainant_mail(self.settings, complaint, event)
        return await self._deliver(event, Role.COMPLAINANT, DeliveryChannel.EMAIL,
                                   self._mail(mail, event, Role.COMPLAINANT))

    async def _escalate(self, event: Event, complaint: Row) -> float | None:
        if event.data.get("level") == EscalationLevel.SUPERVISOR:
            return await self._tell_supervisor(event, complaint)
        return await self._submit_dossier(event, complaint)

    async def _tell_supervisor(self, event: Event, complaint: Row) -> float | None:
        rows = await complaints.deadlines(self.pool, event.complaint_id)
        deadline = next((r for r in rows if r["kind"] == event.data.get("deadline")), None)
        mail = messages.supervisor_mail(self.settings, complaint, event, deadline)
        return await self._deliver(event, Role.SUPERVISOR, DeliveryChannel.EMAIL,
                                   self._mail(mail, event, Role.SUPERVISOR))

    async def _submit_dossier(self, event: Event, complaint: Row) -> float | None:
        # Built as of the escalation, so a resubmission carries the same deadline figures.
        dossier = await load_dossier(self.pool, event.complaint_id, as_of=event.occurred_at)
        if dossier is None:
            raise RetryLater("complaint not stored yet", delay=MISSING_COMPLAINT_DELAY_S)
        url = self.settings.ombudsman_url
        if url:
            async def post() -> None:
                await ombudsman.submit(self.http, url, dossier, event_id=event.id)
            return await self._deliver(event, Role.OMBUDSMAN, DeliveryChannel.HTTP, post)
        mail = messages.ombudsman_mail(self.settings, complaint, dossier)
        return await self._deliver(event, Role.OMBUDSMAN, DeliveryChannel.EMAIL,
                                   self._mail(mail, event, Role.OMBUDSMAN))

    def _mail(self, mail: Mail, event: Event, role: Role) -> Send:
        async def send() -> None:
            await self.mailer.send(mail, event_id=event.id, role=role)
        return send

    async def _deliver(
        self, event: Event, role: Role, channel: DeliveryChannel, send: Send
    ) -> float | None:
        """Send once per (event, role, channel) and log the attempt; the retry delay if failed."""
        if await deliveries.is_sent(self.pool, event_id=event.id, role=role, channel=channel):
            log.info("notification.already_sent", role=role, channel=channel)
            return None
        try:
            await send()
        except DeliveryFailed as exc:
            attempts = await deliveries.record_attempt(
                self.pool, event_id=event.id, role=role, channel=channel, sent=False,
                error=exc.reason,
            )
            log.warning("notification.failed", role=role, channel=channel,
                        attempts=attempts, reason=exc.reason)
            return deliveries.retry_delay(attempts)
        await deliveries.record_attempt(
            self.pool, event_id=event.id, role=role, channel=channel, sent=True
        )
        log.info("notification.sent", role=role, channel=channel, event_type=event.type)
        return None


def _announced(event: Event) -> bool:
    """Public events of a type we have words for; internal and future ones are not ours."""
    if event.data.get("public") is False or event.type not in messages.COMPLAINANT_EVENTS:
        return False
    return event.type != "escalated" or event.data.get("level") in _LEVELS


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Notify until `stop` is set, then drain."""
    nc = await bus.connect(settings.nats_servers, "aduan-notification")
    try:
        pool = await db.create_pool(settings.dsn)
        try:
            async with httpx.AsyncClient(timeout=10.0) as http:
                notifier = Notifier(settings, pool, Mailer.from_settings(settings), http)
                await bus.consume(nc.jetstream(), NOTIFICATION_CONSUMER,
                                  [ALL_COMPLAINT_EVENTS], notifier.handle, stop)
        finally:
            await pool.close()
    finally:
        await nc.drain()
