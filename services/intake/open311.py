"""Open311 GeoReport v2: the service catalogue, the public view of a request, JSON and XML.

Pure: no database, no HTTP. The XML is the specification's (schemaless, no namespace) and
the JSON its Spark-convention mapping; both are built from the same Python values.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aduan.domain.questions import Question, QuestionType
from aduan.domain.routing import Rule, RuleSet, Target, load_rules
from aduan.domain.vocabulary import Channel, Status
from services.intake.open311_texts import event_note, routing_notice, submitted_notice

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
# Characters XML 1.0 cannot carry; a description could hold them, the XML must not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The element a list's items get in XML (the Spark convention drops it in JSON).
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Format(StrEnum):
    """The two output formats; XML is the one the specification requires."""

    JSON = "json"
    XML = "xml"


class Open311Error(Exception):
    """An error in the specification's format: HTTP `status`, body `code` and description."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        code: int | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(description)
        self.status, self.description, self.code = status, description, code or status
        self.retry_after = retry_after


# The catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """One Open311 service: a routing category."""

    code: str
    name: str
    description: str
    keywords: tuple[str, ...]
    group: str
    questions: tuple[Question, ...] = ()  # its attributes (the category's questions)

    def as_open311(self) -> dict[str, Any]:
        """The service as GET services lists it; `metadata` when it has attributes."""
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.description,
            "metadata": bool(self.questions),
            "type": "realtime",
            "keywords": ", ".join(self.keywords),
            "group": self.group,
        }


@dataclass(frozen=True)
class Catalogue:
    """Every service, the routing rules' categories first and the default one last."""

    services: tuple[Service, ...]
    default_code: str
    changeset: str
    rules: RuleSet  # what the catalogue was read from (field-check conditions, for one)

    def find(self, code: str) -> Service | None:
        """The service with this code, if any."""
        return next((s for s in self.services if s.code == code), None)


def _service(entry: Target) -> Service:
    name = entry.name or entry.category.replace("_", " ").capitalize()
    keywords = tuple(entry.keywords) if isinstance(entry, Rule) else ()
    return Service(
        entry.category,
        name,
        entry.description or name,
        keywords,
        entry.unit,
        tuple(entry.questions),
    )


@lru_cache
def load_catalogue(path: Path) -> Catalogue:
    """The catalogue from the routing rules file (read once per process and path)."""
    rules = load_rules(path)
    changed = datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)
    services = [_service(rule) for rule in rules.rules]
    if all(s.code != rules.default.category for s in services):
        services.append(_service(rules.default))
    return Catalogue(
        tuple(services), rules.default.category, changed.strftime("%Y-%m-%d %H:%M"), rules
    )


def definition(service: Service) -> dict[str, Any]:
    """GET services/{code}: the service definition, an attribute per question."""
    return {
        "service_code": service.code,
        "attributes": [attribute(q, order) for order, q in enumerate(service.questions, 1)],
    }


# The specification's datatypes; a date is a `datetime` whose value is written YYYY-MM-DD.
_DATATYPE = {
    QuestionType.STRING: "string",
    QuestionType.NUMBER: "number",
    QuestionType.DATE: "datetime",
    QuestionType.CHOICE: "singlevaluelist",
}
_DATATYPE_DESCRIPTION = {
    QuestionType.STRING: "Teks. / Text.",
    QuestionType.NUMBER: "Angka, misalnya 250000. / A number, e.g. 250000.",
    QuestionType.DATE: "Tanggal, TTTT-BB-HH. / A date, YYYY-MM-DD.",
    QuestionType.CHOICE: "Salah satu kunci dari values. / One key of values.",
}


def attribute(question: Question, order: int) -> dict[str, Any]:
    """One question as a service attribute, its texts in Bahasa Indonesia then English;
    answered as attribute[code] in POST requests."""
    hint = question.hint
    return {
        "variable": True,
        "code": question.code,
        "datatype": _DATATYPE[question.type],
        "required": question.required,
        "datatype_description": f"{hint.id} / {hint.en}"
        if hint
        else _DATATYPE_DESCRIPTION[question.type],
        "order": order,
        "description": f"{question.label.id} / {question.label.en}",
        "values": [
            {"key": c.code, "name": f"{c.label.id} / {c.label.en}"} for c in question.choices
        ],
    }


