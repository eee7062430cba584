"""What Open311 clients show people: status notes and notices, Bahasa Indonesia first."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from aduan.domain.events import EventType

_STATUS = {
    "received": "Diterima / Received",
    "routed": "Diteruskan ke unit yang berwenang / Routed to the responsible unit",
    "in_progress": "Sedang ditangani / In progress",
    "waiting_complainant": "Menunggu informasi dari pelapor / "
    "Waiting for information from the complainant",
    "responded": "Telah ditanggapi / Responded",
    "closed": "Ditutup / Closed",
}
_EVENT = {
    "routed": _STATUS["routed"],
    "acknowledged": _STATUS["in_progress"],
    "info_requested": _STATUS["waiting_complainant"],
    "replied": "Pelapor melengkapi informasi / The complainant replied",
    "responded": _STATUS["responded"],
    "extended": "Batas waktu diperpanjang / The deadline was extended",
    "reassigned": "Dialihkan ke unit lain / Reassigned to another unit",
    "deadline_missed": "Batas waktu terlewati / A deadline was missed",
    "disputed": "Pelapor menyanggah tanggapan / The complainant disputed the response",
    "rated": "Pelapor memberi penilaian / The complainant rated the handling",
}
_ESCALATED = {
    "supervisor": "Dieskalasi ke atasan / Escalated to the supervisor",
    "ombudsman": "Dieskalasi ke Ombudsman / Escalated to the Ombudsman",
}
_CLOSED = {
    "resolved": "Selesai, dikonfirmasi pelapor / Resolved, confirmed by the complainant",
    "auto_closed": "Ditutup setelah tanggapan tanpa sanggahan / "
    "Closed after the response went undisputed",
    "withdrawn": "Dianggap dicabut: informasi tidak diterima / "
    "Deemed withdrawn: the information never came",
    "rejected": "Ditolak / Rejected",
    "transferred": "Dialihkan ke penyelenggara lain / Transferred to another provider",
}
# The provider's own words that may follow the label on a public report; never the
# complainant's replies, disputes or ratings.
_PROVIDER_WORDS = {"responded": "message", "closed": "reason"}


def event_note(
    status: str, event_type: str | None, data: dict[str, Any], *, with_message: bool
) -> str:
    """status_notes: what last happened that the complainant may see."""
    if event_type == EventType.ESCALATED:
        label = _ESCALATED.get(str(data.get("level")), _STATUS.get(status, status))
    elif event_type == EventType.CLOSED:
        label = _CLOSED.get(str(data.get("outcome")), _STATUS["closed"])
    else:
        label = _EVENT.get(event_type or "", _STATUS.get(status, status))
    words = data.get(_PROVIDER_WORDS.get(event_type or "", ""))
    if with_message and isinstance(words, str) and words.strip():
        return f"{label}: {words.strip()}"
    return label


def routing_notice(resolution_due: datetime | None, zone: tzinfo) -> str:
    """service_notice of an open request: when it is due, or that it is being routed."""
    if resolution_due is None:
        return (
            "Sedang diverifikasi dan diteruskan ke unit yang berwenang. / "
            "Being verified and routed to the responsible unit."
        )
    due = resolution_due.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    return f"Penyelesaian paling lambat {due}. / Resolution due by {due}."


def submitted_notice(tracking_code: str, access_token: str) -> str:
    """service_notice of POST requests: the tracking code and the secret token to keep."""
    return (
        f"Pengaduan diterima. Kode pelacakan {tracking_code}, token akses {access_token}: "
        "simpan keduanya dan jangan bagikan token untuk mengikuti, membalas, atau "
        "menanggapi pengaduan Anda. / Complaint received. Tracking code "
        f"{tracking_code}, access token {access_token}: keep both, and the token "
        "secret, to follow, reply to or answer your complaint."
    )
