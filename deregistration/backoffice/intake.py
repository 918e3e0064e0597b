"""Walk-in intake: the operator (or migration officer) opens a case for the person across the desk.

Two screens. "New case": the kind of case and the applicant's exact IIN. Then one screen per kind of case: the
applicant's data for the check against the person and their document; the dwelling and who is registered there
(an owner's application, a court decision) or the applicant's address and the children under 16 who leave with
them (leaving the country); the co-owners' answers given at the counter; the checklist of documents of that
kind of case and of each person (``rules.CASE_DOCUMENTS``, ``rules.subject_document_type``,
``rules.DOCUMENT_SPECS``), each with an optional scan; the departure slip.

The screen submits through ``scans.application_submit_with_scans`` (``application_submit``, the API's service):
every error it reports is put beside the field it names (``documents[2].number`` beside that document's number,
``subjects[0]`` beside that person, ``consents[0].identity_document.number`` beside that co-owner's document),
in the operator's language, and nothing is stored until everything is right.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens import selectors as register
from citizens.audit import reads_note
from citizens.models import Dwelling, Person, Registration

from .. import rules
from ..constants import CaseType, Channel, DocumentType
from ..errors import Conflict, NotAllowed
from ..roles import role_of
from ..scans import application_submit_with_scans
from .forms import CONSENT_FIELDS, CounterConsentForm, DocumentForm, IdentifyForm, IntakeForm

START_TEMPLATE = "admin/deregistration/application/intake_start.html"
SCREEN_TEMPLATE = "admin/deregistration/application/intake.html"


def _may_open_cases(request) -> None:
    if not request.user.has_perm("deregistration.add_application"):
        raise PermissionDenied


def _render(model_admin: Any, request, template: str, context: dict[str, Any], status: int = 200):
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(
        request,
        template,
        {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **context},
        status=status,
    )


# --- Step 1: who applies, for what ----------------------------------------------------------------------------


def start_view(model_admin: Any, request) -> HttpResponse:
    """``add/``: the "new case" page (GET only; its form is sent to ``identify_view``)."""
    _may_open_cases(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return _render(model_admin, request, START_TEMPLATE, {"title": _("New case"), "form": IdentifyForm()})


def identify_view(model_admin: Any, request) -> HttpResponse:
    """The applicant, found by the exact IIN; then the screen of the kind of case (POST, then redirect)."""
    _may_open_cases(request)
    form = IdentifyForm(request.POST)
    if form.is_valid():
        person = register.person_get(iin=form.cleaned_data["applicant_iin"])
        if person is not None:
            url = reverse(
                "admin:deregistration_application_intake", args=[form.cleaned_data["case_type"], person.pk]
            )
            return redirect(url)
        form.add_error("applicant_iin", _("No person with this IIN in the register."))
    return _render(model_admin, request, START_TEMPLATE, {"title": _("New case"), "form": form}, status=400)


# --- Step 2: the case -----------------------------------------------------------------------------------------


@dataclass
class SubjectRow:
    person: Person
    registration: Registration | None
    age: int
    selectable: bool
    note: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class DocumentBlock:
    doc_type: str
    holder: Person | None
    label: str
    form: DocumentForm


@dataclass
class CoOwnerBlock:
    person: Person
    form: CounterConsentForm


@dataclass
class Screen:
    case_type: str
    applicant: Person
    dwelling: Dwelling | None = None
    dwellings: list[Dwelling] = field(default_factory=list)  # to choose from, when the applicant owns several
    rows: list[SubjectRow] = field(default_factory=list)
    blocks: list[DocumentBlock] = field(default_factory=list)
    co_owners: list[CoOwnerBlock] = field(default_factory=list)
    form: IntakeForm | None = None
    problem: str = ""

    @property
    def fixed_subjects(self) -> list[str]:
        """Persons always among the subjects: the person leaving the country."""
        return [r.person.iin for r in self.rows if not r.selectable and r.note == "leaving"]


def _document_initial(doc_type: str, holder: Person | None, applicant: Person) -> dict[str, Any]:
    """What the register already says about a document, for the operator to check against the paper."""
    if doc_type == DocumentType.APPLICANT_IDENTITY_DOCUMENT:
        holder = applicant
    elif doc_type == DocumentType.OWNER_APPLICATION_FORM:
        return {"issued_on": timezone.localdate()}
    elif (
        doc_type not in (DocumentType.SURRENDERED_IDENTITY_DOCUMENT, DocumentType.CHILD_PASSPORT)
        or not holder
    ):
        return {}
    initial = {
        "number": holder.document_number,
        "issued_on": holder.document_issued_on,
        "issued_by": holder.document_issued_by,
    }
    if doc_type == DocumentType.SURRENDERED_IDENTITY_DOCUMENT:
        initial["document_type"] = rules.IDENTITY_DOCUMENT_OF_CATEGORY[holder.category]
    return initial


def _screen(request, case_type: str, applicant: Person) -> Screen:
    """Who and what the screen shows for this kind of case and applicant (bound to the POST when there is one)."""
    screen = Screen(case_type=case_type, applicant=applicant)
    today = timezone.localdate()
    if case_type == CaseType.EMIGRATION:
        registration = register.active_registrations_of(person=applicant).first()
        if registration is None:
            screen.problem = _("This person has no active registration: there is nothing to deregister.")
            return screen
        screen.dwelling = registration.dwelling
        screen.rows.append(SubjectRow(applicant, registration, applicant.age_on(today), False, "leaving"))
        for other in register.active_registrations_at(dwelling=screen.dwelling):
            age = other.person.age_on(today)
            if other.person_id != applicant.pk and age < rules.CHILD_AGE_LIMIT:
                screen.rows.append(SubjectRow(other.person, other, age, True))
    else:
        owned = list(register.dwellings_owned_by(person=applicant))
        if not owned:
            screen.problem = _("This person owns no dwelling in the register.")
            return screen
        wanted = request.GET.get("dwelling", "")
        chosen = next((d for d in owned if str(d.pk) == wanted), owned[0] if len(owned) == 1 else None)
        if chosen is None:
            screen.dwellings = owned
            return screen
        screen.dwelling = chosen
        for registration in chosen.active_registrations:
            person = registration.person
            if person.pk == applicant.pk:  # shown, not offered: the owner does not apply against themselves
                screen.rows.append(SubjectRow(person, registration, person.age_on(today), False, "applicant"))
            else:
                screen.rows.append(SubjectRow(person, registration, person.age_on(today), True))
        if case_type == CaseType.OWNER_APPLICATION:
            data = request.POST if request.method == "POST" else None
            for ownership in (o for o in chosen.current_ownerships if o.person_id != applicant.pk):
                co_owner = ownership.person
                initial = {
                    "id_type": co_owner.document_type,
                    "id_number": co_owner.document_number,
                    "id_issued_on": co_owner.document_issued_on,
                    "id_issued_by": co_owner.document_issued_by,
                }
                form = CounterConsentForm(data, prefix=f"consent-{co_owner.pk}", initial=initial)
                screen.co_owners.append(CoOwnerBlock(co_owner, form))
    if request.method == "POST":
        _add_gone(request, screen, today)
    _add_documents(request, screen)
    data = request.POST if request.method == "POST" else None
    screen.form = IntakeForm(
        data,
        initial={"idempotency_key": uuid.uuid4().hex, "issue_slip": False},
        subject_choices=[(r.person.iin, r.person.full_name) for r in screen.rows if r.selectable],
    )
    return screen


def _add_gone(request, screen: Screen, today) -> None:
    """Persons the operator ticked who are no longer on the screen (deregistered meanwhile, at another desk):
    their rows stay, so that the service's answer about them is shown on them."""
    shown = {r.person.iin for r in screen.rows}
    posted = [iin for iin in request.POST.getlist("subjects") if iin not in shown]
    for person in register.persons_by_iin(iins=posted).values():
        screen.rows.append(SubjectRow(person, None, person.age_on(today), True, "gone"))


