"""ComplaintLifecycle: one durable workflow per complaint, holding it to its deadlines.

The run loop waits for the next timer of the complaint's clocks (reminder, deadline,
escalation step, complainant window) or for a change made by a signal or an Update. The
steps themselves are in steps.py; the rules (what each status allows) in rules.py.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from aduan.domain.events import EventType
    from aduan.domain.policy import Duration
    from aduan.domain.routing import RoutingDecision
    from aduan.domain.vocabulary import (
        ActionName,
        DeadlineKind,
        EscalationLevel,
        Outcome,
        Status,
    )
    from aduan.lifecycle.activities import LifecycleActivities
    from aduan.lifecycle.models import (
        AcknowledgeInput,
        ConfirmInput,
        DeadlineView,
        DisputeInput,
        ExtendInput,
        HistoryEntry,
        LifecycleInput,
        LifecycleMemory,
        LifecycleState,
        NoteInput,
        RatingInput,
        ReassignInput,
        RejectInput,
        ReplyInput,
        RequestInfoInput,
        RespondInput,
        TransferInput,
        shared,
    )
    from aduan.lifecycle.rules import extension_refusal, parse_extension
    from aduan.lifecycle.steps import LOCAL_ACTIVITIES, LifecycleSteps


@workflow.defn
class ComplaintLifecycle(LifecycleSteps):
    """From receipt to closure: routing, acknowledgement, response, escalation ladder."""

    @workflow.init
    def __init__(self, input: LifecycleInput) -> None:
        self.complaint_id = input.complaint_id
        self.indexed = input.search_attributes
        self._decision: RoutingDecision | None = None
        self._lock = asyncio.Lock()
        self._version = 0
        self._local = workflow.patched(LOCAL_ACTIVITIES)
        if input.memory is not None:
            self.m = input.memory
            self.m.policy = shared(self.m.policy)

    @workflow.run
    async def run(self, input: LifecycleInput) -> LifecycleState:
        if input.memory is None:
            await self._open(input)
        while not self.m.finished:
            if self._decision is not None and not self.m.routed:
                self.m.decision = self._decision
                await self._route()
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    LifecycleInput(
                        complaint_id=self.complaint_id,
                        search_attributes=self.indexed,
                        memory=self.m,
                    )
                )
            await self._wait_for_next_timer()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state()

    async def _open(self, input: LifecycleInput) -> None:
        start = await self._run(LifecycleActivities.start_lifecycle, input)
        self.m = LifecycleMemory(
            policy=shared(start.policy),
            received_at=start.received_at,
            class_hint=start.complaint_class,
        )
        routing = await self._clock(
            DeadlineKind.ROUTING, start.received_at, start.policy.routing_due
        )
        async with self._lock:
            await self._record(EventType.OPENED, public=False, deadlines=[self._set(routing)])

    def _interrupted(self) -> bool:
        return (
            self._decision is not None and not self.m.routed
        ) or workflow.info().is_continue_as_new_suggested()

    def _changed(self) -> LifecycleState:
        self._version += 1
        return self._state()

    # Signal and queries ----------------------------------------------------------------

    @workflow.signal
    def route(self, decision: RoutingDecision) -> None:
        """Routing's decision; the first one wins, a redelivered one is ignored."""
        if self._decision is None:
            self._decision = decision

    @workflow.query
    def state(self) -> LifecycleState:
        """Status, escalation level, and deadlines as they stand."""
        return self._state()

    @workflow.query
    def deadlines(self) -> list[DeadlineView]:
        """Each deadline with its due time, remaining time, met and missed."""
        return self._state().deadlines

    @workflow.query
    def history(self) -> list[HistoryEntry]:
        """Every transition recorded, in order."""
        return list(self.m.history) if self._opened else []

    # Officer actions --------------------------------------------------------------------

    @workflow.update
    async def acknowledge(self, action: AcknowledgeInput) -> LifecycleState:
        """An officer takes the complaint on: the first-response deadline is met."""
        async with self._lock:
            self._check(ActionName.ACKNOWLEDGE)
            assert self.m.decision is not None
            self.m.decision.officer = action.actor or self.m.decision.officer
            await self._record(
                EventType.ACKNOWLEDGED,
                status=Status.IN_PROGRESS,
                actor=action.actor,
                officer=self.m.decision.officer,
                deadlines=[self._meet(DeadlineKind.FIRST_RESPONSE)],
            )
        return self._changed()

    @acknowledge.validator
    def _validate_acknowledge(self, action: AcknowledgeInput) -> None:
        self._check(ActionName.ACKNOWLEDGE)

    @workflow.update
    async def request_info(self, action: RequestInfoInput) -> LifecycleState:
        """Ask the complainant; every running clock pauses until they reply."""
        async with self._lock:
            self._check(ActionName.REQUEST_INFO)
            now = workflow.now()
            for clock in self.m.clocks.values():
                if clock.running:
                    clock.paused_at = now
            window = await self._clock(
                DeadlineKind.INFO, now, self.m.policy.complainant.info_window
            )
            await self._record(
                EventType.INFO_REQUESTED,
                status=Status.WAITING_COMPLAINANT,
                actor=action.actor,
                data={"message": action.message},
                deadlines=[self._set(window)],
            )
        return self._changed()

    @request_info.validator
    def _validate_request_info(self, action: RequestInfoInput) -> None:
        self._check(ActionName.REQUEST_INFO)

    @workflow.update
    async def respond(self, action: RespondInput) -> LifecycleState:
        """The provider's answer: the resolution deadline is met, the confirm window opens."""
        async with self._lock:
            self._check(ActionName.RESPOND)
            window = await self._clock(
                DeadlineKind.CONFIRM, workflow.now(), self.m.policy.complainant.confirm_window
            )
            await self._record(
                EventType.RESPONDED,
                status=Status.RESPONDED,
                actor=action.actor,
                data={"message": action.message},
                deadlines=[self._meet(DeadlineKind.RESOLUTION), self._set(window)],
            )
        return self._changed()

    @respond.validator
    def _validate_respond(self, action: RespondInput) -> None:
        self._check(ActionName.RESPOND)

    @workflow.update
    async def extend(self, action: ExtendInput) -> LifecycleState:
        """Extend the resolution deadline once, before it passes; the complainant is told."""
        async with self._lock:
            by = self._check_extension(action)
            clock = self.m.clocks[DeadlineKind.RESOLUTION]
            schedule = await self._schedule(clock.due, by, ladder=True)
            span = schedule.due - clock.started_at
            for reminder in clock.reminders:
                if not reminder.sent:
                    reminder.at = clock.started_at + span * reminder.fraction
            clock.due, clock.ladder = schedule.due, schedule.ladder
            self.m.extensions_used += 1
            await self._record(
                EventType.EXTENDED,
                actor=action.actor,
                deadlines=[self._set(clock)],
                data={"by": str(by), "reason": action.reason, "due_at": clock.due.isoformat()},
            )
        return self._changed()

    @extend.validator
    def _validate_extend(self, action: ExtendInput) -> None:
        self._check_extension(action)

    def _check_extension(self, action: ExtendInput) -> Duration:
        self._check(ActionName.EXTEND)
        try:
            by = parse_extension(action.by, self.m.policy)
        except ValueError as exc:
            raise ApplicationError(str(exc), type="InvalidAction", non_retryable=True) from exc
        clock = self.m.clocks[DeadlineKind.RESOLUTION]
        reason = extension_refusal(
            self.m.extensions_used, self.m.policy, clock.due, workflow.now(), clock.missed
        )
        if reason:
            raise ApplicationError(reason, type="ActionNotAllowed", non_retryable=True)
        return by

    @workflow.update
    async def reassign(self, action: ReassignInput) -> LifecycleState:
        """Move the complaint to another unit or officer; the clocks keep running."""
        async with self._lock:
            self._check(ActionName.REASSIGN)
            assert self.m.decision is not None
            self.m.decision.unit, self.m.decision.officer = action.unit, action.officer
            await self._record(
                EventType.REASSIGNED,
                actor=action.actor,
                unit=action.unit,
                officer=action.officer,
                reassigned=True,
                data={"unit": action.unit},
            )
        return self._changed()

    @reassign.validator
    def _validate_reassign(self, action: ReassignInput) -> None:
        self._check(ActionName.REASSIGN)

    @workflow.update
    async def transfer(self, action: TransferInput) -> LifecycleState:
        """Another provider is competent: closed as `transferred`."""
        async with self._lock:
            self._check(ActionName.TRANSFER)
            await self._close(
                Outcome.TRANSFERRED, action.actor, provider=action.provider, reason=action.reason
            )
        return self._changed()

    @transfer.validator
    def _validate_transfer(self, action: TransferInput) -> None:
        self._check(ActionName.TRANSFER)

    @workflow.update
    async def reject(self, action: RejectInput) -> LifecycleState:
        """Out of scope: closed as `rejected`, with the reason."""
        async with self._lock:
            self._check(ActionName.REJECT)
            await self._close(Outcome.REJECTED, action.actor, reason=action.reason)
        return self._changed()

    @reject.validator
    def _validate_reject(self, action: RejectInput) -> None:
        self._check(ActionName.REJECT)

    @workflow.update
    async def note(self, action: NoteInput) -> LifecycleState:
        """An internal note: on the staff timeline only."""
        async with self._lock:
            self._check(ActionName.NOTE)
            await self._record(
                EventType.NOTE, public=False, actor=action.actor, data={"text": action.text}
            )
        return self._changed()

    @note.validator
    def _validate_note(self, action: NoteInput) -> None:
        self._check(ActionName.NOTE)

    # Complainant actions ----------------------------------------------------------------

    @workflow.update
    async def reply(self, action: ReplyInput) -> LifecycleState:
        """The requested information: paused clocks resume with the time they had left."""
        async with self._lock:
            self._check(ActionName.REPLY)
            now = workflow.now()
            changes = [self._meet(DeadlineKind.INFO)]
            for kind, clock in list(self.m.clocks.items()):
                if clock.paused_at is not None:
                    self.m.clocks[kind] = await self._shifted(clock, clock.paused_at, now)
                    changes.append(self._set(self.m.clocks[kind]))
            await self._record(
                EventType.REPLIED,
                status=Status.IN_PROGRESS,
                actor="complainant",
                data={"message": action.message},
                deadlines=changes,
            )
        return self._changed()

    @reply.validator
    def _validate_reply(self, action: ReplyInput) -> None:
        self._check(ActionName.REPLY)

    @workflow.update
    async def confirm(self, action: ConfirmInput) -> LifecycleState:
        """The complainant accepts the answer: closed as `resolved`."""
        async with self._lock:
            self._check(ActionName.CONFIRM)
            await self._close(Outcome.RESOLVED, "complainant")
        return self._changed()

    @confirm.validator
    def _validate_confirm(self, action: ConfirmInput) -> None:
        self._check(ActionName.CONFIRM)

    @workflow.update
    async def dispute(self, action: DisputeInput) -> LifecycleState:
        """Reopen (up to max_reopen) with a new resolution deadline; beyond it, appeal."""
        async with self._lock:
            self._check_dispute()
            if self.m.reopen_count < self.m.policy.complainant.max_reopen:
                await self._reopen(action)
            else:
                await self._record(
                    EventType.DISPUTED,
                    actor="complainant",
                    data={"message": action.message, "appeal": True},
                )
                if workflow.patched("appeal-sent-at-any-level"):
                    await self._appeal()
                else:  # lifecycles that appealed before: no appeal step if already there
                    await self._escalate(EscalationLevel.OMBUDSMAN, appeal=True)
        return self._changed()

    async def _appeal(self) -> None:
        # An appeal always goes to the Ombudsman with its own dossier, even when a missed
        # deadline already took the complaint there; the complainant may appeal once.
        self.m.appealed = True
        self.m.escalation_level = EscalationLevel.OMBUDSMAN
        await self._record(
            EventType.ESCALATED, data={"level": EscalationLevel.OMBUDSMAN, "appeal": True}
        )

    def _check_dispute(self) -> None:
        self._check(ActionName.DISPUTE)
        if self.m.appealed:
            raise ApplicationError(
                "this complaint was already appealed to the Ombudsman",
                type="ActionNotAllowed",
                non_retryable=True,
            )

    async def _reopen(self, action: DisputeInput) -> None:
        self.m.reopen_count += 1
        assert self.m.decision is not None
        rules = self.m.policy.deadlines_for(self.m.decision.complaint_class)
        confirm = self._meet(DeadlineKind.CONFIRM)
        resolution = await self._clock(DeadlineKind.RESOLUTION, workflow.now(), rules.resolution)
        await self._record(
            EventType.DISPUTED,
            status=Status.IN_PROGRESS,
            actor="complainant",
            data={"message": action.message, "reopened": self.m.reopen_count},
            deadlines=[confirm, self._set(resolution)],
        )

    @dispute.validator
    def _validate_dispute(self, action: DisputeInput) -> None:
        self._check_dispute()

    @workflow.update
    async def rate(self, action: RatingInput) -> LifecycleState:
        """The complainant's rating, once; after closure it ends the lifecycle."""
        async with self._lock:
            self._check_rating()
            self.m.rated = True
            await self._record(
                EventType.RATED,
                actor="complainant",
                data={"score": action.score, "comment": action.comment},
            )
            if self.m.status == Status.CLOSED:
                self.m.finished = True
        return self._changed()

    @rate.validator
    def _validate_rate(self, action: RatingInput) -> None:
        self._check_rating()

    def _check_rating(self) -> None:
        self._check(ActionName.RATE)
        if self.m.rated:
            raise ApplicationError(
                "this complaint was already rated", type="ActionNotAllowed", non_retryable=True
            )
