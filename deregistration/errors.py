"""Domain errors the services raise besides ``ValidationError`` (bad input, 400).

Each door maps them the same way: NotAllowed → 403, NotFound → 404, Conflict → 409, Unavailable → 503.
"""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class NotAllowed(ServiceError):
    """The actor may not do this (wrong role, not their case)."""


class NotFound(ServiceError):
    """No such object, or not one the actor may see: the two are not told apart."""


class Conflict(ServiceError):
    """The state of the case forbids it now: already completed, already deregistered, a replayed nonce."""


class Unavailable(ServiceError):
    """A part the service needs failed (rendering, sealing, storage); nothing was changed: try again."""