def _add_documents(request, screen: Screen) -> None:
    """The checklist: the documents of the kind of case, then each person's (leaving the country)."""
    wanted: list[tuple[str, Person | None]] = [(t, None) for t in rules.CASE_DOCUMENTS[screen.case_type]]
    for row in screen.rows:
        doc_type = rules.subject_document_type(case_type=screen.case_type, age=row.age)
        if doc_type is not None:
            wanted.append((doc_type, row.person))
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    for doc_type, holder in wanted:
        identity = rules.IDENTITY_DOCUMENT_OF_CATEGORY[holder.category] if holder else ""
        label = rules.document_name(doc_type, identity_document=identity)
        form = DocumentForm(
            data,
            files,
            prefix=f"doc-{doc_type}-{holder.pk}" if holder else f"doc-{doc_type}",
            fields=rules.DOCUMENT_SPECS[doc_type].required,
            initial=_document_initial(doc_type, holder, screen.applicant),
        )
        screen.blocks.append(DocumentBlock(doc_type, holder, label, form))


def _submit_channel(actor: Any, case_type: str, persons: list[Person]) -> str:
    """The channel the actor submits in: their role's (``rules.ROLE_SUBMIT_CHANNELS``); for a role with several
    (an administrator), the first the passport allows for these persons (``rules.channel_refusal``)."""
    allowed = [c for c in Channel if c in rules.ROLE_SUBMIT_CHANNELS.get(role_of(actor), frozenset())]
    categories = [p.category for p in persons]
    for channel in allowed:
        if rules.channel_refusal(case_type=case_type, channel=channel, categories=categories) is None:
            return channel
    return allowed[0] if allowed else Channel.STATE_CORPORATION


