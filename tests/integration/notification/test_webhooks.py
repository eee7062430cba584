"""Signed webhooks to integrators: every public event, verifiable, without personal data."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from aduan.adapters.bus import RetryLater
from aduan.config import Settings
from services.notification.consumer import Notifier
from services.notification.mailer import Mailer
from tests.support.notification import (
    SITI,
    WEBHOOK_SECRET,
    Call,
    Providers,
    ProviderStub,
    insert_complaint,
    outbox_event,
    routed,
    step,
    with_channels,
)


@pytest.fixture
def hooked(settings: Settings, providers: Providers) -> Settings:
    return with_channels(settings, providers)


@pytest.fixture
def notifier(hooked: Settings, pool: asyncpg.Pool, http: httpx.AsyncClient) -> Notifier:
    return Notifier(hooked, pool, Mailer.from_settings(hooked), http)


def verified(call: Call) -> bool:
    """What an integrator does with the secret we share: recompute and compare."""
    expected = hmac.new(WEBHOOK_SECRET.encode(), call.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(call.headers["X-Aduan-Signature"], f"sha256={expected}")


def received_by(stub: ProviderStub, complaint_id: object) -> list[Call]:
    return [
        c for c in stub.calls if c.status == 200 and c.json()["complaint_id"] == str(complaint_id)
    ]


async def test_integrators_get_each_public_event_signed_and_without_personal_data(
    notifier: Notifier, pool: asyncpg.Pool, providers: Providers
) -> None:
    received = datetime.now(UTC) - timedelta(days=2)
    complaint_id = await insert_complaint(
        pool, complainant=SITI, received_at=received, account_ref="PEL-0042"
    )
    later = received + timedelta(days=1)
    events = [
        await outbox_event(pool, complaint_id, "received"),
        await routed(pool, complaint_id, received),
        await step(
            pool,
            complaint_id,
            "note",
            "note",
            at=later,
            status="routed",
            public=False,
            data={"text": "Pelapor kenalan kepala unit"},
        ),
        await step(
            pool,
            complaint_id,
            "reminder",
            "reminder",
            at=later,
            status="routed",
            public=False,
            data={
                "deadline": "first_response",
                "fraction": 0.5,
                "due_at": later.isoformat(),
                "supervisor": False,
            },
        ),
        await step(
            pool,
            complaint_id,
            "responded",
            "responded",
            at=later,
            status="responded",
            data={"message": "Meter Anda untuk Siti Rahayu sudah diganti."},
        ),
    ]
    for event in events:
        await notifier.handle(event)

    for stub in (providers.hook_a, providers.hook_b):
        calls = received_by(stub, complaint_id)
        assert [c.headers["X-Aduan-Event"] for c in calls] == ["received", "routed", "responded"]
        assert all(verified(call) for call in calls)
        public = [str(e.id) for e in events if e.data.get("public", True)]
        assert [c.json()["id"] for c in calls] == public
        assert calls[1].json()["data"]["unit"] == "penagihan"
        for call in calls:
            text = call.body.decode()
            for secret in (
                "Siti",
                SITI["email"],
                SITI["phone"],
                "PEL-0042",
                "Meter Anda",
                "Tagihan air",
            ):
                assert secret not in text


async def test_a_tampered_body_does_not_verify(
    notifier: Notifier, pool: asyncpg.Pool, providers: Providers
) -> None:
    complaint_id = await insert_complaint(pool, complainant=SITI)
    await notifier.handle(await routed(pool, complaint_id, datetime.now(UTC)))

    [call] = received_by(providers.hook_a, complaint_id)
    forged = json.loads(call.body)
    forged["data"]["unit"] = "inspektorat"
    tampered = Call(call.path, call.headers, json.dumps(forged).encode(), call.status)
    assert verified(call) and not verified(tampered)


async def test_a_failing_integrator_is_retried_without_resending_to_anyone_else(
    notifier: Notifier, pool: asyncpg.Pool, providers: Providers
) -> None:
    complaint_id = await insert_complaint(pool, complainant=SITI)
    event = await routed(pool, complaint_id, datetime.now(UTC))
    providers.hook_a.fail_next = 2

    for _ in range(2):
        with pytest.raises(RetryLater):
            await notifier.handle(event)
    await notifier.handle(event)

    attempts = [c.status for c in providers.hook_a.calls if c.key == str(event.id)]
    assert attempts == [500, 500, 200]
    assert len(received_by(providers.hook_b, complaint_id)) == 1
    rows = await pool.fetch(
        "SELECT recipient_role, channel, attempts FROM deliveries WHERE event_id = $1", event.id
    )
    assert sorted(
        (r["recipient_role"], r["channel"], r["attempts"])
        for r in rows
        if r["channel"] != "webhook"
    ) == [("complainant", "email", 1), ("officer", "email", 1)]
    assert sorted(r["attempts"] for r in rows if r["channel"] == "webhook") == [1, 3]
