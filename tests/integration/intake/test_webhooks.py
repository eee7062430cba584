"""SMS and WhatsApp webhooks against real PostgreSQL and, for replies, a real lifecycle."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from aduan.config import Settings
from aduan.lifecycle.models import AcknowledgeInput, RequestInfoInput
from aduan.lifecycle.workflow import ComplaintLifecycle
from devtools import servers
from services.intake.app import create_app
from tests.support.complaints import insert_complaint
from tests.support.http import asgi_client
from tests.support.lifecycle import Lifecycles

SMS_SECRET = "sms-gateway-shared-secret"
APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "verify-me-please"


@pytest_asyncio.fixture
async def intake(
    pg_dsn: str, time_skipping_env: WorkflowEnvironment, nats_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn,
        nats_url=nats_url,
        sms_webhook_secret=SMS_SECRET,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        temporal_address=time_skipping_env.client.service_client.config.target_host,
    )
    async with asgi_client(create_app(settings), "http://intake") as client:
        yield client


def _hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sms(
    sender: str = "+6281234567890",
    text: str = "Air mati sejak pagi di Jl. Melati.",
    sid: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A gateway callback: body and headers, signed."""
    body = urlencode(
        {
            "From": sender,
            "To": "+62215550100",
            "Body": text,
            "MessageSid": sid or f"SM{uuid.uuid4().hex}",
            "AccountSid": "AC123",
        }
    ).encode()
    return body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Aduan-Signature": _hmac(SMS_SECRET, body),
    }


