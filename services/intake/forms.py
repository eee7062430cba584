"""The citizen pages' forms as the API's models, and refusals as messages in the page's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from aduan.adapters.attachments import AttachmentRefused
from aduan.config import Settings
from aduan.domain.vocabulary import Channel, Status
from aduan.store.submission import ComplaintIn
from aduan.web.problems import Problem
from services.intake.uploads import Form

# Fields of the submit form with a text of their own in the words files (error.<field>).
_EXPLAINED = {
    "description",
    "subject",
    "name",
    "email",
    "phone",
    "account_ref",
    "address",
    "region_code",
}
ACTION_FIELDS = ("message", "score", "comment")  # what the tracking page's forms may send


@dataclass(frozen=True)
class Message:
    """A text of the words files with the values it needs."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


def complaint(form: Form, language: str, categories: set[str]) -> ComplaintIn:
    """The submit form as a web complaint; ValidationError says which fields are wrong."""
    address, region = form.text("address"), form.text("region_code")
    category = form.text("category")
    return ComplaintIn.model_validate(
        {
            "description": form.fields.get("description", ""),
            "subject": form.text("subject"),
            "channel": Channel.WEB,
            "language": language,
            "category": category if category in categories else None,  # a tampered select
            "complainant": {
                "name": form.text("name"),
                "email": form.text("email"),
                "phone": form.text("phone"),
                "anonymous": "anonymous" in form.fields,
                "confidential": "confidential" in form.fields,
            },
            "account_ref": form.text("account_ref"),
            "location": {"address": address, "region_code": region} if address or region else None,
        }
    )


def field_errors(exc: ValidationError) -> list[Message]:
    """One message per wrong field, in the words of the page."""
    messages: list[Message] = []
    for error in exc.errors():
        names = [part for part in error["loc"] if isinstance(part, str)]
        name = names[-1] if names else "description"
        message = (
            Message(f"error.{name}")
            if name in _EXPLAINED
            else Message("error.field", {"field": name})
        )
        if message not in messages:
            messages.append(message)
    return messages


def submission_refusal(problem: Problem, settings: Settings) -> Message:
    """Why a submission stored nothing, for the complainant."""
    if isinstance(problem, AttachmentRefused):
        return attachment_refusal(problem, settings)
    if problem.status == 409:
        return Message("error.reused")
    if problem.status == 422:
        return Message("error.form")
    return Message("error.unavailable")


def attachment_refusal(problem: AttachmentRefused, settings: Settings) -> Message:
    """A refused file: too many, too large, or not an image or PDF."""
    if problem.reason == "too_many":
        return Message("error.too_many", {"max": settings.attachment_max_count})
    return Message(
        f"error.{problem.reason}",
        {"file": problem.file or "", "mb": megabytes(settings.attachment_max_bytes)},
    )


def megabytes(value: int) -> str:
    """A byte limit in whole or decimal megabytes, as the forms state it."""
    return f"{value / (1024 * 1024):g}"


def action_refusal(problem: Problem, action: str, status: str) -> Message:
    """Why a reply, confirmation, dispute or rating was refused, for the complainant."""
    if problem.status == 422:
        wrong = {e.get("field") for e in problem.extra.get("errors", [])}
        for name, key in (
            ("message", "refused.message_required"),
            ("score", "refused.score"),
            ("comment", "refused.comment"),
        ):
            if name in wrong:
                return Message(key)
        return Message("refused.invalid")
    if problem.status == 409 and problem.title == "Lifecycle not running":
        return Message("refused.not_running")
    if problem.status == 409 and action == "rating" and status in (Status.RESPONDED, Status.CLOSED):
        return Message("refused.already_rated")
    if problem.status == 409:
        return Message(f"refused.{action}")
    if problem.status == 503:
        return Message("error.unavailable")
    return Message("refused.generic")
