"""Reads of the population register. Other apps use the register through these and ``services``."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform

from .constants import RegistrationKind
from .models import AuditEvent, Dwelling, Ownership, Person, Registration


def person_get(*, iin: str) -> Person | None:
    return Person.objects.filter(iin=iin).first()


def persons_by_iin(*, iins: Iterable[str]) -> dict[str, Person]:
    """The persons with these IINs. A value that cannot be an IIN (anything but 12 ASCII digits: a posted
    form's stray text, a NUL that PostgreSQL refuses in a query) finds nobody without asking the database."""
    wanted = [
        iin for iin in iins if isinstance(iin, str) and len(iin) == 12 and iin.isascii() and iin.isdigit()
    ]
    return {p.iin: p for p in Person.objects.filter(iin__in=wanted)} if wanted else {}


def dwelling_get(*, address_code: str) -> Dwelling | None:
    return Dwelling.objects.filter(address_code=address_code).first()


def current_ownerships(*, dwelling: Dwelling) -> QuerySet[Ownership]:
    return dwelling.ownerships.filter(until__isnull=True).select_related("person").order_by("person__iin")


def current_ownerships_at(*, address_code: str) -> list[Ownership]:
    """The current ownerships of the dwelling with this address code, each with its dwelling and owner, in
    the owners' IIN order: one query for "which dwelling" and "who owns it now". Empty for a code nobody has
    and for a dwelling nobody owns now."""
    return list(
        Ownership.objects.filter(dwelling__address_code=address_code, until__isnull=True)
        .select_related("dwelling", "person")
        .order_by("person__iin")
    )


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


def active_registrations_by_iin(
    *, dwelling: Dwelling, iins: Iterable[str], kind: str
) -> dict[str, Registration]:
    """The active registrations of ``kind`` at the dwelling of the persons with these IINs, by IIN, each with
    its person: one query answers "who of them is registered here" where ``persons_by_iin`` and an
    ``active_registration`` per person took one each. Of several, the latest, as ``active_registration``."""
    wanted = [
        iin for iin in iins if isinstance(iin, str) and len(iin) == 12 and iin.isascii() and iin.isdigit()
    ]
    if not wanted:
        return {}
    rows = (
        Registration.objects.active()
        .filter(dwelling=dwelling, kind=kind, person__iin__in=wanted)
        .select_related("person")
        .order_by("registered_on", "id")
    )
    return {r.person.iin: r for r in rows}  # in date order: the latest one stays


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
    return owned_dwellings(person.pk).prefetch_related(*dwelling_prefetches())


def owned_dwellings(person_id: int) -> QuerySet[Dwelling]:
    """The dwellings the person owns now, without their prefetches (``dwelling_prefetches``)."""
    return (
        Dwelling.objects.filter(ownerships__person_id=person_id, ownerships__until__isnull=True)
        .order_by("address_code")
        .distinct()
    )


def dwelling_prefetches() -> list[Prefetch]:
    """A dwelling's current ownerships and active registrations, as ``current_ownerships`` and
    ``active_registrations``."""
    return [
        Prefetch(
            "ownerships",
            queryset=Ownership.objects.filter(until__isnull=True).select_related("person").order_by("id"),
            to_attr="current_ownerships",
        ),
        Prefetch(
            "registrations",
            queryset=Registration.objects.active()
            .select_related("person")
            .order_by("person__last_name", "person__first_name", "person__iin", "id"),
            to_attr="active_registrations",
        ),
    ]


def audit_reads_of(*, person: Person) -> QuerySet[AuditEvent]:
    """The audit rows of staff reads that showed this person's data (one object or a list), newest first.

    A read names the persons it showed in ``details["persons"]`` (``citizens.audit``); PostgreSQL looks them up
    with JSON containment, SQLite (development) with a pattern over the same list.
    """
    shown = Q(object_type=Person._meta.label_lower, object_id=str(person.pk))
    queryset = AuditEvent.objects.filter(action__regex=r"\.(view|list)$")
    if connection.vendor == "postgresql":
        shown |= Q(details__persons__contains=[person.pk])
    else:
        queryset = queryset.annotate(_persons=KeyTextTransform("persons", "details"))
        shown |= Q(_persons__regex=rf"(^|[\[,\s]){person.pk}([,\]\s]|$)")
    return queryset.filter(shown).select_related("actor").order_by("-at", "-id")


def active_registrations_of(*, person: Person) -> QuerySet[Registration]:
    """The person's active registrations, each with its dwelling, the permanent one first."""
    return (
        Registration.objects.active()
        .filter(person=person)
        .select_related("dwelling")
        .order_by("kind", "-registered_on")
    )


def rows_of_person_or_dwelling(queryset: QuerySet, *, term: str) -> QuerySet:
    """The rows of ``queryset`` (registrations, ownerships) of the person with this exact IIN or of the dwelling
    with this exact address code. Both are looked up first on their unique indexes, so that the rows are found
    on the foreign-key indexes (an ``OR`` across joins, or of subqueries, would scan the table)."""
    person_ids = list(Person.objects.filter(iin=term).values_list("pk", flat=True))
    dwelling_ids = list(Dwelling.objects.filter(address_code=term).values_list("pk", flat=True))
    return queryset.filter(Q(person_id__in=person_ids) | Q(dwelling_id__in=dwelling_ids))


def latest_permanent_registration(*, person: Person) -> Registration | None:
    """The person's most recent permanent registration, active or ended, with its dwelling."""
    return (
        Registration.objects.filter(person=person, kind=RegistrationKind.PERMANENT)
        .select_related("dwelling")
        .order_by("-registered_on", "-id")
        .first()
    )
