"""The notifier's world: a real SMTP sink, stand-in Ombudsman and providers, its settings,
lifecycle transitions written as the workflow writes them, and a sentinel for its consumer."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast
from urllib.parse import parse_qs

import asyncpg
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.config import Settings
from aduan.domain.events import Event, event_id_for
from aduan.store.transitions import DeadlineChange, Transition, record
from tests.support import complaints
from tests.support.waiting import wait_until

SUPERVISOR = "atasan@penyelenggara.example"
OMBUDSMAN = "pengaduan@ombudsman.example"
UNIT_EMAIL = "{unit}@unit.penyelenggara.example"
WEBHOOK_SECRET = "integrator-shared-secret"
SITI = {"name": "Siti Rahayu", "email": "siti.rahayu@example.id", "phone": "+62811000111"}


def unit_mailbox(unit: str) -> str:
    return UNIT_EMAIL.replace("{unit}", unit)


def new_phone() -> str:
    """A phone number no other test uses, in the national form complainants type."""
    return f"0812{uuid.uuid4().int % 10**8:08d}"


@dataclass
class Delivered:
    """One message as the SMTP server accepted it."""

    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        # A subject folded right after "Subject:" parses with the fold's space in front.
        return str(self.message["Subject"]).strip()

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return cast(EmailMessage, part).get_content()  # type: ignore[no-any-return]


@dataclass
class SmtpSink:
    """aiosmtpd handler keeping every message in memory; can refuse an address N times."""

    port: int = 0
    messages: list[Delivered] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse.get(address, 0) > 0:
            self.refuse[address] -= 1
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(Delivered(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def about(self, tracking_code: str, to: str | None = None) -> list[Delivered]:
        """Messages whose subject carries this tracking code (sent to `to` only, if given)."""
        return [
            m
            for m in self.messages
            if tracking_code in m.subject and (to is None or m.recipients == [to])
        ]


@dataclass
class Submission:
    """One request the stand-in Ombudsman received, and what it answered."""

    idempotency_key: str
    dossier: dict[str, Any]
    status: int


@dataclass
class OmbudsmanStub:
    """Records every POST; answers 500 to the next `fail_next` of them, then 200."""

    url: str = ""
    fail_next: int = 0
    submissions: list[Submission] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, key: str, body: bytes) -> int:
        with self.lock:
            status = 500 if self.fail_next > 0 else 200
            self.fail_next = max(self.fail_next - 1, 0)
            self.submissions.append(Submission(key, json.loads(body), status))
            return status

    def for_key(self, key: uuid.UUID) -> list[Submission]:
        return [s for s in self.submissions if s.idempotency_key == str(key)]


@dataclass
class Call:
    """One request a stand-in provider received, and the status it answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def key(self) -> str:
        return self.headers.get("Idempotency-Key", "")

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class ProviderStub:
    """An SMS gateway, WhatsApp API or integrator endpoint that can fail for a while.

    Answers 500 to the next `fail_next` calls; accepts the next `stall_next` calls but answers
    them only after `stall_s` seconds (a timeout that hides a success). Like real providers
    it honours Idempotency-Key: `delivered` holds one call per key, the first accepted."""

    path: str
    url: str = ""
    fail_next: int = 0
    stall_next: int = 0
    stall_s: float = 0.0
    calls: list[Call] = field(default_factory=list)
    delivered: dict[str, Call] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, float]:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.calls.append(Call(self.path, headers, body, 500))
                return 500, 0.0
            stall = 0.0
            if self.stall_next > 0:
                self.stall_next -= 1
                stall = self.stall_s
            call = Call(self.path, headers, body, 200)
            self.calls.append(call)
            self.delivered.setdefault(call.key or str(len(self.calls)), call)
            return 200, stall

    def calls_for(self, key: str) -> list[Call]:
        return [c for c in self.calls if c.key == key]

    def delivered_to(self, needle: str) -> list[Call]:
        """Delivered calls whose body mentions `needle` (a phone number, a complaint id)."""
        return [c for c in self.delivered.values() if needle.encode() in c.body]


@dataclass
class Providers:
    """The stand-in providers, one path each on one local HTTP server."""

    sms: ProviderStub
    whatsapp: ProviderStub
    hook_a: ProviderStub
    hook_b: ProviderStub


def make_settings(pg_dsn: str, nats_url: str, smtp_port: int, ombudsman_url: str) -> Settings:
    """Settings for the notifier under test, built here rather than from the environment."""
    return Settings(
        database_url=pg_dsn,
        nats_url=nats_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        ombudsman_url=ombudsman_url,
        ombudsman_email=OMBUDSMAN,
        supervisor_email=SUPERVISOR,
        mail_from="Aduan <aduan@penyelenggara.example>",
        secret_key="notification-test-secret-of-32-chars",
        public_url="https://pengaduan.example",
        unit_email=UNIT_EMAIL,
    )


def with_channels(settings: Settings, providers: Providers, **changes: Any) -> Settings:
    """The same settings with SMS, WhatsApp and both integrator webhooks configured."""
    return settings.model_copy(
        update={
            "sms_url": providers.sms.url,
            "sms_token": "sms-token",
            "whatsapp_url": providers.whatsapp.url,
            "whatsapp_token": "wa-token",
            "webhook_urls": f"{providers.hook_a.url},{providers.hook_b.url}",
            "webhook_secret": WEBHOOK_SECRET,
            **changes,
        }
    )


