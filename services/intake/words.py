"""The citizen pages' texts (Bahasa Indonesia first, English second) and the visitor's pick."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request

from aduan import i18n

LANGUAGES = i18n.LANGUAGES
DEFAULT = i18n.DEFAULT
COOKIE = "aduan_lang"


def words(language: str) -> Mapping[str, str]:
    """Every text of one language, by key (aduan/locale/<language>/LC_MESSAGES/aduan.po)."""
    return i18n.catalogue(language)


def choose(request: Request) -> tuple[str, bool]:
    """The page's language: `?lang=` (True: remember it in the cookie), the cookie, or id."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked, True
    remembered = request.cookies.get(COOKIE)
    return (remembered if remembered in LANGUAGES else DEFAULT), False
