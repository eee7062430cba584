"""Messages arriving on a channel (mail, SMS, WhatsApp): a new complaint, or a reply to one.

A message whose subject, recipient or text carries a tracking code is the complainant's
answer to that complaint; anything else is a new complaint. The channel's message id is
the idempotency key of both, so a redelivered message changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import asyncpg
import structlog
from prometheus_client import Counter
from pydantic import ValidationError

from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.attachments import Upload, clean_name, sniff
from aduan.domain.errors import AduanError, RateLimited, StoreFull, Unavailable
from aduan.domain.phone import international
from aduan.domain.policy import Policy
from aduan.domain.vocabulary import Channel, Language
from aduan.lifecycle.actions import COMPLAINANT_ACTIONS
from aduan.lifecycle.client import Lifecycles
from aduan.lifecycle.models import ReplyInput
from aduan.store import attachments, complaints
from aduan.store.db import DATABASE_DOWN
from aduan.store.submission import (
    DESCRIPTION_MAX,
    PHONE_PATTERN,
    SUBJECT_MAX,
    ComplaintCreated,
    ComplaintIn,
    is_mail_address,
    submit,
)
from services.intake.open311 import load_catalogue

log = structlog.get_logger(__name__)
MESSAGES = Counter(
    "aduan_inbound_messages_total", "Messages received on a channel", ["channel", "outcome"]
)
_UPDATE_TIMEOUT = timedelta(seconds=15)  # slower than this counts as away: retry later


class Result(StrEnum):
    """What became of a message."""

    COMPLAINT = "complaint"  # a new complaint (or the one a redelivery already created)
    REPLY = "reply"  # delivered to the complaint's lifecycle
    REFUSED = "refused"  # not something we can take; `reason` and `detail` say why


@dataclass(frozen=True)
class Sender:
    """Who wrote, as the channel tells it."""

    email: str | None = None
    phone: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One message from a channel, already read (its id is the channel's message id)."""

    channel: Channel
    external_ref: str
    sender: Sender
    text: str
    subject: str | None = None
    tracking_code: str | None = None
    language: Language = Language.ID
    channel_data: dict[str, Any] = field(default_factory=dict)
    uploads: tuple[Upload, ...] = ()
    sent_at: datetime | None = None  # when the provider says it was sent, if it says


@dataclass(frozen=True)
class InboundOutcome:
    """The answer to a message; `detail` (Bahasa Indonesia, then English) for a refusal."""

    result: Result
    tracking_code: str | None = None
    replayed: bool = False
    reason: str | None = None
    detail: str | None = None


class TryLater(Exception):
    """PostgreSQL or the lifecycle engine is away: nothing was taken, the sender retries."""


def same_phone(a: str | None, b: str | None) -> bool:
    """Whether two Indonesian phone numbers are the same line (0812... equals +62812...)."""
    return a is not None and b is not None and international(a) == international(b) != ""


def _refused(reason: str, detail: str, code: str | None = None) -> InboundOutcome:
    return InboundOutcome(Result.REFUSED, code, reason=reason, detail=detail)


# The message ids taken within the window, with the complaint each one created, if any.
_SEEN = """
SELECT c.tracking_code FROM inbound_seen s
LEFT JOIN complaints c ON c.channel = s.channel AND c.external_ref = s.message_id
WHERE s.channel = $1 AND s.message_id = $2 AND s.seen_at > now() - $3::interval
"""
# Remembering an id forgets those past the window, so the table keeps one window's ids.
_REMEMBER = """
WITH forgotten AS (
    DELETE FROM inbound_seen WHERE seen_at < now() - $3::interval
    AND (channel, message_id) <> ($1::text, $2::text)
)
INSERT INTO inbound_seen (channel, message_id) VALUES ($1, $2)
ON CONFLICT (channel, message_id) DO UPDATE SET seen_at = now()
"""


def _stale(message: InboundMessage, window: timedelta) -> InboundOutcome | None:
    if message.sent_at is None or datetime.now(UTC) - message.sent_at <= window:
        return None
    hours = f"{window.total_seconds() / 3600:g}"
    return InboundOutcome(
        Result.REFUSED,
        reason="stale",
        detail=(
            f"Pesan ini dikirim lebih dari {hours} jam yang lalu dan tidak diterima lagi; kirim"
            f" ulang pesan Anda. The message was sent more than {hours} hours ago and is no longer"
            f" taken; please send it again."
        ),
    )


