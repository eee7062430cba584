"""Temporal: the client every process uses, its data converter (payloads encrypted), and
the search attributes lifecycles keep."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.service import RPCError, RPCStatusCode

from aduan.adapters.payload_codec import EncryptionCodec, keys_of
from aduan.config import PayloadKey, Settings

# No personal data in search attributes: the codec does not see them, Temporal keeps them
# in clear to filter on.
STATUS = SearchAttributeKey.for_keyword("AduanStatus")
UNIT = SearchAttributeKey.for_keyword("AduanUnit")
CLASS = SearchAttributeKey.for_keyword("AduanClass")
ESCALATION = SearchAttributeKey.for_keyword("AduanEscalation")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("AduanNextDeadline")
SEARCH_ATTRIBUTES: list[SearchAttributeKey[Any]] = [STATUS, UNIT, CLASS, ESCALATION, NEXT_DEADLINE]


def workflow_id(complaint_id: object) -> str:
    """The one workflow id a complaint's lifecycle runs under."""
    return f"complaint-{complaint_id}"


def data_converter(keys: Sequence[PayloadKey]) -> DataConverter:
    """The one converter of every client, worker and replayer: pydantic's JSON, then each
    payload encrypted; failures' messages and stack traces are moved into an encrypted
    payload too (an activity's error may quote what it was given)."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: Settings) -> Client:
    """A client of the configured Temporal, with the keys this process holds."""
    return await Client.connect(
        settings.temporal_target,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(keys_of(settings)),
    )


def dev_server_flags() -> list[str]:
    """`temporal server start-dev` flags that register Aduan's search attributes."""
    flags: list[str] = []
    for key in SEARCH_ATTRIBUTES:
        kind = key.indexed_value_type.name.title()  # KEYWORD -> Keyword
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags


async def ensure_search_attributes(client: Client) -> None:
    """Register Aduan's search attributes on the namespace where they are missing."""
    service = client.operator_service
    existing = await service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
        for key in SEARCH_ATTRIBUTES
        if key.name not in existing.custom_attributes
    }
    if missing:
        await service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )


async def delete_runs(client: Client, workflow: str) -> int:
    """Delete every run of `workflow` (a running one is terminated first): its history and
    its visibility record, memory of earlier runs included; how many runs there were."""
    runs = [run.run_id async for run in client.list_workflows(f'WorkflowId = "{workflow}"')]
    for run_id in runs or [""]:  # visibility may lag a start: the latest run by id alone
        try:
            await client.workflow_service.delete_workflow_execution(
                DeleteWorkflowExecutionRequest(
                    namespace=client.namespace,
                    workflow_execution=WorkflowExecution(workflow_id=workflow, run_id=run_id),
                )
            )
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:  # already gone: nothing to delete
                raise
    return len(runs)
