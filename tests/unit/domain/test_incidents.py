"""The pure rules of incidents: distance, areas, what is related, what links on arrival."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aduan.domain import incidents as rules
from aduan.domain.incidents import OpenIncident, Place, Seen

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
SUKAJADI = Place("32.73.05.1001", -6.8845, 107.5930)


def seen(place: Place, *, category: str | None = "no_water", ago: timedelta = timedelta()) -> Seen:
    return Seen(uuid.uuid4(), category, place, NOW - ago)


def test_haversine_matches_known_distances() -> None:
    # Bandung (Gedung Sate) to Jakarta (Monas): about 116 km as the crow flies.
    assert rules.haversine_km(-6.9025, 107.6187, -6.1754, 106.8272) == pytest.approx(118, abs=3)
    assert rules.haversine_km(0, 0, 0, 1) == pytest.approx(111.2, abs=0.1)
    assert rules.haversine_km(-6.9, 107.6, -6.9, 107.6) == 0


coordinate = st.tuples(st.floats(-90, 90), st.floats(-180, 180))


@given(coordinate, coordinate)
def test_haversine_is_symmetric_and_bounded(a: tuple[float, float], b: tuple[float, float]) -> None:
    there, back = rules.haversine_km(*a, *b), rules.haversine_km(*b, *a)
    assert there == pytest.approx(back, abs=1e-6)
    assert 0 <= there <= 20_016  # half the earth's circumference


def test_areas_by_district_or_distance() -> None:
    assert rules.region_key("32.73.05.1001") == "32.73.05"
    assert rules.region_key("32.73") is None and rules.region_key(None) is None
    assert rules.near(SUKAJADI, Place("32.73.05.1009"))
    assert not rules.near(SUKAJADI, Place("32.73.06.1001"))  # Cicendo, next door
    assert rules.near(SUKAJADI, Place(None, -6.8900, 107.5990))  # about 0.9 km
    assert not rules.near(SUKAJADI, Place(None, -6.95, 107.70))  # about 14 km
    assert not rules.near(Place(), Place())
    assert rules.within_region("32.73", "32.73.05.1001")
    assert rules.within_region("32.73.05", "32.73.05")
    assert not rules.within_region("32.7", "32.73.05")


def test_place_of_a_stored_location() -> None:
    assert rules.place_of(None) == Place()
    assert rules.place_of({"region_code": "32.73", "lat": -6, "lon": 107.5}) == Place(
        "32.73", -6.0, 107.5
    )
    assert not rules.place_of({"lat": "x", "lon": None}).has_coordinates


def test_related_needs_category_area_and_time() -> None:
    subject = seen(SUKAJADI)
    low, strong = rules.RELATED_MIN_SIMILARITY, rules.RELATED_STRONG_SIMILARITY
    assert rules.is_related(subject, seen(Place("32.73.05.2002")), low)
    assert not rules.is_related(subject, seen(Place("32.73.05.2002")), low - 0.01)
    assert not rules.is_related(subject, seen(SUKAJADI, category="billing"), 0.9)
    assert not rules.is_related(seen(SUKAJADI, category=None), seen(SUKAJADI, category=None), 1)
    assert not rules.is_related(subject, seen(Place("32.73.06.1001")), 0.9)
    assert not rules.is_related(subject, subject, 1.0)
    later = rules.RELATED_WINDOW + timedelta(hours=1)
    assert not rules.is_related(subject, seen(SUKAJADI, ago=later), strong - 0.01)
    assert rules.is_related(subject, seen(SUKAJADI, ago=later), strong)
    assert not rules.is_related(
        subject, seen(SUKAJADI, ago=rules.STRONG_WINDOW + timedelta(hours=1)), 1.0
    )


def test_thresholds_are_ordered() -> None:
    assert 0 < rules.RELATED_MIN_SIMILARITY < rules.LINK_MIN_SIMILARITY
    assert rules.LINK_MIN_SIMILARITY < rules.RELATED_STRONG_SIMILARITY < 1
    assert rules.RELATED_WINDOW < rules.STRONG_WINDOW


def test_arrival_links_the_best_incident_that_covers_the_place() -> None:
    city = OpenIncident(uuid.uuid4(), "no_water", "32.73")
    district = OpenIncident(uuid.uuid4(), "no_water", "32.73.05")
    elsewhere = OpenIncident(uuid.uuid4(), "no_water", "32.74")
    strict = rules.LINK_MIN_SIMILARITY
    chosen = rules.best_match(
        [(city, strict), (district, strict + 0.1), (elsewhere, 0.9)], "no_water", SUKAJADI
    )
    assert chosen == district
    assert rules.best_match([(city, strict - 0.01)], "no_water", SUKAJADI) is None
    assert rules.best_match([(city, 0.9)], "power_outage", SUKAJADI) is None
    assert rules.best_match([], "no_water", SUKAJADI) is None


def test_arrival_by_coordinates_near_a_linked_complaint() -> None:
    incident = OpenIncident(uuid.uuid4(), "no_water", "32.73.05", (SUKAJADI,))
    by_point = Place(None, -6.8900, 107.5990)
    assert rules.links_on_arrival(incident, "no_water", by_point, rules.LINK_MIN_SIMILARITY)
    assert not rules.links_on_arrival(incident, "no_water", Place(None, -6.95, 107.70), 0.9)


def test_ids_and_steps_are_stable() -> None:
    incident, complaint = uuid.uuid4(), uuid.uuid4()
    assert rules.update_id(incident, complaint, "respond") == rules.update_id(
        incident, complaint, "respond"
    )
    assert rules.update_id(incident, complaint, "respond") != rules.update_id(
        incident, complaint, "acknowledge"
    )
    assert rules.notice_step(incident, "linked") != rules.notice_step(incident, "answered")
