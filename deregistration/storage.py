"""A file storage whose files are whole or absent: never half-written, and checked after writing.

Slips are legal documents stored once: a full disk, a read-only folder or a crash in the middle of a write must
not leave a truncated PDF under a slip's name. So a file is written to a temporary file in the same folder
(same file system, so the rename is atomic), flushed to disk (fsync), renamed into place with ``os.replace``,
the folder's entry flushed too; then it is read back, and a SHA-256 other than that of the bytes given removes
it and raises ``OSError``. A failure at any step leaves nothing behind, temporary file included.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import suppress
from typing import IO, Any

from django.core.files.storage import FileSystemStorage

TEMP_PREFIX = ".partial-"
CHUNK = 1 << 16


class StoredFileMismatch(OSError):
    """The file read back after writing is not the file that was written."""


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        # The names given here are fresh UUIDs; still, never replace an existing file.
        while os.path.exists(full_path):
            name = self.get_available_name(name)
            full_path = self.path(name)

        written = hashlib.sha256()
        fd, temp_path = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    data = chunk.encode() if isinstance(chunk, str) else chunk
                    written.update(data)
                    self._write(out, data)
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temp_path, self.file_permissions_mode)
            self._move_into_place(temp_path, full_path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temp_path)
            raise
        _fsync_directory(directory)

        if self._sha256_of(full_path) != written.hexdigest():
            with suppress(FileNotFoundError):
                os.unlink(full_path)
            raise StoredFileMismatch(f"{name}: the stored file does not read back as written")
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    # The three steps that touch the disk, one method each (tests make each of them fail).
    def _write(self, out: IO[bytes], data: bytes) -> None:
        out.write(data)

    def _move_into_place(self, temp_path: str, full_path: str) -> None:
        os.replace(temp_path, full_path)

    def _sha256_of(self, full_path: str) -> str:
        digest = hashlib.sha256()
        with open(full_path, "rb") as stored:
            while block := stored.read(CHUNK):
                digest.update(block)
        return digest.hexdigest()


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (the folder's entry), where the platform allows opening a folder."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
