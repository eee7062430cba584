"""What complainants read: one Jinja2 template per event type, as mail or text.

A mail template, templates/<name>.txt, defines two blocks, `subject` and `body`; a text
template (SMS, WhatsApp), templates/<name>.sms.txt, is the message itself. Their words come
from the language's catalogue (aduan/locale, see aduan.i18n) through `t(key, **values)`, and
the filter `when` shows a moment in the provider's time zone, `day` a calendar day in words.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context

from aduan import i18n
from aduan.config import Settings
from aduan.domain.events import Event, EventType
from aduan.domain.policy import PolicyError, load_policy, parse_duration
from aduan.domain.vocabulary import Language
from aduan.store.complaints import access_token, contact_confirmed, contact_token
from services.notification.mailer import Mail

# Event types the complainant is told about; anything else is not theirs to read.
COMPLAINANT_EVENTS = frozenset(
    {
        EventType.RECEIVED,
        EventType.ROUTED,
        EventType.ACKNOWLEDGED,
        EventType.INFO_REQUESTED,
        EventType.RESPONDED,
        EventType.EXTENDED,
        EventType.REASSIGNED,
        EventType.FIELD_CHECK_SCHEDULED,
        EventType.DISPUTED,
        EventType.DEADLINE_MISSED,
        EventType.ESCALATED,
        EventType.CLOSED,
        EventType.INCIDENT_LINKED,
        EventType.INCIDENT_ANSWERED,
    }
)

Row = Mapping[str, Any]


@pass_context
def _when(context: Context, moment: datetime | str | None) -> str:
    if not moment:
        return "-"
    if isinstance(moment, str):  # event data carries moments as ISO text
        moment = datetime.fromisoformat(moment)
    zone = context.get("tz") or UTC
    return i18n.moment(moment, context.get("lang", i18n.DEFAULT), zone, i18n.NUMERIC)


@pass_context
def _day(context: Context, day: str | None) -> str:
    if not day:
        return "-"
    return i18n.day(date.fromisoformat(day), context.get("lang", i18n.DEFAULT))


_REQUIRED: Any = object()


class _Texts:
    """`t(key, **values)` for templates: the text of the language's catalogue with its values;
    a missing key fails loudly unless the template gives a `default` (which may be None or
    undefined: then it shows as before, "None" or nothing)."""

    def __init__(self, language: str) -> None:
        self.language, self.texts = language, i18n.catalogue(language)

    def __call__(self, key: str, default: Any = _REQUIRED, **values: Any) -> Any:
        text = self.texts.get(key)
        if text is None:
            if default is _REQUIRED:
                raise KeyError(f"no text {key!r} in the {self.language} catalogue")
            return default
        return text.format(**values) if values else text


# Plain-text mail and SMS: nothing is HTML, so there is nothing to escape.
_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["when"] = _when
_env.filters["day"] = _day


def _with_texts(language: str, context: Mapping[str, Any]) -> dict[str, Any]:
    return {**context, "t": _Texts(language), "lang": language}


def render(name: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Subject and body of mail template `name` in `language`."""
    template = _env.get_template(f"{name}.txt")
    blocks = template.new_context(_with_texts(language, context))
    subject = "".join(template.blocks["subject"](blocks)).strip()
    body = "".join(template.blocks["body"](blocks)).strip() + "\n"
    return subject, body


def render_text(name: str, language: str, context: Mapping[str, Any]) -> str:
    """Text message `name` in `language`, on as few lines as it needs."""
    lines = _env.get_template(f"{name}.sms.txt").render(_with_texts(language, context)).splitlines()
    return "\n".join(line.strip() for line in lines if line.strip())


def language_of(complaint: Row) -> str:
    """English for those who asked for it; Bahasa Indonesia otherwise."""
    return Language.EN.value if complaint["language"] == Language.EN else Language.ID.value


@lru_cache(maxsize=8)
def _zone(policy_path: Path) -> ZoneInfo:
    try:
        return ZoneInfo(load_policy(policy_path).timezone)
    except (OSError, PolicyError):  # the lifecycle refuses a bad policy; words still go out
        return ZoneInfo("Asia/Jakarta")


