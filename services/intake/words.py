"""The citizen pages' texts (Bahasa Indonesia first, English second) and the visitor's pick."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from fastapi import Request

LANGUAGES = ("id", "en")
DEFAULT = "id"
COOKIE = "aduan_lang"
_DIR = Path(__file__).resolve().parent / "templates" / "words"


@lru_cache
def words(language: str) -> dict[str, str]:
    """Every text of one language, by key (templates/words/<language>.yaml)."""
    loaded: dict[str, str] = yaml.safe_load((_DIR / f"{language}.yaml").read_text("utf-8"))
    return loaded


def choose(request: Request) -> tuple[str, bool]:
    """The page's language: `?lang=` (True: remember it in the cookie), the cookie, or id."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked, True
    remembered = request.cookies.get(COOKIE)
    return (remembered if remembered in LANGUAGES else DEFAULT), False