def discovery(
    endpoint_url: str,
    catalogue: Catalogue,
    *,
    production: bool,
    contact: str,
    jurisdiction: str = "",
) -> dict[str, Any]:
    """The service discovery document for this one endpoint (and its jurisdiction, if set)."""
    served = {"jurisdiction_id": jurisdiction} if jurisdiction else {}
    return {
        "changeset": catalogue.changeset,
        "contact": contact,
        "key_service": "Minta api_key kepada pengelola Aduan penyelenggara layanan. / "
        "Ask the provider's Aduan administrators for an api_key.",
        **served,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": catalogue.changeset,
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


# A request as the public sees it ----------------------------------------------------------


def w3(moment: datetime | None) -> str | None:
    """A date-time in the W3C profile of ISO 8601, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def details_are_public(row: Any) -> bool:
    """Text, place and media are public only for Open311's own, non-confidential reports.

    Other channels' complainants never agreed to publication, and a confidential or
    anonymous complainant's text is never public (docs/domain.md, Privacy)."""
    return bool(
        row["channel"] == Channel.OPEN311 and not row["confidential"] and not row["anonymous"]
    )


def public_media(row: Any) -> dict[str, Any] | None:
    """The image posted with an Open311 report (multipart `media`), if it may be shown.

    Only that image: files the complainant added later, or staff photos from a visit, may
    show a house or a face, and nobody agreed to publish them."""
    digest = (row["channel_data"] or {}).get("media_sha256")
    if not digest or not details_are_public(row):
        return None
    return next(
        (
            ref
            for ref in row["attachments"] or []
            if ref.get("sha256") == digest and str(ref.get("content_type", "")).startswith("image/")
        ),
        None,
    )


def media_url(row: Any, endpoint_url: str) -> str | None:
    """Where the public may fetch the report's own image: under this endpoint, by key."""
    ref = public_media(row)
    return f"{endpoint_url}/media/{row['tracking_code']}/{ref['key']}" if ref else None


def request_view(
    row: Any, catalogue: Catalogue, timezone: str, endpoint_url: str
) -> dict[str, Any]:
    """One complaint as GET requests shows it, in the specification's field order."""
    public = details_are_public(row)
    location = (row["location"] or {}) if public else {}
    extra = (row["channel_data"] or {}) if public else {}
    code = row["category"] or catalogue.default_code
    service = catalogue.find(code)
    closed = row["status"] == Status.CLOSED
    return {
        "service_request_id": row["tracking_code"],
        "status": "closed" if closed else "open",
        "status_notes": event_note(
            row["status"], row["last_event"], row["last_event_data"] or {}, with_message=public
        ),
        "service_name": service.name if service else code,
        "service_code": code,
        "description": row["description"] if public else None,
        "agency_responsible": row["unit"],
        "service_notice": None
        if closed
        else routing_notice(row["resolution_due"], ZoneInfo(timezone)),
        "requested_datetime": w3(row["received_at"]),
        "updated_datetime": w3(
            row["closed_at"] if closed and row["closed_at"] else row["updated_at"]
        ),
        "expected_datetime": w3(row["resolution_due"]),
        "address": location.get("address"),
        "address_id": extra.get("address_id"),
        "zipcode": None,
        "lat": location.get("lat"),
        "long": location.get("lon"),
        "media_url": extra.get("media_url") or media_url(row, endpoint_url),
    }


def update_view(row: Any) -> dict[str, Any]:
    """One public step of a complaint as mySociety's GET servicerequestupdates shows it.

    Its text is the step's label, with the provider's own words only where the report's
    text is public; internal steps never get here. No step carries a public picture."""
    closed = row["status"] == Status.CLOSED
    return {
        "update_id": str(row["update_id"]),
        "service_request_id": row["tracking_code"],
        "status": "closed" if closed else "open",
        "updated_datetime": w3(row["occurred_at"]),
        "description": event_note(
            row["status"],
            row["event_type"],
            row["data"] or {},
            with_message=details_are_public(row),
        ),
        "media_url": "",
    }


def token_view(tracking_code: str) -> dict[str, Any]:
    """GET tokens/{token}: the id is known at once, so the token is the id itself."""
    return {"service_request_id": tracking_code, "token": tracking_code}


def created_view(
    tracking_code: str,
    access_token: str,
    account_id: str | None,
    media: str | None = None,
) -> dict[str, Any]:
    """POST requests' answer: the id at once (type realtime), the token in the notice, and
    where the posted image is shown when one was sent."""
    return {
        "service_request_id": tracking_code,
        "service_notice": submitted_notice(tracking_code, access_token),
        "account_id": account_id,
        **({"media_url": media} if media else {}),
    }


def error_list(error: Open311Error) -> list[dict[str, Any]]:
    """The specification's error body."""
    return [{"code": error.code, "description": error.description}]


# Rendering -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        for inner in value:
            _fill(ET.SubElement(element, _ITEM.get(element.tag, "item")), inner)
    else:
        element.text = _text(value)


def render(fmt: Format, root: str, value: Any) -> tuple[bytes, str]:
    """The body and content type of a document whose XML root element is `root`."""
    if fmt == Format.JSON:
        return json.dumps(value, ensure_ascii=False).encode(), JSON_TYPE
    element = ET.Element(root)
    _fill(element, value)
    body = ET.tostring(element, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}'.encode(), XML_TYPE
