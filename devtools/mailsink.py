"""A local SMTP server that keeps every outgoing mail as a file: the dev stack's mailbox."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from aduan.config import Settings

log = structlog.get_logger(__name__)


def mailbox_dir(root: Path, address: str) -> Path:
    """The folder holding one recipient's mail (the address made safe as a folder name)."""
    return root / re.sub(r"[^A-Za-z0-9@._+-]", "_", address.lower())


class MailboxHandler:
    """Writes each message to <root>/<recipient>/<time>-<id>.eml, once per recipient."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store the message for every recipient, then accept it."""
        content = envelope.original_content or b""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        for recipient in envelope.rcpt_tos:
            folder = mailbox_dir(self.root, recipient)
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{uuid.uuid4().hex}.tmp"
            partial.write_bytes(content)
            partial.rename(folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml")  # appears whole
        log.info("mailsink.stored", recipients=len(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


async def serve(root: Path, host: str, port: int, stop: asyncio.Event) -> None:
    """Run the sink until `stop` is set."""
    await asyncio.to_thread(root.mkdir, parents=True, exist_ok=True)
    handler = MailboxHandler(root)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="aduan-sink"), host, port)
    log.info("mailsink.started", port=port)
    await stop.wait()
    server.close()
    await server.wait_closed()


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """The dev stack's mail sink process: mail kept under the data folder until stopped."""
    await serve(settings.data_dir / "mail", settings.smtp_host, settings.smtp_port, stop)
