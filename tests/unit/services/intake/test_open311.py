"""Open311's public view and rendering, without a server."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from services.intake.open311 import Format, render
from services.intake.open311_texts import event_note


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry() -> None:
    value = [
        {
            "service_request_id": "ADU-1",
            "description": "<b>air</b> & \x01listrik\x0b",
            "lat": -6.2,
            "metadata": False,
            "status_notes": None,
        }
    ]
    body, media_type = render(Format.XML, "service_requests", value)
    assert media_type == "text/xml; charset=utf-8"
    request = ET.fromstring(body).find("request")
    assert request is not None
    assert request.findtext("description") == "<b>air</b> & listrik"
    assert (request.findtext("lat"), request.findtext("metadata")) == ("-6.2", "false")
    assert request.findtext("status_notes") == ""


def test_json_is_the_same_document_without_the_xml_wrapping() -> None:
    value = {"service_code": "billing", "attributes": []}
    body, media_type = render(Format.JSON, "service_definition", value)
    assert media_type == "application/json; charset=utf-8"
    assert json.loads(body) == value
    xml_body, _ = render(Format.XML, "service_definition", value)
    assert ET.fromstring(xml_body).find("attributes") is not None


def test_status_notes_carry_the_providers_answer_only_on_a_public_report() -> None:
    answer = {"message": "Meter sudah dikalibrasi."}
    assert (
        event_note("responded", "responded", answer, with_message=True)
        == "Telah ditanggapi / Responded: Meter sudah dikalibrasi."
    )
    assert (
        event_note("responded", "responded", answer, with_message=False)
        == "Telah ditanggapi / Responded"
    )


def test_status_notes_never_repeat_what_the_complainant_wrote() -> None:
    reply = {"message": "Nomor pelanggan saya PEL-001234, rumah di Jl. Melati 3"}
    for event_type in ("replied", "disputed", "rated"):
        note = event_note("in_progress", event_type, reply, with_message=True)
        assert "PEL-001234" not in note and "Melati" not in note


def test_status_notes_name_the_outcome_and_the_escalation_level() -> None:
    assert (
        event_note(
            "closed",
            "closed",
            {"outcome": "rejected", "reason": "di luar wewenang"},
            with_message=True,
        )
        == "Ditolak / Rejected: di luar wewenang"
    )
    assert (
        event_note("routed", "escalated", {"level": "ombudsman"}, with_message=False)
        == "Dieskalasi ke Ombudsman / Escalated to the Ombudsman"
    )
    assert event_note("received", None, {}, with_message=True) == "Diterima / Received"
