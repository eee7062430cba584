"""Where a complaint's words do not rest: Temporal keeps ciphertext (its history, read
without the codec, holds none of them, yet replays with the codec) and the bus carries none;
a lifecycle begun under one key goes on, and ends, after a second key is added."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import pytest_asyncio
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload, SearchAttributes
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from aduan.adapters import temporal
from aduan.adapters.payload_codec import ENCODING, KEY_ID, EncryptionCodec
from aduan.config import PayloadKey
from aduan.lifecycle.activities import LifecycleActivities
from aduan.lifecycle.models import (
    AcknowledgeInput,
    ConfirmInput,
    NoteInput,
    RatingInput,
    ReplyInput,
    RequestInfoInput,
    RespondInput,
)
from aduan.lifecycle.runner import workflow_runner
from aduan.lifecycle.workflow import ComplaintLifecycle
from tests.support.lifecycle import DEFAULT_POLICY, Complaint, Lifecycles
from tests.support.payload_keys import ROTATED_KEYRING, TEST_KEYRING


def _payloads(message: Message) -> Iterator[Payload]:
    """Every payload a history event holds, however deep; not search attributes (Temporal
    indexes those, the codec never sees them: they hold no personal data)."""
    if isinstance(message, Payload):
        yield message
        return
    if isinstance(message, SearchAttributes):
        return
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if isinstance(value, Message):
            yield from _payloads(value)
        elif field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                for item in value.values():
                    yield from _payloads(item)
        else:  # a repeated field
            for item in value:
                yield from _payloads(item)


# The SDK's own bookkeeping in markers, written by its core past the codec: a patch's name,
# a local activity's sequence number, type and times. The local activity's result is a
# payload of its own, encrypted.
_BOOKKEEPING = {("core_patch", "patch-data"), ("core_local_activity", "data")}


def _history_payloads(history: WorkflowHistory) -> list[Payload]:
    """Every payload of the history the codec was given."""
    found = []
    for event in history.events:
        if not event.HasField("marker_recorded_event_attributes"):
            found += _payloads(event)
            continue
        marker = event.marker_recorded_event_attributes
        for name, details in marker.details.items():
            if (marker.marker_name, name) not in _BOOKKEEPING:
                found += _payloads(details)
        if marker.HasField("failure"):
            found += _payloads(marker.failure)
    return found


def _raw(history: WorkflowHistory) -> bytes:
    """The history as Temporal stores it, every byte of every event."""
    return b"".join(event.SerializeToString() for event in history.events)


async def _plain_client(env: WorkflowEnvironment) -> Client:
    """A client without the codec: what anyone reading Temporal's store directly sees."""
    return await Client.connect(
        env.client.service_client.config.target_host,
        namespace=env.client.namespace,
        data_converter=pydantic_data_converter,
    )


