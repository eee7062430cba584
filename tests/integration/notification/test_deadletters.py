"""Dead letters: a delivery that exhausts its attempts waits for ops, who replay it once."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import pytest_asyncio
from nats.js import JetStreamContext
from typer.testing import CliRunner

from aduan.adapters.bus import RetryLater
from aduan.adapters.passwords import hash_password
from aduan.cli import app
from aduan.config import Settings, get_settings
from aduan.domain.staff import make_staff
from aduan.store import accounts, deadletters, deliveries
from aduan.store.deliveries import delivery_key
from services.desk.app import create_app
from services.notification.consumer import Notifier, run
from services.notification.mailer import Mailer
from tests.support.http import asgi_client
from tests.support.notification import (
    OmbudsmanStub,
    Providers,
    SmtpSink,
    consumer_moved_on,
    insert_complaint,
    new_phone,
    outbox_event,
    silent_provider,
    with_channels,
)
from tests.support.waiting import wait_until


@pytest.fixture
def fragile(settings: Settings, providers: Providers) -> Settings:
    """Three attempts, quick retries, no integrators: dead letters in a test's time."""
    return with_channels(
        settings,
        providers,
        webhook_urls="",
        webhook_secret="",
        delivery_max_attempts=3,
        delivery_retry_base_s=0.1,
    )


@pytest.fixture
def notifier(fragile: Settings, pool: asyncpg.Pool, http: httpx.AsyncClient) -> Notifier:
    return Notifier(fragile, pool, Mailer.from_settings(fragile), http)


