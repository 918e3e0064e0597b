"""A fingerprint of the domain's tables (row count and a digest of every row), to prove a refusal changed nothing."""

from __future__ import annotations

import hashlib

from django.apps import apps

# Tables a refused request may still write to, by design: the audit log (reads are audited, refusals too).
NOT_DOMAIN = {"citizens.AuditEvent"}


def domain_models():
    return [
        model
        for label in ("citizens", "deregistration")
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in NOT_DOMAIN
    ]


def db_state() -> dict[str, tuple[int, str]]:
    """``{model label: (rows, sha-256 of every row's values in key order)}`` for every domain table."""
    state = {}
    for model in domain_models():
        names = [f.attname for f in model._meta.concrete_fields]
        rows = list(model._default_manager.order_by("pk").values_list(*names))
        state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16])
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))
