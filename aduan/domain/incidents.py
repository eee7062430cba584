"""Incidents: many complaints about one problem. The pure rules: what counts as related,
what links a new complaint on arrival, and the limits on what staff write.

The similarity numbers are PostgreSQL pg_trgm scores (0 to 1) of the complaints' texts; they
were chosen on the measured distributions printed by bench/similarity.py (docs/incidents.md).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

# Proposing related complaints (the desk's list on a complaint's page) -----------------------
# Received within this time of each other: an outage is complained about for days, not weeks.
RELATED_WINDOW = timedelta(days=3)
# Lowest text similarity for a proposal: below every pair of the twenty outage texts (0.147
# at least); 71 of 100 outage x other-topic pairs fall below it, and the category and the
# area drop the rest.
RELATED_MIN_SIMILARITY = 0.14
# A text this similar is proposed outside RELATED_WINDOW too (same category and area), as
# long as it is within STRONG_WINDOW: above every outage x other-topic pair (0.298 at most),
# reached by 13 of the 190 outage pairs (a repeat, a copy, the same words).
RELATED_STRONG_SIMILARITY = 0.45
STRONG_WINDOW = timedelta(days=30)
# How many proposals a complaint's page lists at most, most similar first.
RELATED_LIMIT = 100

# Linking on arrival ------------------------------------------------------------------------
# The best score of a new complaint against an open incident (its text within the incident's
# title and description, or against each complaint linked to it) must reach this. Measured:
# every other-topic text scores 0.298 at most against the outage; 18 of the 20 outage texts
# reach 0.33 with the others linked, 16 of 20 against the incident's words alone. Near misses
# (murky water, low pressure, a leak, a power cut in the same place) score as high as the
# outage itself: the category and the area keep them out, not the text.
LINK_MIN_SIMILARITY = 0.33

# Place -------------------------------------------------------------------------------------
# Region codes are Kemendagri's dotted codes: province.regency.district.village
# ("32.73.05.1001"). Complaints are in the same area when their district (first three parts)
# is the same, or when both have coordinates within NEAR_KM of each other.
REGION_LEVELS = 3
NEAR_KM = 3.0
EARTH_RADIUS_KM = 6371.0088

# What staff write -----------------------------------------------------------------------------
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
MESSAGE_MAX = 20_000
REGION_CODE_MAX = 20
REGION_CODE_PATTERN = r"^[0-9]+(\.[0-9]+)*$"


class IncidentStatus(StrEnum):
    """An incident is open (it collects complaints and shows on the citizen form) or closed."""

    OPEN = "open"
    CLOSED = "closed"


class LinkedHow(StrEnum):
    """Who linked a complaint to its incident: a supervisor, or the routing on arrival."""

    STAFF = "staff"
    ARRIVAL = "arrival"


class AnswerOutcome(StrEnum):
    """What answering an incident did to one of its complaints."""

    RESPONDED = "responded"  # the answer was sent through its own lifecycle
    TOLD = "told"  # it waits for the complainant's information: told the answer, not answered
    SKIPPED = "skipped"  # its status takes no answer (already answered, closed, ...)


@dataclass(frozen=True)
class Place:
    """Where a complaint is, as much as it says: a region code, coordinates, or neither."""

    region_code: str | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def has_coordinates(self) -> bool:
        """Whether both latitude and longitude are known."""
        return self.lat is not None and self.lon is not None


def place_of(location: Mapping[str, Any] | None) -> Place:
    """The place of a complaint's `location` (intake stores region_code, lat, lon)."""
    if not location:
        return Place()
    lat, lon = location.get("lat"), location.get("lon")
    code = location.get("region_code")
    return Place(
        region_code=str(code) if code else None,
        lat=float(lat) if isinstance(lat, int | float) else None,
        lon=float(lon) if isinstance(lon, int | float) else None,
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def region_key(code: str | None) -> str | None:
    """The district a region code lies in (its first REGION_LEVELS parts); None if it names
    no district (absent, or only a province or regency)."""
    if not code:
        return None
    parts = code.split(".")
    return ".".join(parts[:REGION_LEVELS]) if len(parts) >= REGION_LEVELS else None


def within_region(area: str, code: str | None) -> bool:
    """Whether region `code` lies inside `area` (a region code, any level): "32.73.05.1001"
    is inside "32.73" and "32.73.05", not inside "32.7"."""
    if not code:
        return False
    return code == area or code.startswith(area + ".")


def near(a: Place, b: Place) -> bool:
    """Whether two places are in the same district, or within NEAR_KM when both have points."""
    key = region_key(a.region_code)
    if key is not None and key == region_key(b.region_code):
        return True
    if a.has_coordinates and b.has_coordinates:
        assert a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None
        return haversine_km(a.lat, a.lon, b.lat, b.lon) <= NEAR_KM
    return False


@dataclass(frozen=True)
class Seen:
    """A complaint as the rules compare it: category (routing's, else the hint), place, time."""

    id: uuid.UUID
    category: str | None
    place: Place
    received_at: datetime


def is_related(subject: Seen, candidate: Seen, similarity: float) -> bool:
    """Whether `candidate` is proposed as related to `subject`: same category, same area,
    and text similar enough for how far apart in time they arrived."""
    if candidate.id == subject.id or subject.category is None:
        return False
    if candidate.category != subject.category or not near(subject.place, candidate.place):
        return False
    apart = abs(candidate.received_at - subject.received_at)
    if apart <= RELATED_WINDOW:
        return similarity >= RELATED_MIN_SIMILARITY
    return apart <= STRONG_WINDOW and similarity >= RELATED_STRONG_SIMILARITY


@dataclass(frozen=True)
class OpenIncident:
    """An open incident as arrival linking sees it: its area, category and linked places."""

    id: uuid.UUID
    category: str
    region_code: str
    linked_places: tuple[Place, ...] = ()


def covers(incident: OpenIncident, place: Place) -> bool:
    """Whether `place` lies in the incident's region, or near one of its linked complaints."""
    if within_region(incident.region_code, place.region_code):
        return True
    return place.has_coordinates and any(
        near(place, linked) for linked in incident.linked_places if linked.has_coordinates
    )


def links_on_arrival(incident: OpenIncident, category: str, place: Place, score: float) -> bool:
    """Whether a complaint just routed to `category` joins `incident`: same category, in its
    area, and its best text score against the incident reaches LINK_MIN_SIMILARITY."""
    return (
        incident.category == category and covers(incident, place) and score >= LINK_MIN_SIMILARITY
    )


def best_match(
    candidates: Iterable[tuple[OpenIncident, float]], category: str, place: Place
) -> OpenIncident | None:
    """The open incident a new complaint is linked to on arrival, if any: the best scoring of
    those it joins (a complaint belongs to one incident at most)."""
    joined = [(score, i) for i, score in candidates if links_on_arrival(i, category, place, score)]
    return max(joined, key=lambda pair: pair[0])[1] if joined else None


def update_id(incident_id: uuid.UUID, complaint_id: uuid.UUID, action: str) -> str:
    """The Update id of an incident's answer to one complaint, so a retry cannot act twice."""
    return f"incident-{incident_id}-{complaint_id}-{action}"


def notice_step(incident_id: uuid.UUID, kind: str) -> str:
    """The timeline step (unique per complaint) of telling a complainant about an incident."""
    return f"incident-{incident_id}-{kind}"
