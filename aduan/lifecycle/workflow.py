"""ComplaintLifecycle: one durable workflow per complaint, holding it to its deadlines.

The Temporal surface: the run loop, routing's signal, the queries and the Updates. The run
loop waits for the next timer of the complaint's clocks (reminder, deadline, escalation step,
complainant window) or for a change made by the signal or an Update. What each step does is
in steps.py, the state and its pure rules in state.py, what each status allows in rules.py.
"""

from __future__ import annotations

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
        FieldVisit,
        HistoryEntry,
        LifecycleState,
        NoteInput,
        RatingInput,
        ReassignInput,
        RecordFieldCheckInput,
        RejectInput,
        ReplyInput,
        RequestInfoInput,
        RespondInput,
        ScheduleFieldCheckInput,
        TransferInput,
        WithdrawInput,
    )
    from aduan.lifecycle.rules import parse_extension, refusal
    from aduan.lifecycle.state import Lifecycle, LifecycleInput, deadline_set, shared
    from aduan.lifecycle.steps import (
        LIFECYCLE_2026_12,
        LOCAL_ACTIVITIES,
        ONE_UPSERT_PER_WAIT,
        Steps,
        wait_until,
    )


@workflow.defn
class ComplaintLifecycle:
    """From receipt to closure: routing, acknowledgement, response, escalation ladder."""

    @workflow.init
    def __init__(self, input: LifecycleInput) -> None:
        self.complaint_id = input.complaint_id
        self.indexed = input.search_attributes
        self._decision: RoutingDecision | None = None
        self._version = 0  # counts changes made by Updates, so a timer wait knows to redo
        current = workflow.patched(LIFECYCLE_2026_12)  # implies the earlier two
        self.steps = Steps(
            input.complaint_id,
            indexed=input.search_attributes,
            local=current or workflow.patched(LOCAL_ACTIVITIES),
            once_per_wait=current or workflow.patched(ONE_UPSERT_PER_WAIT),
            together=current,
        )
        if input.memory is not None:
            input.memory.policy = shared(input.memory.policy)
            self.steps.lifecycle = input.memory

    @property
    def lifecycle(self) -> Lifecycle:
        """The complaint's state, once the start activity has answered."""
        return self.steps.held

    @workflow.run
    async def run(self, input: LifecycleInput) -> LifecycleState:
        if input.memory is None:
            await self._open(input)
        while not self.lifecycle.finished:
            if self._decision is not None and not self.lifecycle.routed:
                await self.steps.route(self._decision)
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self.steps.publish()
                workflow.continue_as_new(
                    LifecycleInput(
                        complaint_id=self.complaint_id,
                        search_attributes=self.indexed,
                        memory=self.lifecycle,
                    )
                )
            await self._wait_for_next_timer()
        await workflow.wait_condition(workflow.all_handlers_finished)
        self.steps.publish()
        return self._state()

    async def _open(self, input: LifecycleInput) -> None:
        start = await self.steps.run(LifecycleActivities.start_lifecycle, input)
        self.steps.lifecycle = Lifecycle(
            policy=shared(start.policy),
            received_at=start.received_at,
            class_hint=start.complaint_class,
        )
        routing = await self.steps.clock(
            DeadlineKind.ROUTING, start.received_at, start.policy.routing_due
        )
        async with self.steps.lock:
            await self.steps.record(
                EventType.OPENED, public=False, deadlines=[deadline_set(routing)]
            )

    async def _wait_for_next_timer(self) -> None:
        """Sleep until the next timer or any change; fire the timer if nothing changed."""
        self.steps.publish()
        timer = self.lifecycle.next_timer()
        version = self._version

        def changed() -> bool:
            return (
                self._version != version
                or (self._decision is not None and not self.lifecycle.routed)
                or workflow.info().is_continue_as_new_suggested()
            )

        if await wait_until(changed, timer.at if timer else None):
            return
        assert timer is not None
        async with self.steps.lock:
            if self._version == version:
                await self.steps.fire_due(timer)

    def _check(self, action: ActionName) -> None:
        opened = self.steps.lifecycle
        reason = opened.refusal(action) if opened else refusal(action, Status.RECEIVED)
        if reason:
            raise ApplicationError(reason, type="ActionNotAllowed", non_retryable=True)

    def _state(self) -> LifecycleState:
        opened = self.steps.lifecycle
        if opened is None:
            return LifecycleState(
                complaint_id=self.complaint_id,
                status=Status.RECEIVED,
                escalation_level=EscalationLevel.NONE,
            )
        return opened.view(self.complaint_id, workflow.now())

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
        return list(self.steps.lifecycle.history) if self.steps.lifecycle else []

    # Officer actions --------------------------------------------------------------------

    @workflow.update
    async def acknowledge(self, action: AcknowledgeInput) -> LifecycleState:
        """An officer takes the complaint on: the first-response deadline is met."""
        async with self.steps.lock:
            self._check(ActionName.ACKNOWLEDGE)
            assert self.lifecycle.decision is not None
            self.lifecycle.decision.officer = action.actor or self.lifecycle.decision.officer
            await self.steps.record(
                EventType.ACKNOWLEDGED,
                status=Status.IN_PROGRESS,
                actor=action.actor,
                officer=self.lifecycle.decision.officer,
                deadlines=[self.lifecycle.meet(DeadlineKind.FIRST_RESPONSE, workflow.now())],
            )
        return self._changed()

    @acknowledge.validator
    def _validate_acknowledge(self, action: AcknowledgeInput) -> None:
        self._check(ActionName.ACKNOWLEDGE)

    @workflow.update
    async def request_info(self, action: RequestInfoInput) -> LifecycleState:
        """Ask the complainant; every running clock pauses until they reply."""
        async with self.steps.lock:
            self._check(ActionName.REQUEST_INFO)
            now = workflow.now()
            self.lifecycle.pause(now)
            window = await self.steps.clock(
                DeadlineKind.INFO, now, self.lifecycle.policy.complainant.info_window
            )
            await self.steps.record(
                EventType.INFO_REQUESTED,
                status=Status.WAITING_COMPLAINANT,
                actor=action.actor,
                data={"message": action.message},
                deadlines=[deadline_set(window)],
            )
        return self._changed()

    @request_info.validator
    def _validate_request_info(self, action: RequestInfoInput) -> None:
        self._check(ActionName.REQUEST_INFO)

    @workflow.update
    async def respond(self, action: RespondInput) -> LifecycleState:
        """The provider's answer: the resolution deadline is met, the confirm window opens."""
        async with self.steps.lock:
            self._check_answer()
            window = await self.steps.clock(
                DeadlineKind.CONFIRM,
                workflow.now(),
                self.lifecycle.policy.complainant.confirm_window,
            )
            await self.steps.record(
                EventType.RESPONDED,
                status=Status.RESPONDED,
                actor=action.actor,
                data={"message": action.message},
                deadlines=[
                    self.lifecycle.meet(DeadlineKind.RESOLUTION, workflow.now()),
                    deadline_set(window),
                ],
            )
        return self._changed()

    @respond.validator
    def _validate_respond(self, action: RespondInput) -> None:
        self._check_answer()

    def _check_answer(self) -> None:
        self._check(ActionName.RESPOND)
        reason = self.lifecycle.answer_refusal()
        if reason:
            raise ApplicationError(reason, type="ActionNotAllowed", non_retryable=True)

    @workflow.update
    async def extend(self, action: ExtendInput) -> LifecycleState:
        """Extend the resolution deadline once, before it passes; the complainant is told."""
        async with self.steps.lock:
            by = self._check_extension(action)
            clock = self.lifecycle.clocks[DeadlineKind.RESOLUTION]
            schedule = await self.steps.schedule(clock.due, by, ladder=True)
            self.lifecycle.extend(clock, schedule)
            await self.steps.record(
                EventType.EXTENDED,
                actor=action.actor,
                deadlines=[deadline_set(clock)],
                data={"by": str(by), "reason": action.reason, "due_at": clock.due.isoformat()},
            )
        return self._changed()

    @extend.validator
    def _validate_extend(self, action: ExtendInput) -> None:
        self._check_extension(action)

    def _check_extension(self, action: ExtendInput) -> Duration:
        self._check(ActionName.EXTEND)
        try:
            by = parse_extension(action.by, self.lifecycle.policy)
        except ValueError as exc:
            raise ApplicationError(str(exc), type="InvalidAction", non_retryable=True) from exc
        reason = self.lifecycle.extension_refusal(workflow.now())
        if reason:
            raise ApplicationError(reason, type="ActionNotAllowed", non_retryable=True)
        return by

    @workflow.update
    async def reassign(self, action: ReassignInput) -> LifecycleState:
        """Move the complaint to another unit or officer; the clocks keep running."""
        async with self.steps.lock:
            self._check(ActionName.REASSIGN)
            assert self.lifecycle.decision is not None
            self.lifecycle.decision.unit, self.lifecycle.decision.officer = (
                action.unit,
                action.officer,
            )
            await self.steps.record(
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
        async with self.steps.lock:
            self._check(ActionName.TRANSFER)
            await self.steps.close(
                Outcome.TRANSFERRED, action.actor, provider=action.provider, reason=action.reason
            )
        return self._changed()

    @transfer.validator
    def _validate_transfer(self, action: TransferInput) -> None:
        self._check(ActionName.TRANSFER)

    @workflow.update
    async def reject(self, action: RejectInput) -> LifecycleState:
        """Out of scope: closed as `rejected`, with the reason."""
        async with self.steps.lock:
            self._check(ActionName.REJECT)
            await self.steps.close(Outcome.REJECTED, action.actor, reason=action.reason)
        return self._changed()

    @reject.validator
    def _validate_reject(self, action: RejectInput) -> None:
        self._check(ActionName.REJECT)

    @workflow.update
    async def note(self, action: NoteInput) -> LifecycleState:
        """An internal note: on the staff timeline only."""
        async with self.steps.lock:
            self._check(ActionName.NOTE)
            await self.steps.record(
                EventType.NOTE, public=False, actor=action.actor, data={"text": action.text}
            )
        return self._changed()

    @note.validator
    def _validate_note(self, action: NoteInput) -> None:
        self._check(ActionName.NOTE)

    @workflow.update
    async def schedule_field_check(self, action: ScheduleFieldCheckInput) -> LifecycleState:
        """A visit on site; the first one starts the class's field-check deadline, a later
        one before the findings only moves the visit."""
        async with self.steps.lock:
            self._check(ActionName.SCHEDULE_FIELD_CHECK)
            lifecycle = self.lifecycle
            rescheduled = lifecycle.visit is not None
            deadlines = []
            assert lifecycle.decision is not None
            due_in = lifecycle.policy.deadlines_for(lifecycle.decision.complaint_class).field_check
            if not rescheduled and due_in is not None:
                clock = await self.steps.clock(DeadlineKind.FIELD_CHECK, workflow.now(), due_in)
                deadlines.append(deadline_set(clock))
            lifecycle.visit = FieldVisit(date=action.date, inspector=action.inspector)
            await self.steps.record(
                EventType.FIELD_CHECK_SCHEDULED,
                actor=action.actor,
                deadlines=deadlines,
                data={
                    "date": action.date.isoformat(),
                    "inspector": action.inspector,
                    "scope": action.scope,
                    "rescheduled": rescheduled,
                },
            )
        return self._changed()

    @schedule_field_check.validator
    def _validate_schedule_field_check(self, action: ScheduleFieldCheckInput) -> None:
        self._check(ActionName.SCHEDULE_FIELD_CHECK)

    @workflow.update
    async def record_field_check(self, action: RecordFieldCheckInput) -> LifecycleState:
        """The inspector's findings: the field-check deadline is met, an answer may follow."""
        async with self.steps.lock:
            self._check_findings()
            lifecycle = self.lifecycle
            assert lifecycle.visit is not None
            visit, lifecycle.visit = lifecycle.visit, None
            lifecycle.field_checks += 1
            await self.steps.record(
                EventType.FIELD_CHECK_RECORDED,
                actor=action.actor,
                deadlines=[lifecycle.meet(DeadlineKind.FIELD_CHECK, workflow.now())],
                data={
                    **action.model_dump(mode="json", exclude={"actor"}),
                    "date": visit.date.isoformat(),
                    "inspector": visit.inspector,
                    # what the condition's code means: the category's list in the rules file
                    "category": lifecycle.decision.category if lifecycle.decision else None,
                },
            )
        return self._changed()

    @record_field_check.validator
    def _validate_record_field_check(self, action: RecordFieldCheckInput) -> None:
        self._check_findings()

    def _check_findings(self) -> None:
        self._check(ActionName.RECORD_FIELD_CHECK)
        if self.lifecycle.visit is None:
            raise ApplicationError(
                "no field check is scheduled; schedule one before recording its findings",
                type="ActionNotAllowed",
                non_retryable=True,
            )

    @workflow.update
    async def withdraw(self, action: WithdrawInput) -> LifecycleState:
        """Closed as `withdrawn` at once, so its complainant's data can be erased."""
        async with self.steps.lock:
            self._check(ActionName.WITHDRAW)
            await self.steps.close(Outcome.WITHDRAWN, action.actor, reason=action.reason)
        return self._changed()

    @withdraw.validator
    def _validate_withdraw(self, action: WithdrawInput) -> None:
        self._check(ActionName.WITHDRAW)

    # Complainant actions ----------------------------------------------------------------

    @workflow.update
    async def reply(self, action: ReplyInput) -> LifecycleState:
        """The requested information: paused clocks resume with the time they had left."""
        async with self.steps.lock:
            self._check(ActionName.REPLY)
            now = workflow.now()
            changes = [self.lifecycle.meet(DeadlineKind.INFO, workflow.now())]
            for kind, clock in list(self.lifecycle.clocks.items()):
                if clock.paused_at is not None:
                    self.lifecycle.clocks[kind] = await self.steps.resume(clock, now)
                    changes.append(deadline_set(self.lifecycle.clocks[kind]))
            await self.steps.record(
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
        async with self.steps.lock:
            self._check(ActionName.CONFIRM)
            await self.steps.close(Outcome.RESOLVED, "complainant")
        return self._changed()

    @confirm.validator
    def _validate_confirm(self, action: ConfirmInput) -> None:
        self._check(ActionName.CONFIRM)

    @workflow.update
    async def dispute(self, action: DisputeInput) -> LifecycleState:
        """Reopen (up to max_reopen) with a new resolution deadline; beyond it, appeal."""
        async with self.steps.lock:
            self._check_dispute()
            if self.lifecycle.reopen_count < self.lifecycle.policy.complainant.max_reopen:
                await self._reopen(action)
            else:
                await self.steps.record(
                    EventType.DISPUTED,
                    actor="complainant",
                    data={"message": action.message, "appeal": True},
                )
                if workflow.patched("appeal-sent-at-any-level"):
                    await self._appeal()
                else:  # lifecycles that appealed before: no appeal step if already there
                    await self.steps.escalate(EscalationLevel.OMBUDSMAN, appeal=True)
        return self._changed()

    async def _appeal(self) -> None:
        # An appeal always goes to the Ombudsman with its own dossier, even when a missed
        # deadline already took the complaint there; the complainant may appeal once.
        self.lifecycle.appealed = True
        self.lifecycle.escalation_level = EscalationLevel.OMBUDSMAN
        await self.steps.record(
            EventType.ESCALATED, data={"level": EscalationLevel.OMBUDSMAN, "appeal": True}
        )

    def _check_dispute(self) -> None:
        self._check(ActionName.DISPUTE)
        if self.lifecycle.appealed:
            raise ApplicationError(
                "this complaint was already appealed to the Ombudsman",
                type="ActionNotAllowed",
                non_retryable=True,
            )

    async def _reopen(self, action: DisputeInput) -> None:
        self.lifecycle.reopen_count += 1
        assert self.lifecycle.decision is not None
        rules = self.lifecycle.policy.deadlines_for(self.lifecycle.decision.complaint_class)
        confirm = self.lifecycle.meet(DeadlineKind.CONFIRM, workflow.now())
        resolution = await self.steps.clock(
            DeadlineKind.RESOLUTION, workflow.now(), rules.resolution
        )
        await self.steps.record(
            EventType.DISPUTED,
            status=Status.IN_PROGRESS,
            actor="complainant",
            data={"message": action.message, "reopened": self.lifecycle.reopen_count},
            deadlines=[confirm, deadline_set(resolution)],
        )

    @dispute.validator
    def _validate_dispute(self, action: DisputeInput) -> None:
        self._check_dispute()

    @workflow.update
    async def rate(self, action: RatingInput) -> LifecycleState:
        """The complainant's rating, once; after closure it ends the lifecycle."""
        async with self.steps.lock:
            self._check_rating()
            self.lifecycle.rated = True
            await self.steps.record(
                EventType.RATED,
                actor="complainant",
                data={"score": action.score, "comment": action.comment},
            )
            if self.lifecycle.status == Status.CLOSED:
                self.lifecycle.finished = True
        return self._changed()

    @rate.validator
    def _validate_rate(self, action: RatingInput) -> None:
        self._check_rating()

    def _check_rating(self) -> None:
        self._check(ActionName.RATE)
        if self.lifecycle.rated:
            raise ApplicationError(
                "this complaint was already rated", type="ActionNotAllowed", non_retryable=True
            )
