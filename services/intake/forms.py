"""The citizen pages' forms as the API's models, and refusals as messages in the page's words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from aduan.config import Settings
from aduan.domain.errors import (
    ActionNotAllowed,
    AduanError,
    AttachmentRefused,
    IdempotencyConflict,
    InvalidAction,
    InvalidInput,
    LifecycleNotRunning,
    TooManyAttachments,
    Unavailable,
)
from aduan.domain.questions import Problem, Question
from aduan.domain.vocabulary import Channel, Status
from aduan.store.submission import ComplaintIn
from aduan.web import pages
from aduan.web.uploads import Form

# Fields of the submit form with a text of their own in the catalogue (error.<field>).
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
    """A text of the catalogue with the values it needs."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


ANSWER_FIELD = "answers.{code}"  # the form field of a question's answer
QUESTIONS_FOR = "questions_for"  # the category whose questions the form showed


def category(form: Form, categories: set[str]) -> str | None:
    """The category chosen, if it is one of ours (a tampered select counts as none)."""
    chosen = form.text("category")
    return chosen if chosen in categories else None


def answers(form: Form, questions: Sequence[Question]) -> dict[str, str]:
    """What the form answered to `questions`; fields of other categories' questions are
    left behind with the category the complainant moved away from."""
    return {q.code: form.fields.get(ANSWER_FIELD.format(code=q.code), "") for q in questions}


def complaint(
    form: Form, language: str, categories: set[str], questions: Sequence[Question] = ()
) -> ComplaintIn:
    """The submit form as a web complaint; ValidationError says which fields are wrong."""
    address, region = form.text("address"), form.text("region_code")
    return ComplaintIn.model_validate(
        {
            "description": form.fields.get("description", ""),
            "subject": form.text("subject"),
            "channel": Channel.WEB,
            "language": language,
            "category": category(form, categories),
            "complainant": {
                "name": form.text("name"),
                "email": form.text("email"),
                "phone": form.text("phone"),
                "anonymous": "anonymous" in form.fields,
                "confidential": "confidential" in form.fields,
            },
            "account_ref": form.text("account_ref"),
            "location": {"address": address, "region_code": region} if address or region else None,
            "answers": answers(form, questions),
        }
    )


def answer_errors(
    problems: Sequence[Problem], questions: Sequence[Question], language: str
) -> dict[str, Message]:
    """Each refused answer's message by question code, shown next to its field and above
    the form."""
    return {
        code: Message(key, values)
        for code, (key, values) in pages.answer_errors(problems, questions, language).items()
    }


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


def submission_refusal(error: AduanError, settings: Settings) -> Message:
    """Why a submission stored nothing, for the complainant."""
    if isinstance(error, AttachmentRefused):
        return attachment_refusal(error, settings)
    if isinstance(error, IdempotencyConflict):
        return Message("error.reused")
    if isinstance(error, InvalidInput):
        return Message("error.form")
    return Message("error.unavailable")


def attachment_refusal(error: AttachmentRefused, settings: Settings) -> Message:
    """A refused file: too many, too large, or not an image or PDF."""
    if isinstance(error, TooManyAttachments):
        return Message("error.too_many", {"max": settings.attachment_max_count})
    return Message(
        f"error.{error.reason}",
        {"file": error.file or "", "mb": megabytes(settings.attachment_max_bytes)},
    )


def megabytes(value: int) -> str:
    """A byte limit in whole or decimal megabytes, as the forms state it."""
    return f"{value / (1024 * 1024):g}"


def action_refusal(error: AduanError, action: str, status: str) -> Message:
    """Why a reply, confirmation, dispute or rating was refused, for the complainant."""
    if isinstance(error, InvalidInput | InvalidAction):
        wrong = {e.get("field") for e in error.extra.get("errors", [])}
        for name, key in (
            ("message", "refused.message_required"),
            ("score", "refused.score"),
            ("comment", "refused.comment"),
        ):
            if name in wrong:
                return Message(key)
        return Message("refused.invalid")
    if isinstance(error, LifecycleNotRunning):
        return Message("refused.not_running")
    if not isinstance(error, ActionNotAllowed):
        return Message("error.unavailable" if isinstance(error, Unavailable) else "refused.generic")
    if action == "rating" and status in (Status.RESPONDED, Status.CLOSED):
        return Message("refused.already_rated")
    return Message(f"refused.{action}")
