"""deploy/Containerfile read as its instructions, by stage: what the image and manifest
tests hold to the code."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

CONTAINERFILE = Path(__file__).resolve().parents[2] / "deploy" / "Containerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON array of CMD, ENTRYPOINT or HEALTHCHECK CMD."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":  # its options (--interval=...), then CMD [...]
            options, _, text = text.partition("CMD ")
            assert all(o.startswith("--") for o in options.split()), self.arguments
        value = json.loads(text)
        assert isinstance(value, list), f"{self.keyword} must be in exec form: {text}"
        return [str(part) for part in value]


def stages(text: str) -> list[list[Instruction]]:
    """The Containerfile's instructions, by stage, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    found: list[list[Instruction]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arguments = line.partition(" ")
        if keyword.upper() == "FROM":
            found.append([])
        elif not found:
            continue  # ARG before the first FROM
        found[-1].append(Instruction(keyword.upper(), arguments.strip()))
    return found


def final_stage() -> list[Instruction]:
    """The instructions of the image that runs (the last stage)."""
    return stages(CONTAINERFILE.read_text("utf-8"))[-1]


def image_user() -> list[str]:
    """The user and group the image runs as (its last USER)."""
    user = [i for i in final_stage() if i.keyword == "USER"][-1]
    return user.arguments.split(":")
