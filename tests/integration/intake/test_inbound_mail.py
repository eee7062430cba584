"""The inbound mail receiver: real SMTP sessions, real PostgreSQL, a real lifecycle for replies.

The receiver runs in the test's event loop on a free port; replies reach ComplaintLifecycle
on Temporal's time-skipping server, run by the worker of the `lifecycles` fixture
(tests/integration/conftest.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import asyncpg
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from aduan.adapters.attachments import AttachmentStore
from aduan.config import PACKAGE_DIR, Settings
from aduan.domain.policy import load_policy
from aduan.lifecycle.client import Lifecycles
from aduan.lifecycle.models import AcknowledgeInput, RequestInfoInput
from aduan.lifecycle.workflow import ComplaintLifecycle
from aduan.store import db
from devtools import servers
from services.intake.inbound import Inbound
from services.intake.mail import receiver as mail
from tests.support import lifecycle as on_test_server
from tests.support.complaints import insert_complaint
from tests.support.payload_keys import TEST_KEYRING
from tests.support.samples import EXE, png

POLICY = load_policy(PACKAGE_DIR / "default_policy.yaml")
INBOX = "pengaduan@pdam.example.go.id"


async def _receiver(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[int]:
    store = AttachmentStore.from_settings(settings)
    inbound = Inbound(pool, settings, POLICY, Lifecycles(settings), store)
    server = await mail.start(inbound, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    await store.close()


@pytest_asyncio.fixture
async def smtp_port(
    pg_dsn: str, pool: asyncpg.Pool, time_skipping_env: WorkflowEnvironment, nats_url: str
) -> AsyncIterator[int]:
    target = time_skipping_env.client.service_client.config.target_host
    settings = Settings(database_url=pg_dsn, temporal_address=target, nats_url=nats_url)
    async for port in _receiver(pool, settings):
        yield port


def compose(
    sender: str = "Siti Aminah <siti@example.id>",
    subject: str = "Tagihan naik",
    text: str | None = "Tagihan air saya naik dua kali lipat bulan ini.",
    html: str | None = None,
    to: str = INBOX,
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{uuid.uuid4()}@mail.example.id>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message


async def send(port: int, message: EmailMessage, *, mail_from: str | None = None) -> str:
    """Deliver over SMTP; the server's answer to DATA (or the refusal raised)."""
    _, answer = await aiosmtplib.send(
        message, hostname="127.0.0.1", port=port, sender=mail_from, timeout=30
    )
    return answer


async def refusal(
    port: int, message: EmailMessage, mail_from: str | None = None
) -> aiosmtplib.SMTPResponseException:
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await send(port, message, mail_from=mail_from)
    return refused.value


async def stored(pool: asyncpg.Pool, message: EmailMessage) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT * FROM complaints WHERE channel = 'email' AND external_ref = $1",
        message["Message-ID"],
    )
    return [dict(row) for row in rows]


async def test_a_mail_becomes_one_complaint_even_when_delivered_twice(
    smtp_port: int, pool: asyncpg.Pool
) -> None:
    message = compose()
    first = await send(smtp_port, message)
    again = await send(smtp_port, message)

    [complaint] = await stored(pool, message)
    assert complaint["tracking_code"] in first and complaint["tracking_code"] in again
    assert complaint["subject"] == "Tagihan naik"
    assert complaint["description"] == "Tagihan air saya naik dua kali lipat bulan ini."
    assert complaint["complainant"]["email"] == "siti@example.id"
    assert complaint["complainant"]["name"] == "Siti Aminah"
    assert complaint["language"] == "id"
    events = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE subject ="
        " 'aduan.complaint.received' AND payload->>'complaint_id' = $1",
        str(complaint["id"]),
    )
    assert events == 1


async def test_an_html_mail_is_read_as_text(smtp_port: int, pool: asyncpg.Pool) -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>My water bill <b>doubled</b> this month &amp; nobody answers.</p>"
        "<script>alert('x')</script><p>Customer&nbsp;no. 001234</p></body></html>"
    )
    message = compose(sender="john@example.com", subject="Bill", text=None, html=html)
    await send(smtp_port, message)

    [complaint] = await stored(pool, message)
    assert (
        complaint["description"]
        == "My water bill doubled this month & nobody answers.\n\nCustomer no. 001234"
    )
    assert complaint["language"] == "en"
    assert complaint["complainant"]["name"] is None


async def test_the_plain_part_wins_and_photos_are_kept_other_files_noted(
    smtp_port: int, pool: asyncpg.Pool, nats_url: str
) -> None:
    message = compose(text="Meter rusak, lihat foto.", html="<p>Meter <i>rusak</i></p>")
    photo = png(4, 3)
    message.add_attachment(photo, maintype="image", subtype="png", filename="meter.png")
    message.add_attachment(EXE, maintype="image", subtype="jpeg", filename="lihat.jpg")
    await send(smtp_port, message)

    [complaint] = await stored(pool, message)
    assert complaint["description"] == "Meter rusak, lihat foto."
    [kept] = complaint["attachments"]
    assert (kept["name"], kept["content_type"]) == ("meter.png", "image/png")
    store = AttachmentStore([nats_url], TEST_KEYRING)
    assert await store.get(kept["key"]) == photo  # the very bytes, in the object store
    await store.close()
    assert complaint["channel_data"]["attachments_skipped"] == [
        {"name": "lihat.jpg", "reason": "unsupported_type"}
    ]  # judged by content, not name


