"""Guessing whether a message is in Bahasa Indonesia or English, for channels that do not say."""

from __future__ import annotations

import re

from aduan.domain.vocabulary import Language

# Frequent function words of each language; words both share (e.g. "air") are left out.
_INDONESIAN = frozenset(
    "yang dan di ke dari ini itu tidak belum sudah saya kami kita anda dengan untuk pada"
    " karena sejak sampai juga akan bisa ada mohon tolong sangat lagi bulan rumah tagihan"
    " listrik kenapa mengapa apa tetapi tapi atau oleh dalam kali masih".split()
)
_ENGLISH = frozenset(
    "the and is are was were my our we not no to of for with this that have has since"
    " please bill water power why what but or by in it be been still again month"
    " house there their you your".split()
)
_WORD = re.compile(r"[a-z]+")


def guess_language(*texts: str | None) -> Language:
    """English when clearly more of its words appear; Bahasa Indonesia otherwise (the default)."""
    words = _WORD.findall(" ".join(t for t in texts if t).lower())
    indonesian = sum(word in _INDONESIAN for word in words)
    english = sum(word in _ENGLISH for word in words)
    return Language.EN if english >= 2 and english > indonesian else Language.ID