def zone(settings: Settings) -> ZoneInfo:
    """The provider's time zone, from the SLA policy."""
    return _zone(Path(settings.sla_policy))


def tracking_url(settings: Settings, tracking_code: str) -> str:
    """The complaint in the JSON API (read and answer with the access token)."""
    return f"{settings.intake_link}/v1/complaints/{tracking_code}"


def complainant_context(
    settings: Settings, complaint: Row, event: Event, details: Row
) -> dict[str, Any]:
    """What the complainant's templates may say about this event; `details` is the data of
    the timeline row it announces (the words: an answer, a reason), which the bus leaves out."""
    person = complaint["complainant"] or {}
    context = {
        **details,
        **event.data,
        "event_type": event.type,
        "tracking_code": complaint["tracking_code"],
        "name": None if person.get("anonymous") else person.get("name"),
        "tracking_url": f"{settings.intake_link}/track",  # the page: code and token
        "api_url": tracking_url(settings, complaint["tracking_code"]),
        "unit": event.data.get("unit") or complaint["unit"],
        "occurred_at": event.occurred_at,
        "tz": zone(settings),
    }
    if event.data.get("incident_id"):  # the incident's public page (intake serves it)
        context["incident_url"] = f"{settings.intake_link}/gangguan/{event.data['incident_id']}"
    if event.type == EventType.RECEIVED:  # the token goes out once, with the receipt
        context["access_token"] = access_token(settings.secret_key, complaint["id"])
    if event.data.get("by"):  # "3wd" -> 3 working days, in words of the language
        with contextlib.suppress(ValueError):
            span = parse_duration(event.data["by"])
            context["by_amount"] = int(span.amount) if span.amount.is_integer() else span.amount
            context["by_unit"] = span.unit
    return context


def confirm_url(settings: Settings, complaint: Row, email: str) -> str:
    """The receipt's link that proves `email` is the complainant's (intake serves it)."""
    token = contact_token(settings.secret_key, complaint["id"], email)
    return f"{settings.intake_link}/contact/confirm/{complaint['tracking_code']}/{token}"


def complainant_mail(
    settings: Settings, complaint: Row, event: Event, to: str, details: Row
) -> Mail:
    """The mail telling the complainant about this event, in their language."""
    context = complainant_context(settings, complaint, event, details)
    if not contact_confirmed(complaint):
        # Anyone can type anyone's address into the form: until its owner follows the link,
        # the mail asks them to, and names nobody (the name is the sender's to choose).
        context.update(name=None, confirm_url=confirm_url(settings, complaint, to))
    subject, body = render(event.type, language_of(complaint), context)
    return Mail(
        to=to,
        subject=subject,
        body=body,
        reply_to=reply_address(settings.inbound_address, complaint["tracking_code"]),
    )


def reply_address(inbound: str, tracking_code: str) -> str:
    """pengaduan+ADU-XXXX-XXXX@host: a plain "Reply" reaches the complaint it answers."""
    local, _, domain = inbound.partition("@")
    return f"{local}+{tracking_code}@{domain}"


def complainant_text(settings: Settings, complaint: Row, event: Event, details: Row) -> str:
    """The SMS or WhatsApp text telling the complainant about this event."""
    context = complainant_context(settings, complaint, event, details)
    return render_text(event.type, language_of(complaint), context)


def ombudsman_mail(settings: Settings, complaint: Row, dossier: dict[str, Any]) -> Mail:
    """The dossier by e-mail, for providers without an Ombudsman endpoint."""
    filename = f"dossier-{complaint['tracking_code']}.json"
    context = {
        "tracking_code": complaint["tracking_code"],
        "filename": filename,
        "maladministration": dossier["maladministration"],
        "unit": complaint["unit"],
        "appeal": dossier.get("appeal", False),
    }
    subject, body = render("ombudsman_dossier", Language.ID.value, context)
    return Mail(
        to=settings.ombudsman_email, subject=subject, body=body, attachment=(filename, dossier)
    )
