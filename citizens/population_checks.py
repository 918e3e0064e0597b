"""The model's check constraints that span several fields, as Python predicates for the population import.

The database keeps the constraints (``models.py``); the import checks each record against these first, so that a
refusal names the record instead of failing the whole COPY. Each predicate is keyed by its constraint's name and
the refusal carries that constraint's own message. A test runs every predicate against Django's own
``constraint.validate()`` on the same values, and fails when a constraint is added without its predicate here
(or without being listed among those the field checks already imply).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .constants import KAZAKHSTAN, STATELESS, RecipientCategory, RegistrationKind
from .models import Dwelling, Person, Registration

Values = dict[str, Any]


def _category_matches_citizenship(v: Values) -> bool:
    category, citizenship = v["category"], v["citizenship"]
    return (
        (category == RecipientCategory.CITIZEN and citizenship == KAZAKHSTAN)
        or (category == RecipientCategory.FOREIGN_RESIDENT and citizenship not in (KAZAKHSTAN, STATELESS))
        or (category == RecipientCategory.STATELESS_RESIDENT and citizenship == STATELESS)
        or (category == RecipientCategory.REFUGEE and citizenship != KAZAKHSTAN)
    )


PERSON_CONSTRAINTS: dict[str, Callable[[Values], bool]] = {
    "person_category_matches_citizenship": _category_matches_citizenship,
}
REGISTRATION_CONSTRAINTS: dict[str, Callable[[Values], bool]] = {
    "registration_ends_after_start": lambda v: v["ended_on"] is None or v["ended_on"] >= v["registered_on"],
    "registration_end_reason_iff_ended": lambda v: (v["ended_on"] is None) == (v["end_reason"] == ""),
    "registration_valid_until_only_temporary": lambda v: (
        v["valid_until"] is None or v["kind"] == RegistrationKind.TEMPORARY
    ),
}
# Constraints that a record passing its field checks (validators, choices) cannot break, and the unique ones,
# which the import's set-based statements handle (matching by key, one active permanent registration).
IMPLIED_BY_FIELD_CHECKS = {
    "person_iin_12_digits",
    "person_sex_valid",
    "person_category_valid",
    "registration_kind_valid",
    "dwelling_kato_9_digits",
    "dwelling_address_code_digits",
}
HANDLED_IN_SQL = {"registration_one_active_permanent", "registration_unique_per_day"}
MIRRORED_MODELS = {Person: PERSON_CONSTRAINTS, Registration: REGISTRATION_CONSTRAINTS, Dwelling: {}}

_CONSTRAINTS = {c.name: c for model in MIRRORED_MODELS for c in model._meta.constraints}


def violated_constraints(predicates: dict[str, Callable[[Values], bool]], values: Values) -> list[str]:
    """The messages of the constraints ``values`` break (empty when none)."""
    return [
        str(_CONSTRAINTS[name].get_violation_error_message())
        for name, holds in predicates.items()
        if not holds(values)
    ]