class Inbound:
    """Turns channel messages into complaints and replies; shared by mail and webhooks."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        policy: Policy,
        lifecycles: Lifecycles,
        store: AttachmentStore | None = None,
    ) -> None:
        self.pool, self.settings, self.policy, self.lifecycles = pool, settings, policy, lifecycles
        self.store = store

    async def deliver(self, message: InboundMessage) -> InboundOutcome:
        """Store the complaint or deliver the reply; TryLater when a dependency is away.

        A message id taken within the replay window is answered as before, `replayed`, and
        delivered to nothing (a copied signed call, a redelivered mail); a message its
        provider dates before the window is refused as `stale`."""
        window = timedelta(seconds=self.settings.webhook_replay_window_s)
        try:
            outcome = _stale(message, window) or await self._replayed(message, window)
            if outcome is None:
                if message.tracking_code is not None:
                    outcome = await self._reply(message, message.tracking_code)
                else:
                    outcome = await self._complaint(message)
                if outcome.result != Result.REFUSED:
                    await self.pool.execute(
                        _REMEMBER, message.channel, message.external_ref, window
                    )
        except DATABASE_DOWN as exc:
            log.warning(
                "inbound.database_unavailable", channel=message.channel, error=type(exc).__name__
            )
            raise TryLater("the complaint store is unreachable") from exc
        MESSAGES.labels(channel=message.channel, outcome=outcome.result).inc()
        log.info(
            "inbound.handled",
            channel=message.channel,
            result=outcome.result,
            reason=outcome.reason,
            replayed=outcome.replayed,
        )
        return outcome

    async def _replayed(self, message: InboundMessage, window: timedelta) -> InboundOutcome | None:
        # A taken message with a tracking code was a reply; without one, it made a complaint.
        row = await self.pool.fetchrow(_SEEN, message.channel, message.external_ref, window)
        if row is None:
            return None
        if message.tracking_code is not None:
            return InboundOutcome(Result.REPLY, message.tracking_code, replayed=True)
        if row["tracking_code"] is None:  # its complaint is gone: let the channel decide again
            return None
        return InboundOutcome(Result.COMPLAINT, row["tracking_code"], replayed=True)

    async def _complaint(self, message: InboundMessage) -> InboundOutcome:
        description = message.text.strip() or (message.subject or "").strip()
        if not description:
            return _refused(
                "empty",
                "Pesan kosong: tuliskan pengaduan Anda. The message is"
                " empty: please write your complaint.",
            )
        sender = message.sender
        body = {
            "description": description[:DESCRIPTION_MAX],
            "channel": message.channel,
            "subject": (message.subject or "").strip()[:SUBJECT_MAX] or None,
            "language": message.language,
            "external_ref": message.external_ref,
            "complainant": {
                "name": (sender.name or "").strip()[:200] or None,
                "email": sender.email if sender.email and is_mail_address(sender.email) else None,
                "phone": sender.phone if _valid(PHONE_PATTERN, sender.phone, 40) else None,
            },
        }
        kept, skipped = self._keepable(message.uploads)
        try:
            complaint = ComplaintIn.model_validate(body)
            try:
                created, is_new = await self._submit(complaint, message, kept, skipped)
            except StoreFull:  # the complaint matters more than its photos: take it without
                skipped += [{"name": clean_name(u.name), "reason": "store_full"} for u in kept]
                created, is_new = await self._submit(complaint, message, [], skipped)
        except RateLimited:
            return _refused(
                "rate_limited",
                "Terlalu banyak pengaduan dari alamat atau nomor"
                " ini; silakan coba lagi besok. Too many complaints from this"
                " address or number; please try again tomorrow.",
            )
        except Unavailable as exc:  # the attachment store is away: the sender tries again
            raise TryLater(exc.detail) from exc
        except AduanError as exc:
            return _refused(
                "invalid",
                f"Pesan tidak dapat diterima sebagai pengaduan. The"
                f" message cannot be taken as a complaint: {exc.instance_title}.",
            )
        except ValidationError as exc:
            return _refused(
                "invalid",
                f"Pesan tidak dapat diterima sebagai pengaduan. The"
                f" message cannot be taken as a complaint: {type(exc).__name__}.",
            )
        log.info(
            "inbound.complaint",
            complaint_id=str(created.id),
            channel=message.channel,
            replayed=not is_new,
        )
        return InboundOutcome(Result.COMPLAINT, created.tracking_code, replayed=not is_new)

    async def _submit(
        self,
        complaint: ComplaintIn,
        message: InboundMessage,
        uploads: list[Upload],
        skipped: list[dict[str, Any]],
    ) -> tuple[ComplaintCreated, bool]:
        data = {**message.channel_data, **({"attachments_skipped": skipped} if skipped else {})}
        return await submit(
            self.pool,
            self.settings,
            self.policy,
            complaint,
            rules=load_catalogue(self.settings.routing_rules).rules,  # no category: no questions
            idempotency_key=None,
            channel_data=data,
            uploads=uploads,
            store=self.store,
        )

    async def _reply(self, message: InboundMessage, code: str) -> InboundOutcome:
        row = await complaints.find_by_tracking_code(self.pool, code)
        # An unknown code gets the stranger's refusal, word for word: the answer must not
        # tell whoever tries codes which of them exist.
        if row is None or not self._from_complainant(message.sender, row["complainant"] or {}):
            return _refused(
                "not_complainant",
                f"Hanya pengadu yang dapat membalas pengaduan"
                f" {code}, dari alamat atau nomor yang tercatat; bisa jadi tidak ada"
                f" pengaduan dengan kode itu. Only the complainant may reply to"
                f" complaint {code}, from the address or number on record; there"
                f" may be no complaint with that code.",
                code,
            )
        text = message.text.strip()[:DESCRIPTION_MAX]
        if not text:
            return _refused(
                "empty", f"Balasan untuk {code} kosong. The reply to {code} is empty.", code
            )
        update_id = (
            f"reply-{message.channel}-"
            f"{hashlib.sha256(message.external_ref.encode()).hexdigest()[:32]}"
        )
        try:
            await self.lifecycles.act(
                row["id"],
                COMPLAINANT_ACTIONS["replies"],
                ReplyInput(message=text, actor="complainant"),
                update_id=update_id,
                wait=_UPDATE_TIMEOUT,
            )
        except Unavailable as exc:
            raise TryLater(exc.detail) from exc
        except AduanError:
            return _refused(
                "not_waiting",
                f"Pengaduan {code} tidak sedang menunggu balasan"
                f" Anda. Complaint {code} is not waiting for your reply.",
                code,
            )
        await self._attach_to(row, message.uploads)
        log.info("inbound.reply", complaint_id=str(row["id"]), channel=message.channel)
        return InboundOutcome(Result.REPLY, code)

    async def _attach_to(self, row: asyncpg.Record, uploads: tuple[Upload, ...]) -> None:
        """Keep the photos and PDFs a reply brings (often what was asked for), once each:
        a redelivered reply finds its files already there by their digest."""
        kept, _ = self._keepable(uploads)
        known = {a.get("sha256") for a in row["attachments"] or []}
        new = [u for u in kept if hashlib.sha256(u.data).hexdigest() not in known]
        if not new or self.store is None:
            return
        try:
            await attachments.attach(self.pool, self.settings, self.store, row, new)
        except StoreFull:  # the reply is taken; its files wait for room nobody can promise
            log.warning(
                "inbound.reply_attachments_refused",
                complaint_id=str(row["id"]),
                reason="store_full",
            )
        except Unavailable as exc:  # the store is away: the sender retries the whole reply
            raise TryLater(exc.detail) from exc
        except AduanError as exc:
            log.info(
                "inbound.reply_attachments_refused",
                complaint_id=str(row["id"]),
                reason=exc.instance_title,
            )

    def _keepable(self, uploads: tuple[Upload, ...]) -> tuple[list[Upload], list[dict[str, Any]]]:
        """Photos and PDFs within the limits are kept; a signature logo or a .docx is noted,
        not a reason to refuse the whole complaint."""
        if self.store is None:
            return [], [{"name": u.name, "reason": "no_store"} for u in uploads]
        kept: list[Upload] = []
        skipped: list[dict[str, Any]] = []
        for upload in uploads:
            reason = None
            if sniff(upload.data) is None:
                reason = "unsupported_type"
            elif len(upload.data) > self.settings.attachment_max_bytes:
                reason = "too_large"
            elif len(kept) >= self.settings.attachment_max_count:
                reason = "too_many"
            if reason:
                skipped.append({"name": clean_name(upload.name), "reason": reason})
            else:
                kept.append(upload)
        return kept, skipped

    @staticmethod
    def _from_complainant(sender: Sender, complainant: dict[str, Any]) -> bool:
        # Only the address or number on record may answer: a stranger who learnt the
        # tracking code must not put words in the complainant's mouth.
        if sender.email and complainant.get("email"):
            return bool(sender.email.strip().lower() == str(complainant["email"]).lower())
        return same_phone(sender.phone, complainant.get("phone"))


def _valid(pattern: str, value: str | None, max_length: int) -> bool:
    return value is not None and len(value) <= max_length and re.match(pattern, value) is not None