_INDEXED = re.compile(r"(documents|consents|subjects)\[(\d+)\](?:\.(.+))?")


def _attach(
    invalid: ValidationError,
    screen: Screen,
    sent_documents: list[DocumentBlock],
    sent_consents: list[CoOwnerBlock],
    subjects: list[str],
) -> None:
    """Each error of the service beside the field it names; what names no field of this screen, at the top."""
    rows = {r.person.iin: r for r in screen.rows}
    for key, problems in invalid.error_dict.items():
        match = _INDEXED.fullmatch(key)
        form, name = screen.form, key if key in screen.form.fields else None
        if match:
            kind, index, rest = match.group(1), int(match.group(2)), match.group(3) or ""
            if kind == "subjects" and index < len(subjects) and subjects[index] in rows:
                rows[subjects[index]].errors.extend(m for p in problems for m in p.messages)
                continue
            if kind == "documents" and index < len(sent_documents):
                form = sent_documents[index].form
                name = rest if rest in form.fields else None
            elif kind == "consents" and index < len(sent_consents):
                form = sent_consents[index].form
                part, _dot, sub = rest.partition(".")
                name = (
                    CONSENT_FIELDS.get(part, {}).get(sub)
                    if sub
                    else ("decision" if part == "decision" else None)
                )
        if key == "documents":
            problems = _on_blocks(problems, screen.blocks)
        for problem in problems:
            form.add_error(name, problem)


def _on_blocks(problems: list[ValidationError], blocks: list[DocumentBlock]) -> list[ValidationError]:
    """Put each error about a document of the checklist (its type and holder in the error's ``params``) on that
    document's block; return the others."""
    left = []
    for problem in problems:
        params = problem.params or {}
        block = next(
            (
                b
                for b in blocks
                if b.doc_type == params.get("document")
                and (b.holder.iin if b.holder else "") == params.get("iin", "")
            ),
            None,
        )
        if block is None:
            left.append(problem)
        else:
            block.form.add_error(None, problem)
    return left


