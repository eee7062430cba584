"""The SLA policy file (ADUAN_SLA_POLICY): classes, deadlines, escalation ladder."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DurationUnit = Literal["wd", "d", "h", "m", "s"]
_SECONDS = {"wd": 86400 * 7 / 5, "d": 86400, "h": 3600, "m": 60, "s": 1}  # wd: at most
_NOMINAL = {**_SECONDS, "wd": 86400}
_LONGEST_S = 20 * 365 * 86400
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(wd|d|h|m|s)?\s*$")


class PolicyError(ValueError):
    """The policy file is missing, unreadable or breaks the schema in docs/domain.md."""


class Duration(BaseModel):
    """A span of time: working days (`wd`), days, hours, minutes or seconds."""

    model_config = ConfigDict(frozen=True)

    amount: float
    unit: DurationUnit

    @model_validator(mode="after")
    def _whole_working_days(self) -> Duration:
        if not math.isfinite(self.amount):  # nan slips past every comparison below
            raise ValueError("a duration must be a finite number")
        if self.amount < 0:
            raise ValueError("a duration cannot be negative")
        if self.unit == "wd" and self.amount != int(self.amount):
            raise ValueError("working days must be a whole number")
        if self.amount * _SECONDS[self.unit] > _LONGEST_S:
            raise ValueError(f"{self} is longer than the law could mean (20 years)")
        return self

    @property
    def nominal_seconds(self) -> float:
        """Length with a working day counted as one day, to compare durations of any unit."""
        return self.amount * _NOMINAL[self.unit]

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount}{self.unit}"


def parse_duration(value: object, default_unit: DurationUnit = "wd") -> Duration:
    """Parse `3wd`, `24h`, `30d`, `5s`; a bare number takes the policy's default unit."""
    if isinstance(value, Duration):
        return value
    if isinstance(value, dict):
        return Duration.model_validate(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"not a duration: {value!r}")
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"not a duration: {value!r} (expected e.g. 3wd, 24h, 30d, 10m, 5s)")
    return Duration(amount=float(match.group(1)), unit=match.group(2) or default_unit)


class ClassDeadlines(BaseModel):
    """Deadlines of one complaint class; `field_check` runs from scheduling a field check to
    its findings, and the categories of `field_check_required_for` are not answered without
    one ("*": every category)."""

    first_response: Duration
    resolution: Duration
    field_check: Duration | None = None
    field_check_required_for: list[str] = Field(default_factory=list)
    label: str = ""

    def requires_field_check(self, category: str | None) -> bool:
        """Whether a complaint of this class and `category` is answered only after a visit."""
        required = self.field_check_required_for
        return "*" in required or (category is not None and category in required)


class CalendarConfig(BaseModel):
    """Which days count as working days."""

    country: str = "ID"
    cuti_bersama_off: bool = True
    extra_holidays: list[date] = Field(default_factory=list)


class ExtensionRule(BaseModel):
    """How far, and how often, a deadline may be extended."""

    max: Duration
    times: int = Field(1, ge=0)


class EscalationStep(BaseModel):
    """One rung of the ladder: who gets the complaint, how long after the missed deadline."""

    level: Literal["supervisor", "ombudsman"]
    after: Duration


class ComplainantWindows(BaseModel):
    """How long the complainant has to answer, to confirm, and how often they may reopen."""

    info_window: Duration
    confirm_window: Duration
    max_reopen: int = Field(1, ge=0)
    rating_window: Duration | None = None  # after closing; the confirm window when unset


def _calendar_span(value: object) -> Duration:
    duration = parse_duration(value, "d")
    if duration.unit == "wd":
        raise ValueError("retention periods are calendar days (d), hours or less, not wd")
    return duration


class RetentionPolicy(BaseModel):
    """The policy file's optional `retention:` section; the Duration type has no years, so
    5 years is written 1825d."""

    model_config = ConfigDict(frozen=True)

    closed_complaints: Duration = Duration(amount=1825, unit="d")
    attachments: Duration = Duration(amount=730, unit="d")
    outbox_sent: Duration = Duration(amount=7, unit="d")
    deliveries: Duration = Duration(amount=365, unit="d")

    @field_validator("closed_complaints", "attachments", "outbox_sent", "deliveries", mode="before")
    @classmethod
    def _parse(cls, value: object) -> Duration:
        return _calendar_span(value)


_DURATION_FIELDS = (
    "first_response",
    "resolution",
    "field_check",
    "max",
    "after",
    "info_window",
    "confirm_window",
    "rating_window",
)


