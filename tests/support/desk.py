"""The desk as the integration tests run it: its secret, and staff headers it accepts."""

from __future__ import annotations

from aduan.adapters.tokens import issue_token
from aduan.domain.staff import make_staff

SECRET = "desk-test-secret-long-enough-for-hs256"


def auth(role: str, unit: str | None = None, user: str = "tester") -> dict[str, str]:
    """Headers of a staff member with this role and unit."""
    return {"Authorization": f"Bearer {issue_token(make_staff(user, role, unit), SECRET)}"}
