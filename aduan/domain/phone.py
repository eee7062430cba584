"""Indonesian phone numbers as channels and providers compare and dial them."""

from __future__ import annotations

import re

import phonenumbers

_NOT_DIGITS = re.compile(r"\D")
_REGION = "ID"


def international(phone: str) -> str:
    """Digits with the country code: 0812-345, +62 812 345 and 0062 812 345 are all 62812345.

    A valid number is its E.164 form without the '+'; anything else (short codes such as
    1708) is its digits, a leading national 0 taken for Indonesia's country code."""
    digits = _NOT_DIGITS.sub("", phone)
    if digits.startswith("00"):
        # 00 is the international dialling prefix: 0062... is +62..., not a national 0.
        digits = digits[2:]
    elif digits.startswith("0"):
        return _e164(digits) or "62" + digits[1:]
    # Without a national 0 the digits already carry their country code (WhatsApp sends
    # 62812... without '+'), so they are read as international, never as an Indonesian
    # number beginning 62. Digits only: phonenumbers would turn letters into digits.
    return _e164("+" + digits) or digits


def _e164(number: str) -> str | None:
    try:
        parsed = phonenumbers.parse(number, _REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).removeprefix("+")
