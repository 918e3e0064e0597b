"""Slip storage failing (a full disk, a rename refused, a disk returning other bytes): the case stays completed,
the slip is ``failed`` and can be issued again, and nothing half-written is left in the slips' folder."""

from __future__ import annotations

import errno
import hashlib
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from deregistration import slips
from deregistration.models import DepartureSlip
from deregistration.storage import AtomicFileSystemStorage, StoredFileMismatch
from tests.conftest import walk_in_case

pytestmark = pytest.mark.django_db


class DiskFullMidWrite(AtomicFileSystemStorage):
    """Writes the first half of the first chunk, then the disk is full."""

    def _write(self, out, data):
        out.write(data[: len(data) // 2])
        out.flush()
        raise OSError(errno.ENOSPC, "No space left on device")


class RenameRefused(AtomicFileSystemStorage):
    """The whole file is written and synced, then the folder refuses the rename (read-only, quota)."""

    def _move_into_place(self, temp_path, full_path):
        raise OSError(errno.EROFS, "Read-only file system")


class DiskReturnsOtherBytes(AtomicFileSystemStorage):
    """The file lands, but what the disk gives back is not what was written."""

    def _move_into_place(self, temp_path, full_path):
        super()._move_into_place(temp_path, full_path)
        with open(full_path, "r+b") as stored:
            stored.seek(100)
            stored.write(b"\0")


FAILURES = [
    pytest.param(DiskFullMidWrite, id="disk-full-mid-write"),
    pytest.param(RenameRefused, id="rename-refused"),
    pytest.param(DiskReturnsOtherBytes, id="read-back-differs"),
]


def files_in(folder: Path) -> list[str]:
    """Every entry of the slips' folder, hidden temporary files included."""
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("failing", FAILURES)
def test_a_storage_failure_leaves_the_case_completed_nothing_on_disk_and_the_slip_issuable(
    household, operator, monkeypatch, failing
):
    folder = Path(slips.slip_storage().location)
    monkeypatch.setattr(slips, "slip_storage", lambda: failing(location=folder, base_url=None))

    application = walk_in_case(operator, household, issue_slip=True, complete=True)

    application.refresh_from_db()
    assert application.status == "completed"
    subject = application.subjects.get()
    assert (subject.outcome, subject.slip_status, subject.slip_error) == (
        "deregistered",
        "failed",
        "slip_storage_failed",
    )
    assert not DepartureSlip.objects.exists()
    assert files_in(folder) == []

    monkeypatch.undo()  # the disk is fine again
    slip = slips.slip_issue(actor=operator, subject=subject)
    [stored] = files_in(folder)
    assert stored == slip.file_name
    on_disk = (folder / stored).read_bytes()
    assert hashlib.sha256(on_disk).hexdigest() == slip.sha256
    assert len(on_disk) == slip.size
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(on_disk)).pages)
    assert slip.number in text
    subject.refresh_from_db()
    assert subject.slip_status == "issued"


def test_the_storage_writes_the_exact_bytes_and_never_replaces_a_file(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path, base_url=None)
    first = storage.save("a.pdf", ContentFile(b"%PDF-1.7 first"))
    second = storage.save("a.pdf", ContentFile(b"%PDF-1.7 second"))
    assert first == "a.pdf"
    assert second != first
    assert (tmp_path / first).read_bytes() == b"%PDF-1.7 first"
    assert (tmp_path / second).read_bytes() == b"%PDF-1.7 second"
    assert files_in(tmp_path) == sorted([first, second])


def test_bytes_that_do_not_read_back_are_removed_and_refused(tmp_path):
    storage = DiskReturnsOtherBytes(location=tmp_path, base_url=None)
    with pytest.raises(StoredFileMismatch):
        storage.save("a.pdf", ContentFile(b"%PDF-1.7 " + b"x" * 200))
    assert files_in(tmp_path) == []
