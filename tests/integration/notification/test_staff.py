"""Officers and supervisors: assignments and reminders in their mailboxes; notes go nowhere."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from aduan.config import Settings
from aduan.domain.events import Event
from services.notification.consumer import Notifier
from services.notification.mailer import Mailer
from tests.support.complaints import tracking_code
from tests.support.notification import (
    SUPERVISOR,
    Providers,
    SmtpSink,
    insert_complaint,
    routed,
    step,
    unit_mailbox,
    with_channels,
)

DEWI: dict[str, Any] = {
    "name": "Dewi Lestari",
    "email": "dewi.lestari@example.id",
    "phone": "+62813555777",
    "confidential": True,
}
SECRET_TEXT = "Petugas meter meminta uang kepada Dewi"


def assert_anonymous_to_staff(text: str) -> None:
    for secret in ("Dewi", DEWI["email"], DEWI["phone"], SECRET_TEXT):
        assert secret not in text


async def reminder(
    pool: asyncpg.Pool,
    complaint_id: uuid.UUID,
    name: str,
    *,
    at: datetime,
    deadline: str,
    fraction: float,
    due: datetime,
    supervisor: bool,
) -> Event:
    return await step(
        pool,
        complaint_id,
        name,
        "reminder",
        at=at,
        status="in_progress",
        public=False,
        data={
            "deadline": deadline,
            "fraction": fraction,
            "due_at": due.isoformat(),
            "supervisor": supervisor,
        },
    )


async def test_reminders_reach_the_unit_mailbox_and_at_80_percent_the_supervisor(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    received = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    complaint_id = await insert_complaint(
        pool, complainant=DEWI, received_at=received, description=SECRET_TEXT
    )
    code = await tracking_code(pool, complaint_id)
    await routed(pool, complaint_id, received)
    due = received + timedelta(days=14)
    half = await reminder(
        pool,
        complaint_id,
        "r50",
        at=received + timedelta(days=7),
        deadline="resolution",
        fraction=0.5,
        due=due,
        supervisor=False,
    )
    most = await reminder(
        pool,
        complaint_id,
        "r80",
        at=received + timedelta(days=11),
        deadline="resolution",
        fraction=0.8,
        due=due,
        supervisor=True,
    )

    for event in (half, most, half):  # the first one redelivered: not sent again
        await notifier.handle(event)

    officers = smtp_sink.about(code, to=unit_mailbox("penagihan"))
    assert [m.subject for m in officers] == [
        f"[{code}] Pengingat: 50% waktu penyelesaian telah berjalan, unit penagihan",
        f"[{code}] Pengingat: 80% waktu penyelesaian telah berjalan, unit penagihan",
    ]
    assert "jatuh tempo 2026-03-16 09:00 WIB" in officers[0].body
    [boss] = smtp_sink.about(code, to=SUPERVISOR)
    assert boss.subject == (
        f"[{code}] Pengingat atasan: batas waktu penyelesaian segera tiba, unit penagihan"
    )
    assert "80%" in boss.body
    assert smtp_sink.about(code, to=DEWI["email"]) == []
    for mail in [*officers, boss]:
        assert_anonymous_to_staff(mail.message.as_string())


async def test_officers_learn_of_an_assignment_and_the_complainant_only_of_the_new_unit(
    notifier: Notifier, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    received = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    complaint_id = await insert_complaint(
        pool, complainant=DEWI, received_at=received, description=SECRET_TEXT
    )
    code = await tracking_code(pool, complaint_id)
    await notifier.handle(await routed(pool, complaint_id, received))
    await notifier.handle(
        await step(
            pool,
            complaint_id,
            "reassigned",
            "reassigned",
            status="routed",
            at=received + timedelta(hours=3),
            unit="pelayanan-teknis",
            officer="petugas-meter-02",
            data={"unit": "pelayanan-teknis"},
        )
    )

    [first] = smtp_sink.about(code, to=unit_mailbox("penagihan"))
    assert first.subject == f"[{code}] Pengaduan baru untuk unit penagihan"
    assert "Batas waktu tanggapan pertama: 2026-03-05 09:00 WIB" in first.body
    assert "Batas waktu penyelesaian: 2026-03-16 09:00 WIB" in first.body
    assert f"/complaints/{complaint_id}" in first.body and "/v1/staff" not in first.body
    [second] = smtp_sink.about(code, to=unit_mailbox("pelayanan-teknis"))
    assert second.subject == f"[{code}] Pengaduan dialihkan ke unit pelayanan-teknis"
    assert "petugas-meter-02" in second.body
    for mail in (first, second):
        assert_anonymous_to_staff(mail.message.as_string())
    told = smtp_sink.about(code, to=DEWI["email"])
    assert [m.subject for m in told] == [
        f"[{code}] Pengaduan Anda diteruskan ke unit kerja",
        f"[{code}] Pengaduan Anda dialihkan ke unit kerja lain",
    ]
    assert "unit kerja pelayanan-teknis" in told[1].body
    assert "petugas-meter-02" not in told[1].message.as_string()


async def test_a_supervisor_address_may_name_the_unit(
    settings: Settings, pool: asyncpg.Pool, http: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    per_unit = settings.model_copy(update={"supervisor_email": "atasan.{unit}@example.id"})
    notifier = Notifier(per_unit, pool, Mailer.from_settings(per_unit), http)
    received = datetime.now(UTC) - timedelta(days=12)
    complaint_id = await insert_complaint(pool, complainant=DEWI, received_at=received)
    await routed(pool, complaint_id, received)
    due = received + timedelta(days=14)

    await notifier.handle(
        await reminder(
            pool,
            complaint_id,
            "r80",
            at=received,
            due=due,
            deadline="resolution",
            fraction=0.8,
            supervisor=True,
        )
    )

    code = await tracking_code(pool, complaint_id)
    assert len(smtp_sink.about(code, to="atasan.penagihan@example.id")) == 1


@pytest.mark.parametrize("public", [False, True])
async def test_a_note_is_never_sent_to_anyone(
    public: bool,
    settings: Settings,
    providers: Providers,
    pool: asyncpg.Pool,
    http: httpx.AsyncClient,
    smtp_sink: SmtpSink,
) -> None:
    everything = with_channels(settings, providers)
    notifier = Notifier(everything, pool, Mailer.from_settings(everything), http)
    received = datetime.now(UTC) - timedelta(days=1)
    complaint_id = await insert_complaint(
        pool,
        channel="sms",
        received_at=received,
        complainant={"phone": DEWI["phone"], "email": DEWI["email"]},
    )
    await routed(pool, complaint_id, received)
    note = await step(
        pool,
        complaint_id,
        "note",
        "note",
        at=received + timedelta(hours=2),
        status="routed",
        public=public,
        data={"text": "Pelapor sering mengadu; cek meter dulu"},
    )

    await notifier.handle(note)

    code = await tracking_code(pool, complaint_id)
    assert smtp_sink.about(code) == []
    for stub in (providers.sms, providers.whatsapp, providers.hook_a, providers.hook_b):
        assert not [
            c for c in stub.calls if b"cek meter" in c.body or str(note.id).encode() in c.body
        ]
    assert await pool.fetchval("SELECT count(*) FROM deliveries WHERE event_id = $1", note.id) == 0
