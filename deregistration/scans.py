"""Scans of the documents presented at the desk: checked by their content, stored privately under generated
names (like slips), attached to a case in the same transaction as its submission, and read back only through a
permission check.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens.audit import audit_log

from . import rules
from .errors import Unavailable
from .models import Application, DocumentScan
from .services import SubmitResult, application_submit

HEAD_BYTES = 16  # enough for every signature in rules.SCAN_FORMATS
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def scan_storage() -> FileSystemStorage:
    """Private storage: under MEDIA_ROOT, with no URL; a scan is read back only through ``scan_read``."""
    return FileSystemStorage(location=settings.MEDIA_ROOT / "scans", base_url=None)


def _head(upload: Any) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def scans_check(uploads: Mapping[int, Any]) -> dict[str, list[ValidationError]]:
    """The problems of the scans given for the submission's documents (by index), as ``documents[i].scan``."""
    errors: dict[str, list[ValidationError]] = {}
    for index, upload in uploads.items():
        problem = rules.scan_problem(
            name=upload.name or "", head=_head(upload), size=upload.size, max_size=settings.SCAN_MAX_BYTES
        )
        if problem is not None:
            code, message = problem
            errors[f"documents[{index}].scan"] = [ValidationError(message, code=code)]
    return errors


def application_submit_with_scans(
    *, actor: Any, scans: Mapping[int, Any] | None = None, **submission: Any
) -> SubmitResult:
    """``application_submit`` with scans of its documents (``scans[i]`` is a scan of ``documents[i]``).

    Nothing is stored unless everything is right: the scans are checked first, the case is submitted, and
    the scans are stored in the same transaction; any error (the service's and the scans', reported together
    as one ``ValidationError``) leaves no case and no file behind. A replay of the same idempotency key returns
    the first case and attaches nothing again.
    """
    scans = dict(scans or {})
    problems = scans_check(scans)
    written: list[str] = []
    try:
        with transaction.atomic():
            try:
                result = application_submit(actor=actor, **submission)
            except ValidationError as invalid:
                raise ValidationError({**invalid.error_dict, **problems}) from invalid
            if problems:
                raise ValidationError(problems)
            if result.created and scans:
                written = _store(actor=actor, application=result.application, scans=scans)
    except Exception:
        storage = scan_storage()
        for name in written:
            storage.delete(name)
        raise
    return result


def _store(*, actor: Any, application: Application, scans: Mapping[int, Any]) -> list[str]:
    documents = list(application.documents.order_by("id"))
    storage = scan_storage()
    now = timezone.now()
    written = []
    for index, upload in sorted(scans.items()):
        content = b"".join(upload.chunks())
        kind = rules.scan_content_type(content[:HEAD_BYTES])
        name = storage.save(f"{uuid.uuid4().hex}{EXTENSIONS[kind]}", ContentFile(content))
        written.append(name)
        scan = DocumentScan.objects.create(
            application=application,
            document=documents[index],
            content_type=kind,
            file_name=name,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=actor,
            uploaded_at=now,
        )
        audit_log(actor=actor, action="scan.attach", target=scan, application=application.number)
    return written


def scan_read(*, scan: DocumentScan) -> bytes:
    """A scan's stored bytes, exactly as attached; the caller has checked the reader may see it.

    Unavailable when the file cannot be read or no longer matches the SHA-256 recorded when it was attached.
    """
    try:
        with scan_storage().open(scan.file_name, "rb") as stored:
            content = stored.read()
    except OSError as exc:
        raise Unavailable(
            "scan_unavailable", _("The stored scan cannot be read now. Try again later.")
        ) from exc
    if hashlib.sha256(content).hexdigest() != scan.sha256:
        raise Unavailable("scan_unavailable", _("The stored scan cannot be read now. Try again later."))
    return content
