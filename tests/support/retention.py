"""Closed complaints full of personal data, and a search of the whole database for it, for
the retention and erasure tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from aduan.adapters.attachments import AttachmentStore
from aduan.domain.attachments import Checked
from aduan.store.transitions import DeadlineChange, Transition, record
from tests.support.complaints import insert_complaint
from tests.support.samples import png


@dataclass(frozen=True)
class Person:
    """A complainant whose every word is unique to one test, to search for afterwards."""

    name: str
    email: str
    phone: str
    text: str

    @property
    def markers(self) -> tuple[str, ...]:
        """What must leave no trace once their data is erased."""
        return (self.name, self.email, self.phone, self.text)


def new_person() -> Person:
    """A complainant no other test knows."""
    tag = uuid.uuid4().hex[:10]
    digits = str(int(tag, 16))[-8:].rjust(8, "7")
    return Person(
        name=f"Rahasia {tag}",
        email=f"p{tag}@example.id",
        phone=f"0812{digits}",
        text=f"Pipa bocor di depan rumah {tag}",
    )


async def complaint_of(
    pool: asyncpg.Pool,
    store: AttachmentStore,
    person: Person,
    *,
    days_ago: int,
    closed: bool = True,
) -> uuid.UUID:
    """A complaint received `days_ago` days ago, answered, closed a day later (unless open)
    and rated, with an attachment, an address, answers, a delivery and words everywhere."""
    received = datetime.now(UTC) - timedelta(days=days_ago)
    refs = await store.put(
        [Checked(name=f"{person.name}.png", data=png(), content_type="image/png")]
    )
    complaint_id = await insert_complaint(
        pool,
        received_at=received,
        subject=f"Tentang {person.text}",
        description=person.text,
        category="billing",
        complainant={"name": person.name, "email": person.email, "phone": person.phone},
        account_ref=f"ACC-{person.phone}",
        location={"region_code": "31.71", "address": f"Jl. {person.name} 1"},
        channel_data={"from": person.email},
        answers={"meter": f"{person.text} meter"},
        attachments=[ref.model_dump() for ref in refs],
    )
    await record(
        pool,
        Transition(
            complaint_id=complaint_id,
            step="ret-routed",
            event_type="routed",
            status="routed",
            escalation_level="none",
            occurred_at=received,
            unit="unit-ret",
            complaint_class="standard",
            data={"unit": "unit-ret", "category": "billing"},
            deadlines=[
                DeadlineChange(
                    kind="resolution", started_at=received, due_at=received + timedelta(days=5)
                )
            ],
        ),
    )
    await record(
        pool,
        Transition(
            complaint_id=complaint_id,
            step="ret-responded",
            event_type="responded",
            status="responded",
            escalation_level="none",
            occurred_at=received + timedelta(hours=20),
            data={"message": f"Balasan untuk {person.name}", "notes": person.phone},
            deadlines=[DeadlineChange(kind="resolution", met_at=received + timedelta(hours=20))],
        ),
    )
    if closed:
        await record(
            pool,
            Transition(
                complaint_id=complaint_id,
                step="ret-closed",
                event_type="closed",
                status="closed",
                escalation_level="none",
                outcome="resolved",
                occurred_at=received + timedelta(days=1),
                data={"outcome": "resolved", "reason": f"{person.name} puas"},
            ),
        )
        await record(
            pool,
            Transition(
                complaint_id=complaint_id,
                step="ret-rated",
                event_type="rated",
                status="closed",
                escalation_level="none",
                occurred_at=received + timedelta(days=1, hours=1),
                data={"score": 4, "comment": f"Terima kasih dari {person.email}"},
            ),
        )
    await pool.execute(
        """INSERT INTO deliveries (event_id, recipient_role, channel, status, attempts,
               last_error, complaint_id, event_type, updated_at)
        VALUES ($1, 'complainant', 'email', 'dead', 3, $2, $3, 'closed', $4)""",
        uuid.uuid4(),
        f"mailbox {person.email} full",
        complaint_id,
        datetime.now(UTC),
    )
    return complaint_id


async def columns_holding(pool: asyncpg.Pool, marker: str) -> list[str]:
    """Every `table.column` of the public schema (text, varchar, json, jsonb) whose value
    contains `marker`, case-insensitively."""
    columns = await pool.fetch(
        """SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public'
          AND data_type IN ('text', 'character varying', 'json', 'jsonb')
        ORDER BY 1, 2"""
    )
    found: list[str] = []
    for column in columns:
        table, name = column["table_name"], column["column_name"]
        hit = await pool.fetchval(
            f'SELECT EXISTS (SELECT 1 FROM "{table}" WHERE "{name}"::text ILIKE $1)',
            f"%{marker}%",
        )
        if hit:
            found.append(f"{table}.{name}")
    return found
