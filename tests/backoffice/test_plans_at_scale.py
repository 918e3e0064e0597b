"""Every list the back-office, the cabinet and the API show is read through an index, never a scan of the table:
checked on PostgreSQL's own plans (EXPLAIN) over a synthetic population, after ANALYZE."""

import pytest
from django.db import connection

from citizens.accounts import citizen_account_create
from citizens.models import Person
from deregistration.constants import QueueScope
from deregistration.models import ApplicationSubject
from deregistration.selectors import applications_queue, applications_visible_to, registry_records
from devtools.bulk import seed_bulk

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def population():
    seed_bulk(persons=6000, progress=False)  # 600 cases, 510 register records; ANALYZEd by seed_bulk
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ApplicationSubject.objects.select_related("person", "application__applicant").filter(
        application__status="completed"
    )[0]


def plan(queryset) -> str:
    return queryset.explain()


def test_the_iin_filter_reads_cases_through_their_indexes(population, operator):
    text = plan(applications_visible_to(actor=operator, iin=population.person.iin)[:21])
    assert "Seq Scan on deregistration_application" not in text, text
    assert "Index" in text
    # The same search by the applicant's IIN finds the case too, on the same plan.
    found = applications_visible_to(actor=operator, iin=population.application.applicant.iin)
    assert population.application in found


def test_the_open_queue_and_the_register_are_pages_of_an_index(population, operator):
    # 30 open cases of 600: scanning them is cheaper for the planner here, so ask whether an index can serve
    # the queue's order at all (at a million cases it is the only sensible plan).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    queue = plan(applications_queue(actor=operator, scope=QueueScope.OPEN)[:51])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert "application_open_by_deadline" in queue, queue
    newest = plan(applications_queue(actor=operator, scope=QueueScope.ALL)[:51])
    assert "Seq Scan on deregistration_application" not in newest, newest
    records = plan(registry_records(actor=operator, iin=population.person.iin)[:21])
    assert "registry_record_of_iin" in records, records
    assert "registry_record_newest" in plan(registry_records(actor=operator)[:21])


def test_the_person_list_in_its_default_order_and_a_cabinet_use_their_indexes(population):
    assert "person_by_name" in plan(Person.objects.all()[:51])
    owner = population.application.applicant
    citizen = citizen_account_create(iin=owner.iin, password="x", validate=False)
    cabinet = plan(applications_visible_to(actor=citizen)[:21])
    assert "Seq Scan on deregistration_application" not in cabinet, cabinet
    assert "application_of_applicant" in cabinet, cabinet
