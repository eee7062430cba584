"""Notification service: reads complaint events, tells complainant, staff, Ombudsman, integrators.

Each event becomes a handful of deliveries, each logged once per (event, recipient,
channel): a redelivered event resends nothing, a failed delivery is retried with backoff by
redelivering the event, and one that exhausts its attempts is dead until replayed. A replica
claims a delivery (a lease) before sending it, so an event that reaches two replicas at once
(its ack wait ran out while the first was still sending) is still sent once.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import structlog

from aduan.adapters import bus
from aduan.adapters.bus import RetryLater
from aduan.config import Settings
from aduan.domain.events import (
    READS,
    Consumer,
    Event,
    EventType,
)
from aduan.domain.routing import load_rules
from aduan.domain.vocabulary import EscalationLevel
from aduan.store import complaints, db, deliveries, units
from aduan.store.deliveries import (
    DeliveryChannel,
    DeliveryFailed,
    DeliveryStatus,
    Recipient,
)
from services.notification import messages, ombudsman, staff, webhooks
from services.notification.dossier import load_dossier
from services.notification.mailer import Mail, Mailer
from services.notification.providers import SmsGateway, WhatsAppCloud
from services.notification.recipients import Address, complainant_address

log = structlog.get_logger(__name__)

Row = Any  # an asyncpg.Record (untyped)
Send = Callable[[], Awaitable[None]]

# Until the complaint row is readable (a replica lagging behind, say), try again soon.
MISSING_COMPLAINT_DELAY_S = 2.0
_LEVELS = (EscalationLevel.SUPERVISOR, EscalationLevel.OMBUDSMAN)
# Staff's internal notes stay inside, whatever flag a faulty producer might set on them.
_NEVER_SENT = frozenset({EventType.NOTE})


@dataclass
class Round:
    """One handling of one event: the retry delays its failed deliveries ask for."""

    event: Event
    delays: list[float] = field(default_factory=list)


class Notifier:
    """Turns each complaint event into the deliveries it calls for, once each."""

    def __init__(
        self, settings: Settings, pool: asyncpg.Pool, mailer: Mailer, http: httpx.AsyncClient
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.rules = load_rules(settings.routing_rules)  # what the dossier's answers are called
        # Who holds a delivery lease, as ops would look for it: host, process, instance.
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.mailer = mailer
        self.http = http
        self.sms = (
            SmsGateway(http, settings.sms_url, settings.sms_token, settings.sms_sender)
            if settings.sms_url
            else None
        )
        self.whatsapp = (
            WhatsAppCloud(http, settings.whatsapp_url, settings.whatsapp_token)
            if settings.whatsapp_url
            else None
        )

    async def handle(self, event: Event) -> None:
        """Deliver what `event` calls for; RetryLater if some delivery must be tried again."""
        work = Round(event)
        if event.type in _NEVER_SENT:
            return
        if event.data.get("public") is False:
            # Internal: only reminders go out (to staff); notes and the rest reach nobody.
            if event.type == EventType.REMINDER:
                await self._remind(work, await self._complaint(event))
        else:
            if _for_people(event):
                await self._tell_people(work, await self._complaint(event))
            await self._call_integrators(work)
        if work.delays:
            raise RetryLater(
                "a delivery failed or is held by another replica", delay=max(work.delays)
            )

    async def _complaint(self, event: Event) -> Row:
        complaint = await complaints.find(self.pool, event.complaint_id)
        if complaint is None:
            raise RetryLater("complaint not stored yet", delay=MISSING_COMPLAINT_DELAY_S)
        return complaint

    async def _tell_people(self, work: Round, complaint: Row) -> None:
        event = work.event
        if event.type in (EventType.ROUTED, EventType.REASSIGNED):
            await self._assign(work, complaint)
        if event.type == EventType.ESCALATED:
            # The complainant is told of an escalation only once it has been delivered.
            if event.data.get("level") == EscalationLevel.SUPERVISOR:
                done = await self._tell_supervisor(work, complaint)
            else:
                done = await self._submit_dossier(work, complaint)
            if not done:
                return
        await self._tell_complainant(work, complaint)

    async def _tell_complainant(self, work: Round, complaint: Row) -> None:
        address = complainant_address(complaint)
        if address is None:
            log.debug("notification.complainant_unreachable")
            return
        event = work.event
        # The event names its step; the words (an answer, a reason) are in that timeline row.
        details = await complaints.step_data(
            self.pool, event.complaint_id, event.data.get("step"), event.id
        )
        if address.channel == DeliveryChannel.EMAIL:
            if work.event.type != EventType.RECEIVED and not complaints.contact_confirmed(
                complaint
            ):
                # An address typed into a form may be anyone's: until its owner follows the
                # receipt's link it hears nothing more (SMS and WhatsApp only ever answer the
                # number that wrote to us).
                log.info("notification.contact_unconfirmed")
                return
            mail = messages.complainant_mail(self.settings, complaint, event, address.to, details)
            await self._deliver(
                work,
                Recipient.COMPLAINANT,
                address.channel,
                self._mail(mail, work.event, Recipient.COMPLAINANT),
            )
            return
        text = messages.complainant_text(self.settings, complaint, event, details)
        await self._deliver(
            work, Recipient.COMPLAINANT, address.channel, self._text(address, text, work.event)
        )

    async def _assign(self, work: Round, complaint: Row) -> None:
        rows = await complaints.deadlines(self.pool, work.event.complaint_id)
        unit = await units.find(self.pool, work.event.data.get("unit") or complaint["unit"])
        mail = staff.assignment_mail(self.settings, complaint, work.event, rows, unit)
        await self._deliver(
            work,
            Recipient.OFFICER,
            DeliveryChannel.EMAIL,
            self._mail(mail, work.event, Recipient.OFFICER),
        )

    async def _remind(self, work: Round, complaint: Row) -> None:
        unit = await units.find(self.pool, complaint["unit"])
        mail = staff.reminder_mail(self.settings, complaint, work.event, unit, supervisor=False)
        await self._deliver(
            work,
            Recipient.OFFICER,
            DeliveryChannel.EMAIL,
            self._mail(mail, work.event, Recipient.OFFICER),
        )
        if work.event.data.get("supervisor"):
            mail = staff.reminder_mail(self.settings, complaint, work.event, unit, supervisor=True)
            await self._deliver(
                work,
                Recipient.SUPERVISOR,
                DeliveryChannel.EMAIL,
                self._mail(mail, work.event, Recipient.SUPERVISOR),
            )

    async def _tell_supervisor(self, work: Round, complaint: Row) -> bool:
        rows = await complaints.deadlines(self.pool, work.event.complaint_id)
        deadline = next((r for r in rows if r["kind"] == work.event.data.get("deadline")), None)
        mail = staff.escalation_mail(self.settings, complaint, work.event, deadline)
        return await self._deliver(
            work,
            Recipient.SUPERVISOR,
            DeliveryChannel.EMAIL,
            self._mail(mail, work.event, Recipient.SUPERVISOR),
        )

    async def _submit_dossier(self, work: Round, complaint: Row) -> bool:
        event = work.event
        # Built as of the escalation, so a resubmission carries the same deadline figures.
        dossier = await load_dossier(
            self.pool, event.complaint_id, as_of=event.occurred_at, rules=self.rules
        )
        if dossier is None:
            raise RetryLater("complaint not stored yet", delay=MISSING_COMPLAINT_DELAY_S)
        url = self.settings.ombudsman_url
        if url:

            async def post() -> None:
                await ombudsman.submit(self.http, url, dossier, event_id=event.id)

            return await self._deliver(work, Recipient.OMBUDSMAN, DeliveryChannel.HTTP, post)
        mail = messages.ombudsman_mail(self.settings, complaint, dossier)
        return await self._deliver(
            work,
            Recipient.OMBUDSMAN,
            DeliveryChannel.EMAIL,
            self._mail(mail, event, Recipient.OMBUDSMAN),
        )

    async def _call_integrators(self, work: Round) -> None:
        for url in self.settings.webhook_targets:

            async def call(url: str = url) -> None:
                await webhooks.deliver(self.http, url, self.settings.webhook_secret, work.event)

            await self._deliver(work, webhooks.recipient(url), DeliveryChannel.WEBHOOK, call)

    def _mail(self, mail: Mail, event: Event, role: Recipient) -> Send:
        async def send() -> None:
            await self.mailer.send(mail, event_id=event.id, role=role)

        return send

    def _text(self, address: Address, text: str, event: Event) -> Send:
        provider = self.sms if address.channel == DeliveryChannel.SMS else self.whatsapp
        key = deliveries.delivery_key(event.id, Recipient.COMPLAINANT, address.channel)

        async def send() -> None:
            if provider is None:
                raise DeliveryFailed(f"{address.channel} channel not configured", permanent=True)
            await provider.send(address.to, text, key=key)

        return send

    async def _deliver(
        self, work: Round, recipient: str, channel: DeliveryChannel, send: Send
    ) -> bool:
        """Send once per (event, recipient, channel) and log the attempt; True once sent."""
        event = work.event
        logged = {"recipient": recipient, "channel": channel.value}
        claim = await deliveries.claim(
            self.pool,
            event=event,
            recipient=recipient,
            channel=channel,
            holder=self.holder,
            lease_s=self.settings.delivery_lease_s,
        )
        if claim.settled is not None:
            log.info("notification.already_settled", status=claim.settled.value, **logged)
            return claim.settled == DeliveryStatus.SENT
        if not claim.ours:
            # Another replica is sending it: never send it too; look again once its lease
            # has run out (by then it is sent, or its holder died and we take it over).
            log.info("notification.claimed_elsewhere", held_for=claim.held_for, **logged)
            work.delays.append(claim.held_for)
            return False
        try:
            await send()
        except Exception as exc:  # DeliveryFailed, or a crash (e.g. an unusable address)
            failed = exc if isinstance(exc, DeliveryFailed) else DeliveryFailed(type(exc).__name__)
            if failed is not exc:
                log.exception("notification.send_crashed", **logged)
            status, attempts = await deliveries.record_attempt(
                self.pool,
                event=event,
                recipient=recipient,
                channel=channel,
                error=failed.reason,
                holder=self.holder,
                dead_after=1 if failed.permanent else self.settings.delivery_max_attempts,
            )
            if status == DeliveryStatus.DEAD:
                log.error("notification.dead", attempts=attempts, reason=failed.reason, **logged)
                return False
            log.warning("notification.failed", attempts=attempts, reason=failed.reason, **logged)
            work.delays.append(
                deliveries.retry_delay(attempts, self.settings.delivery_retry_base_s)
            )
            return False
        await deliveries.record_attempt(
            self.pool,
            event=event,
            recipient=recipient,
            channel=channel,
            error=None,
            dead_after=1,
            holder=self.holder,
        )
        log.info("notification.sent", event_type=event.type, **logged)
        return True


def _for_people(event: Event) -> bool:
    """Public events of a type we have words for; future types and levels are not ours."""
    if event.type not in messages.COMPLAINANT_EVENTS:
        return False
    return event.type != EventType.ESCALATED or event.data.get("level") in _LEVELS


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Notify until `stop` is set, then drain."""
    nc = await bus.connect(settings.nats_servers, "aduan-notification")
    try:
        pool = await db.create_pool(settings.dsn)
        try:
            async with httpx.AsyncClient(timeout=10.0) as http:
                notifier = Notifier(settings, pool, Mailer.from_settings(settings), http)
                await bus.consume(
                    nc.jetstream(),
                    Consumer.NOTIFICATION,
                    READS[Consumer.NOTIFICATION],
                    notifier.handle,
                    stop,
                    ack_wait=settings.consumer_ack_wait_s,
                )
        finally:
            await pool.close()
    finally:
        await nc.drain()
