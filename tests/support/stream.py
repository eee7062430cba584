"""A stream of complaints posted as a careful client posts them: retried with one key each."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

DESCRIPTION = "Tagihan air saya naik dua kali lipat, meter tidak pernah dicek petugas."


@dataclass
class Posted:
    """One complaint of the stream: its key, its complainant's address, and what came back."""

    index: int
    key: str
    email: str
    created: dict[str, Any] | None = None
    accepted_at: float | None = None  # monotonic, when the 201 arrived
    answers: list[int | str] = field(default_factory=list)  # status codes or transport errors

    @property
    def id(self) -> uuid.UUID:
        assert self.created is not None, f"complaint {self.key} was never accepted"
        return uuid.UUID(self.created["id"])


class ComplaintStream(threading.Thread):
    """Posts `count` complaints one after another; a connection error or 5xx is retried with
    the same Idempotency-Key until `give_up_s` has passed, as a real channel would."""

    def __init__(
        self,
        base_url: str,
        count: int,
        *,
        interval: float = 0.15,
        complaint_class: str | None = None,
        give_up_s: float = 90.0,
    ) -> None:
        super().__init__(daemon=True)
        self.base_url, self.interval, self.give_up_s = base_url, interval, give_up_s
        self.complaint_class = complaint_class
        self.prefix = f"fault-{uuid.uuid4().hex[:10]}"
        self.posted = [
            Posted(i, f"{self.prefix}-{i}", f"{self.prefix}-{i}@example.id") for i in range(count)
        ]

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10.0) as client:
            for posted in self.posted:
                self._post(client, posted)
                time.sleep(self.interval)  # the stream's pace: complaints keep arriving

    def _post(self, client: httpx.Client, posted: Posted) -> None:
        body: dict[str, Any] = {
            "description": f"{DESCRIPTION} ({posted.key})",
            "channel": "web",
            "complainant": {"name": "Warga Uji", "email": posted.email},
        }
        if self.complaint_class:
            body["class"] = self.complaint_class
        give_up = time.monotonic() + self.give_up_s
        while time.monotonic() < give_up:
            try:
                answer = client.post(
                    "/v1/complaints", json=body, headers={"Idempotency-Key": posted.key}
                )
            except httpx.TransportError as exc:  # intake down or killed mid-request
                posted.answers.append(type(exc).__name__)
                time.sleep(0.3)  # a client's pause before it retries
                continue
            posted.answers.append(answer.status_code)
            if answer.status_code == 201:
                posted.created, posted.accepted_at = answer.json(), time.monotonic()
                return
            if answer.status_code < 500:
                return  # refused: a client does not retry that
            # Retry-After honoured, capped: the client under test retries, as a real one would.
            time.sleep(min(float(answer.headers.get("Retry-After", 1)), 1.0))

    @property
    def accepted_count(self) -> int:
        """How many complaints have been answered 201 so far."""
        return sum(p.created is not None for p in self.posted)

    def wait_until_accepted(self, count: int, timeout: float = 60) -> None:
        """Block until at least `count` complaints are accepted."""
        deadline = time.monotonic() + timeout
        while self.accepted_count < count:
            assert time.monotonic() < deadline, f"only {self.accepted_count} accepted"
            assert self.is_alive(), "the stream ended early"
            time.sleep(0.05)  # the poll interval

    def finish(self, timeout: float = 120) -> list[Posted]:
        """Wait for the stream to end; every complaint must have been accepted."""
        self.join(timeout)
        assert not self.is_alive(), "the stream did not finish in time"
        refused = [(p.key, p.answers) for p in self.posted if p.created is None]
        assert not refused, f"complaints never accepted: {refused}"
        return self.posted
