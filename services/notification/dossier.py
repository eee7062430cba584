"""The Ombudsman dossier (docs/domain.md "Escalation to the Ombudsman"): versioned JSON."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from aduan.domain.events import EventType
from aduan.domain.questions import Question, shown
from aduan.domain.routing import RuleSet
from aduan.store import complaints

_ATTACHMENT_FIELDS = ("name", "key", "content_type", "size", "sha256")
DOSSIER_VERSION = 1
NO_SERVICE = "tidak_memberikan_pelayanan"
UNDUE_DELAY = "penundaan_berlarut"

Row = Mapping[str, Any]


def build_dossier(
    complaint: Row,
    timeline: Sequence[Row],
    deadlines: Sequence[Row],
    *,
    as_of: datetime,
    questions: Sequence[Question] = (),
) -> dict[str, Any]:
    """Turn the complaint's rows into the dossier; `as_of` measures deadlines still unmet,
    `questions` (the category's) label the answers."""
    return {
        "dossier_version": DOSSIER_VERSION,
        "complaint": {
            "tracking_code": complaint["tracking_code"],
            "received_at": _iso(complaint["received_at"]),
            "channel": complaint["channel"],
            "category": complaint["category"],
            "complaint_class": complaint["complaint_class"],
            "subject": complaint["subject"],
            "description": complaint["description"],
            "account_ref": complaint["account_ref"],
            # References into the attachment store; the files themselves stay with us.
            "attachments": [
                {field: a.get(field) for field in _ATTACHMENT_FIELDS}
                for a in complaint.get("attachments") or []
            ],
            "answers": _answers(questions, complaint.get("answers") or {}),
        },
        "complainant": _complainant(complaint["complainant"] or {}),
        "provider": {"unit": complaint["unit"], "officer": complaint["officer"]},
        # Internal notes are the staff's own working papers, not part of the chronology.
        "timeline": [
            _timeline_entry(row) for row in timeline if row["event_type"] != EventType.NOTE
        ],
        "deadlines": [_deadline(row, as_of) for row in deadlines],
        "reminders": [
            _reminder(row) for row in timeline if row["event_type"] == EventType.REMINDER
        ],
        "escalations": [
            _escalation(row) for row in timeline if row["event_type"] == EventType.ESCALATED
        ],
        # The visits on site the answer rests on (or the lack of them): scheduled and found.
        "field_checks": [
            _field_check(row)
            for row in timeline
            if row["event_type"]
            in (EventType.FIELD_CHECK_SCHEDULED, EventType.FIELD_CHECK_RECORDED)
        ],
        "last_response": _last_response(timeline),
        "dispute": _dispute(timeline),
        "appeal": _appeal(timeline),
        "maladministration": _maladministration(timeline),
    }


async def load_dossier(
    pool: asyncpg.Pool, complaint_id: uuid.UUID, *, as_of: datetime, rules: RuleSet | None = None
) -> dict[str, Any] | None:
    """Read the complaint, its whole timeline and deadlines; None if it is not stored.
    `rules` give the questions its answers are labelled with."""
    complaint = await complaints.find(pool, complaint_id)
    if complaint is None:
        return None
    timeline = await complaints.timeline(pool, complaint_id, public_only=False)
    deadlines = await complaints.deadlines(pool, complaint_id)
    questions = rules.questions_for(complaint["category"]) if rules else []
    return build_dossier(complaint, timeline, deadlines, as_of=as_of, questions=questions)


def _answers(questions: Sequence[Question], answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    # The question as the complainant read it (Bahasa Indonesia), the value as stored, and
    # the answer in words (a choice's label).
    return [
        {"code": a.code, "question": a.label, "value": answers[a.code], "answer": a.value}
        for a in shown(questions, answers, "id")
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _complainant(person: Mapping[str, Any]) -> dict[str, Any] | None:
    if person.get("anonymous"):
        return None
    return {
        "name": person.get("name"),
        "email": person.get("email"),
        "phone": person.get("phone"),
        "confidential": bool(person.get("confidential")),
    }


def _timeline_entry(row: Row) -> dict[str, Any]:
    return {
        "step": row["step"],
        "event_type": row["event_type"],
        "status": row["status"],
        "escalation_level": row["escalation_level"],
        "occurred_at": _iso(row["occurred_at"]),
        "data": row["data"] or {},
    }


def _deadline(row: Row, as_of: datetime) -> dict[str, Any]:
    due: datetime = row["due_at"]
    met: datetime | None = row["met_at"]
    # A deadline met late is missed too; one still open is measured up to `as_of`.
    late = max(((met or as_of) - due).total_seconds(), 0.0)
    missed = row["missed_at"] is not None or (met is not None and met > due)
    return {
        "kind": row["kind"],
        "started_at": _iso(row["started_at"]),
        "due_at": _iso(due),
        "met_at": _iso(met),
        "missed": missed,
        "late_by_seconds": int(late) if missed else 0,
    }


def _reminder(row: Row) -> dict[str, Any]:
    data = row["data"] or {}
    return {
        "deadline": data.get("deadline"),
        "fraction": data.get("fraction"),
        "due_at": data.get("due_at"),
        "supervisor": bool(data.get("supervisor")),
        "sent_at": _iso(row["occurred_at"]),
    }


def _field_check(row: Row) -> dict[str, Any]:
    data = row["data"] or {}
    recorded = row["event_type"] == EventType.FIELD_CHECK_RECORDED
    return {
        "step": "recorded" if recorded else "scheduled",
        "date": data.get("date"),
        "inspector": data.get("inspector"),
        "scope": data.get("scope"),
        "visited_at": data.get("visited_at"),
        "minutes_on_site": data.get("minutes_on_site"),
        "condition": data.get("condition"),
        "meter_reading": data.get("meter_reading"),
        "notes": data.get("notes"),
        "photos": data.get("photos") or [],
        "occurred_at": _iso(row["occurred_at"]),
    }


def _escalation(row: Row) -> dict[str, Any]:
    data = row["data"] or {}
    return {
        "level": data.get("level"),
        "deadline": data.get("deadline"),
        "appeal": bool(data.get("appeal")),
        "occurred_at": _iso(row["occurred_at"]),
    }


def _dispute(timeline: Sequence[Row]) -> dict[str, Any] | None:
    """The complainant's latest dispute of the provider's answer, if any."""
    disputes = [row for row in timeline if row["event_type"] == EventType.DISPUTED]
    if not disputes:
        return None
    data = disputes[-1]["data"] or {}
    return {
        "message": data.get("message"),
        "disputed_at": _iso(disputes[-1]["occurred_at"]),
        "appeal": bool(data.get("appeal")),
        "count": len(disputes),
    }


def _appeal(timeline: Sequence[Row]) -> bool:
    """Sent as an appeal: the complainant disputed the answer beyond the reopen limit."""
    return any(
        (row["data"] or {}).get("appeal")
        for row in timeline
        if row["event_type"] in (EventType.DISPUTED, EventType.ESCALATED)
    )


def _last_response(timeline: Sequence[Row]) -> str | None:
    answers = [row for row in timeline if row["event_type"] == EventType.RESPONDED]
    return (answers[-1]["data"] or {}).get("message") if answers else None


def _maladministration(timeline: Sequence[Row]) -> str:
    acknowledged = any(row["event_type"] == EventType.ACKNOWLEDGED for row in timeline)
    return UNDUE_DELAY if acknowledged else NO_SERVICE
