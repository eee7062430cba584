"""What the access log records of a staff read or action: its action names, where the
request came from, and the few details a row may carry (never complaint text)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import StrEnum

USER_AGENT_MAX = 200
DETAIL_TEXT_MAX = 100
# The only keys a row's detail may hold; each value a short scalar. A closed list, so no
# caller can put a description, a message or a complainant's name into the log by accident.
DETAIL_KEYS = frozenset(
    {
        "surface",  # api, page, visits, visit
        "method",  # how a staff member signed in: password, oidc
        "rows",  # how many complaints a list or an export held
        "files",  # how many files were added
        "key",  # an attachment's key (a digest, not its name)
        "incident_id",
        "account",  # the account an admin changed, with its role and unit
        "role",
        "new_unit",
        "template_id",
        "deliveries",  # how many dead deliveries ops replayed
        "page",
        "before",  # the access log's own paging
        "for_complaint",
        "for_username",
        # The queue's filters, as chosen; a text search is recorded as `searched`, without
        # its words (they may be a complainant's name).
        "status",
        "unit",
        "class",
        "escalation",
        "overdue",
        "channel",
        "from",
        "to",
        "mine",
        "attention",
        "searched",
    }
)

Detail = dict[str, str | int | bool | None]


class Access(StrEnum):
    """The action column's values besides staff actions and changes (`prefixed`)."""

    READ = "read"  # one complaint opened (its identity shown or not: identity_shown)
    LIST = "list"  # the queue, a page of it or the API's list
    EXPORT_CSV = "export_csv"
    DOWNLOAD_ATTACHMENT = "download_attachment"
    ADD_ATTACHMENTS = "add_attachments"
    ENTER = "enter"  # a complaint taken on the phone, typed in by staff
    RELATED = "read_related"  # a complaint's related complaints (no complainant in them)
    READ_INCIDENT = "read_incident"
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    READ_ACCESS_LOG = "read_access_log"
    RIGHTS_EXPORT = "rights_export"  # everything held about one complainant, downloaded
    RIGHTS_ERASE = "rights_erase"  # their complaints anonymised at once (reason: erasures)


class Prefix(StrEnum):
    """What a staff member changed: `act:respond` (an action on a complaint's lifecycle),
    `incident:link`, `account:role`, `template:save`, `unit:save`, `ops:retry`, `me:away`."""

    ACT = "act"
    INCIDENT = "incident"
    ACCOUNT = "account"
    TEMPLATE = "template"
    UNIT = "unit"
    OPS = "ops"
    ME = "me"


def prefixed(prefix: Prefix, name: str) -> str:
    """The action column of a change: `act:respond`, `incident:link`."""
    return f"{prefix}:{name}"


def user_agent(header: str | None) -> str | None:
    """The User-Agent header trimmed to what tells browsers apart; none when absent."""
    text = "".join(ch for ch in (header or "") if ch.isprintable()).strip()
    return text[:USER_AGENT_MAX] or None


def clean_detail(detail: Mapping[str, object]) -> Detail:
    """`detail` as a row may hold it: known keys, short scalars; ValueError otherwise (a bug
    in the caller, never something a request can cause). Empty values are left out."""
    unknown = sorted(set(detail) - DETAIL_KEYS)
    if unknown:
        raise ValueError(f"the access log holds no {', '.join(unknown)}")
    cleaned: Detail = {}
    for key, value in detail.items():
        if value is None or value == "":
            continue
        if isinstance(value, uuid.UUID):
            value = str(value)
        if isinstance(value, str):
            if len(value) > DETAIL_TEXT_MAX:
                raise ValueError(f"{key}: at most {DETAIL_TEXT_MAX} characters in the log")
            cleaned[key] = value
        elif isinstance(value, bool | int):
            cleaned[key] = value
        else:
            raise ValueError(f"{key}: {type(value).__name__} is not a value the log holds")
    return cleaned
