"""Open311's public view and rendering, without a server."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest

from services.intake.open311 import Format, Open311Error, media_url, render, update_view
from services.intake.open311_params import Page, check_jurisdiction, page_of
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


def _report(**changes: Any) -> dict[str, Any]:
    photo = {"key": "k" * 32, "sha256": "ab" * 32, "content_type": "image/png", "name": "a.png"}
    later = {**photo, "key": "l" * 32, "sha256": "cd" * 32}
    row: dict[str, Any] = {
        "tracking_code": "ADU-AAAA-BBBB",
        "channel": "open311",
        "confidential": False,
        "anonymous": False,
        "channel_data": {"media_sha256": "ab" * 32},
        "attachments": [photo, later],
    }
    return {**row, **changes}


def test_only_the_photo_posted_with_a_public_report_has_a_public_url() -> None:
    endpoint = "https://aduan.example.id/open311/v2"
    assert media_url(_report(), endpoint) == f"{endpoint}/media/ADU-AAAA-BBBB/{'k' * 32}"
    assert media_url(_report(confidential=True), endpoint) is None
    assert media_url(_report(anonymous=True), endpoint) is None
    assert media_url(_report(channel="web"), endpoint) is None
    assert media_url(_report(channel_data={}), endpoint) is None  # no photo was posted
    pdf = [{"key": "k" * 32, "sha256": "ab" * 32, "content_type": "application/pdf"}]
    assert media_url(_report(attachments=pdf), endpoint) is None


def test_an_update_of_a_confidential_report_keeps_the_providers_words_out() -> None:
    step = {
        "update_id": 41,
        "tracking_code": "ADU-AAAA-BBBB",
        "status": "closed",
        "event_type": "closed",
        "data": {"outcome": "resolved", "reason": "Ibu Siti, meter sudah diganti."},
        "occurred_at": datetime(2031, 3, 1, 9, 30, tzinfo=UTC),
        "channel": "open311",
        "confidential": True,
        "anonymous": False,
    }
    update = update_view(step)
    assert update["update_id"] == "41" and update["status"] == "closed"
    assert update["updated_datetime"] == "2031-03-01T09:30:00Z"
    assert "Siti" not in update["description"] and update["media_url"] == ""
    assert "Siti" in update_view({**step, "confidential": False})["description"]


def test_paging_defaults_to_50_a_page_and_starts_at_the_first() -> None:
    assert page_of([]) is None
    assert page_of([("page", "3")]) == Page(3, 50)
    assert page_of([("page_size", "500")]) == Page(1, 500)
    assert Page(3, 50).offset == 100
    assert page_of([("page", "")]) is None  # blank is not given, as the specification says


def test_a_jurisdiction_is_checked_only_when_one_is_served() -> None:
    check_jurisdiction(["kota.example.id"], "")
    check_jurisdiction(["", "AIR.example.id"], "air.example.id")
    with pytest.raises(Open311Error) as refused:
        check_jurisdiction(["kota.example.id"], "air.example.id")
    assert refused.value.status == 400
