"""Indonesian phone numbers as channels and providers compare and dial them."""

from __future__ import annotations

import re

_NOT_DIGITS = re.compile(r"\D")


def international(phone: str) -> str:
    """Digits with the country code: 0812-345 and +62 812 345 are both 62812345."""
    digits = _NOT_DIGITS.sub("", phone)
    return "62" + digits[1:] if digits.startswith("0") else digits
