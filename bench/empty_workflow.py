"""The workflow the raw Temporal figure starts: nothing but a start and a completion.

A module of its own, importing nothing else, so the worker's sandbox re-imports only this.
"""

from __future__ import annotations

from temporalio import workflow


@workflow.defn(name="BenchEmpty")
class EmptyWorkflow:
    """Completes at once."""

    @workflow.run
    async def run(self) -> None:
        return None