def intake_view(model_admin: Any, request, case_type: str, person_id: int) -> HttpResponse:
    """The screen of one kind of case (GET), and its submission (POST): a case, or every error beside its field."""
    _may_open_cases(request)
    if case_type not in CaseType.values:
        raise Http404
    applicant = Person.objects.filter(pk=person_id).first()
    if applicant is None:
        raise Http404
    screen = _screen(request, case_type, applicant)
    shown = [r.registration or r.person for r in screen.rows]
    reads_note(request, [applicant, *shown, *(c.person for c in screen.co_owners)])
    status = 200
    if request.method == "POST" and screen.form is not None:
        result = _submit(request, screen)
        if result is not None:
            return result
        status = 400
    context = {
        "title": _("New case: %(kind)s") % {"kind": CaseType(case_type).label},
        "screen": screen,
        "slip_always": rules.slip_is_issued(case_type=case_type, requested=False),
        "errors": _summary(screen),
    }
    return _render(model_admin, request, SCREEN_TEMPLATE, context, status=status)


def _submit(request, screen: Screen) -> HttpResponse | None:
    form = screen.form
    forms_valid = [
        form.is_valid(),
        *(b.form.is_valid() for b in screen.blocks),
        *(c.form.is_valid() for c in screen.co_owners),
    ]
    if not all(forms_valid):
        return None
    ticked = set(form.cleaned_data["subjects"]) | set(screen.fixed_subjects)
    subjects = [r.person.iin for r in screen.rows if r.person.iin in ticked]
    documents, sent_documents, scans = [], [], {}
    for block in screen.blocks:
        if block.holder is not None and block.holder.iin not in ticked:
            continue  # the document of a person not named in the case
        item = {"type": block.doc_type, **block.form.payload()}
        if block.holder is not None:
            item["iin"] = block.holder.iin
        if block.form.cleaned_data.get("scan"):
            scans[len(documents)] = block.form.cleaned_data["scan"]
        documents.append(item)
        sent_documents.append(block)
    consents, sent_consents = [], []
    for block in screen.co_owners:
        consent = block.form.payload(block.person.iin)
        if consent is not None:
            consents.append(consent)
            sent_consents.append(block)
    persons = [screen.applicant, *(r.person for r in screen.rows if r.person.iin in ticked)]
    try:
        result = application_submit_with_scans(
            actor=request.user,
            scans=scans,
            case_type=screen.case_type,
            channel=_submit_channel(request.user, screen.case_type, persons),
            address_code=screen.dwelling.address_code,
            applicant_iin=screen.applicant.iin,
            subjects=subjects,
            documents=documents,
            consents=consents or None,
            issue_slip=form.cleaned_data["issue_slip"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except ValidationError as invalid:
        _attach(invalid, screen, sent_documents, sent_consents, subjects)
        return None
    except (NotAllowed, Conflict) as refusal:
        form.add_error(None, refusal.message)
        return None
    application = result.application
    messages.success(
        request,
        _("Case %(number)s was opened: %(status)s.")
        % {"number": application.number, "status": application.get_status_display()},
    )
    return redirect("admin:deregistration_application_change", application.pk)


def _summary(screen: Screen) -> list[tuple[str, str]]:
    """Every error of the screen as (the id of the field it belongs to, the message), for the list at the top."""
    found: list[tuple[str, str]] = []
    forms = [screen.form] if screen.form is not None else []
    forms += [b.form for b in screen.blocks] + [c.form for c in screen.co_owners]
    for form in forms:
        if not form.is_bound:
            continue
        for name, errors in form.errors.items():
            anchor = form[name].auto_id if name in form.fields else f"{form.prefix or 'case'}-errors"
            found.extend((anchor, str(message)) for message in errors)
    for row in screen.rows:
        found.extend((f"subject-{row.person.pk}", message) for message in row.errors)
    return found
