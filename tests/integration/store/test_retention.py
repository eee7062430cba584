"""Retention against real PostgreSQL and the attachment store: old closed complaints lose
everything personal, the statistics stay equal, the rest is untouched, twice is once."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner

from aduan.adapters.attachments import AttachmentStore
from aduan.cli import app
from aduan.config import get_settings
from aduan.domain.figures import months_ending
from aduan.domain.policy import RetentionPolicy
from aduan.domain.retention import ERASED_TEXT, cutoffs
from aduan.lifecycle.retention_activities import RetentionActivities
from aduan.lifecycle.retention_workflow import RetentionRun
from aduan.lifecycle.runner import workflow_runner
from aduan.store import retention, stats
from tests.support.lifecycle import DEFAULT_POLICY
from tests.support.retention import Person, columns_holding, complaint_of, new_person

ZONE = "Asia/Jakarta"


async def _statistics(pool: asyncpg.Pool) -> tuple[dict[str, Any], Any]:
    """The public statistics' figures, order-free (the SQL gives rows in no fixed order)."""
    now = datetime.now(UTC)
    snapshot = await stats.read(pool, months_ending(now, ZoneInfo(ZONE), 120), ZONE)
    counts = dataclasses.replace(
        snapshot.counts, answered=sorted(snapshot.counts.answered, key=repr)
    )
    return snapshot.totals, counts


async def _row(pool: asyncpg.Pool, complaint_id: object) -> dict[str, Any]:
    row = await pool.fetchrow(
        """SELECT description, subject, complainant, account_ref, location, answers,
            channel_data, attachments, category, unit, complaint_class, status, outcome,
            received_at, anonymised_at FROM complaints WHERE id = $1""",
        complaint_id,
    )
    assert row is not None
    return dict(row)


async def _traces(pool: asyncpg.Pool, person: Person) -> list[str]:
    return [hit for marker in person.markers for hit in await columns_holding(pool, marker)]


async def test_old_closed_complaints_are_anonymised_and_the_statistics_stay_equal(
    pool: asyncpg.Pool, store: AttachmentStore
) -> None:
    old, young, still_open = new_person(), new_person(), new_person()
    old_ids = [await complaint_of(pool, store, old, days_ago=2200) for _ in range(3)]
    young_id = await complaint_of(pool, store, young, days_ago=30)
    open_id = await complaint_of(pool, store, still_open, days_ago=2200, closed=False)
    old_keys = [(await _row(pool, i))["attachments"][0]["key"] for i in old_ids]
    young_before = await _row(pool, young_id)
    open_before = await _row(pool, open_id)
    figures_before = await _statistics(pool)
    now = datetime.now(UTC)
    limits = cutoffs(RetentionPolicy(), now)

    due = await retention.count_due(pool, limits)
    assert due.counts["closed_complaints"] >= 3
    assert await _row(pool, old_ids[0]) != {}  # the dry run changed nothing
    assert (await _row(pool, old_ids[0]))["description"] == old.text

    done: list[tuple[str, int]] = []
    first = await retention.run(
        pool, store, limits, now, size=2, progress=lambda kind, n: done.append((kind, n))
    )
    assert first.counts["closed_complaints"] == due.counts["closed_complaints"]
    assert ("closed_complaints", 2) in done  # batches of two: progress per batch

    for complaint_id in old_ids:
        row = await _row(pool, complaint_id)
        assert row["description"] == ERASED_TEXT and row["subject"] is None
        assert row["complainant"] == {"anonymised": True} and row["account_ref"] is None
        assert row["location"] == {"region_code": "31.71"}
        assert row["answers"] == {} and row["channel_data"] == {} and row["attachments"] == []
        assert (row["category"], row["unit"], row["complaint_class"]) == (
            "billing",
            "unit-ret",
            "standard",
        )
        assert (row["status"], row["outcome"]) == ("closed", "resolved")
        assert row["anonymised_at"] is not None
    assert await _traces(pool, old) == []
    assert len(await _traces(pool, young)) >= 4  # the search does find what is kept
    for key in old_keys:
        assert await store.get(key) is None
    assert await _statistics(pool) == figures_before
    scores = await pool.fetch(
        "SELECT data FROM timeline WHERE complaint_id = ANY($1) AND event_type = 'rated'", old_ids
    )
    assert [row["data"] for row in scores] == [{"score": 4}] * 3

    assert await _row(pool, young_id) == young_before
    assert await _row(pool, open_id) == open_before
    assert await store.get(young_before["attachments"][0]["key"]) is not None

    anonymised = [await _row(pool, i) for i in old_ids]
    second = await retention.run(pool, store, limits, datetime.now(UTC))
    assert second.counts["closed_complaints"] == 0 and second.counts["attachments"] == 0
    assert [await _row(pool, i) for i in old_ids] == anonymised
    assert await _statistics(pool) == figures_before


