"""A complainant's rights on desk, for the API and the admin's page alike: look them up by
e-mail, phone or tracking code, export everything held about them, erase it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from aduan.domain.access_log import Access
from aduan.domain.errors import InvalidInput, NotFound
from aduan.domain.staff import Staff
from aduan.lifecycle.actions import WITHDRAW
from aduan.lifecycle.models import WithdrawInput
from aduan.store import rights
from services.desk import access, audit

LOOKUP_FIELDS = ("email", "phone", "tracking_code")


def lookup(email: str | None, phone: str | None, tracking_code: str | None) -> rights.Lookup:
    """The one way the complainant is named; 422 naming `email` unless exactly one is given."""
    given = {
        name: value.strip()
        for name, value in zip(LOOKUP_FIELDS, (email, phone, tracking_code), strict=True)
        if value and value.strip()
    }
    if len(given) != 1:
        raise InvalidInput.field("email", "give exactly one of email, phone or tracking_code", None)
    return rights.Lookup(**given)


async def export(
    request: Request, staff: Staff, who: rights.Lookup, surface: str
) -> dict[str, Any]:
    """Everything held about the complainant (admins only); recorded in the access log, and
    their export requests marked done."""
    access.require_rights_admin(staff)
    pool = request.app.state.pool
    ids = await rights.find(pool, who)
    if not ids:
        raise NotFound("no complaint of this complainant holds personal data")
    await audit.record_reads(
        request, staff, Access.RIGHTS_EXPORT, dict.fromkeys(ids, True), surface=surface
    )
    await rights.mark_handled(pool, ids, staff.user, datetime.now(UTC))
    return await rights.export(pool, ids)


async def erase(
    request: Request, staff: Staff, who: rights.Lookup, reason: str, surface: str
) -> int:
    """Anonymise every complaint of the complainant now (admins only), with the reason."""
    access.require_rights_admin(staff)
    pool = request.app.state.pool
    ids = await rights.find(pool, who)
    if not ids:
        raise NotFound("no complaint of this complainant holds personal data")
    await audit.record_reads(
        request, staff, Access.RIGHTS_ERASE, dict.fromkeys(ids, False), surface=surface
    )
    # An open complaint is closed as withdrawn through its own lifecycle first (its
    # deadlines stop, the complainant is told); Temporal away, nothing is erased (503).
    for complaint_id in await rights.still_open(pool, ids):
        await request.app.state.lifecycles.act(
            complaint_id,
            WITHDRAW,
            WithdrawInput(actor=staff.user, reason=f"erasure: {reason}"),
            update_id=f"erasure-{complaint_id}",
        )
    # Then its lifecycle leaves Temporal: every run's history (encrypted, but with keys
    # still held) and search attributes; Temporal away, nothing is erased either.
    for complaint_id in ids:
        await request.app.state.lifecycles.forget(complaint_id)
    return await rights.erase(
        pool,
        request.app.state.attachments,
        ids,
        username=staff.user,
        reason=reason,
        now=datetime.now(UTC),
    )
