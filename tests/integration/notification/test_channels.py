"""SMS and WhatsApp through local stand-in providers: the right channel, once, despite outages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import pytest_asyncio
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.adapters.bus import RetryLater
from aduan.config import Settings
from aduan.store.complaints import access_token
from aduan.store.deliveries import delivery_key
from services.notification.consumer import Notifier, run
from services.notification.mailer import Mailer
from tests.support.complaints import tracking_code
from tests.support.notification import (
    Providers,
    SmtpSink,
    consumer_moved_on,
    insert_complaint,
    new_phone,
    outbox_event,
    routed,
    with_channels,
)
from tests.support.waiting import wait_until


@pytest_asyncio.fixture
async def impatient_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=0.5) as client:
        yield client


@pytest.fixture
def texting(settings: Settings, providers: Providers) -> Settings:
    return with_channels(settings, providers, webhook_urls="", webhook_secret="")


@pytest.fixture
def notifier(texting: Settings, pool: asyncpg.Pool, impatient_http: httpx.AsyncClient) -> Notifier:
    return Notifier(texting, pool, Mailer.from_settings(texting), impatient_http)


async def test_an_sms_complainant_gets_the_receipt_by_sms_and_no_mail(
    notifier: Notifier,
    pool: asyncpg.Pool,
    providers: Providers,
    smtp_sink: SmtpSink,
    texting: Settings,
) -> None:
    phone = new_phone()
    complaint_id = await insert_complaint(
        pool, channel="sms", complainant={"name": "Budi", "phone": phone}
    )
    code = await tracking_code(pool, complaint_id)

    await notifier.handle(await outbox_event(pool, complaint_id, "received"))

    [sms] = providers.sms.delivered_to(phone[1:])
    form = sms.form()
    assert form["to"] == "+62" + phone[1:]
    assert form["from"] == "ADUAN"
    assert code in form["text"] and access_token(texting.secret_key, complaint_id) in form["text"]
    assert form["text"].startswith("Pengaduan Anda diterima.")
    assert sms.headers["Authorization"] == "Bearer sms-token"
    assert smtp_sink.about(code) == []
    assert providers.whatsapp.delivered_to(phone[1:]) == []


async def test_a_whatsapp_complainant_gets_a_cloud_api_text_in_their_language(
    notifier: Notifier, pool: asyncpg.Pool, providers: Providers
) -> None:
    phone = new_phone()
    received = datetime.now(UTC) - timedelta(hours=2)
    complaint_id = await insert_complaint(
        pool, channel="whatsapp", language="en", received_at=received, complainant={"phone": phone}
    )
    code = await tracking_code(pool, complaint_id)

    await notifier.handle(await routed(pool, complaint_id, received))

    [message] = providers.whatsapp.delivered_to(phone[1:])
    body = message.json()
    assert {k: body[k] for k in ("messaging_product", "recipient_type", "to", "type")} == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "62" + phone[1:],
        "type": "text",
    }
    assert body["text"]["body"] == (
        f"Complaint {code} was forwarded to the penagihan unit. Its deadlines are now running."
    )
    assert message.headers["Authorization"] == "Bearer wa-token"
    assert providers.sms.delivered_to(phone[1:]) == []


async def test_texts_go_to_the_number_that_wrote_without_any_confirmation(
    notifier: Notifier, pool: asyncpg.Pool, providers: Providers
) -> None:
    phone = new_phone()
    received = datetime.now(UTC) - timedelta(hours=2)
    complaint_id = await insert_complaint(
        pool, confirmed=False, channel="sms", received_at=received, complainant={"phone": phone}
    )

    await notifier.handle(await routed(pool, complaint_id, received))

    [sms] = providers.sms.delivered_to(phone[1:])
    assert "penagihan" in sms.form()["text"]


async def test_an_email_wins_over_the_text_channel_they_came_from(
    notifier: Notifier, pool: asyncpg.Pool, providers: Providers, smtp_sink: SmtpSink
) -> None:
    phone, email = new_phone(), f"{uuid.uuid4().hex[:8]}@example.id"
    complaint_id = await insert_complaint(
        pool, channel="sms", complainant={"phone": phone, "email": email}
    )

    await notifier.handle(await outbox_event(pool, complaint_id, "received"))

    assert len(smtp_sink.about(await tracking_code(pool, complaint_id), to=email)) == 1
    assert providers.sms.delivered_to(phone[1:]) == []


async def test_an_anonymous_complainant_hears_only_on_the_channel_that_reached_us(
    notifier: Notifier, pool: asyncpg.Pool, providers: Providers, smtp_sink: SmtpSink
) -> None:
    phone, email = new_phone(), f"{uuid.uuid4().hex[:8]}@example.id"
    by_sms = await insert_complaint(
        pool, channel="sms", complainant={"anonymous": True, "phone": phone, "email": email}
    )
    by_web = await insert_complaint(
        pool, channel="web", complainant={"anonymous": True, "phone": phone}
    )

    for complaint_id in (by_sms, by_web):
        await notifier.handle(await outbox_event(pool, complaint_id, "received"))

    [sms] = providers.sms.delivered_to(phone[1:])
    assert await tracking_code(pool, by_sms) in sms.form()["text"]
    assert smtp_sink.about(await tracking_code(pool, by_sms)) == []
    assert smtp_sink.about(await tracking_code(pool, by_web)) == []


async def test_an_sms_outage_delays_the_message_but_never_loses_or_repeats_it(
    notifier: Notifier, pool: asyncpg.Pool, providers: Providers
) -> None:
    phone = new_phone()
    complaint_id = await insert_complaint(pool, channel="sms", complainant={"phone": phone})
    event = await outbox_event(pool, complaint_id, "received")
    key = delivery_key(event.id, "complainant", "sms")
    providers.sms.fail_next = 3

    delays = []
    for _ in range(3):
        with pytest.raises(RetryLater) as refused:
            await notifier.handle(event)
        delays.append(refused.value.delay)
    await notifier.handle(event)
    await notifier.handle(event)  # redelivered after success: nothing more goes out

    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert [c.status for c in providers.sms.calls_for(key)] == [500, 500, 500, 200]
    assert len(providers.sms.delivered_to(phone[1:])) == 1
    log = await pool.fetch(
        """SELECT a.outcome, a.error FROM delivery_attempts a JOIN deliveries d
        ON d.id = a.delivery_id WHERE d.event_id = $1 ORDER BY a.id""",
        event.id,
    )
    assert [(r["outcome"], r["error"]) for r in log] == [("failed", "HTTP 500")] * 3 + [
        ("sent", None)
    ]


async def test_a_timeout_that_hid_a_success_is_not_sent_twice(
    notifier: Notifier, pool: asyncpg.Pool, providers: Providers
) -> None:
    phone = new_phone()
    complaint_id = await insert_complaint(pool, channel="whatsapp", complainant={"phone": phone})
    event = await outbox_event(pool, complaint_id, "received")
    providers.whatsapp.stall_next, providers.whatsapp.stall_s = 1, 1.5

    with pytest.raises(RetryLater):
        await notifier.handle(event)
    await notifier.handle(event)

    key = delivery_key(event.id, "complainant", "whatsapp")
    assert len(providers.whatsapp.calls_for(key)) == 2  # tried again with the same key
    assert len(providers.whatsapp.delivered_to(phone[1:])) == 1
    error = await pool.fetchval(
        """SELECT a.error FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
        WHERE d.event_id = $1 AND a.outcome = 'failed'""",
        event.id,
    )
    assert error == "ReadTimeout"


async def test_the_consumer_rides_out_a_provider_outage(
    pool: asyncpg.Pool, js: JetStreamContext, providers: Providers, texting: Settings
) -> None:
    fast = texting.model_copy(update={"delivery_retry_base_s": 0.2})
    phone = new_phone()
    complaint_id = await insert_complaint(pool, channel="sms", complainant={"phone": phone})
    event = await outbox_event(pool, complaint_id, "received")
    providers.sms.fail_next = 3
    stop = asyncio.Event()
    consumer = asyncio.create_task(run(fast, stop))
    try:
        await bus.publish(js, event)
        await wait_until(lambda: providers.sms.delivered_to(phone[1:]), what="the SMS")
        await consumer_moved_on(pool, js, providers.sms)  # a duplicate would have been sent by now
    finally:
        stop.set()
        await asyncio.wait_for(consumer, timeout=15)

    key = delivery_key(event.id, "complainant", "sms")
    assert [c.status for c in providers.sms.calls_for(key)] == [500, 500, 500, 200]
    assert len(providers.sms.delivered_to(phone[1:])) == 1
