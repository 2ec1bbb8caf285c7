"""What a request may carry as files: allowed types (checked by content, not only by name) and
sizes. Refusals are errors with the file's name, so that the sender knows what to fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Extension → (content type, the first bytes such a file starts with; None: plain text).
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".tif": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".tiff": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".doc": ("application/msword", (_OLE,)),
    ".xls": ("application/vnd.ms-excel", (_OLE,)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (_ZIP,),
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    ".odt": ("application/vnd.oasis.opendocument.text", (_ZIP,)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (_ZIP,)),
    ".txt": ("text/plain", None),
}


class AttachmentTooLarge(ValidationError):
    """A file over the size limit; the API answers 413."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    file: IO[bytes]


def check_attachment(*, name: str, size: int, file: IO[bytes]) -> CheckedFile:
    """Accept a file of an allowed type within the size limit, or raise a ValidationError."""
    safe_name = PurePath(name.replace("\\", "/")).name[:255] or "file"
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise AttachmentTooLarge(
            _("«%(name)s» is %(size)d bytes; the limit is %(limit)d bytes.")
            % {"name": safe_name, "size": size, "limit": limit},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("«%(name)s» is empty.") % {"name": safe_name}, code="empty")
    extension = PurePath(safe_name).suffix.lower()
    if extension not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise ValidationError(
            _("«%(name)s»: files of this type are not accepted (allowed: %(allowed)s).")
            % {"name": safe_name, "allowed": allowed},
            code="forbidden_type",
        )
    content_type, signatures = ALLOWED_TYPES[extension]
    head = file.read(16)
    file.seek(0)
    if signatures is None:
        if b"\x00" in head:
            raise ValidationError(
                _("«%(name)s» is not a text file.") % {"name": safe_name}, code="forbidden_type"
            )
    elif not any(head.startswith(sig) for sig in signatures):
        raise ValidationError(
            _("«%(name)s»: the content is not a %(type)s file.")
            % {"name": safe_name, "type": extension[1:].upper()},
            code="forbidden_type",
        )
    return CheckedFile(name=safe_name, content_type=content_type, size=size, file=file)


def check_attachments(files: list[tuple[str, int, IO[bytes]]]) -> list[CheckedFile]:
    """Check every file, and their count, before anything is stored."""
    if len(files) > settings.ATTACHMENT_MAX_COUNT:
        raise ValidationError(
            _("At most %(limit)d files per request, got %(count)d.")
            % {"limit": settings.ATTACHMENT_MAX_COUNT, "count": len(files)},
            code="too_many",
        )
    return [check_attachment(name=n, size=s, file=f) for n, s, f in files]
