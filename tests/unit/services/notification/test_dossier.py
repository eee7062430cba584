"""The Ombudsman dossier built from plain rows (docs/domain.md "Escalation to the Ombudsman").

`build_dossier` takes the rows `load_dossier` reads (tests/integration/notification/
test_dossier.py reads them from PostgreSQL); here they are dicts, as asyncpg returns them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aduan.domain.routing import load_rules
from services.notification.dossier import NO_SERVICE, UNDUE_DELAY, build_dossier
from tests.support.routing import SHIPPED_RULES

RECEIVED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PHOTO = {
    "name": "meter.png",
    "key": "3f2a9c",
    "content_type": "image/png",
    "size": 2048,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
}


def complaint(**changes: Any) -> dict[str, Any]:
    row = {
        "tracking_code": "ADU-2026-0001",
        "received_at": RECEIVED,
        "channel": "web",
        "category": "billing",
        "complaint_class": "standard",
        "subject": "Tagihan naik",
        "description": "Tagihan air saya naik dua kali lipat",
        "account_ref": "PEL-001234",
        "complainant": {"name": "Dewi", "email": "dewi@example.id", "phone": "+62813555777"},
        "unit": "penagihan",
        "officer": "petugas-07",
        "attachments": [],
    }
    return {**row, **changes}


def event(event_type: str, at: datetime, step: str | None = None, **data: Any) -> dict[str, Any]:
    return {
        "step": step or event_type,
        "event_type": event_type,
        "status": "in_progress",
        "escalation_level": "none",
        "occurred_at": at,
        "data": data or None,
    }


def deadline(
    kind: str, due: datetime, *, met: datetime | None = None, missed: datetime | None = None
) -> dict[str, Any]:
    return {"kind": kind, "started_at": RECEIVED, "due_at": due, "met_at": met, "missed_at": missed}


def test_an_anonymous_complainant_stays_anonymous() -> None:
    received = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    row = {
        "tracking_code": "ADU-TEST-0001",
        "received_at": received,
        "channel": "sms",
        "category": "no_water",
        "complaint_class": "urgent",
        "subject": None,
        "description": "Air tidak mengalir tiga hari",
        "account_ref": None,
        "complainant": {"anonymous": True, "name": "tidak dipakai"},
        "unit": "distribusi",
        "officer": None,
    }
    missed = {
        "kind": "first_response",
        "started_at": received,
        "due_at": received + timedelta(hours=24),
        "met_at": None,
        "missed_at": received + timedelta(hours=24),
    }

    dossier = build_dossier(row, [], [missed], as_of=received + timedelta(hours=30))

    assert dossier["complainant"] is None
    assert dossier["deadlines"][0]["late_by_seconds"] == 6 * 3600
    assert dossier["timeline"] == [] and dossier["escalations"] == []
    assert dossier["maladministration"] == "tidak_memberikan_pelayanan"
    assert "tidak dipakai" not in json.dumps(dossier)


def test_the_complaint_and_its_complainant_as_the_ombudsman_needs_them() -> None:
    person = {"name": "Dewi", "email": "dewi@example.id", "phone": None, "confidential": True}

    dossier = build_dossier(complaint(complainant=person), [], [], as_of=RECEIVED)

    assert dossier["dossier_version"] == 1
    assert dossier["complaint"] == {
        "tracking_code": "ADU-2026-0001",
        "received_at": RECEIVED.isoformat(),
        "channel": "web",
        "category": "billing",
        "complaint_class": "standard",
        "subject": "Tagihan naik",
        "description": "Tagihan air saya naik dua kali lipat",
        "account_ref": "PEL-001234",
        "attachments": [],
        "answers": [],
    }
    assert dossier["complainant"] == person  # asked to be kept confidential, and said so
    assert dossier["provider"] == {"unit": "penagihan", "officer": "petugas-07"}
    json.dumps(dossier)  # sent as JSON: every value is plain


def test_a_complainant_who_asked_for_nothing_is_not_confidential() -> None:
    dossier = build_dossier(complaint(complainant={"name": "Rudi"}), [], [], as_of=RECEIVED)

    assert dossier["complainant"] == {
        "name": "Rudi",
        "email": None,
        "phone": None,
        "confidential": False,
    }


def test_evidence_goes_by_reference_without_anything_else_stored_about_it() -> None:
    stored = {**PHOTO, "bucket": "attachments", "uploaded_by": "10.0.0.7"}
    partial = {"name": "surat.pdf", "key": "77ab"}

    dossier = build_dossier(complaint(attachments=[stored, partial]), [], [], as_of=RECEIVED)

    assert dossier["complaint"]["attachments"] == [
        PHOTO,
        {"name": "surat.pdf", "key": "77ab", "content_type": None, "size": None, "sha256": None},
    ]
    assert (
        build_dossier(complaint(attachments=None), [], [], as_of=RECEIVED)["complaint"][
            "attachments"
        ]
        == []
    )


def test_the_chronology_keeps_every_event_in_order_but_no_internal_note() -> None:
    timeline = [
        event("opened", RECEIVED),
        event("routed", RECEIVED + timedelta(hours=1), category="billing"),
        event("note", RECEIVED + DAY, text="Pelapor pernah menolak petugas masuk"),
        event("acknowledged", RECEIVED + 2 * DAY),
    ]

    dossier = build_dossier(complaint(), timeline, [], as_of=RECEIVED + 3 * DAY)

    assert dossier["timeline"] == [
        {
            "step": "opened",
            "event_type": "opened",
            "status": "in_progress",
            "escalation_level": "none",
            "occurred_at": RECEIVED.isoformat(),
            "data": {},
        },
        {
            "step": "routed",
            "event_type": "routed",
            "status": "in_progress",
            "escalation_level": "none",
            "occurred_at": (RECEIVED + timedelta(hours=1)).isoformat(),
            "data": {"category": "billing"},
        },
        {
            "step": "acknowledged",
            "event_type": "acknowledged",
            "status": "in_progress",
            "escalation_level": "none",
            "occurred_at": (RECEIVED + 2 * DAY).isoformat(),
            "data": {},
        },
    ]
    assert "menolak petugas" not in json.dumps(dossier)


@pytest.mark.parametrize(
    ("met", "missed", "as_of", "expected"),
    [
        (RECEIVED + 2 * DAY, None, RECEIVED + 20 * DAY, (False, 0)),  # met in time
        (RECEIVED + 3 * DAY, None, RECEIVED + 20 * DAY, (False, 0)),  # met at the last moment
        (RECEIVED + 5 * DAY, RECEIVED + 3 * DAY, RECEIVED + 20 * DAY, (True, 2 * 86400)),
        (RECEIVED + 4 * DAY, None, RECEIVED + 20 * DAY, (True, 86400)),  # late, never marked
        (None, RECEIVED + 3 * DAY, RECEIVED + 10 * DAY, (True, 7 * 86400)),  # still unmet
        (None, None, RECEIVED + DAY, (False, 0)),  # still running, not due yet
    ],
    ids=["in-time", "on-time", "late", "late-unmarked", "open-and-missed", "not-due"],
)
def test_each_deadline_says_whether_it_was_missed_and_by_how_much(
    met: datetime | None, missed: datetime | None, as_of: datetime, expected: tuple[bool, int]
) -> None:
    due = RECEIVED + 3 * DAY

    [entry] = build_dossier(
        complaint(), [], [deadline("first_response", due, met=met, missed=missed)], as_of=as_of
    )["deadlines"]

    assert (entry["missed"], entry["late_by_seconds"]) == expected
    assert entry["kind"] == "first_response"
    assert entry["started_at"] == RECEIVED.isoformat()
    assert entry["due_at"] == due.isoformat()
    assert entry["met_at"] == (met.isoformat() if met else None)


def test_reminders_and_escalations_are_listed_as_they_were_sent() -> None:
    due = RECEIVED + 14 * DAY
    timeline = [
        event(
            "reminder",
            RECEIVED + 7 * DAY,
            "r50",
            deadline="resolution",
            fraction=0.5,
            due_at=due.isoformat(),
            supervisor=False,
        ),
        event(
            "reminder",
            RECEIVED + 11 * DAY,
            "r80",
            deadline="resolution",
            fraction=0.8,
            due_at=due.isoformat(),
            supervisor=True,
        ),
        event("escalated", due, level="supervisor", deadline="resolution"),
        event("escalated", due + 7 * DAY, "appeal", level="ombudsman", appeal=True),
    ]

    dossier = build_dossier(complaint(), timeline, [], as_of=due + 7 * DAY)

    assert dossier["reminders"] == [
        {
            "deadline": "resolution",
            "fraction": 0.5,
            "due_at": due.isoformat(),
            "supervisor": False,
            "sent_at": (RECEIVED + 7 * DAY).isoformat(),
        },
        {
            "deadline": "resolution",
            "fraction": 0.8,
            "due_at": due.isoformat(),
            "supervisor": True,
            "sent_at": (RECEIVED + 11 * DAY).isoformat(),
        },
    ]
    assert dossier["escalations"] == [
        {
            "level": "supervisor",
            "deadline": "resolution",
            "appeal": False,
            "occurred_at": due.isoformat(),
        },
        {
            "level": "ombudsman",
            "deadline": None,
            "appeal": True,
            "occurred_at": (due + 7 * DAY).isoformat(),
        },
    ]
    assert dossier["appeal"] is True


def test_the_last_answer_and_the_latest_of_several_disputes() -> None:
    at = RECEIVED + 5 * DAY
    timeline = [
        event("responded", at, "answer-1", message="Tagihan sudah benar."),
        event("disputed", at + DAY, "dispute-1", message="Meter saya rusak.", reopened=1),
        event("responded", at + 2 * DAY, "answer-2", message="Tagihan tetap benar."),
        event("disputed", at + 3 * DAY, "dispute-2", message="Mohon diperiksa Ombudsman."),
    ]

    dossier = build_dossier(complaint(), timeline, [], as_of=at + 3 * DAY)

    assert dossier["last_response"] == "Tagihan tetap benar."
    assert dossier["dispute"] == {
        "message": "Mohon diperiksa Ombudsman.",
        "disputed_at": (at + 3 * DAY).isoformat(),
        "appeal": False,
        "count": 2,
    }
    assert dossier["appeal"] is False  # disputed within the reopen limit: not an appeal


def test_no_answer_and_no_dispute_are_said_as_such() -> None:
    dossier = build_dossier(complaint(), [event("routed", RECEIVED)], [], as_of=RECEIVED)

    assert dossier["last_response"] is None
    assert dossier["dispute"] is None
    assert dossier["appeal"] is False
    assert dossier["reminders"] == [] and dossier["escalations"] == []


def test_a_dispute_beyond_the_reopen_limit_makes_it_an_appeal() -> None:
    timeline = [event("disputed", RECEIVED + DAY, message="Tetap tidak benar.", appeal=True)]

    dossier = build_dossier(complaint(), timeline, [], as_of=RECEIVED + DAY)

    assert dossier["appeal"] is True
    assert dossier["dispute"]["appeal"] is True


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        (["opened", "routed", "deadline_missed", "escalated"], NO_SERVICE),
        (["opened", "routed", "acknowledged", "deadline_missed", "escalated"], UNDUE_DELAY),
        (["opened", "routed", "acknowledged", "responded", "disputed"], UNDUE_DELAY),
    ],
    ids=["never-acknowledged", "acknowledged-then-late", "answered-and-disputed"],
)
def test_the_suggested_maladministration_follows_whether_anyone_acknowledged_it(
    events: list[str], expected: str
) -> None:
    timeline = [event(kind, RECEIVED + n * DAY) for n, kind in enumerate(events)]

    assert build_dossier(complaint(), timeline, [], as_of=RECEIVED)["maladministration"] == (
        expected
    )


def test_the_answers_to_the_categorys_questions_come_with_the_questions_asked() -> None:
    rules = load_rules(SHIPPED_RULES)
    answers = {"meter_number": "88-1234", "billing_month": "2026-03", "amount_billed": 250000}
    row = complaint(category="billing", answers=answers)

    dossier = build_dossier(row, [], [], as_of=RECEIVED, questions=rules.questions_for("billing"))

    assert [tuple(a.values()) for a in dossier["complaint"]["answers"]] == [
        ("billing_month", "Bulan tagihan", "2026-03", "2026-03"),
        ("amount_billed", "Jumlah tagihan (Rp)", 250000, "250000"),
        ("meter_number", "Nomor meter", "88-1234", "88-1234"),
    ]
    assert set(dossier["complaint"]["answers"][0]) == {"code", "question", "value", "answer"}
    meter = complaint(category="meter", answers={"meter_problem": "stuck"})
    [chosen] = build_dossier(meter, [], [], as_of=RECEIVED, questions=rules.questions_for("meter"))[
        "complaint"
    ]["answers"]
    assert chosen["value"] == "stuck" and chosen["answer"] == "Angka tidak bergerak"
