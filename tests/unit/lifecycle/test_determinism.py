"""The workflow's own code runs outside the sandbox's import isolation (aduan.lifecycle.runner),
so what the sandbox would refuse is refused here: no clock, randomness, sleep or I/O except
through `workflow.*` and activities."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import aduan.lifecycle

WORKFLOW_CODE = [
    "workflow.py",
    "steps.py",
    "state.py",
    "clocks.py",
    "rules.py",
    "models.py",
    "retention_workflow.py",
]
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "sleep"),
    ("time", "perf_counter"),
    ("uuid", "uuid1"),
    ("uuid", "uuid4"),
    ("asyncio", "sleep"),
    ("os", "getenv"),
    ("os", "urandom"),
}
FORBIDDEN_MODULES = {"random", "secrets", "socket", "threading", "subprocess", "requests", "httpx"}
FORBIDDEN_NAMES = {"open", "print", "input"}


def _problems(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in FORBIDDEN_CALLS or (
                node.value.id == "os" and node.attr == "environ"
            ):
                found.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in FORBIDDEN_NAMES:
                found.append(f"{node.func.id}() (line {node.lineno})")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                if name and name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(f"import {name} (line {node.lineno})")
    return found


@pytest.mark.parametrize("name", WORKFLOW_CODE)
def test_workflow_code_takes_time_randomness_and_io_only_from_temporal(name: str) -> None:
    path = Path(aduan.lifecycle.__file__).parent / name
    assert not _problems(path), f"{name}: use workflow.now(), workflow.uuid4(), activities"


def test_the_check_finds_what_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import random\nfrom datetime import datetime\nx = datetime.now()\nopen('f')\n"
    )
    assert len(_problems(sample)) == 3
