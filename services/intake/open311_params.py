"""Open311 GeoReport v2 parameters: the POST requests form and the GET requests filters."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from aduan.domain import signing
from aduan.domain.attachments import Upload, sniff
from aduan.domain.errors import InvalidInput
from aduan.domain.questions import Answer, Question, validate_answers
from aduan.domain.vocabulary import Channel
from aduan.store.submission import ComplaintIn
from services.intake.open311 import Open311Error

DESCRIPTION_MAX = 4000  # the specification's limit
WINDOW = timedelta(days=90)  # the default and the widest date range of GET requests
MAX_RESULTS = 1000  # "first 1000 requests returned"
RETRY_WINDOW = timedelta(minutes=10)  # a form posted again this soon is the app retrying
# page_size's default and ceiling, as the Chicago-style servers (Austin, Boston) have them.
PAGE_SIZE = 50
PAGE_SIZE_MAX = 500
PAGE_MAX = 100_000  # beyond any real window's pages; keeps the offset a sane number
_WHOLE = re.compile(r"[0-9]{1,7}")
_W3 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")
_ATTRIBUTE = re.compile(r"attribute\[([^\]]+)\](\[\])?")
_MEDIA_URL = re.compile(r"https?://\S{1,2000}")
# Where Aduan keeps each Open311 field, to name the right one when a value is refused.
_OPEN311_NAME = {
    "description": "description",
    "complainant.name": "first_name/last_name",
    "complainant.email": "email",
    "complainant.phone": "phone",
    "account_ref": "account_id",
    "location.address": "address_string",
    "location.lat": "lat",
    "location.lon": "long",
}


@dataclass(frozen=True)
class PostForm:
    """POST requests' fields: blank ones dropped, as the specification says to."""

    values: dict[str, str]
    attributes: dict[str, list[str]]
    pairs: tuple[tuple[str, str], ...]  # every field but api_key, sorted

    def get(self, name: str) -> str | None:
        """A field's value, None when absent or blank."""
        return self.values.get(name)


def read_form(items: Iterable[tuple[str, str]]) -> PostForm:
    """Collect the form; a field given twice with different values is refused."""
    values: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    pairs: list[tuple[str, str]] = []
    for key, raw in items:
        value = raw.strip()
        if not value:
            continue
        attribute = _ATTRIBUTE.fullmatch(key)
        if attribute:
            attributes.setdefault(attribute.group(1), []).append(value)
        elif values.setdefault(key, value) != value:
            raise Open311Error(400, f"{key} was given twice with different values")
        if key != "api_key":
            pairs.append((key, value))
    return PostForm(values, attributes, tuple(sorted(pairs)))


def require_api_key(given: str | None, keys: Collection[str]) -> str:
    """The caller's api_key, if it is one of the configured keys (403 otherwise)."""
    if not given:
        raise Open311Error(403, "api_key is missing: creating a request needs an api_key")
    if not any(signing.matches(key, given) for key in keys):
        raise Open311Error(403, "api_key is not valid: can't proceed with create_request")
    return given


