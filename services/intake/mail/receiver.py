"""The inbound mail process: an SMTP receiver turning each mail into a complaint or a reply.

It answers 250 only once the complaint is stored or the reply is durable in its
lifecycle, 451 (try again later) while PostgreSQL or Temporal is away, and 550 with the
reason when a mail can never be taken, so the sender's server tells the sender.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.policy import load_policy
from aduan.lifecycle.client import Lifecycles
from aduan.store import db
from services.intake.inbound import Inbound, InboundMessage, Result, TryLater
from services.intake.mail import reader as mail_reader

log = structlog.get_logger(__name__)
MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # announced in EHLO SIZE; larger mail is refused (552)
READERS = 4  # mails parsed at once, each in a worker thread; more wait their turn


def _line(text: str) -> str:
    # An SMTP reply is one ASCII line: drop anything a header could have smuggled in.
    return " ".join(text.encode("ascii", "replace").decode().split())[:400]


def _read(raw: bytes, mail_from: str | None, recipients: list[str]) -> InboundMessage | None:
    """The mail as intake takes it, or None for an automatic message (in a worker thread)."""
    message = mail_reader.parse(raw)
    if mail_reader.is_automatic(message, mail_from):
        return None
    return mail_reader.read_mail(message, raw, recipients)


class InboundMailHandler:
    """aiosmtpd handler: one answer per mail, after its effect is durable."""

    def __init__(self, inbound: Inbound) -> None:
        self.inbound = inbound
        self._readers = asyncio.Semaphore(READERS)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Read the mail, deliver it, and answer with what became of it."""
        raw = envelope.original_content or b""
        try:
            # Parsing is CPU work: off the event loop, or one heavy mail holds up every
            # session; bounded, so a flood of them queues here instead of piling up threads.
            async with self._readers:
                inbound = await asyncio.to_thread(
                    _read, raw, envelope.mail_from, list(envelope.rcpt_tos)
                )
        except mail_reader.UnreadableMail as exc:
            return f"550 5.1.7 {_line(str(exc))}"
        except Exception:  # headers the standard library cannot parse: the sender is told
            log.exception("mail.unparseable")
            return (
                "550 5.6.0 Surel tidak dapat dibaca; kirim ulang sebagai teks biasa."
                " The mail could not be read; please send it again as plain text"
            )
        if inbound is None:
            # RFC 3834: never answer an automatic message, and it is nobody's complaint.
            log.info("mail.automatic_ignored")
            return "250 2.0.0 Automatic message received; not a complaint"
        try:
            outcome = await self.inbound.deliver(inbound)
        except TryLater:
            return "451 4.3.0 Layanan sedang tidak tersedia; coba lagi nanti. Try again later"
        except Exception:  # never lose a mail to our own bug: the sender keeps and retries it
            log.exception("mail.unexpected_error")
            return "451 4.3.0 Temporary failure; try again later"
        if outcome.result == Result.REFUSED:
            return f"550 5.7.1 {_line(outcome.detail or 'refused')}"
        if outcome.result == Result.REPLY:
            return f"250 2.0.0 Balasan diterima / reply accepted: {outcome.tracking_code}"
        return f"250 2.0.0 Pengaduan diterima / complaint accepted: {outcome.tracking_code}"


async def start(inbound: Inbound, host: str, port: int) -> asyncio.Server:
    """Listen for SMTP on host:port; close the returned server to stop."""
    handler = InboundMailHandler(inbound)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="aduan-inbound",
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
        ),
        host,
        port,
    )


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """The `inbound-mail` process: receive mail until `stop` is set."""
    # min_size=0: the receiver starts while PostgreSQL is down and answers 451 meanwhile.
    pool = await db.create_pool(settings.dsn, min_size=0, max_size=8)
    store = AttachmentStore.from_settings(settings)  # photos and PDFs attached to the mail
    try:
        inbound = Inbound(
            pool, settings, load_policy(settings.sla_policy), Lifecycles(settings), store
        )
        server = await start(inbound, settings.host, settings.smtp_inbound_port)
        log.info("mail.receiving", port=settings.smtp_inbound_port)
        await stop.wait()
        server.close()
        with contextlib.suppress(TimeoutError):  # an idle session must not hold up shutdown
            await asyncio.wait_for(server.wait_closed(), 5)
    finally:
        await store.close()
        await pool.close()
