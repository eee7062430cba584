"""Errors of the domain, each with a stable code clients may branch on.

The core raises these and knows nothing of HTTP; aduan.web.problems is the one place that
turns them into answers (status, problem `type` URI from the code, headers). Every raise
builds a fresh object, so no traceback or `__cause__` is shared between requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class AduanError(Exception):
    """Base of every domain error: `code` is stable, `detail` says what was wrong."""

    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"

    def __init__(
        self, detail: str, *, title: str | None = None, retry_after: int | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        # The few errors whose title names the very thing (e.g. "Unknown action") keep it.
        self.instance_title = title or self.title
        self.retry_after = retry_after
        self.extra = extra  # further members of the answer: `errors`, `reason`, `file`, ...


class Malformed(AduanError):
    """The body could not be read at all: not JSON, not UTF-8 form data."""

    code = "malformed"
    title = "Malformed JSON"


class InvalidInput(AduanError):
    """Input that was read but is wrong; `errors` names each invalid field."""

    code = "invalid-input"
    title = "Invalid request"

    @classmethod
    def fields(cls, errors: Sequence[Mapping[str, Any]]) -> InvalidInput:
        """From pydantic's error list (`loc`, `msg`): one entry per invalid field."""
        fields = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in errors]
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return cls(detail, errors=fields)

    @classmethod
    def field(cls, field: str, message: str, detail: str | None = None) -> InvalidInput:
        """One invalid field."""
        return cls(detail or f"{field}: {message}", errors=[{"field": field, "message": message}])


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


class NotFound(AduanError):
    """No such complaint, attachment, or tracking code with this token."""

    code = "not-found"
    title = "Not found"


class UnknownAction(NotFound):
    """No action of that name; the detail lists the actions there are."""

    code = "unknown-action"
    title = "Unknown action"


class Unauthenticated(AduanError):
    """No valid credentials: a missing or forged token or signature."""

    code = "unauthenticated"
    title = "Unauthorized"

    def __init__(self, detail: str, *, challenge: str | None = None) -> None:
        super().__init__(detail)
        self.challenge = challenge  # the scheme to ask for (WWW-Authenticate), if any


class Forbidden(AduanError):
    """The caller's role or unit may not do this."""

    code = "forbidden"
    title = "Forbidden"


class ActionNotAllowed(AduanError):
    """The complaint's state forbids the action; the detail says which state it needs."""

    code = "action-not-allowed"
    title = "Action not allowed"


class InvalidAction(AduanError):
    """The action's input is wrong for this complaint (e.g. an extension over the maximum)."""

    code = "invalid-action"
    title = "Invalid action"


class LifecycleNotRunning(AduanError):
    """The complaint's lifecycle has not started yet or has ended."""

    code = "lifecycle-not-running"
    title = "Lifecycle not running"


class IdempotencyConflict(AduanError):
    """An Idempotency-Key was reused with another body."""

    code = "idempotency-conflict"
    title = "Idempotency-Key reused"


class AttachmentRefused(AduanError):
    """Files refused: the complaint is closed or full; `reason` says more where known."""

    code = "attachment-refused"
    title = "Attachment refused"

    def __init__(self, detail: str, *, reason: str | None = None, file: str | None = None) -> None:
        if reason:
            super().__init__(detail, reason=reason, file=file)
        else:
            super().__init__(detail)
        self.reason, self.file = reason, file


class TooManyAttachments(AttachmentRefused):
    """More files than a complaint may hold."""

    code = "too-many-attachments"


class AttachmentTooLarge(AttachmentRefused):
    """A file over the per-attachment size limit."""

    code = "attachment-too-large"


class UnsupportedAttachment(AttachmentRefused):
    """A file that is not a JPEG, PNG, WebP, GIF or PDF, judged by its bytes."""

    code = "unsupported-attachment"


class StoreFull(AduanError):
    """The attachment store's quota would be passed: nothing was stored."""

    code = "attachment-store-full"
    title = "Attachment store full"


class TooLarge(AduanError):
    """The request body is over the size limit."""

    code = "too-large"
    title = "Request too large"


class RateLimited(AduanError):
    """A rate limit is spent; retry after `retry_after` seconds."""

    code = "rate-limited"
    title = "Too many requests"
    retry_after: int

    def __init__(self, detail: str, *, retry_after: int, limit: str) -> None:
        super().__init__(detail, retry_after=retry_after, limit=limit)
        self.extra["retry_after"] = retry_after
        self.limit = limit


class Unavailable(AduanError):
    """A dependency (PostgreSQL, Temporal, the object store, the identity provider) is
    unreachable: nothing was done, try again."""

    code = "unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after: int | None = 5, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)


class Internal(AduanError):
    """Something went wrong on our side; nothing of the cause is shown."""

    code = "internal"
    title = "Internal error"
