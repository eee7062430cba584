"""The whole stack, started the way `make run` starts it, with clients and staff tokens."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from aduan.adapters.tokens import issue_token
from aduan.domain.staff import make_staff
from devtools.localstack import LocalStack
from tests.support.waiting import eventually

E2E_POLICY = Path(__file__).parents[1] / "e2e" / "policy.yaml"  # a policy in seconds
SECRET_KEY = "e2e-secret-key-long-enough-for-hs256"
OPEN311_KEY = "e2e-open311-key"


def staff_token(role: str = "admin", unit: str | None = None, user: str = "e2e-admin") -> str:
    """A desk bearer token the running stack accepts, as `aduan token` would print it."""
    return issue_token(make_staff(user, role, unit), SECRET_KEY)


STAFF_TOKEN = staff_token()  # the admin's: `stack.desk` acts on any unit's complaints


@dataclass
class Ombudsman:
    """A stand-in for the Ombudsman's endpoint: keeps every dossier it accepts."""

    url: str
    dossiers: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


class Stack(LocalStack):
    """The running stack with an HTTP client for intake and one (admin) for desk."""

    intake: httpx.Client
    desk: httpx.Client


S = TypeVar("S", bound=Stack)


@contextmanager
def running_stack(data: Path, policy: Path, kind: type[S], **settings: str) -> Iterator[S]:
    """Start `aduan run` as a user would, with clients; show its log if anything fails."""
    stack = kind(**vars(LocalStack.create(data, policy, secret_key=SECRET_KEY, **settings)))
    with (
        httpx.Client(base_url=stack.url("INTAKE_PORT")) as intake,
        httpx.Client(
            base_url=stack.url("DESK_PORT"), headers={"Authorization": f"Bearer {STAFF_TOKEN}"}
        ) as desk,
    ):
        stack.intake, stack.desk = intake, desk
        try:
            stack.start()
            yield stack
        except BaseException:
            sys.stderr.write(stack.log_tail())
            raise
        finally:
            stack.stop()


def confirm_address(stack: LocalStack, email: str, tracking_code: str) -> None:
    """Do what the receipt asks of a web complainant: open its link and press the button."""

    def link() -> str | None:
        for mail in stack.mailbox(email):
            if tracking_code in str(mail["Subject"]):
                body = mail.get_body(preferencelist=("plain",))
                found = re.search(
                    r"https?://\S+/contact/confirm/\S+",
                    body.get_content() if body is not None else "",
                )
                if found:
                    return found[0]
        return None

    url = eventually(link, what="the receipt's confirmation link")
    with httpx.Client() as browser:  # keeps the CSRF cookie between the two requests
        page = browser.get(url)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert page.status_code == 200 and token, page.text
        confirmed = browser.post(url, data={"csrf": token[1]})
        assert "sudah dikonfirmasi" in confirmed.text, confirmed.text