async def _replays(history: WorkflowHistory, keys: list[PayloadKey] | None) -> bool:
    replayer = Replayer(
        workflows=[ComplaintLifecycle],
        workflow_runner=workflow_runner(),
        data_converter=temporal.data_converter(keys) if keys else pydantic_data_converter,
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return result.replay_failure is None


@dataclass
class Lived:
    """A complaint that went from receipt to its rating, each step in words of its own."""

    complaint: Complaint
    marker: str  # in every one of the words
    words: dict[str, str]


async def _lived(lifecycles: Lifecycles) -> Lived:
    marker = uuid.uuid4().hex[:10]
    words = {
        "subject": f"Pipa bocor SUBJ{marker}",
        "description": f"Pipa bocor DESC{marker} di Jl. Melati",
        "request": f"Mohon foto meteran REQ{marker}",
        "reply": f"Ini fotonya REPLY{marker}",
        "answer": f"Pipa sudah diganti ANSWER{marker}",
        "note": f"Warga marah NOTE{marker}",
        "comment": f"Cepat sekali RATE{marker}",
    }
    complaint = await lifecycles.start(
        "light", description=words["description"], subject=words["subject"]
    )
    handle = complaint.handle
    await handle.execute_update(ComplaintLifecycle.acknowledge, AcknowledgeInput(actor="ani"))
    await handle.execute_update(ComplaintLifecycle.note, NoteInput(actor="ani", text=words["note"]))
    await handle.execute_update(
        ComplaintLifecycle.request_info, RequestInfoInput(actor="ani", message=words["request"])
    )
    await handle.execute_update(ComplaintLifecycle.reply, ReplyInput(message=words["reply"]))
    await handle.execute_update(
        ComplaintLifecycle.respond, RespondInput(actor="ani", message=words["answer"])
    )
    await handle.execute_update(ComplaintLifecycle.confirm, ConfirmInput())
    await handle.execute_update(
        ComplaintLifecycle.rate, RatingInput(score=5, comment=words["comment"])
    )
    assert (await handle.result()).outcome == "resolved"
    return Lived(complaint, marker, words)


async def test_the_history_read_without_the_codec_holds_none_of_the_complaints_words(
    lifecycles: Lifecycles, time_skipping_env: WorkflowEnvironment
) -> None:
    lived = await _lived(lifecycles)
    complaint, marker, words = lived.complaint, lived.marker, lived.words
    handle = complaint.handle

    plain = await _plain_client(time_skipping_env)
    history = await plain.get_workflow_handle(handle.id).fetch_history()
    raw = _raw(history)
    for name, text in words.items():
        assert text.encode() not in raw, f"the {name} is readable in Temporal's history"
    assert marker.encode() not in raw  # nor any piece of any of them
    payloads = _history_payloads(history)
    assert payloads and all(p.metadata["encoding"] == ENCODING for p in payloads)
    assert {p.metadata[KEY_ID] for p in payloads} == {b"test-1"}

    # The words did go through Temporal (as ciphertext): the codec reads them back.
    opened = b"".join(p.data for p in await EncryptionCodec(TEST_KEYRING).decode(payloads))
    for name in ("request", "reply", "answer", "note", "comment"):
        assert words[name].encode() in opened, name
    # The PostgreSQL timeline keeps them, in its own store.
    assert words["answer"] in str(await complaint.events("responded"))

    assert await _replays(history, TEST_KEYRING)
    assert not await _replays(history, None)  # without the key it cannot be replayed


async def test_the_events_on_the_bus_carry_none_of_the_complaints_words(
    lifecycles: Lifecycles,
) -> None:
    lived = await _lived(lifecycles)
    # The outbox holds each event exactly as the relay publishes it on JetStream.
    published = await lived.complaint.pool.fetch(
        "SELECT payload::text AS json FROM outbox WHERE payload->>'complaint_id' = $1",
        str(lived.complaint.id),
    )
    types = {json.loads(row["json"])["type"] for row in published}
    assert {"received", "info_requested", "replied", "responded", "note", "rated"} <= types
    assert not [row["json"] for row in published if lived.marker in row["json"]]
    # The words are kept where readers find them: the complaint and its timeline.
    timeline = str(await lived.complaint.events())
    for name in ("request", "reply", "answer", "note", "comment"):
        assert lived.words[name] in timeline, name


@pytest_asyncio.fixture
async def keyed_client(time_skipping_env: WorkflowEnvironment) -> dict[str, Client]:
    """Clients of the test server holding key 1 only, and keys 1 and 2 (rotated)."""
    target = time_skipping_env.client.service_client.config.target_host
    return {
        name: await Client.connect(
            target,
            namespace=time_skipping_env.client.namespace,
            data_converter=temporal.data_converter(keys),
        )
        for name, keys in (("key 1", TEST_KEYRING), ("keys 1, 2", ROTATED_KEYRING))
    }


def _worker(client: Client, task_queue: str, activities: LifecycleActivities) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ComplaintLifecycle],
        workflow_runner=workflow_runner(),
        activities=activities.all(),
        max_cached_workflows=0,  # every task replays the whole history: both keys in use
    )


async def test_a_lifecycle_started_under_key_1_goes_on_and_ends_under_key_2(
    time_skipping_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    keyed_client: dict[str, Client],
) -> None:
    task_queue = f"rotation-{uuid.uuid4()}"
    activities = LifecycleActivities(pool, DEFAULT_POLICY)
    before, after = keyed_client["key 1"], keyed_client["keys 1, 2"]
    lifecycles = Lifecycles(time_skipping_env, before, task_queue, pool, activities)
    try:
        async with _worker(before, task_queue, activities):
            complaint = await lifecycles.start("light")
            await complaint.handle.execute_update(
                ComplaintLifecycle.acknowledge, AcknowledgeInput(actor="ani")
            )
        # Every process restarts with key 2 added at the end of ADUAN_PAYLOAD_KEYS.
        async with _worker(after, task_queue, activities):
            handle = after.get_workflow_handle_for(ComplaintLifecycle.run, complaint.handle.id)
            answered = await handle.execute_update(
                ComplaintLifecycle.respond, RespondInput(actor="ani", message="Sudah diganti.")
            )
            assert answered.status == "responded"
            await handle.execute_update(ComplaintLifecycle.confirm, ConfirmInput())
            await handle.execute_update(ComplaintLifecycle.rate, RatingInput(score=4))
            assert (await handle.result()).outcome == "resolved"
    finally:
        for started in lifecycles.started:
            with contextlib.suppress(RPCError):  # it ended, unless the test failed
                await started.handle.terminate()

    history = await handle.fetch_history()
    ids = [p.metadata[KEY_ID] for p in _history_payloads(history)]
    first_new = ids.index(b"test-2")
    assert first_new > 0 and set(ids[:first_new]) == {b"test-1"}
    assert set(ids[first_new:]) == {b"test-2"}  # once key 2 is in, every new payload uses it
    assert await _replays(history, ROTATED_KEYRING)
    assert not await _replays(history, TEST_KEYRING)  # key 2 is needed from then on
