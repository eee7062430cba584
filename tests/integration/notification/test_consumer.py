"""The notifier against real PostgreSQL, a real SMTP server and a stand-in Ombudsman."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.adapters.bus import RetryLater
from aduan.config import Settings
from aduan.domain.events import new_event
from aduan.store import deliveries as delivery_log
from aduan.store.complaints import access_token, confirm_contact, contact_token, find_tracking_code
from aduan.store.deliveries import DeliveryChannel
from services.notification.consumer import Notifier, run
from services.notification.dossier import NO_SERVICE
from services.notification.mailer import Mailer
from tests.support.complaints import tracking_code
from tests.support.notification import (
    OMBUDSMAN,
    SITI,
    SUPERVISOR,
    OmbudsmanStub,
    SmtpSink,
    escalated,
    insert_complaint,
    make_settings,
    outbox_event,
    routed,
    silent_provider,
    step,
)
from tests.support.waiting import wait_until


async def deliveries(pool: asyncpg.Pool, event_id: uuid.UUID) -> dict[tuple[str, str], int]:
    rows = await pool.fetch(
        "SELECT recipient_role, channel, status, attempts FROM deliveries WHERE event_id = $1",
        event_id,
    )
    return {(r["recipient_role"], r["status"]): r["attempts"] for r in rows}


async def test_receipt_in_bahasa_indonesia_carries_tracking_code_and_token(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink, settings: Settings
) -> None:
    complaint_id = await insert_complaint(pool, complainant=SITI)
    code = await tracking_code(pool, complaint_id)

    await notifier.handle(await outbox_event(pool, complaint_id, "received"))

    [mail] = smtp_sink.about(code)
    assert mail.recipients == [SITI["email"]]
    assert mail.subject == f"[{code}] Pengaduan Anda diterima"
    assert "Yth. Siti Rahayu" in mail.body
    assert "https://pengaduan.example/track" in mail.body
    assert access_token(settings.secret_key, complaint_id) in mail.body
    assert mail.message["From"] == settings.mail_from
    # A plain "Reply" goes to an address the inbound receiver threads onto this complaint.
    reply_to = str(mail.message["Reply-To"])
    assert reply_to == f"pengaduan+{code}@localhost"
    assert find_tracking_code(reply_to.partition("@")[0]) == code


async def test_english_when_the_complainant_chose_english(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    complaint_id = await insert_complaint(pool, complainant=SITI, language="en")
    code = await tracking_code(pool, complaint_id)

    await notifier.handle(await outbox_event(pool, complaint_id, "received"))

    [mail] = smtp_sink.about(code)
    assert mail.subject == f"[{code}] Your complaint was received"
    assert "Access token:" in mail.body


async def test_the_same_event_handled_twice_sends_one_mail(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    complaint_id = await insert_complaint(pool, complainant=SITI)
    code = await tracking_code(pool, complaint_id)
    event = await outbox_event(pool, complaint_id, "received")

    await notifier.handle(event)
    await notifier.handle(event)

    assert len(smtp_sink.about(code)) == 1
    assert await deliveries(pool, event.id) == {("complainant", "sent"): 1}


async def test_an_address_typed_into_a_form_hears_only_the_receipt_until_confirmed(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink, settings: Settings
) -> None:
    # What a stranger types: someone else's address, and words to put in an official mail.
    person = {
        "name": "Rekening Anda diblokir, hubungi 0812-0000-0000",
        "email": f"{uuid.uuid4().hex[:10]}@example.id",
    }
    received = datetime.now(UTC) - timedelta(days=2)
    complaint_id = await insert_complaint(
        pool, confirmed=False, channel="web", complainant=person, received_at=received
    )
    code = await tracking_code(pool, complaint_id)
    assigned = await routed(pool, complaint_id, received)
    taken_up = await step(
        pool,
        complaint_id,
        "acknowledged",
        "acknowledged",
        at=received + timedelta(days=1),
        status="in_progress",
        officer="petugas-07",
    )

    for event in (await outbox_event(pool, complaint_id, "received"), assigned, taken_up):
        await notifier.handle(event)  # nothing to retry either

    [receipt] = smtp_sink.about(code, to=person["email"])
    assert receipt.subject == f"[{code}] Pengaduan Anda diterima"
    token = contact_token(settings.secret_key, complaint_id, person["email"])
    assert f"https://pengaduan.example/contact/confirm/{code}/{token}" in receipt.body
    assert person["name"] not in receipt.message.as_string()
    assert "Yth. Bapak/Ibu," in receipt.body
    assert await deliveries(pool, assigned.id) == {("officer", "sent"): 1}  # staff still told
    assert await deliveries(pool, taken_up.id) == {}

    await confirm_contact(pool, complaint_id)
    for event in (assigned, taken_up):  # read at handle time: the confirmation counts now
        await notifier.handle(event)

    subjects = [m.subject for m in smtp_sink.about(code, to=person["email"])]
    assert subjects == [
        f"[{code}] Pengaduan Anda diterima",
        f"[{code}] Pengaduan Anda diteruskan ke unit kerja",
        f"[{code}] Pengaduan Anda sedang ditangani",
    ]


async def test_a_delivery_another_replica_holds_waits_for_its_lease_then_is_taken_over(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    complaint_id = await insert_complaint(pool, complainant=SITI)
    code = await tracking_code(pool, complaint_id)
    event = await outbox_event(pool, complaint_id, "received")
    elsewhere = await delivery_log.claim(
        pool,
        event=event,
        recipient="complainant",
        channel=DeliveryChannel.EMAIL,
        holder="replica-b",
        lease_s=60,
    )
    assert elsewhere.ours

    with pytest.raises(RetryLater) as later:
        await notifier.handle(event)
    assert 50 < later.value.delay <= 60  # asks again once that lease has run out
    assert smtp_sink.about(code) == []
    # replica-b died while sending: its lease runs out, and the delivery is taken over.
    await pool.execute(
        "UPDATE deliveries SET claimed_until = now() - interval '1 second' WHERE event_id = $1",
        event.id,
    )
    await notifier.handle(event)

    assert len(smtp_sink.about(code)) == 1
    row = await pool.fetchrow(
        "SELECT status, attempts, claimed_by, claimed_until FROM deliveries WHERE event_id = $1",
        event.id,
    )
    assert dict(row) == {"status": "sent", "attempts": 1, "claimed_by": None, "claimed_until": None}


async def test_no_mail_when_the_complainant_gave_no_email(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    by_phone = await insert_complaint(pool, complainant={"name": "Budi", "phone": "+6281"})
    anonymous = await insert_complaint(pool, complainant={"anonymous": True})

    for complaint_id in (by_phone, anonymous):
        event = await outbox_event(pool, complaint_id, "received")
        await notifier.handle(event)
        assert smtp_sink.about(await tracking_code(pool, complaint_id)) == []
        assert await deliveries(pool, event.id) == {}


async def test_each_step_is_told_in_words(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    received = datetime.now(UTC) - timedelta(days=2)
    complaint_id = await insert_complaint(pool, complainant=SITI, received_at=received)
    code = await tracking_code(pool, complaint_id)
    later = received + timedelta(days=1)
    events = [
        await routed(pool, complaint_id, received),
        await step(
            pool,
            complaint_id,
            "acknowledged",
            "acknowledged",
            at=later,
            status="in_progress",
            officer="petugas-07",
        ),
        await step(
            pool,
            complaint_id,
            "responded",
            "responded",
            at=later,
            status="responded",
            data={"message": "Meter Anda telah kami ganti; tagihan dikoreksi."},
        ),
        await step(
            pool, complaint_id, "closed", "closed", at=later, status="closed", outcome="auto_closed"
        ),
    ]
    for event in events:
        await notifier.handle(event)

    subjects = [m.subject for m in smtp_sink.about(code, to=SITI["email"])]
    assert subjects == [
        f"[{code}] Pengaduan Anda diteruskan ke unit kerja",
        f"[{code}] Pengaduan Anda sedang ditangani",
        f"[{code}] Tanggapan atas pengaduan Anda",
        f"[{code}] Pengaduan Anda ditutup",
    ]
    routed_mail, _, answer, closed = smtp_sink.about(code, to=SITI["email"])
    assert "penagihan" in routed_mail.body
    assert "Meter Anda telah kami ganti; tagihan dikoreksi." in answer.body
    assert "ditutup otomatis" in closed.body


async def test_supervisor_mail_carries_no_complainant_identity(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    received = datetime.now(UTC) - timedelta(days=5)
    complaint_id = await insert_complaint(pool, complainant=SITI, received_at=received)
    code = await tracking_code(pool, complaint_id)
    events = await silent_provider(pool, complaint_id, received)

    await notifier.handle(events["supervisor"])

    [supervisor] = [m for m in smtp_sink.about(code) if m.recipients == [SUPERVISOR]]
    text = supervisor.message.as_string()
    assert "penagihan" in supervisor.body and "tanggapan pertama" in supervisor.body
    for secret in (SITI["name"], "Siti", SITI["email"], SITI["phone"]):
        assert secret not in text
    [told] = [m for m in smtp_sink.about(code) if m.recipients == [SITI["email"]]]
    assert told.subject == f"[{code}] Pengaduan Anda dieskalasi ke atasan unit kerja"


async def test_ombudsman_refusing_twice_gets_one_accepted_dossier(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink, ombudsman_stub: OmbudsmanStub
) -> None:
    received = datetime.now(UTC) - timedelta(days=12)
    complaint_id = await insert_complaint(
        pool,
        complainant=SITI,
        received_at=received,
        account_ref="PEL-0042",
        category="billing",
        answers={"billing_month": "2026-03"},
    )
    code = await tracking_code(pool, complaint_id)
    event = (await silent_provider(pool, complaint_id, received))["ombudsman"]
    ombudsman_stub.fail_next = 2

    delays = []
    for _ in range(2):
        with pytest.raises(RetryLater) as refused:
            await notifier.handle(event)
        delays.append(refused.value.delay)
        assert smtp_sink.about(code) == []  # not told "sent" before it was accepted
    await notifier.handle(event)
    await notifier.handle(event)  # a redelivery after success submits nothing more

    assert delays[1] > delays[0]
    assert [s.status for s in ombudsman_stub.for_key(event.id)] == [500, 500, 200]
    dossier = ombudsman_stub.for_key(event.id)[-1].dossier
    assert dossier["dossier_version"] == 1
    assert dossier["complaint"]["tracking_code"] == code
    assert dossier["complaint"]["account_ref"] == "PEL-0042"
    assert dossier["complaint"]["answers"] == [
        {
            "code": "billing_month",
            "question": "Bulan tagihan",
            "value": "2026-03",
            "answer": "2026-03",
        }
    ]
    assert dossier["complainant"]["email"] == SITI["email"]
    assert dossier["provider"] == {"unit": "penagihan", "officer": "petugas-07"}
    assert [e["step"] for e in dossier["timeline"]] == [
        "opened",
        "routed",
        "missed:first_response",
        "escalated:supervisor",
        "escalated:ombudsman",
    ]
    missed = {d["kind"]: d for d in dossier["deadlines"] if d["missed"]}
    assert list(missed) == ["first_response"]
    assert missed["first_response"]["late_by_seconds"] == 7 * 24 * 3600
    assert [e["level"] for e in dossier["escalations"]] == ["supervisor", "ombudsman"]
    assert dossier["last_response"] is None
    assert dossier["maladministration"] == NO_SERVICE
    [told] = smtp_sink.about(code)
    assert told.subject == f"[{code}] Pengaduan Anda diteruskan ke Ombudsman"
    assert await deliveries(pool, event.id) == {
        ("ombudsman", "sent"): 3,
        ("complainant", "sent"): 1,
    }


async def test_a_failed_mail_is_retried_without_resubmitting_the_dossier(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink, ombudsman_stub: OmbudsmanStub
) -> None:
    received = datetime.now(UTC) - timedelta(days=12)
    person = {**SITI, "email": f"{uuid.uuid4().hex[:8]}@example.id"}
    complaint_id = await insert_complaint(pool, complainant=person, received_at=received)
    event = (await silent_provider(pool, complaint_id, received))["ombudsman"]
    smtp_sink.refuse[person["email"]] = 1

    with pytest.raises(RetryLater):
        await notifier.handle(event)
    await notifier.handle(event)

    assert [s.status for s in ombudsman_stub.for_key(event.id)] == [200]
    assert len(smtp_sink.about(await tracking_code(pool, complaint_id))) == 1
    row = await pool.fetchrow(
        "SELECT attempts, status, last_error FROM deliveries"
        " WHERE event_id = $1 AND recipient_role = 'complainant'",
        event.id,
    )
    assert (row["attempts"], row["status"], row["last_error"]) == (2, "sent", None)


async def test_dossier_is_mailed_when_there_is_no_ombudsman_endpoint(
    pool: asyncpg.Pool, smtp_sink: SmtpSink, settings: Settings, http: httpx.AsyncClient
) -> None:
    no_endpoint = settings.model_copy(update={"ombudsman_url": ""})
    notifier = Notifier(no_endpoint, pool, Mailer.from_settings(no_endpoint), http)
    received = datetime.now(UTC) - timedelta(days=12)
    complaint_id = await insert_complaint(pool, complainant=SITI, received_at=received)
    code = await tracking_code(pool, complaint_id)
    event = (await silent_provider(pool, complaint_id, received))["ombudsman"]

    await notifier.handle(event)

    [to_ombudsman] = [m for m in smtp_sink.about(code) if m.recipients == [OMBUDSMAN]]
    [attachment] = list(to_ombudsman.message.iter_attachments())
    assert attachment.get_content_type() == "application/json"
    assert attachment.get_filename() == f"dossier-{code}.json"
    assert b'"maladministration": "tidak_memberikan_pelayanan"' in attachment.get_content()


async def test_internal_and_unknown_events_are_ignored_and_a_missing_complaint_waits(
    notifier: Notifier, pool: asyncpg.Pool
) -> None:
    nowhere = uuid.uuid4()
    now = datetime.now(UTC)
    await notifier.handle(new_event("opened", nowhere, now, {"public": False}))
    await notifier.handle(new_event("reminder_sent", nowhere, now, {"public": True}))
    with pytest.raises(RetryLater):
        await notifier.handle(new_event("routed", nowhere, now, {"unit": "penagihan"}))


async def test_the_consumer_mails_what_is_published(
    pool: asyncpg.Pool,
    js: JetStreamContext,
    smtp_sink: SmtpSink,
    pg_dsn: str,
    nats_url: str,
) -> None:
    settings = make_settings(pg_dsn, nats_url, smtp_sink.port, "")
    received = datetime.now(UTC) - timedelta(days=1)
    complaint_id = await insert_complaint(pool, complainant=SITI, received_at=received)
    code = await tracking_code(pool, complaint_id)
    stop = asyncio.Event()
    consumer = asyncio.create_task(run(settings, stop))
    try:
        # A level nobody knows yet goes first: it must neither stop nor precede the others.
        await bus.publish(
            js,
            await escalated(
                pool, complaint_id, "regulator", "routing", received, status="received"
            ),
        )
        await bus.publish(js, await outbox_event(pool, complaint_id, "received"))
        await bus.publish(js, await routed(pool, complaint_id, received))
        await wait_until(
            lambda: len(smtp_sink.about(code, to=SITI["email"])) >= 2,
            what="the receipt and the routing notice",
        )
    finally:
        stop.set()
        await asyncio.wait_for(consumer, timeout=15)

    subjects = sorted(m.subject for m in smtp_sink.about(code, to=SITI["email"]))
    assert subjects == [
        f"[{code}] Pengaduan Anda diterima",
        f"[{code}] Pengaduan Anda diteruskan ke unit kerja",
    ]
