"""Limits on what one client or one contact may send, shared by replicas through PostgreSQL;
the attachment store's quota and the storage alarms; channels the public may not claim."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext
from prometheus_client import REGISTRY

from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.attachments import Upload
from aduan.domain.routing import load_rules
from aduan.domain.vocabulary import Channel
from aduan.lifecycle.client import Lifecycles
from aduan.store.submission import ComplaintIn, submit
from services.intake import watch
from services.intake.app import create_app
from services.intake.inbound import Inbound, InboundMessage, Result, Sender
from tests.support.http import assert_problem
from tests.support.payload_keys import TEST_KEYRING
from tests.support.routing import SHIPPED_RULES

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000


def complaint(**changes: Any) -> dict[str, Any]:
    return {"description": f"Tagihan air naik dua kali lipat ({uuid.uuid4()})", **changes}


def somewhere() -> str:
    """A client address no other test uses, so each test counts from zero."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@asynccontextmanager
async def client_of(settings: Settings, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process intake (its lifespan entered) seen from `address`."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(address, 40000)),
            base_url="http://intake",
        ) as client,
    ):
        yield client


async def count(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM complaints"))


async def test_one_address_past_its_limit_gets_429_with_retry_after_and_stores_nothing(
    pg_dsn: str,
    pool: asyncpg.Pool,
) -> None:
    settings = Settings(database_url=pg_dsn, rate_submissions="3/minute")
    address = somewhere()
    async with client_of(settings, address) as intake:
        for _ in range(3):
            assert (await intake.post("/v1/complaints", json=complaint())).status_code == 201
        before = await count(pool)
        refused = await intake.post("/v1/complaints", json=complaint())
        body = assert_problem(refused, 429)
        assert body["limit"] == "submissions" and "client address" in body["detail"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert await count(pool) == before
    async with client_of(settings, somewhere()) as neighbour:  # someone else is not affected
        assert (await neighbour.post("/v1/complaints", json=complaint())).status_code == 201


async def test_replicas_share_one_count(pg_dsn: str) -> None:
    settings = Settings(database_url=pg_dsn, rate_submissions="3/minute")
    address = somewhere()
    async with client_of(settings, address) as one, client_of(settings, address) as two:
        assert (await one.post("/v1/complaints", json=complaint())).status_code == 201
        assert (await two.post("/v1/complaints", json=complaint())).status_code == 201
        assert (await one.post("/v1/complaints", json=complaint())).status_code == 201
        assert_problem(await two.post("/v1/complaints", json=complaint()), 429)


async def test_one_mailbox_or_number_is_limited_from_any_address_but_a_retry_is_answered(
    pg_dsn: str,
) -> None:
    settings = Settings(database_url=pg_dsn, rate_contact="2/hour")
    email = f"warga-{uuid.uuid4().hex[:8]}@example.id"
    retry = {"Idempotency-Key": str(uuid.uuid4())}
    first_body = complaint(complainant={"email": email})
    async with client_of(settings, somewhere()) as intake:
        first = await intake.post("/v1/complaints", json=first_body, headers=retry)
        assert first.status_code == 201
    async with client_of(settings, somewhere()) as intake:
        second = complaint(complainant={"email": email.upper()})  # the same mailbox
        assert (await intake.post("/v1/complaints", json=second)).status_code == 201
    async with client_of(settings, somewhere()) as intake:
        third = await intake.post("/v1/complaints", json=complaint(complainant={"email": email}))
        assert assert_problem(third, 429)["limit"] == "contact"
        again = await intake.post("/v1/complaints", json=first_body, headers=retry)
        assert again.status_code == 201 and again.json() == first.json()

    number = f"0812{random.randrange(10**7, 10**8)}"
    async with client_of(settings, somewhere()) as intake:
        for phone in (number, "+62 " + number[1:]):
            body = complaint(complainant={"phone": phone})
            assert (await intake.post("/v1/complaints", json=body)).status_code == 201
        body = complaint(complainant={"phone": "62" + number[1:]})
        assert assert_problem(await intake.post("/v1/complaints", json=body), 429)


async def test_guessing_tracking_codes_and_calling_webhooks_are_limited(pg_dsn: str) -> None:
    settings = Settings(database_url=pg_dsn, rate_logins="4/minute", rate_webhooks="2/minute")
    async with client_of(settings, somewhere()) as intake:
        for _ in range(4):
            guess = await intake.get(
                "/v1/complaints/ADU-0000-0000", headers={"X-Access-Token": uuid.uuid4().hex}
            )
            assert guess.status_code == 404
        assert_problem(
            await intake.get(
                "/v1/complaints/ADU-0000-0000", headers={"X-Access-Token": uuid.uuid4().hex}
            ),
            429,
        )
        page_login = await intake.post("/track", data={"tracking_code": "ADU-0000-0000"})
        assert page_login.status_code == 429
        for _ in range(2):  # unsigned: refused, and still counted
            assert (await intake.post("/v1/webhooks/sms", content=b"From=1")).status_code == 401
        assert_problem(await intake.post("/v1/webhooks/sms", content=b"From=1"), 429)


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "email", "phone", "open311"])
async def test_the_public_api_cannot_claim_a_channel_whose_origin_must_be_proven(
    pg_dsn: str,
    pool: asyncpg.Pool,
    channel: str,
) -> None:
    body = complaint(
        channel=channel, complainant={"phone": "081234567890", "email": "korban@example.id"}
    )
    async with client_of(Settings(database_url=pg_dsn), somewhere()) as intake:
        before = await count(pool)
        refused = assert_problem(await intake.post("/v1/complaints", json=body), 422)
        assert refused["errors"][0]["field"] == "channel"
        assert "comes in only through" in refused["errors"][0]["message"]
        assert await count(pool) == before
        social = await intake.post("/v1/complaints", json={**body, "channel": "social"})
        assert social.status_code == 201


