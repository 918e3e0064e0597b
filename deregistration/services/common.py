"""What the services share: case numbers, the history's author, the errors' form."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from citizens.models import Person

from ..models import Application

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter


@dataclass(frozen=True)
class SubmitResult:
    application: Application
    created: bool
    # The application carries everything its answer shows (applicant, dwelling, subjects with their persons,
    # consents), loaded or just written: the door need not read it again.
    loaded: bool = False


def _new_number(prefix: str, length: int = 6) -> str:
    day = timezone.localdate()
    return f"{prefix}-{day:%Y%m%d}-{''.join(secrets.choice(NUMBER_ALPHABET) for _ in range(length))}"


def _account_of(person: Person) -> Any:
    return person.account if person.account_id else None


def _history_user(instance: Any, actor: Any) -> None:
    instance._history_user = actor if getattr(actor, "is_authenticated", False) else None


def _invalid(errors: Mapping[str, list[ValidationError]]) -> ValidationError:
    return ValidationError({field: list(items) for field, items in errors.items()})


def _prefetched(application: Application, **related: list[Any]) -> None:
    """Give ``application`` its related rows (``subjects=[…]``, ``consents=[…]``) as a ``prefetch_related``
    would, from rows already in memory: ``application.subjects.all()`` then reads no database."""
    cache = application.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in related.items():
        queryset = getattr(application, name).all()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[name] = queryset
