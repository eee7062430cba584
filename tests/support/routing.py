"""The routing rules that ship, for tests that need categories, units or conditions."""

from __future__ import annotations

from pathlib import Path

import services.routing as routing_service

SHIPPED_RULES = Path(routing_service.__file__).parent / "rules.yaml"
