"""Schemathesis fuzzes every operation of the OpenAPI schema as each caller: anonymous, a citizen, an operator, a
migration officer and a supervisor (issue 14).

Bounded so that it runs in the ordinary test suite: per operation and caller, ``POSITIVE_EXAMPLES`` requests
that fit the schema and ``NEGATIVE_EXAMPLES`` that break it, derandomised (the same requests on every run), no
deadline. Each response must not be a 5xx and must conform to the schema: a documented status code, the
documented content type, headers and body; an endpoint that needs credentials must refuse a call without them.
After every refusal (4xx) the domain's tables are as they were before the call (``tests.db_state``).
"""

import time

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from deregistration.tokens import api_token_issue
from tests.conftest import citizen_account
from tests.db_state import changed_tables, db_state

from .conftest import new_home, walk_in

pytestmark = pytest.mark.django_db

POSITIVE_EXAMPLES = 12
NEGATIVE_EXAMPLES = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]


@pytest.fixture
def wsgi_in_test_transaction():
    """Schemathesis calls the WSGI application itself, not Django's test client: keep Django from closing the
    test's database connection (and its transaction) at the start and end of each request, as the client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def token_header(user) -> dict[str, str]:
    return {"Authorization": f"Token {api_token_issue(user=user)}"}


def test_every_operation_survives_fuzzing_as_each_role_and_a_refusal_changes_nothing(
    operator, migration_officer, supervisor, wsgi_in_test_transaction
):
    # Some real objects, so that lists have rows and the citizen has a dwelling and cases.
    home = new_home(co_owned=True)
    owner = citizen_account(home.owner)
    citizen_account(home.co_owner)
    walk_in(operator, home)
    walk_in(operator, new_home(owner=home.owner), complete=True)
    callers = {
        "anonymous": {},
        "citizen": token_header(owner),
        "operator": token_header(operator),
        "migration": token_header(migration_officer),
        "supervisor": token_header(supervisor),
    }

    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_in_test_transaction)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 18

    calls = refusals = 0
    state = db_state()
    started = time.monotonic()
    for operation in operations:
        for mode, examples in (
            (GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
        ):

            @hypothesis.settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case):
                nonlocal calls, refusals, state
                for role, headers in callers.items():
                    response = case.call_and_validate(headers=headers, checks=CHECKS)
                    calls += 1
                    after = db_state()
                    if 400 <= response.status_code < 500:
                        refusals += 1
                        changed = changed_tables(state, after)
                        assert not changed, f"{case.method} {case.formatted_path} as {role}: {changed}"
                    state = after

            try:
                fuzz()
            except hypothesis.errors.Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # an operation with no input has nothing to break
    elapsed = time.monotonic() - started
    print(f"schemathesis: {len(operations)} operations, {calls} calls, {refusals} refusals, {elapsed:.1f} s")
    assert calls >= len(operations) * len(callers) * POSITIVE_EXAMPLES
    assert refusals > calls // 4
