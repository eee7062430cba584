"""Each new step told to the complainant in Bahasa Indonesia and in English, by mail and text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from aduan.config import Settings
from aduan.domain.events import Event
from aduan.store.complaints import contact_token
from services.notification.consumer import Notifier
from services.notification.messages import COMPLAINANT_EVENTS, complainant_text
from tests.support.notification import (
    Delivered,
    SmtpSink,
    insert_complaint,
    outbox_event,
    routed,
    step,
)

RECEIVED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 WIB
LATER = RECEIVED + timedelta(days=2)


async def complaint(pool: asyncpg.Pool, language: str) -> tuple[uuid.UUID, str, str]:
    email = f"{uuid.uuid4().hex[:10]}@example.id"
    complaint_id = await insert_complaint(
        pool, language=language, received_at=RECEIVED, complainant={"name": "Rina", "email": email}
    )
    await routed(pool, complaint_id, RECEIVED)
    code: str = await pool.fetchval(
        "SELECT tracking_code FROM complaints WHERE id = $1", complaint_id
    )
    return complaint_id, code, email


async def told(
    notifier: Notifier, smtp_sink: SmtpSink, event: Event, code: str, email: str
) -> Delivered:
    await notifier.handle(event)
    return smtp_sink.about(code, to=email)[-1]


async def one_step(
    pool: asyncpg.Pool,
    complaint_id: uuid.UUID,
    event_type: str,
    *,
    status: str = "in_progress",
    **fields: Any,
) -> Event:
    return await step(
        pool,
        complaint_id,
        f"{event_type}-{uuid.uuid4().hex[:6]}",
        event_type,
        at=LATER,
        status=status,
        **fields,
    )


@pytest.mark.parametrize(
    ("language", "says"),
    [
        (
            "id",
            [
                "Yth. Bapak/Ibu,",
                "konfirmasikan alamat ini dengan membuka tautan berikut:",
                "Kabar selanjutnya tentang pengaduan ini baru kami kirimkan ke alamat ini setelah"
                " Anda membuka tautan tersebut.",
                "Bila Anda tidak pernah mengirim pengaduan, abaikan e-mail ini.",
            ],
        ),
        (
            "en",
            [
                "Dear Sir or Madam,",
                "confirm the address by opening this link:",
                "We send further news about this complaint to this address only after you have"
                " opened the link.",
                "If you did not send a complaint, you can ignore this e-mail.",
            ],
        ),
    ],
)
async def test_a_receipt_to_an_unconfirmed_address_asks_to_confirm_it_and_names_nobody(
    language: str,
    says: list[str],
    notifier: Notifier,
    pool: asyncpg.Pool,
    smtp_sink: SmtpSink,
    settings: Settings,
) -> None:
    email = f"{uuid.uuid4().hex[:10]}@example.id"
    complaint_id = await insert_complaint(
        pool,
        confirmed=False,
        channel="web",
        language=language,
        received_at=RECEIVED,
        complainant={"name": "Rina", "email": email},
    )
    code: str = await pool.fetchval(
        "SELECT tracking_code FROM complaints WHERE id = $1", complaint_id
    )

    mail = await told(
        notifier, smtp_sink, await outbox_event(pool, complaint_id, "received"), code, email
    )

    text = " ".join(mail.body.split())
    for words in says:
        assert words in text
    token = contact_token(settings.secret_key, complaint_id, email)
    assert f"https://pengaduan.example/contact/confirm/{code}/{token}" in mail.body
    assert "Rina" not in mail.message.as_string()
    assert "setiap tahap" not in text and "every step" not in text  # not promised any more


@pytest.mark.parametrize(
    ("language", "subject", "says"),
    [
        (
            "id",
            "Kami memerlukan informasi tambahan atas pengaduan Anda",
            ["Cara menjawab", "dianggap dicabut"],
        ),
        (
            "en",
            "We need more information about your complaint",
            ["How to answer", "deemed withdrawn"],
        ),
    ],
)
async def test_a_request_for_information_quotes_the_question_and_how_to_answer(
    language: str,
    subject: str,
    says: list[str],
    notifier: Notifier,
    pool: asyncpg.Pool,
    smtp_sink: SmtpSink,
) -> None:
    complaint_id, code, email = await complaint(pool, language)
    question = "Mohon kirim foto meter dan nomor pelanggan Anda."
    event = await one_step(
        pool,
        complaint_id,
        "info_requested",
        status="waiting_complainant",
        data={"message": question},
    )

    mail = await told(notifier, smtp_sink, event, code, email)

    assert mail.subject == f"[{code}] {subject}"
    assert question in mail.body
    assert f"POST https://pengaduan.example/v1/complaints/{code}/replies" in mail.body
    assert "X-Access-Token" in mail.body
    for words in says:
        assert words in mail.body


@pytest.mark.parametrize(
    ("language", "subject", "says"),
    [
        (
            "id",
            "Batas waktu penyelesaian pengaduan Anda diperpanjang",
            [
                "diperpanjang\n3 hari kerja",
                "Batas waktu yang baru: 2026-03-19 00:00 WIB",
                "Alasan perpanjangan: Menunggu suku cadang meter",
            ],
        ),
        (
            "en",
            "The resolution deadline of your complaint was extended",
            [
                "extended by\n3 working days",
                "The new deadline: 2026-03-19 00:00 WIB",
                "Reason for the extension: Menunggu suku cadang meter",
            ],
        ),
    ],
)
async def test_an_extension_gives_the_new_deadline_and_the_reason(
    language: str,
    subject: str,
    says: list[str],
    notifier: Notifier,
    pool: asyncpg.Pool,
    smtp_sink: SmtpSink,
) -> None:
    complaint_id, code, email = await complaint(pool, language)
    due = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)  # midnight in Jakarta
    event = await one_step(
        pool,
        complaint_id,
        "extended",
        data={"by": "3wd", "reason": "Menunggu suku cadang meter", "due_at": due.isoformat()},
    )

    mail = await told(notifier, smtp_sink, event, code, email)

    assert mail.subject == f"[{code}] {subject}"
    body = mail.body.replace("\r\n", "\n")
    for words in says:
        assert words in body


@pytest.mark.parametrize(
    ("language", "data", "subject", "says"),
    [
        (
            "id",
            {"message": "Meter belum diganti", "reopened": 1},
            "Sanggahan Anda diterima: pengaduan ditangani kembali",
            "menanganinya lagi",
        ),
        (
            "en",
            {"message": "Meter belum diganti", "reopened": 1},
            "Your dispute was received: we are handling your complaint again",
            "handling it again",
        ),
        (
            "id",
            {"message": "Masih salah", "appeal": True},
            "Sanggahan Anda diterima: pengaduan diajukan ke Ombudsman sebagai banding",
            "kepada Ombudsman Republik Indonesia sebagai banding",
        ),
        (
            "en",
            {"message": "Still wrong", "appeal": True},
            "Your dispute was received: your complaint goes to the Ombudsman as an appeal",
            "as an appeal",
        ),
    ],
)
async def test_a_dispute_says_whether_it_reopened_or_went_to_the_ombudsman(
    language: str,
    data: dict[str, Any],
    subject: str,
    says: str,
    notifier: Notifier,
    pool: asyncpg.Pool,
    smtp_sink: SmtpSink,
) -> None:
    complaint_id, code, email = await complaint(pool, language)
    event = await one_step(pool, complaint_id, "disputed", data=data)

    mail = await told(notifier, smtp_sink, event, code, email)

    assert mail.subject == f"[{code}] {subject}"
    assert says in mail.body.replace("\r\n", "\n").replace("\n", " ")


CLOSINGS = [
    ("id", {"outcome": "resolved"}, ["Hasil: selesai"], ["Alasan"]),
    ("en", {"outcome": "resolved"}, ["Outcome: resolved"], ["Reason"]),
    ("id", {"outcome": "auto_closed"}, ["ditutup otomatis"], []),
    ("en", {"outcome": "auto_closed"}, ["closed automatically"], []),
    (
        "id",
        {"outcome": "withdrawn", "reason": "information not received in time"},
        ["dianggap dicabut"],
        ["information not received"],
    ),
    (
        "en",
        {"outcome": "withdrawn", "reason": "information not received in time"},
        ["deemed withdrawn"],
        ["information not received"],
    ),
    (
        "id",
        {"outcome": "rejected", "reason": "Bukan layanan PDAM"},
        ["ditolak", "Alasan: Bukan layanan PDAM"],
        [],
    ),
    (
        "en",
        {"outcome": "rejected", "reason": "Bukan layanan PDAM"},
        ["rejected", "Reason: Bukan layanan PDAM"],
        [],
    ),
    (
        "id",
        {"outcome": "transferred", "provider": "PLN UP3 Bogor", "reason": "Soal listrik"},
        [
            "dilimpahkan",
            "Penyelenggara yang kini menanganinya: PLN UP3 Bogor",
            "Alasan: Soal listrik",
        ],
        [],
    ),
    (
        "en",
        {"outcome": "transferred", "provider": "PLN UP3 Bogor", "reason": "Soal listrik"},
        ["transferred", "The provider now handling it: PLN UP3 Bogor", "Reason: Soal listrik"],
        [],
    ),
]


@pytest.mark.parametrize(("language", "data", "says", "never"), CLOSINGS)
async def test_every_closing_outcome_is_explained(
    language: str,
    data: dict[str, Any],
    says: list[str],
    never: list[str],
    notifier: Notifier,
    pool: asyncpg.Pool,
    smtp_sink: SmtpSink,
) -> None:
    complaint_id, code, email = await complaint(pool, language)
    event = await one_step(
        pool, complaint_id, "closed", status="closed", outcome=data["outcome"], data=data
    )

    mail = await told(notifier, smtp_sink, event, code, email)

    closed = "Pengaduan Anda ditutup" if language == "id" else "Your complaint was closed"
    assert mail.subject == f"[{code}] {closed}"
    for words in says:
        assert words in mail.body
    for words in never:
        assert words not in mail.body


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("id", "sebagai banding"),
        ("en", "as an appeal"),
    ],
)
async def test_an_appeal_sent_to_the_ombudsman_is_told_as_an_appeal(
    language: str,
    says: str,
    notifier: Notifier,
    pool: asyncpg.Pool,
    smtp_sink: SmtpSink,
) -> None:
    complaint_id, code, email = await complaint(pool, language)
    event = await one_step(
        pool,
        complaint_id,
        "escalated",
        status="responded",
        level="ombudsman",
        data={"level": "ombudsman", "appeal": True},
    )

    mail = await told(notifier, smtp_sink, event, code, email)

    assert "Ombudsman" in mail.subject
    assert says in mail.body.replace("\r\n", " ").replace("\n", " ")
    assert "None" not in mail.body  # no deadline was missed: none is named


def sample(event_type: str) -> dict[str, Any]:
    """Event data as the lifecycle records it for each type the complainant hears of."""
    samples: dict[str, dict[str, Any]] = {
        "info_requested": {"message": "Nomor pelanggan?"},
        "responded": {"message": "Sudah diperbaiki."},
        "extended": {"by": "2wd", "reason": "Suku cadang", "due_at": LATER.isoformat()},
        "reassigned": {"unit": "distribusi"},
        "disputed": {"message": "Belum", "reopened": 1},
        "deadline_missed": {"deadline": "first_response"},
        "escalated": {"level": "supervisor", "deadline": "first_response"},
        "closed": {"outcome": "transferred", "provider": "PLN", "reason": "Listrik"},
        "incident_linked": {"incident_id": str(uuid.UUID(int=7)), "title": "Air mati"},
        "incident_answered": {"message": "Pipa sudah diperbaiki."},
        "field_check_scheduled": {"date": "2026-12-07", "inspector": "joko", "scope": "Meter"},
    }
    return samples.get(event_type, {})


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("event_type", sorted(COMPLAINANT_EVENTS))
def test_every_step_has_a_short_text_in_both_languages(
    event_type: str, language: str, settings: Settings
) -> None:
    complaint_row = {
        "id": uuid.uuid4(),
        "tracking_code": "ADU-7KX2-M9QP",
        "language": language,
        "complainant": {"phone": "0812"},
        "unit": "penagihan",
    }
    event = Event(
        id=uuid.uuid4(),
        type=event_type,
        complaint_id=complaint_row["id"],
        occurred_at=LATER,
        data=sample(event_type),
    )

    # The words come from the timeline row the event announces; the event holds none.
    text = complainant_text(settings, complaint_row, event, sample(event_type))

    assert "ADU-7KX2-M9QP" in text
    assert len(text) <= 320  # two SMS segments at most, before the officer's own words
    for value in sample(event_type).values():
        if isinstance(value, str) and event_type in (
            "info_requested",
            "responded",
            "incident_answered",
        ):
            assert value in text  # the question or the answer itself is the point
    assert "{" not in text and "None" not in text
    if event_type == "field_check_scheduled":  # the day of the visit, in words
        assert ("Senin, 07 Desember 2026" if language == "id" else "December 7, 2026") in text
        assert "joko" not in text, "who inspects is the staff's to know"
