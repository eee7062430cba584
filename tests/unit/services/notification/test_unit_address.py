"""Where a unit's officers get mail: the unit's own address, or the configured form."""

from __future__ import annotations

from aduan.config import Settings
from aduan.store.units import Unit
from services.notification.staff import officers_address


def test_the_units_own_address_wins_over_the_configured_form() -> None:
    settings = Settings(unit_email="{unit}@pdam.example.id")
    assert officers_address(settings, "teknis", None) == "teknis@pdam.example.id"
    assert officers_address(settings, "teknis", Unit("teknis")) == "teknis@pdam.example.id"
    own = Unit("teknis", email="tim-teknis@pdam.example.id")
    assert officers_address(settings, "teknis", own) == "tim-teknis@pdam.example.id"


def test_a_unit_name_falls_back_to_the_other_language_then_the_code() -> None:
    assert Unit("teknis", name_id="Bagian Teknik").name("en") == "Bagian Teknik"
    assert Unit("teknis", name_en="Engineering").name("en") == "Engineering"
    assert Unit("teknis").name("id") == "teknis"