@pytest_asyncio.fixture
async def consumer(fragile: Settings) -> AsyncIterator[None]:
    """The notification consumer, running against the real JetStream as in production."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(fragile, stop))
    yield
    stop.set()
    await asyncio.wait_for(task, timeout=15)


async def dead_row(pool: asyncpg.Pool, event_id: uuid.UUID) -> deliveries.DeliveryRow:
    [row] = [
        r
        for r in await deliveries.list_deliveries(pool, dead_only=True, limit=10_000)
        if r.event_id == event_id
    ]
    return row


async def test_a_delivery_dies_after_the_last_attempt_and_a_replay_sends_it_once(
    notifier: Notifier,
    pool: asyncpg.Pool,
    js: JetStreamContext,
    providers: Providers,
    consumer: None,
) -> None:
    phone = new_phone()
    complaint_id = await insert_complaint(pool, channel="sms", complainant={"phone": phone})
    event = await outbox_event(pool, complaint_id, "received")
    key = delivery_key(event.id, "complainant", "sms")
    providers.sms.fail_next = 3

    for _ in range(2):
        with pytest.raises(RetryLater):
            await notifier.handle(event)
    await notifier.handle(event)  # the last attempt: dead, and the event is done with
    await notifier.handle(event)  # redelivered anyway: a dead delivery is not retried

    dead = await dead_row(pool, event.id)
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 3, "HTTP 500")
    assert (dead.recipient, dead.channel, dead.event_type) == ("complainant", "sms", "received")
    assert await deliveries.attempts_of(pool, delivery_id=dead.id) == [("failed", "HTTP 500")] * 3
    assert providers.sms.delivered_to(phone[1:]) == []

    result = await deadletters.replay(pool, js, ids=[dead.id])

    assert result.replayed == [dead.id] and result.failed == []
    await wait_until(lambda: providers.sms.delivered_to(phone[1:]), what="the replayed SMS")
    await consumer_moved_on(pool, js, providers.sms)  # a duplicate would have been sent by now
    assert [c.status for c in providers.sms.calls_for(key)] == [500, 500, 500, 200]
    status = await deliveries.status_of(
        pool, event_id=event.id, recipient="complainant", channel=deliveries.DeliveryChannel.SMS
    )
    assert status == "sent"
    again = await deadletters.replay(pool, js, ids=[dead.id])
    assert again.replayed == []


async def test_a_dead_dossier_keeps_the_complainant_waiting_until_it_is_replayed(
    notifier: Notifier,
    pool: asyncpg.Pool,
    js: JetStreamContext,
    smtp_sink: SmtpSink,
    ombudsman_stub: OmbudsmanStub,
    consumer: None,
) -> None:
    received = datetime.now(UTC) - timedelta(days=12)
    email = f"{uuid.uuid4().hex[:8]}@example.id"
    complaint_id = await insert_complaint(
        pool, received_at=received, complainant={"name": "Ani", "email": email}
    )
    event = (await silent_provider(pool, complaint_id, received))["ombudsman"]
    ombudsman_stub.fail_next = 3

    for _ in range(3):
        try:
            await notifier.handle(event)
        except RetryLater:
            pass

    assert (await dead_row(pool, event.id)).recipient == "ombudsman"
    code = await pool.fetchval("SELECT tracking_code FROM complaints WHERE id = $1", complaint_id)
    assert smtp_sink.about(code, to=email) == []  # not told "sent" while it was not

    await deadletters.replay(pool, js)

    await wait_until(lambda: smtp_sink.about(code, to=email), what="the complainant's mail")
    assert [s.status for s in ombudsman_stub.for_key(event.id)] == [500, 500, 500, 200]
    [told] = smtp_sink.about(code, to=email)
    assert told.subject == f"[{code}] Pengaduan Anda diteruskan ke Ombudsman"


async def test_ops_list_and_retry_dead_deliveries_from_the_command_line(
    settings: Settings,
    providers: Providers,
    pool: asyncpg.Pool,
    js: JetStreamContext,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    pg_dsn: str,
    nats_url: str,
    consumer: None,
) -> None:
    no_whatsapp = settings.model_copy(update={"whatsapp_url": ""})
    notifier = Notifier(no_whatsapp, pool, Mailer.from_settings(no_whatsapp), http)
    phone = new_phone()
    complaint_id = await insert_complaint(pool, channel="whatsapp", complainant={"phone": phone})
    event = await outbox_event(pool, complaint_id, "received")

    await notifier.handle(event)  # no WhatsApp provider configured: dead at once

    dead = await dead_row(pool, event.id)
    assert (dead.attempts, dead.last_error) == (1, "whatsapp channel not configured")
    monkeypatch.setenv("ADUAN_DATABASE_URL", pg_dsn)
    monkeypatch.setenv("ADUAN_NATS_URL", nats_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def aduan(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["notifications", *args])
        return result.exit_code, result.output

    try:
        code, listed = await asyncio.to_thread(aduan, "list", "--dead", "--limit", "10000")
        assert code == 0
        [line] = [line for line in listed.splitlines() if str(complaint_id) in line]
        assert line.split()[:5] == [str(dead.id), "dead", "1x", "whatsapp", "complainant"]
        assert phone[1:] not in listed
        assert (await asyncio.to_thread(aduan, "retry"))[0] == 2
        code, said = await asyncio.to_thread(aduan, "retry", "--id", "999999999")
        assert code == 1 and "999999999 is not dead" in said
        code, said = await asyncio.to_thread(aduan, "retry", "--id", str(dead.id))
        assert code == 0 and f"replaying delivery {dead.id}" in said
    finally:
        get_settings.cache_clear()

    await wait_until(
        lambda: providers.whatsapp.delivered_to(phone[1:]), what="the replayed WhatsApp message"
    )
    await consumer_moved_on(pool, js, providers.sms)  # a duplicate would have been sent by now
    assert len(providers.whatsapp.delivered_to(phone[1:])) == 1


async def test_ops_retry_a_dead_delivery_from_the_desk_page_and_it_is_delivered_once(
    notifier: Notifier,
    fragile: Settings,
    pool: asyncpg.Pool,
    js: JetStreamContext,
    providers: Providers,
    consumer: None,
) -> None:
    phone = new_phone()
    complaint_id = await insert_complaint(pool, channel="sms", complainant={"phone": phone})
    event = await outbox_event(pool, complaint_id, "received")
    providers.sms.fail_next = 3
    for _ in range(2):
        with pytest.raises(RetryLater):
            await notifier.handle(event)
    await notifier.handle(event)
    dead = await dead_row(pool, event.id)

    username = f"ops{uuid.uuid4().hex[:8]}"
    await accounts.add(
        pool, make_staff(username, "ops"), hash_password("ops-password-1"), display_name="Ops"
    )
    desk_settings = fragile.model_copy(update={"secret_key": "desk-test-secret-long-enough-x"})
    async with asgi_client(create_app(desk_settings), "http://desk") as browser:
        form = await browser.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        await browser.post(
            "/login",
            data={"csrf": csrf[1], "username": username, "password": "ops-password-1"},
        )
        page = await browser.get("/ops")
        assert page.status_code == 200 and f'name="id" value="{dead.id}"' in page.text
        assert re.search(r"notification: \d+ menunggu, \d+ sedang diproses", page.text)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        retried = await browser.post(
            "/ops/deliveries/retry", data={"csrf": token[1], "id": str(dead.id), "which": "picked"}
        )
        assert retried.status_code == 303 and retried.headers["location"] == "/ops?replayed=1"
    await wait_until(lambda: providers.sms.delivered_to(phone[1:]), what="the replayed SMS")
    await consumer_moved_on(pool, js, providers.sms)
    key = delivery_key(event.id, "complainant", "sms")
    assert [c.status for c in providers.sms.calls_for(key)] == [500, 500, 500, 200]
