"""How workers run ComplaintLifecycle: the sandbox, with Aduan's own modules passed through.

The sandbox re-imports a workflow's modules for every run unless they are passed through;
for a lifecycle that costs more than its first activities (bench/README.md). Aduan's modules
and the pure libraries they use are passed through, so they are imported once per worker.
What the sandbox then no longer checks in the workflow's own code (no clock, randomness or
I/O outside `workflow.*`) tests/unit/lifecycle/test_determinism.py checks on every change,
and the replay suite proves against recorded histories.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSED_THROUGH = (
    "aduan",
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "typing_extensions",
    "yaml",
    "holidays",
    "dateutil",
    "asyncpg",
    "structlog",
)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The runner every worker, test and replayer of ComplaintLifecycle uses."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
    return SandboxedWorkflowRunner(restrictions=restrictions)
