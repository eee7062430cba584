"""The layers of docs/architecture.md, kept: imports point from services to the core's
layers to the domain, never back, and HTTP stays in the web layer and the HTTP services."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The composition root: the command line and the process table start every part by name.
ENTRY_POINTS = {"aduan.cli", "aduan.__main__", "aduan.processes"}
BASE = {"aduan.config", "aduan.logs", "aduan.i18n"}

# Which of Aduan's own packages each layer may import (besides itself and the base modules).
MAY_IMPORT: dict[str, set[str]] = {
    "aduan.domain": set(),
    "aduan.adapters": {"aduan.domain"},
    "aduan.store": {"aduan.domain", "aduan.adapters"},
    "aduan.lifecycle": {"aduan.domain", "aduan.adapters", "aduan.store"},
    "aduan.web": {"aduan.domain", "aduan.adapters", "aduan.store"},
    "aduan.reports": {"aduan.domain", "aduan.store"},
    "services": {
        "aduan.domain",
        "aduan.adapters",
        "aduan.store",
        "aduan.lifecycle",
        "aduan.web",
        "aduan.reports",
    },
    "devtools": {"aduan", "services"},
}
HTTP = ("fastapi", "starlette", "uvicorn")
HTTP_ALLOWED = ("aduan.web", "services.intake", "services.desk", "devtools")


def _modules() -> Iterator[tuple[str, Path]]:
    for package in ("aduan", "services", "devtools"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # alembic's own scripts
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(p for p in parts if p != "__init__"), path


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _layer(module: str) -> str | None:
    if module.startswith("services."):
        return ".".join(module.split(".")[:2])
    return next(
        (layer for layer in MAY_IMPORT if module == layer or module.startswith(layer + ".")), None
    )


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


MODULES = [(name, path) for name, path in _modules() if name not in ENTRY_POINTS]


@pytest.mark.parametrize("name,path", MODULES, ids=[name for name, _ in MODULES])
def test_imports_point_one_way(name: str, path: Path) -> None:
    layer = _layer(name)
    if layer is None:
        assert name in BASE | {"aduan"}, f"{name} belongs to no layer of docs/architecture.md"
        return
    allowed = MAY_IMPORT["services" if layer.startswith("services.") else layer]
    wrong = set()
    for imported in _imports(path):
        own = imported.split(".")[0] in ("aduan", "services", "devtools")
        base = imported == "aduan" or any(_within(imported, b) for b in BASE)
        if not own or base or _within(imported, layer):
            continue
        if not any(_within(imported, target) for target in allowed):
            wrong.add(imported)
    assert not wrong, f"{name} ({layer}) must not import {sorted(wrong)}"


@pytest.mark.parametrize("name,path", MODULES, ids=[name for name, _ in MODULES])
def test_http_stays_in_the_web_layer_and_the_http_services(name: str, path: Path) -> None:
    if any(_within(name, allowed) for allowed in HTTP_ALLOWED):
        return
    used = {i for i in _imports(path) if i.split(".")[0] in HTTP}
    assert not used, f"{name} imports {sorted(used)}; the core and the consumers know no HTTP"


def test_every_process_has_its_own_folder() -> None:
    from aduan.processes import PROCESS_NAMES

    folders = {p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists()}
    homes = {"inbound-mail": "intake", "mailsink": None}  # the sink is a dev tool (devtools/)
    for process in PROCESS_NAMES:
        home = homes.get(process, process)
        assert home is None or home in folders, f"process {process} has no services/{home}/"