async def insert_complaint(
    pool: asyncpg.Pool, *, confirmed: bool = True, **fields: object
) -> uuid.UUID:
    """Store a complaint as intake would (tests.support.complaints), its e-mail address
    confirmed; `confirmed=False`: an address typed into a form whose owner has not followed
    the link."""
    complaint_id = await complaints.insert_complaint(pool, **fields)
    await pool.execute(
        """UPDATE complaints SET contact_confirmed_at = CASE WHEN $2 THEN now() END
        WHERE id = $1""",
        complaint_id,
        confirmed,
    )
    return complaint_id


async def outbox_event(pool: asyncpg.Pool, complaint_id: uuid.UUID, step: str) -> Event:
    """The event a step wrote to the outbox: exactly what the relay would publish."""
    payload = await pool.fetchval(
        "SELECT payload FROM outbox WHERE event_id = $1", event_id_for(complaint_id, step)
    )
    assert payload is not None, f"no event for step {step}"
    return Event.model_validate(payload)


async def consumer_moved_on(pool: asyncpg.Pool, js: JetStreamContext, sms: ProviderStub) -> None:
    """Publish a later event for the running notification consumer and wait until it is sent.

    The consumer handles its events one after another, in the stream's order, and acks each
    before taking the next: once this sentinel (a fresh SMS complainant's receipt) has
    reached the SMS provider, every event published before it has been handled and acked.
    A duplicate that has not been sent by then is not coming. Needs SMS configured."""
    phone = new_phone()
    complaint_id = await insert_complaint(pool, channel="sms", complainant={"phone": phone})
    await bus.publish(js, await outbox_event(pool, complaint_id, "received"))
    await wait_until(
        lambda: sms.delivered_to(phone[1:]),
        timeout=30,
        what="the consumer to send the sentinel published after the event under test",
    )


async def step(
    pool: asyncpg.Pool,
    complaint_id: uuid.UUID,
    name: str,
    event_type: str,
    *,
    at: datetime,
    status: str,
    level: str = "none",
    **fields: Any,
) -> Event:
    """Record one lifecycle transition as the workflow would, and return its event."""
    await record(
        pool,
        Transition(
            complaint_id=complaint_id,
            step=name,
            event_type=event_type,
            status=status,
            escalation_level=level,
            occurred_at=at,
            **fields,
        ),
    )
    return await outbox_event(pool, complaint_id, name)


async def routed(pool: asyncpg.Pool, complaint_id: uuid.UUID, received: datetime) -> Event:
    """Opened and routed to `penagihan`: routing met after an hour, other clocks running."""
    await step(
        pool,
        complaint_id,
        "opened",
        "opened",
        at=received,
        status="received",
        public=False,
        deadlines=[
            DeadlineChange(kind="routing", started_at=received, due_at=received + timedelta(days=3))
        ],
    )
    return await step(
        pool,
        complaint_id,
        "routed",
        "routed",
        at=received + timedelta(hours=1),
        status="routed",
        unit="penagihan",
        officer="petugas-07",
        complaint_class="standard",
        data={"category": "billing"},
        deadlines=[
            DeadlineChange(kind="routing", met_at=received + timedelta(hours=1)),
            DeadlineChange(
                kind="first_response", started_at=received, due_at=received + timedelta(days=3)
            ),
            DeadlineChange(
                kind="resolution", started_at=received, due_at=received + timedelta(days=14)
            ),
        ],
    )


async def missed(pool: asyncpg.Pool, complaint_id: uuid.UUID, kind: str, due: datetime) -> Event:
    """A deadline passed without the awaited action."""
    return await step(
        pool,
        complaint_id,
        f"missed:{kind}",
        "deadline_missed",
        at=due,
        status="routed",
        data={"deadline": kind},
        deadlines=[DeadlineChange(kind=kind, missed_at=due)],
    )


async def escalated(
    pool: asyncpg.Pool,
    complaint_id: uuid.UUID,
    level: str,
    kind: str,
    at: datetime,
    status: str = "routed",
) -> Event:
    """One rung of the escalation ladder."""
    return await step(
        pool,
        complaint_id,
        f"escalated:{level}",
        "escalated",
        at=at,
        status=status,
        level=level,
        data={"level": level, "deadline": kind},
    )


async def silent_provider(
    pool: asyncpg.Pool, complaint_id: uuid.UUID, received: datetime
) -> dict[str, Event]:
    """Routed, never acknowledged: first response missed, supervisor, then the Ombudsman."""
    events = {"routed": await routed(pool, complaint_id, received)}
    due = received + timedelta(days=3)
    events["missed"] = await missed(pool, complaint_id, "first_response", due)
    events["supervisor"] = await escalated(pool, complaint_id, "supervisor", "first_response", due)
    events["ombudsman"] = await escalated(
        pool, complaint_id, "ombudsman", "first_response", received + timedelta(days=10)
    )
    return events
