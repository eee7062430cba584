"""The actions people take on a complaint: URL name -> Temporal Update name and input model."""

from __future__ import annotations

from dataclasses import dataclass

from aduan.lifecycle.models import (
    AcknowledgeInput,
    ActionInput,
    ConfirmInput,
    DisputeInput,
    ExtendInput,
    NoteInput,
    RatingInput,
    ReassignInput,
    RejectInput,
    ReplyInput,
    RequestInfoInput,
    RespondInput,
    TransferInput,
)


@dataclass(frozen=True)
class Action:
    """How an HTTP action reaches the workflow."""

    update: str
    input: type[ActionInput]


# Desk: POST /v1/staff/complaints/{id}/actions/<name>
STAFF_ACTIONS: dict[str, Action] = {
    "acknowledge": Action("acknowledge", AcknowledgeInput),
    "request-info": Action("request_info", RequestInfoInput),
    "respond": Action("respond", RespondInput),
    "extend": Action("extend", ExtendInput),
    "reassign": Action("reassign", ReassignInput),
    "transfer": Action("transfer", TransferInput),
    "reject": Action("reject", RejectInput),
    "note": Action("note", NoteInput),
}

# Intake: POST /v1/complaints/{tracking_code}/<name> with the access token
COMPLAINANT_ACTIONS: dict[str, Action] = {
    "replies": Action("reply", ReplyInput),
    "confirm": Action("confirm", ConfirmInput),
    "dispute": Action("dispute", DisputeInput),
    "rating": Action("rate", RatingInput),
}
