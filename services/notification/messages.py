"""What each recipient reads: Jinja2 templates per event type and language, rendered to mail.

A template, templates/<language>/<name>.txt, defines two blocks, `subject` and `body`; it
sees the words of its language (templates/<language>/_words.txt) as `words`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from aduan.complaints import access_token
from aduan.config import Settings
from aduan.domain import Language
from aduan.events import Event
from services.notification.mailer import Mail

# Event types the complainant is told about; anything else is not ours to announce.
COMPLAINANT_EVENTS = frozenset({
    "received", "routed", "acknowledged", "responded", "deadline_missed", "escalated", "closed",
})

Row = Mapping[str, Any]


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


# Plain-text mail: nothing is HTML, so there is nothing to escape.
_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
)
_env.filters["when"] = _when


def render(name: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Subject and body of template `name` in `language`."""
    template = _env.get_template(f"{language}/{name}.txt")
    words = _env.get_template(f"{language}/_words.txt").module
    blocks = template.new_context({**context, "words": words})
    subject = "".join(template.blocks["subject"](blocks)).strip()
    body = "".join(template.blocks["body"](blocks)).strip() + "\n"
    return subject, body


def language_of(complaint: Row) -> str:
    """English for those who asked for it; Bahasa Indonesia otherwise."""
    return Language.EN.value if complaint["language"] == Language.EN else Language.ID.value


def tracking_url(settings: Settings, tracking_code: str) -> str:
    """Where the complainant follows the complaint (with their access token)."""
    return f"http://{settings.host}:{settings.intake_port}/v1/complaints/{tracking_code}"


def complainant_mail(settings: Settings, complaint: Row, event: Event) -> Mail:
    """The message telling the complainant about this event, in their language."""
    person = complaint["complainant"] or {}
    context = {
        **event.data,
        "tracking_code": complaint["tracking_code"],
        "name": None if person.get("anonymous") else person.get("name"),
        "tracking_url": tracking_url(settings, complaint["tracking_code"]),
        "unit": event.data.get("unit") or complaint["unit"],
        "occurred_at": event.occurred_at,
    }
    if event.type == "received":  # the token goes out once, with the receipt
        context["access_token"] = access_token(settings.secret_key, complaint["id"])
    subject, body = render(event.type, language_of(complaint), context)
    return Mail(to=person["email"], subject=subject, body=body)


def supervisor_mail(settings: Settings, complaint: Row, event: Event, deadline: Row | None) -> Mail:
    """Escalation notice for the supervisor: what was missed, never who complained."""
    context = {
        "tracking_code": complaint["tracking_code"], "complaint_id": complaint["id"],
        "unit": complaint["unit"], "complaint_class": complaint["complaint_class"],
        "category": complaint["category"], "received_at": complaint["received_at"],
        "deadline": event.data.get("deadline"),
        "due_at": deadline["due_at"] if deadline else None,
        "escalated_at": event.occurred_at,
    }
    subject, body = render("supervisor_escalated", Language.ID.value, context)
    return Mail(to=settings.supervisor_email, subject=subject, body=body)


def ombudsman_mail(settings: Settings, complaint: Row, dossier: dict[str, Any]) -> Mail:
    """The dossier by e-mail, for providers without an Ombudsman endpoint."""
    filename = f"dossier-{complaint['tracking_code']}.json"
    context = {
        "tracking_code": complaint["tracking_code"], "filename": filename,
        "maladministration": dossier["maladministration"], "unit": complaint["unit"],
    }
    subject, body = render("ombudsman_dossier", Language.ID.value, context)
    return Mail(to=settings.ombudsman_email, subject=subject, body=body,
                attachment=(filename, dossier))
