"""A submitted complaint and how it is stored: the one path every channel takes.

Intake's API, its mail receiver and webhooks, and desk's call-centre entry all submit here,
so a complaint is validated, deduplicated and announced the same way whoever brings it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
import structlog
from email_validator import EmailNotValidError, validate_email
from prometheus_client import Counter
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.attachments import Checked, Upload, check
from aduan.domain.errors import InvalidInput
from aduan.domain.phone import international
from aduan.domain.policy import Policy
from aduan.domain.questions import MAX_ANSWERS, validate_answers
from aduan.domain.routing import RuleSet
from aduan.domain.text import refuse_nul
from aduan.domain.vocabulary import Channel, Language
from aduan.store import complaints
from aduan.store.ratelimit import RateLimits, Scope, rates

log = structlog.get_logger(__name__)
# Every channel submits here, so every accepted complaint is counted once, by channel.
ACCEPTED = Counter("aduan_complaints_accepted_total", "Complaints stored", ["channel"])
# A first cheap sieve (pydantic runs it in linear time); is_mail_address has the last word.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
MAIL_ADDRESS_MAX = 254  # RFC 5321's limit on a path, angle brackets aside
PHONE_PATTERN = r"^\+?[0-9 ()-]{6,40}$"
DESCRIPTION_MAX = 20_000
SUBJECT_MAX = 200


class ComplainantIn(BaseModel):
    """Who complains; anonymous and confidential are the complainant's choice."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320, pattern=EMAIL_PATTERN)
    phone: str | None = Field(None, max_length=40, pattern=PHONE_PATTERN)
    anonymous: bool = False
    confidential: bool = False

    @field_validator("email")
    @classmethod
    def _one_deliverable_address(cls, value: str | None) -> str | None:
        if value is not None and not is_mail_address(value):
            raise ValueError("not a single e-mail address we can write to")
        return value


def is_mail_address(value: str) -> bool:
    """One address that a mail header can carry as it is (no lists, no encoded words)."""
    # Length first, before any parser: a crafted 36,000-character address cost seconds.
    if len(value) > MAIL_ADDRESS_MAX or "=?" in value:
        return False
    try:  # no display name, quoting, domain literal or non-ASCII local part either
        validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return False
    return True


