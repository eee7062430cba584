"""deploy/Containerfile, read (no container engine here to build it): one image for every
process, a non-root user, no development servers, a health check, `aduan` as the command;
and the wheel it installs holds what the processes read at run time."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from aduan.cli import DEV_SERVERS, app
from aduan.processes import PROCESS_NAMES
from aduan.web.ops import ops_app
from devtools import servers
from tests.support.containerfile import CONTAINERFILE, Instruction, stages
from tests.support.http import serve

ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
PACKAGES = ("aduan", "services", "devtools")  # [tool.setuptools.packages.find]


STAGES = stages(CONTAINERFILE.read_text("utf-8"))
FINAL = STAGES[-1]


def only(keyword: str, stage: list[Instruction] = FINAL) -> Instruction:
    matches = [i for i in stage if i.keyword == keyword]
    assert len(matches) == 1, f"the final stage has {len(matches)} {keyword}"
    return matches[0]


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    user = [i for i in FINAL if i.keyword == "USER"]
    assert user, "the final stage sets no USER: it would run as root"
    name, _, group = user[-1].arguments.partition(":")
    assert name not in ("root", "0") and group not in ("root", "0")
    # deploy/k8s runs the pods as this uid (runAsUser), so keep it numeric.
    assert name.isdigit() and int(name) >= 1000
    after_user = FINAL[FINAL.index(user[-1]) :]
    assert not [i for i in after_user if i.keyword == "RUN"], "RUN after USER runs as the user"


def test_only_the_production_dependencies_are_installed() -> None:
    runs = " ".join(i.arguments for stage in STAGES for i in stage if i.keyword == "RUN")
    for extra in PYPROJECT["project"]["optional-dependencies"]:
        assert f"[{extra}" not in runs and f",{extra}" not in runs, f"the {extra} extra"
    for wheel in DEV_SERVERS:
        assert wheel not in runs
        assert not any(d.startswith(wheel) for d in PYPROJECT["project"]["dependencies"])
    assert " -e " not in runs, "an editable install needs the source tree at run time"
    installs = [i.arguments for i in FINAL if i.keyword == "RUN" and "pip install" in i.arguments]
    assert len(installs) == 1
    assert re.search(r"--no-index --find-links \S+ aduan(\s|$)", installs[0])


def test_the_build_stage_copies_every_package_the_wheel_is_made_of() -> None:
    copied = {i.arguments.split()[0] for i in STAGES[0] if i.keyword == "COPY"}
    assert PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"] == [
        f"{p}*" for p in PACKAGES
    ]
    assert copied == {"pyproject.toml", *PACKAGES}


def test_the_command_is_aduan_and_the_health_check_asks_the_process() -> None:
    commands = {command for command in get_command(app).commands}  # type: ignore[attr-defined]
    assert only("ENTRYPOINT").exec_form() == ["aduan"]
    default = only("CMD").exec_form()
    assert default[0] == "serve" and default[1] in PROCESS_NAMES
    check = only("HEALTHCHECK").exec_form()
    assert check[0] == "aduan" and check[1] in commands
    assert {"serve", "setup", "probe"} <= commands


def test_the_health_check_passes_only_while_the_process_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aduan.config import Settings, get_settings

    runner = CliRunner()
    for name in ("ADUAN_INTAKE_PORT", "ADUAN_DESK_PORT"):
        monkeypatch.setenv(name, str(servers.free_port()))  # nothing listens there
    with serve(ops_app(Settings(), {})) as base:
        monkeypatch.setenv("ADUAN_OPS_PORT", base.rsplit(":", 1)[1])
        get_settings.cache_clear()
        healthy = runner.invoke(app, ["probe"])
    get_settings.cache_clear()
    unhealthy = runner.invoke(app, ["probe", "--timeout", "0.5"])
    get_settings.cache_clear()
    assert healthy.exit_code == 0, healthy.output
    assert unhealthy.exit_code == 1


def test_the_wheel_holds_what_the_processes_read_at_run_time(tmp_path: Path) -> None:
    # Built from exactly what the Containerfile copies, outside the work tree (setuptools
    # writes build/ and *.egg-info next to the sources).
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    data = {
        path.relative_to(source).as_posix()
        for package in PACKAGES
        for path in (source / package).rglob("*")
        if path.is_file() and path.suffix != ".py"
    }
    migrations = {p.relative_to(source).as_posix() for p in source.rglob("versions/*.py")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("aduan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    # Templates, message catalogues, the default policy, the routing rules, the migrations'
    # template: every one of them, and every migration.
    assert data - names == set()
    assert any(n.endswith(".po") for n in data) and any(n.endswith(".html") for n in data)
    assert migrations and migrations <= names
    (info,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    metadata = Parser().parsestr(zipfile.ZipFile(wheel).read(info).decode())
    required = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert required and not [r for r in required if r.startswith(DEV_SERVERS)]