def _key_id(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def submission_refs(
    api_key: str, form: PostForm, now: datetime, *, media_sha256: str | None = None
) -> list[str]:
    """The message ids a retry of this form would carry: the same fields (and image) from
    the same device or account, posted again within RETRY_WINDOW (this window's id first).

    Empty when the form names no device_id or account_id: two citizens of one app reporting
    the same outage in the same words are two complaints, each with its own token."""
    if not (form.get("device_id") or form.get("account_id")):
        return []
    window = int(now.timestamp() // RETRY_WINDOW.total_seconds())
    digests = (
        hashlib.sha256(json.dumps([_key_id(api_key), form.pairs, w, media_sha256]).encode())
        for w in (window, window - 1)
    )
    return [f"open311-{digest.hexdigest()}" for digest in digests]


def idempotency_key(api_key: str, given: str) -> str:
    """A client's own Idempotency-Key, kept apart from other clients' and from /v1's."""
    return f"open311:{_key_id(api_key)[:16]}:{given}"


def check_jurisdiction(given: Iterable[str], served: str) -> None:
    """Refuse a jurisdiction_id other than the one served; none given, or none configured
    (one provider per endpoint), accepts any."""
    wanted = served.strip().lower()
    for value in given:
        if wanted and value.strip() and value.strip().lower() != wanted:
            raise Open311Error(
                400, f"jurisdiction_id {value.strip()[:100]!r} is not served here: use {served!r}"
            )


IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


def media_upload(uploads: list[Upload], form: PostForm) -> Upload | None:
    """The image posted as multipart `media`, if any; it is an image, and alone."""
    if not uploads:
        return None
    if form.get("media_url") is not None:
        raise Open311Error(400, "media: send either a media file or a media_url, not both")
    [upload] = uploads  # the form reader takes one file at most
    if sniff(upload.data) not in IMAGE_TYPES:
        raise Open311Error(
            400, "media must be a JPEG, PNG, WebP or GIF image (judged by its content)"
        )
    return upload


def media_digest(upload: Upload | None) -> str | None:
    """The SHA-256 the attachment store records of this image: how its ref is found again."""
    return hashlib.sha256(upload.data).hexdigest() if upload else None


def _coordinates(form: PostForm) -> tuple[float | None, float | None]:
    lat, lon = form.get("lat"), form.get("long")
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long must be given together")
    if lat is None or lon is None:
        return None, None
    try:
        point = float(lat), float(lon)
    except ValueError:
        raise Open311Error(400, "lat and long must be decimal degrees (WGS84)") from None
    if not all(math.isfinite(x) for x in point):
        raise Open311Error(400, "lat and long must be decimal degrees (WGS84)")
    return point


def _extras(form: PostForm) -> dict[str, Any]:
    media, address_id = form.get("media_url"), form.get("address_id")
    if media is not None and not _MEDIA_URL.fullmatch(media):
        raise Open311Error(400, "media_url must be an http or https URL")
    if address_id is not None and len(address_id) > 100:
        raise Open311Error(400, "address_id is longer than 100 characters")
    return {k: v for k, v in (("address_id", address_id), ("media_url", media)) if v}


def attribute_field(code: str) -> str:
    """How a refused answer is named here: the form field it came in."""
    return f"attribute[{code}]"


def answers(form: PostForm, questions: Sequence[Question]) -> dict[str, Answer]:
    """The attribute[code] fields as answers to the service's questions, checked as every
    channel's answers are (InvalidInput naming attribute[code])."""
    doubled = sorted(code for code, values in form.attributes.items() if len(values) > 1)
    if doubled:
        raise InvalidInput.fields(
            [{"loc": (attribute_field(c),), "msg": "takes one value"} for c in doubled]
        )
    given = {code: values[0] for code, values in form.attributes.items()}
    return validate_answers(questions, given, field=attribute_field)


def complaint(
    form: PostForm,
    service_code: str,
    *,
    external_ref: str | None,
    questions: Sequence[Question] = (),
) -> tuple[ComplaintIn, dict[str, Any]]:
    """The complaint a POST requests form describes, and the channel's own data."""
    answered = answers(form, questions)
    description = form.get("description")
    if description is None:
        raise Open311Error(400, "description is required: say what the problem is")
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, f"description is longer than {DESCRIPTION_MAX} characters")
    lat, lon = _coordinates(form)
    if lat is None and form.get("address_string") is None and form.get("address_id") is None:
        raise Open311Error(
            400, "a location is required: lat and long, address_string or address_id"
        )
    extras = _extras(form)
    name = " ".join(n for n in (form.get("first_name"), form.get("last_name")) if n)
    try:
        body = ComplaintIn.model_validate(
            {
                "description": description,
                "channel": Channel.OPEN311,
                "category": service_code,
                "complainant": {
                    "name": name or None,
                    "email": form.get("email"),
                    "phone": form.get("phone"),
                },
                "account_ref": form.get("account_id"),
                "external_ref": external_ref,
                "location": {"address": form.get("address_string"), "lat": lat, "lon": lon},
                "answers": answered,
            }
        )
    except ValidationError as exc:
        raise Open311Error(400, "; ".join(_refusal(error) for error in exc.errors())) from None
    return body, extras


def _refusal(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"])
    return f"{_OPEN311_NAME.get(where, where)}: {error['msg']}"


# GET requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of a listing (`page` is 1-based), oldest first."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        """How many rows the earlier pages hold."""
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class RequestFilter:
    """What GET requests asks for; ids override every other filter but paging."""

    ids: list[str] | None = None
    codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    closed: bool | None = None
    page: Page | None = None  # None: the specification's answer, the newest 1000


@dataclass(frozen=True)
class UpdateFilter:
    """What GET servicerequestupdates asks for: public steps between two instants."""

    start: datetime
    end: datetime | None  # None: up to now
    page: Page | None = None  # None: the first 1000


def _values(items: list[tuple[str, str]], name: str) -> list[str]:
    # "can be declared multiple times, comma delimited"
    found = [part.strip() for key, value in items if key == name for part in value.split(",")]
    return [value for value in found if value]


def parse_w3(name: str, raw: str) -> datetime:
    """A W3C date-time with its time zone, as start_date and end_date must be."""
    if _W3.fullmatch(raw):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise Open311Error(
        400,
        f"{name} must be a W3C date-time with a time zone, "
        f"e.g. 2010-01-01T00:00:00Z; got {raw[:40]!r}",
    )


def _single(items: list[tuple[str, str]], name: str) -> str | None:
    given = _values(items, name)
    if len(set(given)) > 1:
        raise Open311Error(400, f"{name} was given more than once")
    return given[0] if given else None


def _date(items: list[tuple[str, str]], name: str) -> datetime | None:
    given = _single(items, name)
    return parse_w3(name, given) if given is not None else None


def _whole(items: list[tuple[str, str]], name: str, low: int, high: int) -> int | None:
    given = _single(items, name)
    if given is None:
        return None
    if not _WHOLE.fullmatch(given) or not low <= int(given) <= high:
        raise Open311Error(400, f"{name} must be a whole number from {low} to {high}")
    return int(given)


def page_of(items: Iterable[tuple[str, str]]) -> Page | None:
    """`page` and `page_size`, as Chicago-style servers take them; neither given: None."""
    query = list(items)
    number = _whole(query, "page", 1, PAGE_MAX)
    size = _whole(query, "page_size", 1, PAGE_SIZE_MAX)
    if number is None and size is None:
        return None
    return Page(number or 1, size or PAGE_SIZE)


def _window(query: list[tuple[str, str]], now: datetime) -> tuple[datetime, datetime | None]:
    """start_date and end_date: 90 days at most, the last 90 by default (end None: now)."""
    start, end = _date(query, "start_date"), _date(query, "end_date")
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > WINDOW:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    elif start is not None:
        end = start + WINDOW
    elif end is not None:
        start = end - WINDOW
    else:
        start = now - WINDOW
    return start, end


def request_filter(items: Iterable[tuple[str, str]], now: datetime) -> RequestFilter:
    """Parse GET requests' query: defaults to the last 90 days, never a wider range."""
    query = list(items)
    page = page_of(query)
    ids = _values(query, "service_request_id")
    if ids:
        return RequestFilter(ids=sorted({i.upper() for i in ids})[:MAX_RESULTS], page=page)
    start, end = _window(query, now)
    statuses = set(_values(query, "status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open or closed (comma-separated)")
    closed = None if len(statuses) != 1 else statuses == {"closed"}
    return RequestFilter(
        codes=_values(query, "service_code") or None,
        start=start,
        end=end,
        closed=closed,
        page=page,
    )


def update_filter(items: Iterable[tuple[str, str]], now: datetime) -> UpdateFilter:
    """Parse GET servicerequestupdates' query: the same dates as GET requests, and paging."""
    query = list(items)
    start, end = _window(query, now)
    return UpdateFilter(start=start, end=end, page=page_of(query))