async def test_a_reply_from_the_complainant_reaches_the_waiting_lifecycle_once(
    smtp_port: int, pool: asyncpg.Pool, lifecycles: on_test_server.Lifecycles
) -> None:
    complaint = await lifecycles.start(
        channel="email",
        external_ref=f"<{uuid.uuid4()}@x>",
        complainant={"name": "Siti", "email": "siti@example.id"},
    )
    await complaint.handle.execute_update(
        ComplaintLifecycle.acknowledge, AcknowledgeInput(actor="budi")
    )
    await complaint.handle.execute_update(
        ComplaintLifecycle.request_info,
        RequestInfoInput(actor="budi", message="Mohon kirim nomor meter."),
    )
    code = await pool.fetchval("SELECT tracking_code FROM complaints WHERE id = $1", complaint.id)
    reply = compose(
        sender="SITI@example.id",
        subject=f"Re: [{code}] Informasi diperlukan",
        text="Nomor meter saya 778899.\n\nPada 2 Des 2026, Aduan menulis:\n"
        "> Mohon kirim nomor meter.",
    )
    photo = png(2, 2)
    reply.add_attachment(photo, maintype="image", subtype="png", filename="meter.png")

    stranger = compose(
        sender="mallory@example.net", subject=f"Re: [{code}]", text="Batalkan saja pengaduan ini."
    )
    refused = await refusal(smtp_port, stranger)
    assert refused.code == 550 and "Only the complainant" in refused.message
    assert (await complaint.state()).status == "waiting_complainant"

    answer = await send(smtp_port, reply)
    assert code in answer
    assert (await complaint.state()).status == "in_progress"
    again = await send(smtp_port, reply)  # redelivered: the same Update, not a second reply
    assert code in again

    replies = await complaint.events("replied")
    assert [r["data"]["message"] for r in replies] == ["Nomor meter saya 778899."]
    assert await stored(pool, reply) == []  # a reply is not a new complaint
    kept = await pool.fetchval("SELECT attachments FROM complaints WHERE id = $1", complaint.id)
    assert [(a["name"], a["sha256"]) for a in kept] == [
        ("meter.png", hashlib.sha256(photo).hexdigest())
    ]  # the photo asked for, kept once


async def test_a_reply_to_a_complaint_not_waiting_is_refused_with_the_reason(
    smtp_port: int, pool: asyncpg.Pool
) -> None:
    complaint_id = await insert_complaint(
        pool, channel="email", complainant={"email": "budi@example.id"}
    )
    code = await pool.fetchval("SELECT tracking_code FROM complaints WHERE id = $1", complaint_id)
    # The code in the recipient address makes it a reply as well as one in the subject.
    message = compose(
        sender="budi@example.id",
        subject="Tambahan",
        text="Sudah dua minggu.",
        to=f"{code.lower()}@pdam.example.go.id",
    )
    refused = await refusal(smtp_port, message)
    assert refused.code == 550
    assert f"Complaint {code} is not waiting for your reply" in refused.message


async def test_an_unknown_code_is_refused_as_a_stranger_is_so_no_code_is_revealed(
    smtp_port: int, pool: asyncpg.Pool
) -> None:
    complaint_id = await insert_complaint(
        pool, channel="email", complainant={"email": "budi@example.id"}
    )
    code = await pool.fetchval("SELECT tracking_code FROM complaints WHERE id = $1", complaint_id)
    stranger = await refusal(
        smtp_port, compose(sender="mallory@example.net", subject=f"Re: [{code}] Tagihan")
    )
    unknown = await refusal(
        smtp_port, compose(sender="mallory@example.net", subject="Re: [ADU-0000-0000] Tagihan")
    )
    assert stranger.code == unknown.code == 550
    assert unknown.message == stranger.message.replace(code, "ADU-0000-0000")
    assert "Only the complainant may reply to complaint ADU-0000-0000" in unknown.message


async def test_mail_without_a_sender_address_is_refused(smtp_port: int) -> None:
    refused = await refusal(
        smtp_port, compose(sender="undisclosed-recipients:;"), mail_from="relay@example.id"
    )
    assert refused.code == 550 and "From address" in refused.message


async def test_an_auto_reply_is_accepted_but_is_no_complaint(
    smtp_port: int, pool: asyncpg.Pool
) -> None:
    message = compose(
        subject="Out of office", text="I am away until Monday.", Auto_Submitted="auto-replied"
    )
    answer = await send(smtp_port, message)
    assert "not a complaint" in answer
    assert await stored(pool, message) == []


async def test_while_postgresql_is_down_mail_is_deferred_not_lost(pool: asyncpg.Pool) -> None:
    closed = f"postgresql://postgres@127.0.0.1:{servers.free_port()}/aduan"
    settings = Settings(database_url=closed, temporal_address="127.0.0.1:1")
    away = await db.create_pool(closed, min_size=0)
    try:
        async for port in _receiver(away, settings):
            refused = await refusal(port, compose())
            assert refused.code == 451  # the sender's server keeps the mail and retries
    finally:
        await away.close()


