"""Who may read, act on and see whom: the desk's role rules, as pure functions."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from aduan.domain.errors import Forbidden
from aduan.domain.staff import Role, Staff
from aduan.domain.vocabulary import EscalationLevel

# Roles that may see a confidential complainant's identity (docs/domain.md "Privacy": not the
# officers of the unit complained about; ops watch lifecycles, not people).
SEES_CONFIDENTIAL = frozenset({Role.SUPERVISOR, Role.ADMIN})
HIDDEN_IDENTITY: dict[str, Any] = {"confidential": True, "hidden": True}
# What names a complainant: the complainant's fields, and the customer number beside them.
IDENTITY_FIELDS = ("name", "email", "phone", "account_ref")


@dataclass(frozen=True)
class QueueScope:
    """Which complaints a list may hold: one unit (plus escalated ones), or all."""

    only_unit: str | None = None
    or_escalated: bool = False


def _forbidden(detail: str) -> Forbidden:
    return Forbidden(detail)


def can_read(staff: Staff, unit: str | None, escalation_level: str) -> bool:
    """Officers read their unit; supervisors also any escalated complaint; ops, admin all."""
    if staff.role in (Role.OPS, Role.ADMIN):
        return True
    if unit is not None and unit == staff.unit:
        return True
    return staff.role == Role.SUPERVISOR and escalation_level != EscalationLevel.NONE


def can_act(staff: Staff, unit: str | None) -> bool:
    """Admins act anywhere; officers and supervisors in their own unit only; ops never."""
    if staff.role == Role.ADMIN:
        return True
    return staff.role in (Role.OFFICER, Role.SUPERVISOR) and unit is not None and unit == staff.unit


def require_read(staff: Staff, unit: str | None, escalation_level: str) -> None:
    """403 unless `staff` may read a complaint of `unit` at `escalation_level`."""
    if not can_read(staff, unit, escalation_level):
        raise _forbidden(f"a {staff.role} of unit {staff.unit!r} cannot see this complaint")


def require_act(staff: Staff, unit: str | None) -> None:
    """403 unless `staff` may act on a complaint of `unit`."""
    if staff.role == Role.OPS:
        raise _forbidden("ops read every complaint but act on none")
    if not can_act(staff, unit):
        raise _forbidden(f"a {staff.role} of unit {staff.unit!r} cannot act on this complaint")


def require_entry(staff: Staff) -> None:
    """403 unless `staff` may enter a complaint taken on the phone (ops watch, not take)."""
    if staff.role not in (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN):
        raise _forbidden(
            f"a {staff.role} cannot enter complaints; officers, supervisors and admins can"
        )


def require_admin(staff: Staff) -> None:
    """403 unless `staff` is an admin (accounts, templates, units)."""
    if staff.role != Role.ADMIN:
        raise _forbidden(f"a {staff.role} cannot manage accounts; admins can")


def require_log_reader(staff: Staff) -> None:
    """403 unless `staff` is an admin (the access log: who looked at what)."""
    if staff.role != Role.ADMIN:
        raise _forbidden(f"a {staff.role} cannot read the access log; admins can")


def require_rights_admin(staff: Staff) -> None:
    """403 unless `staff` is an admin (a complainant's export and erasure)."""
    if staff.role != Role.ADMIN:
        raise _forbidden(f"a {staff.role} cannot export or erase a complainant's data; admins can")


def require_watcher(staff: Staff) -> None:
    """403 unless `staff` watches the machinery (ops and admins)."""
    if staff.role not in (Role.OPS, Role.ADMIN):
        raise _forbidden(f"a {staff.role} does not watch the machinery; ops and admins do")


def report_unit(staff: Staff, unit: str | None) -> str | None:
    """Whose monthly SLA report `staff` may download when asking for `unit` (None: every
    unit): ops and admins any; a supervisor only their own unit's; officers none (403)."""
    if staff.role in (Role.OPS, Role.ADMIN):
        return unit
    if staff.role != Role.SUPERVISOR:
        raise _forbidden(f"a {staff.role} cannot download the monthly report")
    if unit is not None and unit != staff.unit:
        raise _forbidden(f"a supervisor of unit {staff.unit!r} cannot download unit {unit!r}")
    return staff.unit


def queue_scope(staff: Staff, unit_filter: str | None) -> QueueScope:
    """The part of the queue `staff` may list; 403 for an officer asking for another unit."""
    if staff.role in (Role.OPS, Role.ADMIN):
        return QueueScope()
    if staff.role == Role.OFFICER and unit_filter is not None and unit_filter != staff.unit:
        raise _forbidden(f"an officer of unit {staff.unit!r} cannot list unit {unit_filter!r}")
    return QueueScope(only_unit=staff.unit, or_escalated=staff.role == Role.SUPERVISOR)


def sees_identity(staff: Staff, complainant: dict[str, Any]) -> bool:
    """Whether `staff` may see who the complainant is."""
    return not complainant.get("confidential") or staff.role in SEES_CONFIDENTIAL


def shows_identity(
    staff: Staff,
    complaint: dict[str, Any],
    fields: tuple[str, ...] = IDENTITY_FIELDS,
    *,
    on_page: bool = False,
) -> bool:
    """Whether the view `staff` gets of `complaint` names its complainant through one of
    `fields` (a page may show fewer): `sees_identity`'s decision, recorded in the access log,
    so the log cannot disagree with what was shown. Pages show an anonymous complainant as
    anonymous and nothing more; the API gives the contact kept for their channel."""
    who = complaint.get("complainant") or {}
    if on_page and who.get("anonymous"):
        return False
    held = {**who, "account_ref": complaint.get("account_ref")}
    return sees_identity(staff, who) and any(held.get(f) for f in fields)


def redacted(
    staff: Staff, complaint: dict[str, Any], identifying: Collection[str] | None = None
) -> dict[str, Any]:
    """The complaint as `staff` may see it; a hidden identity takes the customer number
    with it, since that names the customer in the provider's books, and so the answers
    that do (`identifying` codes; every answer when not told which); `answers_hidden`
    says some were taken."""
    if sees_identity(staff, complaint.get("complainant") or {}):
        return complaint
    hidden = {**complaint, "complainant": dict(HIDDEN_IDENTITY), "account_ref": None}
    answers = complaint.get("answers")
    if answers:
        kept = {
            k: v for k, v in answers.items() if identifying is not None and k not in identifying
        }
        hidden |= {"answers": kept, "answers_hidden": len(kept) < len(answers)}
    return hidden


# Incidents: supervisors (and admins) open, link, answer and close them.
INCIDENT_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def require_supervisor(staff: Staff) -> None:
    """403 unless `staff` is a supervisor or an admin (incidents are theirs to manage)."""
    if staff.role not in INCIDENT_ROLES:
        raise _forbidden(f"a {staff.role} cannot manage incidents; supervisors and admins can")


def can_link(staff: Staff, unit: str | None) -> bool:
    """Supervisors link (and answer) complaints of their own unit; admins any complaint."""
    return staff.role in INCIDENT_ROLES and can_act(staff, unit)


def require_link(staff: Staff, unit: str | None) -> None:
    """403 unless `staff` may link a complaint of `unit` to an incident, or unlink it."""
    require_supervisor(staff)
    if not can_link(staff, unit):
        raise _forbidden(f"a {staff.role} of unit {staff.unit!r} cannot link this complaint")
