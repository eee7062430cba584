"""The Ombudsman dossier read from real PostgreSQL rows (built from plain rows:
tests/unit/services/notification/test_dossier.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from aduan.store.transitions import DeadlineChange
from services.notification.dossier import UNDUE_DELAY, load_dossier
from tests.support.notification import (
    escalated,
    insert_complaint,
    missed,
    routed,
    step,
)

PHOTO = {
    "name": "meter.png",
    "key": "3f2a9c",
    "content_type": "image/png",
    "size": 2048,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
}


async def test_acknowledged_then_answered_late_is_undue_delay(pool: asyncpg.Pool) -> None:
    received = datetime.now(UTC) - timedelta(days=30)
    complaint_id = await insert_complaint(
        pool,
        received_at=received,
        complainant={"name": "Dewi", "email": "dewi@example.id", "confidential": True},
        attachments=[PHOTO],
    )
    await routed(pool, complaint_id, received)
    await step(
        pool,
        complaint_id,
        "acknowledged",
        "acknowledged",
        status="in_progress",
        at=received + timedelta(days=1),
        officer="petugas-07",
        deadlines=[DeadlineChange(kind="first_response", met_at=received + timedelta(days=1))],
    )
    due = received + timedelta(days=14)
    await missed(pool, complaint_id, "resolution", due)
    await escalated(pool, complaint_id, "supervisor", "resolution", due, status="in_progress")
    answered = due + timedelta(days=2, hours=3)
    await step(
        pool,
        complaint_id,
        "responded",
        "responded",
        status="responded",
        at=answered,
        level="supervisor",
        data={"message": "Tagihan telah dikoreksi."},
        deadlines=[DeadlineChange(kind="resolution", met_at=answered)],
    )

    dossier = await load_dossier(pool, complaint_id, as_of=answered + timedelta(days=1))

    assert dossier is not None
    assert dossier["maladministration"] == UNDUE_DELAY
    assert dossier["last_response"] == "Tagihan telah dikoreksi."
    assert dossier["complainant"] == {
        "name": "Dewi",
        "email": "dewi@example.id",
        "phone": None,
        "confidential": True,
    }
    deadlines = {d["kind"]: d for d in dossier["deadlines"]}
    assert deadlines["first_response"]["missed"] is False
    assert deadlines["first_response"]["late_by_seconds"] == 0
    assert deadlines["resolution"]["missed"] is True
    assert deadlines["resolution"]["late_by_seconds"] == int((answered - due).total_seconds())
    assert deadlines["resolution"]["met_at"] == answered.isoformat()
    assert [e["event_type"] for e in dossier["timeline"]][-1] == "responded"
    assert dossier["complaint"]["attachments"] == [PHOTO]  # the evidence, by reference


async def test_an_appeal_carries_reminders_the_dispute_and_no_internal_notes(
    pool: asyncpg.Pool,
) -> None:
    received = datetime.now(UTC) - timedelta(days=40)
    complaint_id = await insert_complaint(
        pool, received_at=received, complainant={"name": "Rudi", "phone": "+62814"}
    )
    await routed(pool, complaint_id, received)
    at = received + timedelta(days=1)
    due = received + timedelta(days=14)
    for name, fraction, supervisor in (("r50", 0.5, False), ("r80", 0.8, True)):
        await step(
            pool,
            complaint_id,
            name,
            "reminder",
            status="in_progress",
            public=False,
            at=received + timedelta(days=14 * fraction),
            data={
                "deadline": "resolution",
                "fraction": fraction,
                "due_at": due.isoformat(),
                "supervisor": supervisor,
            },
        )
    await step(
        pool,
        complaint_id,
        "note",
        "note",
        status="in_progress",
        public=False,
        at=at,
        data={"text": "Pelapor pernah menolak petugas masuk"},
    )
    await step(
        pool,
        complaint_id,
        "answer-1",
        "responded",
        status="responded",
        at=at,
        data={"message": "Tagihan sudah benar."},
    )
    await step(
        pool,
        complaint_id,
        "dispute-1",
        "disputed",
        status="in_progress",
        at=at,
        data={"message": "Meter saya rusak sejak Januari.", "reopened": 1},
    )
    await step(
        pool,
        complaint_id,
        "answer-2",
        "responded",
        status="responded",
        at=at,
        data={"message": "Tagihan tetap benar."},
    )
    last = received + timedelta(days=20)
    await step(
        pool,
        complaint_id,
        "dispute-2",
        "disputed",
        status="responded",
        at=last,
        data={"message": "Tetap tidak benar; mohon diperiksa Ombudsman.", "appeal": True},
    )
    await step(
        pool,
        complaint_id,
        "appeal",
        "escalated",
        status="responded",
        at=last,
        level="ombudsman",
        data={"level": "ombudsman", "appeal": True},
    )

    dossier = await load_dossier(pool, complaint_id, as_of=last)

    assert dossier is not None
    assert [(r["deadline"], r["fraction"], r["supervisor"]) for r in dossier["reminders"]] == [
        ("resolution", 0.5, False),
        ("resolution", 0.8, True),
    ]
    assert dossier["reminders"][0]["due_at"] == due.isoformat()
    assert dossier["reminders"][1]["sent_at"] == (received + timedelta(days=11.2)).isoformat()
    assert dossier["dispute"] == {
        "message": "Tetap tidak benar; mohon diperiksa Ombudsman.",
        "disputed_at": last.isoformat(),
        "appeal": True,
        "count": 2,
    }
    assert dossier["appeal"] is True
    assert dossier["escalations"] == [
        {"level": "ombudsman", "deadline": None, "appeal": True, "occurred_at": last.isoformat()}
    ]
    assert dossier["last_response"] == "Tagihan tetap benar."
    assert "note" not in [e["event_type"] for e in dossier["timeline"]]
    assert "menolak petugas" not in str(dossier)
    assert dossier["dossier_version"] == 1 and dossier["complaint"]["description"]
