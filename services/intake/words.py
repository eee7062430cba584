"""The citizen pages' texts (Bahasa Indonesia first, English second) and the visitor's pick."""

from __future__ import annotations

from collections.abc import Mapping

from aduan import i18n
from aduan.web.pages import LANGUAGE_COOKIE as COOKIE
from aduan.web.pages import choose_language as choose

LANGUAGES = i18n.LANGUAGES
DEFAULT = i18n.DEFAULT
__all__ = ["COOKIE", "DEFAULT", "LANGUAGES", "choose", "words"]


def words(language: str) -> Mapping[str, str]:
    """Every text of one language, by key (aduan/locale/<language>/LC_MESSAGES/aduan.po)."""
    return i18n.catalogue(language)