async def test_sent_outbox_rows_and_old_deliveries_go_unsent_ones_stay(
    pool: asyncpg.Pool,
) -> None:
    now = datetime.now(UTC)
    limits = cutoffs(RetentionPolicy(), now)
    await pool.execute(
        """INSERT INTO outbox (event_id, subject, payload, created_at, published_at) VALUES
            (gen_random_uuid(), 'ret.old', '{}', now() - interval '30 days',
             now() - interval '30 days'),
            (gen_random_uuid(), 'ret.unsent', '{}', now() - interval '30 days', NULL),
            (gen_random_uuid(), 'ret.recent', '{}', now(), now())"""
    )
    old_delivery = await pool.fetchval(
        """INSERT INTO deliveries (event_id, recipient_role, channel, status, updated_at)
        VALUES (gen_random_uuid(), 'complainant', 'email', 'sent', now() - interval '400 days')
        RETURNING id"""
    )
    await pool.execute(
        "INSERT INTO delivery_attempts (delivery_id, attempt, outcome) VALUES ($1, 1, 'sent')",
        old_delivery,
    )
    due = await retention.count_due(pool, limits)
    assert due.counts["outbox_sent"] >= 1 and due.counts["deliveries"] >= 1

    await retention.run(pool, None, limits, now)

    subjects = {
        row["subject"]
        for row in await pool.fetch("SELECT subject FROM outbox WHERE subject LIKE 'ret.%'")
    }
    assert subjects == {"ret.unsent", "ret.recent"}
    assert await pool.fetchval("SELECT count(*) FROM deliveries WHERE id = $1", old_delivery) == 0
    again = await retention.count_due(pool, cutoffs(RetentionPolicy(), now))
    assert again.counts["outbox_sent"] == 0 and again.counts["deliveries"] == 0


async def test_the_command_counts_in_a_dry_run_then_anonymises_and_says_so(
    pool: asyncpg.Pool,
    store: AttachmentStore,
    monkeypatch: pytest.MonkeyPatch,
    pg_dsn: str,
    nats_url: str,
) -> None:
    person = new_person()
    complaint_id = await complaint_of(pool, store, person, days_ago=2000)
    monkeypatch.setenv("ADUAN_DATABASE_URL", pg_dsn)
    monkeypatch.setenv("ADUAN_NATS_URL", nats_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def aduan(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["retention", "run", *args])
        return result.exit_code, result.output

    try:
        code, counted = await asyncio.to_thread(aduan, "--dry-run")
        assert code == 0
        assert re.search(r"^closed_complaints +[1-9]\d* would go", counted, re.M), counted
        assert (await _row(pool, complaint_id))["description"] == person.text
        code, ran = await asyncio.to_thread(aduan)
        assert code == 0
        assert "closed_complaints: " in ran and "so far" in ran
        assert re.search(r"^closed_complaints +[1-9]\d* went", ran, re.M), ran
        assert (await _row(pool, complaint_id))["description"] == ERASED_TEXT
        code, again = await asyncio.to_thread(aduan)
        assert code == 0 and re.search(r"^closed_complaints +0 went", again, re.M), again
    finally:
        get_settings.cache_clear()


async def test_the_stream_is_purged_only_below_what_every_consumer_acknowledged(
    js: JetStreamContext,
) -> None:
    stream = f"RET{uuid.uuid4().hex[:8].upper()}"
    subject = f"{stream.lower()}.events"
    await js.add_stream(StreamConfig(name=stream, subjects=[subject]))
    for n in range(6):
        await js.publish(subject, str(n).encode(), stream=stream)
    quick, slow = "quick", "slow"
    for name, acks in ((quick, 5), (slow, 2)):
        await js.add_consumer(
            stream, ConsumerConfig(durable_name=name, ack_policy=AckPolicy.EXPLICIT)
        )
        sub = await js.pull_subscribe_bind(name, stream=stream)
        for message in await sub.fetch(acks, timeout=5):
            await message.ack_sync()
        await sub.unsubscribe()
    try:
        # Everything is older than "now": only the slow consumer's unacked messages stay.
        later = datetime.now(UTC) + timedelta(seconds=1)
        kept = (quick, slow)
        assert (
            await retention.trim_stream(js, later, dry_run=True, stream=stream, consumers=kept) == 2
        )
        assert (await js.stream_info(stream)).state.messages == 6
        assert (
            await retention.trim_stream(js, later, dry_run=False, stream=stream, consumers=kept)
            == 2
        )
        state = (await js.stream_info(stream)).state
        assert (state.first_seq, state.messages) == (3, 4)
        # Nothing is older than an hour ago: nothing goes, however far consumers are.
        earlier = datetime.now(UTC) - timedelta(hours=1)
        assert (
            await retention.trim_stream(js, earlier, dry_run=False, stream=stream, consumers=kept)
            == 0
        )
        # No consumer at all: nothing is known to be passed, nothing goes.
        assert (
            await retention.trim_stream(js, later, dry_run=False, stream=stream, consumers=()) == 0
        )
        assert (await js.stream_info(stream)).state.messages == 4
    finally:
        await js.delete_stream(stream)


async def test_the_retention_workflow_runs_the_same_retention_on_temporal(
    pool: asyncpg.Pool,
    store: AttachmentStore,
    nats_url: str,
    time_skipping_env: WorkflowEnvironment,
) -> None:
    person = new_person()
    complaint_id = await complaint_of(pool, store, person, days_ago=2100)
    task_queue = f"retention-{uuid.uuid4()}"
    activities = RetentionActivities(pool, store, [nats_url], DEFAULT_POLICY)
    async with Worker(
        time_skipping_env.client,
        task_queue=task_queue,
        workflows=[RetentionRun],
        workflow_runner=workflow_runner(),
        activities=activities.all(),
    ):
        counts = await time_skipping_env.client.execute_workflow(
            RetentionRun.run, id=f"retention-{uuid.uuid4()}", task_queue=task_queue
        )
    assert counts["closed_complaints"] >= 1
    assert (await _row(pool, complaint_id))["description"] == ERASED_TEXT
    assert await _traces(pool, person) == []