class Policy(BaseModel):
    """The whole policy; a running complaint keeps the one it started with."""

    timezone: str = "Asia/Jakarta"
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    default_class: str = "standard"
    routing_due: Duration
    classes: dict[str, ClassDeadlines]
    reminders: list[float] = Field(default_factory=lambda: [0.5, 0.8])
    supervisor_reminder: float | None = 0.8  # of a resolution deadline
    extension: ExtensionRule
    escalation: list[EscalationStep]
    complainant: ComplainantWindows
    retention: RetentionPolicy = Field(default_factory=RetentionPolicy)

    @field_validator("reminders")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if any(not 0 < f < 1 for f in value):
            raise ValueError("reminders are fractions between 0 and 1")
        return sorted(value)

    @field_validator("supervisor_reminder")
    @classmethod
    def _fraction(cls, value: float | None) -> float | None:
        if value is not None and not 0 < value < 1:
            raise ValueError("supervisor_reminder is a fraction between 0 and 1")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        if self.default_class not in self.classes:
            raise ValueError(f"default_class {self.default_class!r} is not one of the classes")
        levels = [step.level for step in self.escalation]
        if levels != sorted(set(levels), key=["supervisor", "ombudsman"].index):
            raise ValueError("escalation levels must go up, each at most once")
        return self

    def deadlines_for(self, complaint_class: str | None) -> ClassDeadlines:
        """Deadlines of a class, or of the default class when unknown."""
        return self.classes.get(complaint_class or "", self.classes[self.default_class])


def _with_units(node: object, default_unit: DurationUnit, key: str = "") -> object:
    """Turn duration strings anywhere in the raw YAML into Duration objects."""
    if isinstance(node, dict):
        return {k: _with_units(v, default_unit, str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_units(v, default_unit, key) for v in node]
    if node is not None and (key in _DURATION_FIELDS or key == "routing_due"):
        return parse_duration(node, default_unit)
    return node


_UNIT_NAMES: dict[str, DurationUnit] = {
    "working_days": "wd",
    "wd": "wd",
    "days": "d",
    "d": "d",
    "hours": "h",
    "h": "h",
    "minutes": "m",
    "m": "m",
    "seconds": "s",
    "s": "s",
}


def parse_policy(text: str) -> Policy:
    """Parse a policy from YAML text; raise PolicyError saying what is wrong."""
    try:
        raw = yaml.safe_load(text)
    except Exception as exc:  # PyYAML raises more than YAMLError (bad dates, bad tags)
        raise PolicyError(f"policy is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError("policy must be a YAML mapping")
    unit_name = str(raw.pop("unit", "working_days"))
    if unit_name not in _UNIT_NAMES:
        raise PolicyError(f"unknown unit {unit_name!r}; use one of {sorted(_UNIT_NAMES)}")
    try:
        policy = Policy.model_validate(_with_units(raw, _UNIT_NAMES[unit_name]))
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:
        raise PolicyError(f"policy is invalid: {exc}") from exc
    _check_usable(policy)
    return policy


def _check_usable(policy: Policy) -> None:
    # Checked when the file is read, not in the model: workflows deserialise Policy inside
    # Temporal's sandbox, where zoneinfo's file reads and the holidays import are not allowed.
    try:
        ZoneInfo(policy.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PolicyError(f"policy is invalid: unknown time zone {policy.timezone!r}") from exc
    if policy.calendar.country not in holidays.list_supported_countries():
        raise PolicyError(
            "policy is invalid: the holidays package has no calendar for"
            f" country {policy.calendar.country!r}"
        )
    categories = holiday_categories(policy.calendar.cuti_bersama_off)
    try:
        holidays.country_holidays(policy.calendar.country, categories=categories)
    except (ValueError, NotImplementedError) as exc:
        kinds = " and ".join(categories)
        raise PolicyError(
            f"policy is invalid: the holidays package has no {kinds} holidays for"
            f" country {policy.calendar.country!r}; for a country without cuti"
            " bersama set cuti_bersama_off: false"
        ) from exc


def holiday_categories(cuti_bersama_off: bool) -> tuple[str, ...]:
    """The holidays package's categories of days off: cuti bersama is `government`."""
    return ("public", "government") if cuti_bersama_off else ("public",)


def load_policy(path: Path) -> Policy:
    """Read and parse the policy file at `path`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read policy {path}: {exc}") from exc
    return parse_policy(text)
