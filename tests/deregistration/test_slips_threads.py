"""Slips from several threads at once (the production server runs threaded workers) and from several processes
(gunicorn and the Celery prefork pool fork their workers): threads take turns, one slip drawn at a time in a
process (pdf._render_lock; ReportLab is pure Python, so the GIL would have them take turns anyway), the step that
shares state between documents (ReportLab writing a font's subsets from the shared font file) is never entered by
two threads at once, and every PDF comes out whole, readable and sealed."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from io import BytesIO

import pytest
from pypdf import PdfReader

from deregistration import pdf
from deregistration.models import DepartureSlip
from deregistration.slips import slip_issue, slip_pdf
from tests.conftest import run_at_once, walk_in_case
from tests.deregistration.slip_samples import make_slip
from tests.factories import PersonFactory, RegistrationFactory

THREADS = 6
PROCESSES = 3
THREADS_PER_PROCESS = 2


def count_font_writes(monkeypatch) -> dict[str, int]:
    """How many threads write a font program into their document at once (ReportLab's ``TTFont.addObjects``, the
    real one, slowed a little so that unserialised writers would overlap), and how many slips were drawn."""
    from reportlab.pdfbase.ttfonts import TTFont

    from deregistration import slip_form

    original_write, original_draw = TTFont.addObjects, slip_form.draw_slip
    guard = threading.Lock()
    state = {"inside": 0, "most": 0, "writes": 0, "slips": 0, "drawing": 0, "most_drawing": 0}

    def counted_write(self, doc):
        with guard:
            state["inside"] += 1
            state["writes"] += 1
            state["most"] = max(state["most"], state["inside"])
        try:
            time.sleep(0.005)
            return original_write(self, doc)
        finally:
            with guard:
                state["inside"] -= 1

    def counted_draw(*args, **kwargs):
        with guard:
            state["slips"] += 1
            state["drawing"] += 1
            state["most_drawing"] = max(state["most_drawing"], state["drawing"])
        try:
            time.sleep(0.005)
            return original_draw(*args, **kwargs)
        finally:
            with guard:
                state["drawing"] -= 1

    monkeypatch.setattr(TTFont, "addObjects", counted_write)
    monkeypatch.setattr(slip_form, "draw_slip", counted_draw)
    return state


@pytest.fixture
def font_writes(monkeypatch):
    return count_font_writes(monkeypatch)


def text_of(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(document)).pages)


def numbered_slips(count: int, start: int = 0):
    return [
        make_slip(slip_number=f"КП-2026-{n:06d}", application_number=f"DR-2026-{n:07d}")
        for n in range(start, start + count)
    ]


def render_and_seal(data):
    return pdf.seal_pdf(pdf.render_slip_pdf(data))


def assert_each_whole_and_sealed(slips, documents, seal_files):
    for data, document in zip(slips, documents, strict=True):
        text = text_of(document)
        assert data.slip_number in text
        assert data.application_number in text
        assert "МЕКЕНЖАЙДАН КЕТУ ПАРАҒЫ" in text
        status = pdf.verify_pdf_seal(document, trust_roots_pem_paths=[seal_files / "ca.pem"])
        assert status.ok, status


def test_slips_rendered_from_several_threads_are_each_whole(font_writes, seal_files):
    slips = numbered_slips(THREADS)
    documents = run_at_once(*(partial(render_and_seal, data) for data in slips), timeout=120)
    assert not [d for d in documents if isinstance(d, Exception)], documents
    assert font_writes["slips"] == THREADS
    assert font_writes["writes"] == 2 * THREADS  # regular and bold, in each slip
    assert font_writes["most"] == 1  # never two font programs written at once in this process
    assert font_writes["most_drawing"] == 1  # one slip drawn at a time
    assert_each_whole_and_sealed(slips, documents, seal_files)


def render_in_threads_of_a_forked_process(slips):
    """In a child process: render and seal ``slips`` from one thread each, all at once. Returns the documents
    and the most threads that were writing a font program, or drawing a slip, together in this child."""
    with pytest.MonkeyPatch.context() as patch:
        state = count_font_writes(patch)
        documents = run_at_once(*(partial(render_and_seal, data) for data in slips), timeout=120)
    return documents, max(state["most"], state["most_drawing"])


def test_slips_rendered_in_several_processes_with_threads_are_each_whole(font_writes, seal_files):
    """A real process pool, forked after this process has rendered (so each child inherits registered fonts
    and their locks, as gunicorn's and Celery's workers do), each child rendering from two threads."""
    render_and_seal(numbered_slips(1, start=900)[0])  # the parent's fonts exist before the fork
    batches = [numbered_slips(THREADS_PER_PROCESS, start=n * 10) for n in range(PROCESSES)]
    with ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(render_in_threads_of_a_forked_process, batches, timeout=180))
    for slips, (documents, most_at_once) in zip(batches, results, strict=True):
        assert most_at_once == 1
        assert not [d for d in documents if isinstance(d, Exception)], documents
        assert_each_whole_and_sealed(slips, documents, seal_files)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_staff_issuing_slips_from_several_threads_get_each_their_own_whole_slip(
    household, operator, font_writes, seal_files
):
    movers = [household.tenant]
    for _ in range(THREADS - 1):
        person = PersonFactory()
        RegistrationFactory(person=person, dwelling=household.dwelling)
        movers.append(person)
    application = walk_in_case(operator, household, subjects=movers, complete=True)
    subjects = list(application.subjects.select_related("person").order_by("position"))

    slips = run_at_once(*(partial(slip_issue, actor=operator, subject=s) for s in subjects), timeout=120)
    assert not [s for s in slips if isinstance(s, Exception)], slips
    assert font_writes["slips"] == THREADS
    assert font_writes["most"] == 1
    assert DepartureSlip.objects.count() == THREADS
    assert set(application.subjects.values_list("slip_status", flat=True)) == {"issued"}
    for subject, slip in zip(subjects, slips, strict=True):
        document = slip_pdf(actor=operator, slip=slip)
        text = text_of(document)
        assert subject.person.iin in text
        assert slip.number in text
        assert pdf.verify_pdf_seal(document, trust_roots_pem_paths=[seal_files / "ca.pem"]).ok
