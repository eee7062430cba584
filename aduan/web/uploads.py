"""Reading a multipart form: its text fields, and its files as uploads to check."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from starlette.datastructures import UploadFile

from aduan.config import Settings
from aduan.domain.attachments import Upload

# OpenAPI's description of a body of files (any field name), for the routes that take one.
UPLOAD_BODY: dict[str, object] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                }
            }
        }
    }
}

_SPARE_FILES = 10  # parts beyond the attachment limit still parsed, to refuse them clearly


@dataclass
class Form:
    """What a form sent: the first value of each text field, and every non-empty file."""

    fields: dict[str, str] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)

    def text(self, name: str) -> str | None:
        """A field's value, stripped; None when missing or blank."""
        value = self.fields.get(name, "").strip()
        return value or None


async def read_form(request: Request, settings: Settings) -> Form:
    """Parse a urlencoded or multipart body (a malformed one is a 400 problem).

    A file is read only up to one byte past the size limit: enough to refuse it."""
    result = Form()
    async with request.form(
        max_files=settings.attachment_max_count + _SPARE_FILES,
        max_fields=100,
        max_part_size=settings.max_body_bytes,
    ) as form:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if value.filename or value.size:  # an empty file input sends an empty part
                    data = await value.read(settings.attachment_max_bytes + 1)
                    result.uploads.append(Upload(value.filename or "attachment", data))
            else:
                result.fields.setdefault(name, value)
    return result