class LocationIn(BaseModel):
    """Where the problem is."""

    model_config = ConfigDict(extra="forbid")

    address: str | None = Field(None, max_length=500)
    region_code: str | None = Field(None, max_length=20, pattern=r"^[0-9.]+$")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class ComplaintFields(BaseModel):
    """What a complaint says, whatever channel brought it (desk's entry sets the channel)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str = Field(max_length=DESCRIPTION_MAX)
    subject: str | None = Field(None, max_length=SUBJECT_MAX)
    category: str | None = Field(None, max_length=100)
    complaint_class: str | None = Field(None, alias="class", max_length=50)
    language: Language = Language.ID
    complainant: ComplainantIn = Field(default_factory=ComplainantIn)
    account_ref: str | None = Field(None, max_length=100)
    location: LocationIn | None = None
    external_ref: str | None = Field(None, max_length=200)
    # Checked against the category's questions by `submit`, which has the rules.
    answers: dict[Annotated[str, StringConstraints(max_length=50)], Any] = Field(
        default_factory=dict,
        max_length=MAX_ANSWERS,
        description="Answers to the category's questions, by question code: text, a number,"
        " a date (YYYY-MM-DD) or a choice's code (Open311's services/{code} lists them)."
        " A required question unanswered, a wrong answer or an unknown code is a 422"
        " naming answers.<code>.",
    )

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: object) -> object:
        return refuse_nul(data)  # PostgreSQL refuses NUL: a 422 here, not a 500 on insert

    @field_validator("description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the description must not be empty")
        return value.strip()


class ComplaintIn(ComplaintFields):
    """A new complaint (POST /v1/complaints)."""

    channel: Channel = Channel.API

    @model_validator(mode="after")
    def _anonymous_keeps_no_identity(self) -> ComplaintIn:
        # An anonymous complainant is reached only on the channel they came from.
        c = self.complainant
        if c.anonymous:
            c.name = None
            c.email = c.email if self.channel == Channel.EMAIL else None
            c.phone = c.phone if self.channel in (Channel.SMS, Channel.WHATSAPP) else None
        return self


# Channels whose origin proves the complainant's e-mail address: a mail came from it, or
# staff heard the caller give it. Others (web, API, Open311) confirm it through the receipt.
CONTACT_PROVEN = frozenset({Channel.EMAIL, Channel.PHONE})


def contacts(complainant: ComplainantIn) -> list[str]:
    """The e-mail address and phone number a complaint gives, as counted for rate limits."""
    found = [f"email:{complainant.email.strip().lower()}"] if complainant.email else []
    phone = international(complainant.phone) if complainant.phone else ""
    return found + ([f"phone:{phone}"] if phone else [])


# Channels whose origin must be proven, and the only door each comes in by: a stranger on
# the public API claiming `sms` with someone's number would make us text that person.
PROVEN_ORIGIN = {
    Channel.EMAIL: "the inbound mail receiver",
    Channel.SMS: "POST /v1/webhooks/sms (signed)",
    Channel.WHATSAPP: "POST /v1/webhooks/whatsapp (signed)",
    Channel.OPEN311: "POST /open311/v2/requests (with an api_key)",
    Channel.PHONE: "desk (POST /v1/staff/complaints)",
}


class PublicComplaintIn(ComplaintIn):
    """A complaint posted to the public API: `api` (default), `web` or `social` only."""

    @field_validator("channel")
    @classmethod
    def _claimable(cls, value: Channel) -> Channel:
        if value in PROVEN_ORIGIN:
            raise ValueError(
                f"channel {value.value!r} comes in only through"
                f" {PROVEN_ORIGIN[value]}; here use api, web or social"
            )
        return value


class ComplaintCreated(BaseModel):
    """The answer to a submission: keep the tracking code and the token."""

    id: uuid.UUID
    tracking_code: str
    access_token: str
    status: str
    received_at: datetime


async def submit(
    pool: asyncpg.Pool,
    settings: Settings,
    policy: Policy,
    body: ComplaintIn,
    *,
    rules: RuleSet,
    idempotency_key: str | None,
    entered_by: str | None = None,
    channel_data: dict[str, Any] | None = None,
    uploads: Sequence[Upload] = (),
    store: AttachmentStore | None = None,
) -> tuple[ComplaintCreated, bool]:
    """Store the complaint (or find the one this retry repeats); True if newly created.

    `entered_by` names the staff user who typed it in; `channel_data` is what the channel
    brought besides the text (attachment names, the number written to). `uploads` go to
    `store` all-or-nothing: a refused file or an unreachable store stores nothing at all.
    The answers are checked against the questions `rules` give the category."""
    answers = validate_answers(rules.questions_for(body.category), body.answers)
    if body.complaint_class is not None and body.complaint_class not in policy.classes:
        known = ", ".join(sorted(policy.classes))
        raise InvalidInput.field(
            "class",
            "unknown",
            f"class: unknown class {body.complaint_class!r}; use one of {known}",
        )
    files = check(
        uploads, max_bytes=settings.attachment_max_bytes, max_count=settings.attachment_max_count
    )
    payload = body.model_dump(mode="json", by_alias=True)
    if files:  # a retry must bring the same files to count as the same request
        payload["attachments"] = [hashlib.sha256(f.data).hexdigest() for f in files]
    new = complaints.NewComplaint(
        description=body.description,
        channel=body.channel,
        received_at=datetime.now(UTC),
        request_hash=hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest(),
        language=body.language,
        subject=body.subject,
        category=body.category,
        complaint_class=body.complaint_class,
        complainant=payload["complainant"],
        account_ref=body.account_ref,
        location=payload["location"],
        external_ref=body.external_ref,
        idempotency_key=idempotency_key,
        entered_by=entered_by,
        channel_data=channel_data or {},
        contact_confirmed=body.channel in CONTACT_PROVEN,
        answers=answers,
    )
    counted = await _counted_contacts(pool, settings, body, new)
    limits = RateLimits(pool, settings)
    hit: list[str] = []
    created: complaints.Created | None = None
    try:
        for contact in counted:
            hit.append(contact)
            await limits.hit(Scope.CONTACT, contact)
        created = await _create(pool, new, files, store)
    finally:
        if created is None or not created.created:  # refused, failed or a retry: not counted
            for contact in hit:
                await asyncio.shield(limits.refund(Scope.CONTACT, contact))
    if created.created:
        ACCEPTED.labels(channel=body.channel).inc()
    log.info(
        "complaint.accepted",
        complaint_id=str(created.id),
        channel=body.channel,
        replayed=not created.created,
        attachments=len(files),
    )
    return ComplaintCreated(
        id=created.id,
        tracking_code=created.tracking_code,
        access_token=complaints.access_token(settings.secret_key, created.id),
        status=created.status,
        received_at=created.received_at,
    ), created.created


async def _counted_contacts(
    pool: asyncpg.Pool, settings: Settings, body: ComplaintIn, new: complaints.NewComplaint
) -> list[str]:
    # Staff entering a caller's complaint are not limited; everyone else is, per contact,
    # but a retry of what was already stored gets its first answer, not a 429.
    if body.channel == Channel.PHONE or not rates(settings, Scope.CONTACT):
        return []
    return [] if await complaints.is_retry(pool, new) else contacts(body.complainant)


async def _create(
    pool: asyncpg.Pool,
    new: complaints.NewComplaint,
    files: Sequence[Checked],
    store: AttachmentStore | None,
) -> complaints.Created:
    # Files are stored first and referenced by the row: a failure after storing discards
    # them, and a recognised retry keeps the first submission's files, not these.
    if files and store is None:
        raise ValueError("uploads need an attachment store")
    refs = await store.put(files) if files and store is not None else []
    new.attachments = [ref.model_dump() for ref in refs]
    try:
        created = await complaints.create(pool, new)
    except BaseException:
        if store is not None:
            await asyncio.shield(store.discard(refs))
        raise
    if not created.created and store is not None:
        await store.discard(refs)
    return created
