"""The actions people take on a complaint: URL name -> Temporal Update name and input model."""

from __future__ import annotations

from dataclasses import dataclass

from aduan.domain.vocabulary import ActionName
from aduan.lifecycle.models import (
    AcknowledgeInput,
    ActionInput,
    ConfirmInput,
    DisputeInput,
    ExtendInput,
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


@dataclass(frozen=True)
class Action:
    """How an HTTP action reaches the workflow."""

    update: ActionName
    input: type[ActionInput]


# Desk: POST /v1/staff/complaints/{id}/actions/<name>
STAFF_ACTIONS: dict[str, Action] = {
    "acknowledge": Action(ActionName.ACKNOWLEDGE, AcknowledgeInput),
    "request-info": Action(ActionName.REQUEST_INFO, RequestInfoInput),
    "respond": Action(ActionName.RESPOND, RespondInput),
    "extend": Action(ActionName.EXTEND, ExtendInput),
    "reassign": Action(ActionName.REASSIGN, ReassignInput),
    "transfer": Action(ActionName.TRANSFER, TransferInput),
    "reject": Action(ActionName.REJECT, RejectInput),
    "note": Action(ActionName.NOTE, NoteInput),
    "schedule-field-check": Action(ActionName.SCHEDULE_FIELD_CHECK, ScheduleFieldCheckInput),
    "record-field-check": Action(ActionName.RECORD_FIELD_CHECK, RecordFieldCheckInput),
}

# Intake: POST /v1/complaints/{tracking_code}/<name> with the access token
COMPLAINANT_ACTIONS: dict[str, Action] = {
    "replies": Action(ActionName.REPLY, ReplyInput),
    "confirm": Action(ActionName.CONFIRM, ConfirmInput),
    "dispute": Action(ActionName.DISPUTE, DisputeInput),
    "rating": Action(ActionName.RATE, RatingInput),
}

# Desk, for an erasure only (services/desk/rights.py): not an action staff take on a page.
WITHDRAW = Action(ActionName.WITHDRAW, WithdrawInput)
