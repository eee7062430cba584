"""Staff members as the rules see them: a user, a role, and the unit unit roles belong to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a staff member may see and do (docs/architecture.md "Processes": desk)."""

    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    OPS = "ops"
    ADMIN = "admin"


UNIT_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})


class InvalidStaff(ValueError):
    """A user, role or unit that no staff member can have."""


@dataclass(frozen=True)
class Staff:
    """An authenticated staff member; `unit` is a unit code, required for unit roles."""

    user: str
    role: Role
    unit: str | None = None


def make_staff(user: str, role: str, unit: str | None = None) -> Staff:
    """A Staff after checking the role exists and that unit roles name their unit."""
    if not user.strip():
        raise InvalidStaff("a staff member needs a user name")
    if role not in [r.value for r in Role]:
        raise InvalidStaff(f"unknown role {role!r}; use one of {', '.join(Role)}")
    unit = (unit or "").strip() or None
    if role in UNIT_ROLES and unit is None:
        raise InvalidStaff(f"role {role!r} needs a unit")
    return Staff(user=user, role=Role(role), unit=unit)
