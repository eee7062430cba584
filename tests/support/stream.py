"""A stream of complaints posted as a careful client posts them: retried with one key each."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
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
    the same Idempotency-Key until `give_up_s` has passed, as a real channel would. Given
    several intake URLs it takes them in turn, a retry going to the next one."""

    def __init__(
        self,
        base_url: str | Sequence[str],
        count: int,
        *,
        interval: float = 0.15,
        complaint_class: str | None = None,
        give_up_s: float = 90.0,
    ) -> None:
        super().__init__(daemon=True)
        self.base_urls = [base_url] if isinstance(base_url, str) else list(base_url)
        self.interval, self.give_up_s = interval, give_up_s
        self.complaint_class = complaint_class
        self.prefix = f"fault-{uuid.uuid4().hex[:10]}"
        self.posted = [
            Posted(i, f"{self.prefix}-{i}", f"{self.prefix}-{i}@example.id") for i in range(count)
        ]

    def run(self) -> None:
        with ExitStack() as clients:
            intakes = [
                clients.enter_context(httpx.Client(base_url=url, timeout=10.0))
                for url in self.base_urls
            ]
            for posted in self.posted:
                self._post(intakes, posted)
                time.sleep(self.interval)  # the stream's pace: complaints keep arriving

    def _post(self, intakes: list[httpx.Client], posted: Posted) -> None:
        body: dict[str, Any] = {
            "description": f"{DESCRIPTION} ({posted.key})",
            "channel": "web",
            "complainant": {"name": "Warga Uji", "email": posted.email},
        }
        if self.complaint_class:
            body["class"] = self.complaint_class
        give_up = time.monotonic() + self.give_up_s
        while time.monotonic() < give_up:
            client = intakes[(posted.index + len(posted.answers)) % len(intakes)]
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


@dataclass
class Acted:
    """One complaint the action stream acknowledges, and the answers its tries got."""

    posted: Posted
    answers: list[int | str] = field(default_factory=list)  # status codes or transport errors
    done: bool = False


class ActionStream(threading.Thread):
    """Works the staff queue as officers would while `complaints` keep arriving: looks at
    the routed complaints and acknowledges each of the stream's, as many at once as there
    are desks, taking the desks in turn.

    A lost connection is tried again at once on the next desk, a 5xx or 409 on the next look
    at the queue; an acknowledgement whose answer was lost is done once the complaint has
    left the routed queue."""

    def __init__(
        self,
        desk_urls: Sequence[str],
        token: str,
        complaints: ComplaintStream,
        *,
        interval: float = 0.2,
        give_up_s: float = 90.0,
    ) -> None:
        super().__init__(daemon=True)
        self.desk_urls, self.token, self.complaints = list(desk_urls), token, complaints
        self.interval, self.give_up_s = interval, give_up_s
        self.acted = {p.key: Acted(p) for p in complaints.posted}
        self.turns = {"read": 0, "act": 0}  # each kind of request takes the desks in turn

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with ExitStack() as stack:
            desks = [
                stack.enter_context(httpx.Client(base_url=url, timeout=30.0, headers=headers))
                for url in self.desk_urls
            ]
            officers = stack.enter_context(ThreadPoolExecutor(len(desks)))
            give_up: float | None = None
            while not all(a.done for a in self.acted.values()):
                if give_up is None and not self.complaints.is_alive():
                    give_up = time.monotonic() + self.give_up_s  # the stream has ended
                if give_up is not None and time.monotonic() > give_up:
                    return
                self._round(desks, officers)
                time.sleep(self.interval)  # the officers' pace between looks at the queue

    def _turn(self, kind: str) -> int:
        self.turns[kind] += 1
        return self.turns[kind]

    def _round(self, desks: list[httpx.Client], officers: ThreadPoolExecutor) -> None:
        try:
            queue = desks[self._turn("read") % len(desks)].get(
                "/v1/staff/complaints", params={"status": "routed", "limit": 500}
            )
        except httpx.TransportError:
            return  # that desk is gone: the next round asks the other one
        if queue.status_code != 200:
            return
        routed = {row["id"] for row in queue.json()}
        ready = []
        for acted in self.acted.values():
            if acted.done or acted.posted.created is None:
                continue
            if acted.posted.created["id"] in routed:
                ready.append(acted)
            else:  # tried before, so routed then: it has moved on, our action with it
                acted.done = bool(acted.answers)
        jobs = [officers.submit(self._acknowledge, desks, a, self._turn("act")) for a in ready]
        for job in jobs:
            job.result()  # an officer's own error fails the stream rather than vanishing

    def _acknowledge(self, desks: list[httpx.Client], acted: Acted, turn: int) -> None:
        for desk in (desks[(turn + n) % len(desks)] for n in range(len(desks))):
            try:
                answer = desk.post(
                    f"/v1/staff/complaints/{acted.posted.id}/actions/acknowledge", json={}
                )
            except httpx.TransportError as exc:  # that desk is down or was killed mid-request
                acted.answers.append(type(exc).__name__)
                continue
            acted.answers.append(answer.status_code)
            if answer.status_code == 200:
                acted.done = True
            # 409: the lifecycle had not taken the routing yet, or a lost try already acted;
            # 5xx: the lifecycle engine was slow to answer. The next round looks again.
            return

    def finish(self, timeout: float = 120) -> list[Acted]:
        """Wait for the stream to end; every accepted complaint must have been acted on."""
        self.join(timeout)
        assert not self.is_alive(), "the action stream did not finish in time"
        undone = [(a.posted.key, a.answers) for a in self.acted.values() if not a.done]
        assert not undone, f"complaints never acknowledged: {undone}"
        return list(self.acted.values())