def whatsapp(*messages: dict[str, Any], name: str = "Siti") -> tuple[bytes, dict[str, str]]:
    """A Cloud API notification carrying `messages`, signed as Meta signs it."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "62215550100", "phone_number_id": "1098765"},
        "contacts": [{"profile": {"name": name}, "wa_id": m["from"]} for m in messages],
        "messages": list(messages),
    }
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": "sha256=" + _hmac(APP_SECRET, body),
    }


def wa_text(text: str, sender: str = "6281311112222", *, age_s: int = 5) -> dict[str, Any]:
    """A text message sent `age_s` seconds ago."""
    return {
        "from": sender,
        "id": f"wamid.{uuid.uuid4().hex}",
        "timestamp": str(int(time.time()) - age_s),
        "type": "text",
        "text": {"body": text},
    }


async def complaints_with(pool: asyncpg.Pool, channel: str, ref: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        "SELECT * FROM complaints WHERE channel = $1 AND external_ref = $2", channel, ref
    )
    return rows


def outcome(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    [message] = answer.json()["messages"]
    result: dict[str, Any] = message
    return result


BAD_SIGNATURES = {
    "missing": None,
    "garbage": "nope",
    "other-secret": _hmac("someone-else", b"x"),
}


@pytest.mark.parametrize("signature", BAD_SIGNATURES.values(), ids=BAD_SIGNATURES)
async def test_without_a_valid_signature_both_webhooks_answer_401_and_store_nothing(
    intake: httpx.AsyncClient, pool: asyncpg.Pool, signature: str | None
) -> None:
    sid = f"SM{uuid.uuid4().hex}"
    body, headers = sms(sid=sid)
    headers.pop("X-Aduan-Signature")
    if signature:
        headers["X-Aduan-Signature"] = signature
    answer = await intake.post("/v1/webhooks/sms", content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert await complaints_with(pool, "sms", sid) == []

    message = wa_text("Air mati")
    body, headers = whatsapp(message)
    headers["X-Hub-Signature-256"] = f"sha256={signature}" if signature else ""
    answer = await intake.post("/v1/webhooks/whatsapp", content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    assert await complaints_with(pool, "whatsapp", message["id"]) == []


async def test_a_signature_over_other_bytes_is_refused(intake: httpx.AsyncClient) -> None:
    body, headers = sms(text="Air mati")
    tampered = body.replace(b"Air+mati", b"Air+ok")
    answer = await intake.post("/v1/webhooks/sms", content=tampered, headers=headers)
    assert answer.status_code == 401


async def test_an_sms_delivered_twice_is_one_complaint_with_the_phone(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    sid = f"SM{uuid.uuid4().hex}"
    body, headers = sms(sid=sid)
    first = outcome(await intake.post("/v1/webhooks/sms", content=body, headers=headers))
    again = outcome(await intake.post("/v1/webhooks/sms", content=body, headers=headers))
    assert first["outcome"] == again["outcome"] == "complaint"
    assert again["tracking_code"] == first["tracking_code"] and again["replayed"]

    [row] = await complaints_with(pool, "sms", sid)
    assert row["tracking_code"] == first["tracking_code"]
    assert row["complainant"]["phone"] == "+6281234567890"
    assert row["description"] == "Air mati sejak pagi di Jl. Melati."
    assert row["channel_data"] == {"to": "+62215550100"}


async def test_a_whatsapp_message_delivered_twice_is_one_complaint(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    message = wa_text("My electricity has been out since this morning and the meter is dark.")
    body, headers = whatsapp(message, name="John")
    first = outcome(await intake.post("/v1/webhooks/whatsapp", content=body, headers=headers))
    again = outcome(await intake.post("/v1/webhooks/whatsapp", content=body, headers=headers))
    assert first["outcome"] == "complaint" and again["replayed"]

    [row] = await complaints_with(pool, "whatsapp", message["id"])
    assert row["complainant"] == {
        "name": "John",
        "email": None,
        "phone": "+6281311112222",
        "anonymous": False,
        "confidential": False,
    }
    assert row["language"] == "en"
    assert row["channel_data"] == {"to": "1098765"}


async def test_delivery_statuses_and_captionless_media_create_nothing(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    photo: dict[str, Any] = {
        "from": "6281311112222",
        "id": f"wamid.{uuid.uuid4().hex}",
        "type": "image",
        "image": {"id": "media-1", "mime_type": "image/jpeg"},
    }
    body, headers = whatsapp(photo)
    answer = await intake.post("/v1/webhooks/whatsapp", content=body, headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"messages": [], "skipped": 1}
    assert await complaints_with(pool, "whatsapp", photo["id"]) == []


async def test_an_unreadable_whatsapp_body_is_a_problem_not_a_500(
    intake: httpx.AsyncClient,
) -> None:
    for raw, status in ((b"{not json", 400), (b'{"entry": [{"changes": [{}]}]}', 422)):
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": "sha256=" + _hmac(APP_SECRET, raw),
        }
        answer = await intake.post("/v1/webhooks/whatsapp", content=raw, headers=headers)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"


async def test_an_sms_missing_its_message_id_is_422(intake: httpx.AsyncClient) -> None:
    body = urlencode({"From": "+6281234567890", "Body": "Air mati"}).encode()
    answer = await intake.post(
        "/v1/webhooks/sms", content=body, headers={"X-Aduan-Signature": _hmac(SMS_SECRET, body)}
    )
    assert answer.status_code == 422
    assert "MessageSid" in answer.json()["detail"]


async def test_an_sms_with_the_tracking_code_is_a_reply_from_the_complainant_only(
    intake: httpx.AsyncClient, pool: asyncpg.Pool, lifecycles: Lifecycles
) -> None:
    complaint = await lifecycles.start(channel="web", complainant={"phone": "0812-7777-0001"})
    await complaint.handle.execute_update(
        ComplaintLifecycle.acknowledge, AcknowledgeInput(actor="budi")
    )
    await complaint.handle.execute_update(
        ComplaintLifecycle.request_info, RequestInfoInput(actor="budi", message="Nomor meter?")
    )
    code = await pool.fetchval("SELECT tracking_code FROM complaints WHERE id = $1", complaint.id)

    body, headers = sms(sender="+6281299990000", text=f"{code} batalkan saja")
    stranger = outcome(await intake.post("/v1/webhooks/sms", content=body, headers=headers))
    assert stranger["outcome"] == "refused" and stranger["reason"] == "not_complainant"
    assert (await complaint.state()).status == "waiting_complainant"
    # An unknown code meets the very same refusal: trying codes tells nobody which exist.
    body, headers = sms(sender="+6281299990000", text="ADU-0000-0000 batalkan saja")
    unknown = outcome(await intake.post("/v1/webhooks/sms", content=body, headers=headers))
    assert (unknown["outcome"], unknown["reason"], unknown["detail"]) == (
        "refused",
        "not_complainant",
        stranger["detail"].replace(code, "ADU-0000-0000"),
    )

    sid = f"SM{uuid.uuid4().hex}"
    body, headers = sms(sender="+6281277770001", text=f"{code.lower()} Nomor meter 778899", sid=sid)
    reply = outcome(await intake.post("/v1/webhooks/sms", content=body, headers=headers))
    assert reply == {
        "message_id": sid,
        "outcome": "reply",
        "tracking_code": code,
        "replayed": False,
        "reason": None,
        "detail": None,
    }
    assert (await complaint.state()).status == "in_progress"
    again = outcome(await intake.post("/v1/webhooks/sms", content=body, headers=headers))
    assert again["outcome"] == "reply"  # the provider's retry is the same Update

    replies = await complaint.events("replied")
    assert [r["data"]["message"] for r in replies] == ["Nomor meter 778899"]
    assert await complaints_with(pool, "sms", sid) == []


async def test_a_whatsapp_reply_to_a_complaint_not_waiting_is_refused(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    complaint_id = await insert_complaint(
        pool, channel="whatsapp", complainant={"phone": "+6281355556666"}
    )
    code = await pool.fetchval("SELECT tracking_code FROM complaints WHERE id = $1", complaint_id)
    body, headers = whatsapp(wa_text(f"Kapan diperbaiki? {code}", sender="6281355556666"))
    refused = outcome(await intake.post("/v1/webhooks/whatsapp", content=body, headers=headers))
    assert refused["outcome"] == "refused" and refused["reason"] == "not_waiting"
    assert f"Complaint {code} is not waiting for your reply" in refused["detail"]


async def test_the_whatsapp_subscription_handshake(intake: httpx.AsyncClient) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    answer = await intake.get("/v1/webhooks/whatsapp", params=query)
    assert answer.status_code == 200 and answer.text == "1158201444"

    wrong = await intake.get("/v1/webhooks/whatsapp", params={**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403
    assert wrong.headers["content-type"] == "application/problem+json"


async def test_unconfigured_secrets_close_the_channels(pg_dsn: str) -> None:
    async with asgi_client(create_app(Settings(database_url=pg_dsn)), "http://intake") as client:
        body = urlencode({"From": "+62812", "Body": "x", "MessageSid": "SM1"}).encode()
        answer = await client.post(
            "/v1/webhooks/sms", content=body, headers={"X-Aduan-Signature": _hmac("", body)}
        )
        assert answer.status_code == 401
        handshake = await client.get(
            "/v1/webhooks/whatsapp",
            params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
        )
        assert handshake.status_code == 403


async def test_while_postgresql_is_down_the_provider_is_told_to_retry() -> None:
    closed = f"postgresql://postgres@127.0.0.1:{servers.free_port()}/aduan"
    settings = Settings(database_url=closed, sms_webhook_secret=SMS_SECRET)
    async with asgi_client(create_app(settings), "http://intake") as client:
        body, headers = sms()
        answer = await client.post("/v1/webhooks/sms", content=body, headers=headers)
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"]


async def test_a_whatsapp_message_older_than_the_window_is_refused_as_stale(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    window = Settings().webhook_replay_window_s
    old = wa_text("Air mati sejak minggu lalu.", age_s=window + 60)
    recent = wa_text("Air mati sejak kemarin.", age_s=window - 60)
    body, headers = whatsapp(old, recent)
    answer = await intake.post("/v1/webhooks/whatsapp", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    stale, taken = answer.json()["messages"]
    assert (stale["outcome"], stale["reason"]) == ("refused", "stale")
    assert "tidak diterima lagi" in stale["detail"] and "no longer taken" in stale["detail"]
    assert await complaints_with(pool, "whatsapp", old["id"]) == []
    assert taken["outcome"] == "complaint"
    assert len(await complaints_with(pool, "whatsapp", recent["id"])) == 1


async def test_a_replayed_reply_is_answered_as_before_and_reaches_nothing(
    intake: httpx.AsyncClient,
    pool: asyncpg.Pool,
    lifecycles: Lifecycles,
    pg_dsn: str,
    nats_url: str,
) -> None:
    complaint = await lifecycles.start(channel="whatsapp", complainant={"phone": "+6281366667777"})
    await complaint.handle.execute_update(
        ComplaintLifecycle.acknowledge, AcknowledgeInput(actor="budi")
    )
    await complaint.handle.execute_update(
        ComplaintLifecycle.request_info, RequestInfoInput(actor="budi", message="Nomor meter?")
    )
    code = await pool.fetchval("SELECT tracking_code FROM complaints WHERE id = $1", complaint.id)
    message = wa_text(f"{code} Nomor meter 445566", sender="6281366667777")
    body, headers = whatsapp(message)
    first = outcome(await intake.post("/v1/webhooks/whatsapp", content=body, headers=headers))
    assert (first["outcome"], first["replayed"]) == ("reply", False)

    # An intake whose Temporal is away answers the replay all the same: it reaches nothing.
    away = Settings(
        database_url=pg_dsn,
        nats_url=nats_url,
        whatsapp_app_secret=APP_SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
    )
    async with asgi_client(create_app(away), "http://intake") as client:
        again = outcome(await client.post("/v1/webhooks/whatsapp", content=body, headers=headers))
    assert again == {**first, "replayed": True}
    assert [r["data"]["message"] for r in await complaint.events("replied")] == [
        "Nomor meter 445566"
    ]
    seen = await pool.fetchval(
        "SELECT count(*) FROM inbound_seen WHERE channel = 'whatsapp' AND message_id = $1",
        message["id"],
    )
    assert seen == 1


async def test_message_ids_past_the_window_are_forgotten(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    window = Settings().webhook_replay_window_s
    forgotten, expired = f"SM{uuid.uuid4().hex}", f"SM{uuid.uuid4().hex}"
    await pool.executemany(
        "INSERT INTO inbound_seen (channel, message_id, seen_at)"
        " VALUES ('sms', $1, now() - make_interval(secs => $2))",
        [(forgotten, window + 3600), (expired, window + 60)],
    )
    body, headers = sms(sid=forgotten)
    first = outcome(await intake.post("/v1/webhooks/sms", content=body, headers=headers))
    assert (first["outcome"], first["replayed"]) == ("complaint", False)  # not a replay now

    rows = await pool.fetch(
        "SELECT message_id, seen_at > now() - interval '1 minute' AS fresh"
        " FROM inbound_seen WHERE message_id = ANY($1)",
        [forgotten, expired],
    )
    assert [(r["message_id"], r["fresh"]) for r in rows] == [(forgotten, True)]