async def test_a_mail_with_a_header_python_cannot_parse_still_becomes_a_complaint(
    smtp_port: int, pool: asyncpg.Pool
) -> None:
    ref = f"<{uuid.uuid4()}@mail.example.id>"
    raw = (
        f"From: Siti <siti@example.id>\r\nTo: {INBOX}\r\nCc: =?utf-8?q??=\r\n"
        f"Subject: Air mati\r\nMessage-ID: {ref}\r\n\r\nAir tidak mengalir tiga hari.\r\n"
    )
    _, answer = await aiosmtplib.send(
        raw.encode(),
        hostname="127.0.0.1",
        port=smtp_port,
        sender="siti@example.id",
        recipients=[INBOX],
        timeout=30,
    )
    assert "ADU-" in answer
    rows = await pool.fetch("SELECT description FROM complaints WHERE external_ref = $1", ref)
    assert [r["description"] for r in rows] == ["Air tidak mengalir tiga hari."]


def crafted_sender(message_id: str) -> bytes:
    """A ~46 KB mail whose From is one address of ~37,000 characters: RFC 2047 encoded words
    folded at the dots of the local part, which the standard library's address parser (and
    the old check of the address) took seconds over."""
    word = "=?utf-8?q?" + "a." * 30 + "a?="
    sender = "\r\n .".join([word] * 600) + "@example.id"
    return (
        f"From: {sender}\r\nTo: {INBOX}\r\nSubject: Tagihan\r\nMessage-ID: {message_id}"
        f"\r\n\r\nTagihan saya naik.\r\n"
    ).encode()


async def _data(smtp: aiosmtplib.SMTP, raw: bytes) -> tuple[int, str]:
    try:
        answer = await smtp.data(raw)
    except aiosmtplib.SMTPResponseException as exc:
        return exc.code, exc.message
    return answer.code, answer.message


async def while_sending(port: int, raw: bytes) -> tuple[int, str, float, float]:
    """Send `raw` in one session while another sends NOOPs back to back: the answer to DATA,
    the seconds it took, and the longest the other session waited for an answer."""
    other = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
    sender = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
    await other.connect()
    await sender.connect()
    await sender.ehlo()
    await sender.mail("siti@example.id")
    await sender.rcpt(INBOX)
    loop = asyncio.get_running_loop()
    started = loop.time()
    answer = asyncio.create_task(_data(sender, raw))
    waits: list[float] = []
    while not answer.done():
        sent = loop.time()
        await other.noop()
        waits.append(loop.time() - sent)
    code, message = await answer
    took = loop.time() - started
    await other.quit()
    await sender.quit()
    return code, message, took, max(waits)


async def test_a_crafted_sender_is_refused_at_once_and_other_sessions_are_answered_meanwhile(
    smtp_port: int, pool: asyncpg.Pool
) -> None:
    ref = f"<{uuid.uuid4()}@mail.example.id>"
    raw = crafted_sender(ref)
    assert len(raw) > 45_000 and max(len(line) for line in raw.splitlines()) < 100

    code, message, took, waited = await while_sending(smtp_port, raw)
    # Generous bounds for a loaded CI machine: unrefused, such a mail costs the standard
    # library's parser many seconds, and every other session would wait as long.
    assert waited < 3, (
        f"another session waited {waited:.2f}s for its NOOP"
        f" (the crafted mail got {code} after {took:.2f}s)"
    )
    assert code == 550 and "From address" in message, (code, message)
    assert took < 3, f"the crafted mail took {took:.2f}s"
    assert await pool.fetch("SELECT id FROM complaints WHERE external_ref = $1", ref) == []


async def test_a_mail_slow_to_read_holds_up_no_other_session(
    smtp_port: int, pool: asyncpg.Pool
) -> None:
    # Thousands of Content-Type parameters are legal; the standard library needs seconds.
    ref = f"<{uuid.uuid4()}@mail.example.id>"
    params = ";\r\n ".join(f"p{i}=v" for i in range(3000))
    raw = (
        f"From: Siti <siti@example.id>\r\nTo: {INBOX}\r\nSubject: Air mati\r\n"
        f"Message-ID: {ref}\r\nContent-Type: text/plain; charset=utf-8;\r\n {params}"
        f"\r\n\r\nAir tidak mengalir tiga hari.\r\n"
    ).encode()

    code, message, took, waited = await while_sending(smtp_port, raw)
    # Relative, not a fixed second: on a loaded machine both take longer, but a session held
    # up by the slow mail would wait about as long as the mail takes.
    assert waited < took / 3, (
        f"another session waited {waited:.2f}s while the mail took {took:.2f}s"
    )
    assert code == 250 and "ADU-" in message, (code, message)
    rows = await pool.fetch("SELECT description FROM complaints WHERE external_ref = $1", ref)
    assert [r["description"] for r in rows] == ["Air tidak mengalir tiga hari."]
