"""A case's history (who, when, what changed) and, for the supervisor, who opened it."""

import pytest

from .conftest import case_url, citizens_case

pytestmark = pytest.mark.django_db


def history_of(client, case) -> str:
    response = client.get(case_url(case, "history"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_history_shows_who_completed_the_case_and_what_changed(as_role, operator):
    case = citizens_case(operator, issue_slip=True)
    client = as_role("operator")
    client.post(case_url(case, "complete"))
    page = history_of(client, case)
    table = page[page.index('id="history"') :]
    assert "operator1" in table
    assert "<del>Submitted</del> → <ins>Completed</ins>" in table
    assert "<del>Pending</del> → <ins>Deregistered</ins>" in table
    assert "departure slip KP-" in table
    assert table.index("Submitted</ins>") < table.index("<ins>Completed</ins>")  # oldest first


def test_the_history_shows_a_refusal_with_its_reason(as_role, operator):
    case = citizens_case(operator)
    client = as_role("operator")
    client.post(
        case_url(case, "reject"), {"reason_code": "other", "comment": "The owner withdrew the application."}
    )
    page = history_of(client, case)
    assert "The owner withdrew the application." in page
    assert "<ins>Rejected</ins>" in page
    assert "<ins>Refused</ins>" in page  # the person's outcome


def test_only_the_supervisor_sees_who_opened_the_case(as_role, operator):
    case = citizens_case(operator)
    as_role("operator").get(case_url(case))
    assert 'id="reads"' not in history_of(as_role("operator"), case)
    page = history_of(as_role("supervisor"), case)
    reads = page[page.index('id="reads"') :]
    assert "operator1" in reads


def test_the_history_restores_nothing(as_role, operator):
    case = citizens_case(operator)
    client = as_role("admin")
    page = history_of(client, case)
    assert "<form" not in page[page.index('id="content"') :]
    assert client.post(case_url(case, "history"), {"status": "rejected"}).status_code == 403
    case.refresh_from_db()
    assert case.status == "submitted"
