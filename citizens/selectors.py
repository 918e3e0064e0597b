"""Reads of the population register. Other apps use the register through these and ``services``."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from .constants import RegistrationKind
from .models import Dwelling, Ownership, Person, Registration


def person_get(*, iin: str) -> Person | None:
    return Person.objects.filter(iin=iin).first()


def persons_by_iin(*, iins: Iterable[str]) -> dict[str, Person]:
    return {p.iin: p for p in Person.objects.filter(iin__in=list(iins))}


def dwelling_get(*, address_code: str) -> Dwelling | None:
    return Dwelling.objects.filter(address_code=address_code).first()


def current_ownerships(*, dwelling: Dwelling) -> QuerySet[Ownership]:
    return dwelling.ownerships.filter(until__isnull=True).select_related("person").order_by("person__iin")


def dwelling_current_owners(*, dwelling: Dwelling) -> list[Person]:
    return [o.person for o in current_ownerships(dwelling=dwelling)]


def person_owns_dwelling(*, person: Person, dwelling: Dwelling) -> bool:
    return dwelling.ownerships.filter(person=person, until__isnull=True).exists()


def active_registrations_at(*, dwelling: Dwelling) -> QuerySet[Registration]:
    return (
        Registration.objects.active()
        .filter(dwelling=dwelling)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "person__iin")
    )


def active_registration(*, person: Person, dwelling: Dwelling, kind: str) -> Registration | None:
    """The person's active registration of ``kind`` (permanent or temporary) at the dwelling, or None."""
    return (
        Registration.objects.active()
        .filter(person=person, dwelling=dwelling, kind=kind)
        .order_by("-registered_on")
        .first()
    )


def dwellings_owned_by(*, person: Person) -> QuerySet[Dwelling]:
    """The dwellings the person owns now, each with its current ownerships and active registrations prefetched."""
    return (
        Dwelling.objects.filter(ownerships__person=person, ownerships__until__isnull=True)
        .prefetch_related(
            Prefetch(
                "ownerships",
                queryset=Ownership.objects.filter(until__isnull=True).select_related("person"),
                to_attr="current_ownerships",
            ),
            Prefetch(
                "registrations",
                queryset=Registration.objects.active()
                .select_related("person")
                .order_by("person__last_name", "person__first_name"),
                to_attr="active_registrations",
            ),
        )
        .order_by("address_code")
        .distinct()
    )


def latest_permanent_registration(*, person: Person) -> Registration | None:
    """The person's most recent permanent registration, active or ended, with its dwelling."""
    return (
        Registration.objects.filter(person=person, kind=RegistrationKind.PERMANENT)
        .select_related("dwelling")
        .order_by("-registered_on", "-id")
        .first()
    )