async def test_only_an_address_the_channel_proves_counts_as_confirmed(
    pg_dsn: str,
    pool: asyncpg.Pool,
) -> None:
    settings = Settings(database_url=pg_dsn)
    policy = create_app(settings).state.policy
    confirmed = {}
    for channel in ("web", "api", "email", "phone"):
        body = ComplaintIn.model_validate(
            complaint(channel=channel, complainant={"email": "siti@example.id"})
        )
        created, _ = await submit(
            pool, settings, policy, body, rules=load_rules(SHIPPED_RULES), idempotency_key=None
        )
        confirmed[channel] = await pool.fetchval(
            "SELECT contact_confirmed_at IS NOT NULL FROM complaints WHERE id = $1", created.id
        )
    assert confirmed == {"web": False, "api": False, "email": True, "phone": True}


async def test_uploads_that_would_pass_the_store_quota_are_refused_with_507(
    pg_dsn: str,
    nats_url: str,
    pool: asyncpg.Pool,
    js: JetStreamContext,
) -> None:
    settings = Settings(database_url=pg_dsn, nats_url=nats_url, stream_alarm_bytes=1)
    async with client_of(settings, somewhere()) as intake:
        store = intake._transport.app.state.attachments  # type: ignore[attr-defined]
        created = (await intake.post("/v1/complaints", json=complaint())).json()
        url = f"/v1/complaints/{created['tracking_code']}/attachments"
        headers = {"X-Access-Token": created["access_token"]}
        three = [("files", (f"{i}.png", PNG, "image/png")) for i in range(3)]
        assert (await intake.post(url, headers=headers, files=three)).status_code == 201
        used = await store.used_bytes()
        store.quota_bytes = used + len(PNG) // 2  # less room than one more file needs
        answer = await intake.post(
            url, headers=headers, files=[("files", ("meter.png", PNG, "image/png"))]
        )
        assert assert_problem(answer, 507)["reason"] == "store_full"
        assert await store.used_bytes() == used  # nothing was kept
        attached = await pool.fetchval(
            "SELECT attachments FROM complaints WHERE id = $1", uuid.UUID(created["id"])
        )
        assert len(attached) == 3
        await js.publish("aduan.test.alarm", b"{}")  # a subject no consumer reads
        await watch.refresh(store, pool, settings)
    assert REGISTRY.get_sample_value("aduan_attachment_store_alarm") == 1
    assert REGISTRY.get_sample_value("aduan_event_stream_alarm") == 1
    assert REGISTRY.get_sample_value("aduan_event_stream_bytes") > 0


async def test_mail_is_taken_without_its_files_when_the_store_is_full_and_refused_past_limit(
    pg_dsn: str,
    nats_url: str,
    pool: asyncpg.Pool,
) -> None:
    settings = Settings(database_url=pg_dsn, nats_url=nats_url, rate_contact="1/hour")
    store = AttachmentStore([nats_url], TEST_KEYRING, quota_bytes=0)  # no room at all
    inbound = Inbound(
        pool, settings, create_app(settings).state.policy, Lifecycles(settings), store
    )
    sender = Sender(email=f"warga-{uuid.uuid4().hex[:8]}@example.id")

    def mail(text: str) -> InboundMessage:
        return InboundMessage(
            channel=Channel.EMAIL,
            external_ref=f"<{uuid.uuid4()}@x>",
            sender=sender,
            text=text,
            uploads=(Upload("meter.png", PNG),),
        )

    try:
        taken = await inbound.deliver(mail("Meter air bocor sejak kemarin"))
        assert taken.result == Result.COMPLAINT
        data = await pool.fetchval(
            "SELECT channel_data FROM complaints WHERE tracking_code = $1", taken.tracking_code
        )
        assert data["attachments_skipped"] == [{"name": "meter.png", "reason": "store_full"}]
        refused = await inbound.deliver(mail("Dan tagihannya naik"))
        assert (refused.result, refused.reason) == (Result.REFUSED, "rate_limited")
        assert refused.detail and "coba lagi" in refused.detail and "try again" in refused.detail
    finally:
        await store.close()


async def test_an_open311_app_past_the_limit_reads_it_in_the_specifications_format(
    pg_dsn: str,
) -> None:
    settings = Settings(database_url=pg_dsn, rate_reads="1/minute")
    async with client_of(settings, somewhere()) as intake:
        assert (await intake.get("/open311/v2/requests.json")).status_code == 200
        refused = await intake.get("/open311/v2/requests.json")
        assert refused.status_code == 400 and 1 <= int(refused.headers["Retry-After"]) <= 60
        [error] = refused.json()
        assert error["code"] == 429 and "try again" in error["description"]
